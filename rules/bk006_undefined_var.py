from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import (
    Category,
    LintContext,
    Problem,
    Rule,
    RuleOptions,
    Severity,
    Stage,
    Step,
    option,
)
from dockerlens.lint.stages import inherited_names, possible_bases
from dockerlens.lint.suggest import suggest
from dockerlens.model import Variable, expand_word
from dockerlens.semantics.official_images import image_environment
from dockerlens.syntax.lexer import Lexer, LexError

_HEREDOC_WORD = LazyPattern(r"^\d*<<-?\S")


class UndefinedVar(Rule):
    """An instruction that BuildKit expands uses a variable that nothing defines.

    ## What it does
    Flags `$name` and `${name...}` in the instructions BuildKit expands itself (`ENV`, `LABEL`,
    `ARG` defaults, `COPY` and `ADD` paths, flags and unquoted heredocs, `WORKDIR`, `USER`,
    `VOLUME`, `STOPSIGNAL`, `RUN --mount` options) when no `ARG` or `ENV` of the stage (or of
    the stage it is built from) defines it: BuildKit's `UndefinedVar` build check. Like
    BuildKit, it suggests a defined name that is close (`$PAHT` -> did you mean `$PATH`?).
    The commands of `RUN`, `CMD` and `ENTRYPOINT` are left alone: the shell expands the shell
    form, and BuildKit never expands the exec form.

    Stages built on an image inherit that image's environment, which dockerlens does not see.
    There, it reports only the names it can tell are mistakes: a global `ARG` that the stage
    did not declare again, a name that the stage defines only later (unless this `ENV` extends
    it with its own inherited value, `LD_LIBRARY_PATH=/opt/lib:${LD_LIBRARY_PATH}`; or one
    defined earlier in the same `ENV`, whose pairs all see the environment from before the
    instruction), and a likely typo
    of a defined name (`$DIR_ASSET` for `DIR_ASSETS`, but not `$GOPATH` for `PATH`). The
    `strict` option reports every name, as BuildKit would for an image that sets no such
    variable.

    ## Why is this bad?
    An undefined variable expands to an empty string without any error: `COPY $SRC /app`
    copies the whole context, `WORKDIR $APP_HOME` goes to `/`, `ENV PATH=$PAHT:/opt/bin` drops
    the system path. Global `ARG`s are the classic case: they are visible to `FROM` lines
    only, until a stage declares them again with a bare `ARG NAME`.

    ## Example
    ```dockerfile lines=2
    FROM alpine:3.20
    COPY $SRC /app/
    ARG SRC=build/
    ```

    ```dockerfile lines=3
    ARG VERSION=1.4.2
    FROM alpine:3.20
    LABEL org.opencontainers.image.version=$VERSION
    ```

    ```dockerfile lines=2
    FROM alpine:3.20
    ENV PATH=$PAHT:/opt/app/bin
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG SRC=build/
    COPY $SRC /app/
    ```

    ```dockerfile
    ARG VERSION=1.4.2
    FROM alpine:3.20
    ARG VERSION
    LABEL org.opencontainers.image.version=$VERSION
    ```

    ```dockerfile
    FROM alpine:3.20
    ENV PATH=$PATH:/opt/app/bin
    ```

    ## Differences from BuildKit
    - BuildKit reads the base image's environment from the registry; dockerlens does not (see
      above and the `strict` option). Every stage is assumed to have `PATH`. A global `ARG`
      used in a stage that did not declare it again is reported even on an image that might
      set a variable of that name (BuildKit would then silently use the image's value),
      unless the image is an official one known to set it (`ARG JAVA_HOME` on `tomcat`,
      `ARG PYTHON_VERSION` on `python`: `dockerlens.semantics.official_images`).
    - A name is reported once per instruction, where BuildKit may repeat it for each word.
    - Build arguments given on the command line are not consulted for `ARG` defaults.
    - Proxy variables (`HTTP_PROXY`...) count as defined.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/undefined-var/
    """

    code = "BK006"
    name = "undefined-var"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Variables should be defined before their use"
    on = frozenset(
        {"ENV", "LABEL", "ARG", "COPY", "ADD", "WORKDIR", "USER", "VOLUME", "STOPSIGNAL", "RUN"}
    )
    buildkit_name = "UndefinedVar"

    class Options(RuleOptions):
        strict: bool = option(
            False,
            doc=(
                "Also report names in stages built on an image, whose environment "
                "dockerlens cannot see (BuildKit reads it from the registry and stays silent "
                "for the variables the image sets)."
            ),
        )

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: The ARGs each stage inherits, by stage index.
        self._inherited: dict[int, list[str]] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or "$" not in step.instruction.original:
            return  # no variable is used: most instructions
        scope = dict(step.variables)
        inherited = self._inherited.get(stage.index)
        if inherited is None:
            inherited = self._inherited[stage.index] = inherited_names(ctx, stage)
        for name in inherited:
            scope.setdefault(name, Variable(name, None, None, "arg"))
        found: list[str] = []
        #: Names this very instruction defines before using them (``ENV A=1 B=$A``).
        too_early: set[str] = set()
        #: Names an ``ENV`` pair extends with its own earlier value (``X=/opt/lib:${X}``): it
        #: means the value the base image set, so a later definition is no evidence.
        extended: set[str] = set()

        def expand(word: str) -> set[str]:
            _, _, unmatched = expand_word(word, scope, step.escape)
            found.extend(n for n in sorted(unmatched) if n not in found)
            return unmatched

        instruction = step.instruction
        keyword = step.keyword
        if keyword in ("ENV", "LABEL"):
            keys: set[str] = set()
            for key, value, _sep in instruction.pairs:
                used = expand(key) | expand(value)
                too_early.update(used & keys)
                if keyword == "ENV":
                    keys.add(key)
                    extended.update(used & {key})
        elif keyword == "ARG":
            for word in instruction.value:
                name, has_default, default = word.partition("=")
                if has_default:
                    expand(default)
                if name:
                    scope[name] = Variable(name, None, step.index, "arg")
        elif keyword in ("COPY", "ADD"):
            names = ("chown", "chmod", "checksum") if keyword == "ADD" else ("chown", "chmod")
            for flag in instruction.flags:
                key, _, value = flag[2:].partition("=")
                if key in names:
                    expand(value)
            for word in instruction.value:
                if not _is_heredoc(word):
                    expand(word)
            raw = Lexer("\\", skip_process_quotes=True)
            env = {name: variable.value for name, variable in scope.items()}
            for doc in instruction.heredocs:
                if not doc.expand:
                    continue
                try:
                    result = raw.process_word(doc.body(), env)
                except LexError:
                    continue
                found.extend(n for n in sorted(result.unmatched) if n not in found)
        elif keyword == "RUN":
            for flag in instruction.flags:
                if flag.startswith("--mount="):
                    for option in flag[len("--mount=") :].split(","):
                        _, has_value, value = option.partition("=")
                        if has_value:
                            expand(value)
        else:
            for word in instruction.value:
                expand(word)
        if not found:
            return
        known = self.options.strict or _env_is_known(ctx, stage)
        later = _defined_later(ctx, stage, step)
        from_image = _image_environment(ctx, stage) if not known else frozenset()
        options = list(scope)
        for name in found:
            match = suggest(name, options)
            # On an image, `$GOPATH` next to a defined `PATH` is more likely the image's own
            # variable than a typo: a name that merely extends a defined one is no evidence.
            typo = bool(match) and match not in name
            defined_later = name in later and name not in extended
            global_arg = name in ctx.dockerfile.global_args and name not in from_image
            if not known and not (typo or defined_later or name in too_early or global_arg):
                continue
            message = f"Usage of undefined variable '${name}'"
            if match:
                message += f" (did you mean ${match}?)"
            at = f"${{{name}" if f"${{{name}" in instruction.original else f"${name}"
            yield Problem(step, message=message, at=at)


def _is_heredoc(word: str) -> bool:
    return _HEREDOC_WORD.match(word) is not None


def _env_is_known(ctx: LintContext, stage: Stage) -> bool:
    """True when the stage's environment comes from the Dockerfile alone (built on scratch)."""
    bases = possible_bases(ctx, stage)
    if not bases:
        return stage.base_stage is None and stage.is_scratch
    return all(_env_is_known(ctx, base) for base in bases)


def _image_environment(ctx: LintContext, stage: Stage) -> frozenset[str]:
    """What the official image the stage is built on (through its stages) sets in its
    environment, as far as the catalogue knows."""
    return image_environment(ctx.lineage(stage)[-1].base_ref)


def _defined_later(ctx: LintContext, stage: Stage, step: Step) -> set[str]:
    names: set[str] = set()
    for later in ctx.stage_steps(stage):
        if later.index <= step.index or later.instruction.sub_cmd is not None:
            continue
        if later.keyword == "ARG":
            names.update(w.partition("=")[0] for w in later.instruction.value)
        elif later.keyword == "ENV":
            names.update(key for key, _value, _sep in later.instruction.pairs)
    return names
