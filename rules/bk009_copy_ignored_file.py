from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.dockerignore import PatternMatcher, clean
from dockerlens.lint.layers import (
    BuildContextOptions,
    build_context,
    ignore_patterns,
    matcher_of,
)

_HEREDOC_WORD = LazyPattern(r"^\d*<<-?\S")
_REMOTE = LazyPattern(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git@)")


class CopyIgnoredFile(Rule):
    """A `COPY` or `ADD` source is excluded from the build context by `.dockerignore`.

    ## What it does
    Reads the ignore file a build of this Dockerfile would use (`<Dockerfile>.dockerignore`
    next to it, else `.dockerignore` at the root of the build context, by default the
    Dockerfile's directory) and flags a local `COPY`/`ADD` source that it excludes, with
    Docker's own matching rules: BuildKit's `CopyIgnoredFile` build check. As in BuildKit:
    - nothing is checked when the ignore file has a `!` exception (a file may be re-included
      inside an excluded directory, which cannot be judged from the patterns alone);
    - `.` and `/` are only reported for an ignore file that excludes everything (`*`, `**`);
    - `COPY --from`, URLs, Git sources and heredocs are not build-context files.

    Files read from standard input have no build context and are not checked.

    ## Why is this bad?
    An excluded file is not sent to the builder: `COPY` fails with "not found", or, for a
    directory or a wildcard, silently copies less than it says.

    ## Example
    ```dockerfile lines=2
    FROM python:3.12-slim
    COPY README.md /app/
    ```

    ```dockerfile lines=2
    FROM python:3.12-slim
    COPY tests/fixtures /app/fixtures
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY pyproject.toml /app/
    ```

    ```dockerfile
    FROM python:3.12 AS builder
    RUN pip wheel --wheel-dir /wheels requests
    FROM python:3.12-slim
    COPY --from=builder /wheels /wheels
    ```

    (The examples assume a `.dockerignore` holding `*.md` and `tests/`.)

    ## Differences from BuildKit
    BuildKit sees the real build context; dockerlens assumes the Dockerfile's directory (or
    the `context` option) is the context. A source with a variable whose value is unknown is
    not checked.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/
    """

    code = "BK009"
    reads_build_context = True
    name = "copy-ignored-file"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Attempting to Copy file that is excluded by .dockerignore"
    on = frozenset({"COPY", "ADD"})
    buildkit_name = "CopyIgnoredFile"
    example_options: ClassVar[dict[str, Any]] = {"patterns": ["*.md", "tests/"]}

    class Options(BuildContextOptions):
        pass

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self._loaded = False
        self._matcher: PatternMatcher | None = None

    def matcher(self, ctx: LintContext) -> PatternMatcher | None:
        """The file's ignore patterns; None when there are none or BuildKit would not check."""
        if not self._loaded:
            self._loaded = True
            self._matcher = _matcher(ctx, self.options)
        return self._matcher

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.keyword == "COPY" and step.flag("from") is not None:
            return
        matcher = self.matcher(ctx)
        if matcher is None:
            return
        words = step.expanded[:-1]
        verb = "Add" if step.keyword == "ADD" else "Copy"
        for written, word in zip(step.instruction.value, words, strict=False):
            if _HEREDOC_WORD.match(written) or _REMOTE.match(word) or "$" in word:
                continue
            source = clean(word)
            if source in (".", "/") and not _excludes_everything(matcher):
                continue
            if matcher.matches(source):
                message = f'Attempting to {verb} file "{source}" that is excluded by .dockerignore'
                yield Problem(step, message=message, at=written)


def _matcher(ctx: LintContext, options: CopyIgnoredFile.Options) -> PatternMatcher | None:
    if options.patterns:
        patterns: list[str] | None = list(options.patterns)
    else:
        context = build_context(ctx, options.context)
        patterns = ignore_patterns(ctx, context)
    matcher = matcher_of(patterns)
    # A malformed pattern (BuildKit refuses to build) or a `!` exception: nothing to judge.
    if matcher is None or not matcher.patterns or matcher.exclusions:
        return None
    return matcher


def _excludes_everything(matcher: PatternMatcher) -> bool:
    return any(not p.exclusion and p.text in ("*", "**", "**/*") for p in matcher.patterns)
