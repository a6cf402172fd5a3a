from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import SHELLS, program, reads_part_of_its_input
from dockerlens.shell import Command, ShellKind, ShellScript, parse_shell

if TYPE_CHECKING:
    import tree_sitter

#: Shells whose `-o pipefail` hadolint trusts (plus ksh and mksh, which have it too).
PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ash", "ksh", "mksh"})
_HEREDOC_MARKER = LazyPattern(r"\d*<<-?\s*(?:\"[^\"]*\"|'[^']*'|\\?[^\s<>|&;]+)")


class Pipefail(Rule):
    """A RUN has a pipe, but its shell does not fail when a command before the last one fails.

    ## What it does
    Flags a `RUN` with a pipe (`a | b`) that runs in a shell without `-o pipefail`: neither the
    `SHELL` of the stage (or of the stage it is built from) nor the command line
    (`bash -o pipefail -c ...`) sets it, and the script does not run `set -o pipefail`
    before the pipe.

    ## Why is this bad?
    A pipeline's status is its last command's. In `curl -fsSL $URL | tar -xz`, a failed
    download gives `tar` an empty input, and depending on `tar` the step may succeed, leaving a
    broken image behind a green build.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN curl -fsSL https://example.com/install.sh | sh
    ```

    ```dockerfile lines=2
    FROM debian:12
    RUN <<EOF bash
    curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
    EOF
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN curl -fsSL https://example.com/install.sh | sh
    ```

    ```dockerfile
    FROM debian:12
    RUN <<EOF bash
    set -euxo pipefail
    curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
    EOF
    ```

    ```dockerfile
    FROM alpine:3.20
    RUN set -o pipefail && wget -qO- https://example.com/app.tar.gz | tar -xz -C /opt
    ```

    ## Differences from hadolint
    hadolint only looks for a `SHELL` with `-o pipefail` earlier in the same stage. dockerlens
    also accepts:

    * `set -o pipefail` (or `set -euo pipefail`...) in the script before the pipe (requested
      in hadolint's issues 350 and 1137);
    * a heredoc fed to a shell, `RUN <<EOF bash`, judged as that shell's own script (hadolint
      reads it as a pipe in `/bin/sh`, its issue 1137), and a heredoc with a shebang, which
      the `SHELL` does not run;
    * exec form, `RUN ["bash", "-o", "pipefail", "-c", "a | b"]`, judged by its own flags
      (the `SHELL` does not apply to it);
    * a `SHELL` inherited from the stage it is built `FROM`;
    * a pipeline that `pipefail` itself would make fail: a command after the first stops
      reading early (`head`, `grep -q`, `grep -m`, `awk '{...; exit}'`, `sed q`), which
      kills the writer with SIGPIPE (status 141), or a `find -exec CMD {} +` feeds it, whose
      status reports CMD's expected failures (`ldd` on a script, in the official PHP images'
      cleanup);
    * a pipeline whose commands before the last only write the text they are given (`echo`,
      `printf`, `yes`): `echo "$SUM  app.tgz" | sha256sum -c -` can only fail in its last
      command, and under pipefail `yes | cmd` fails with 141 (`yes` is killed by SIGPIPE when
      `cmd` stops reading), so the advice would break the build;
    * a pipeline inside a command substitution whose status no command takes: an argument
      (`go mod edit -go=$(grep '^go ' go.mod | cut -f2 -d' ')`), a test's operand, or an
      assignment before a command or in `export` (a bare `x=$(a | b)` is still judged);
    * `ksh` and `mksh` besides `bash`, `zsh` and `ash`, named by any path
      (`/usr/bin/bash`, `/usr/local/bin/zsh`): hadolint 2.15 accepts only `/bin/...`
      (fixed after that release).

    Like hadolint, `/bin/sh -o pipefail` is not trusted (`dash` may lack the option), and a
    RUN that a PowerShell or cmd shell runs is not judged.
    """

    code = "DL4006"
    name = "pipefail"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using "
        "/bin/sh in an alpine image or if your shell is symlinked to busybox then consider "
        "explicitly setting your SHELL to /bin/ash, or disable this check"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"|"})  # no pipe, no pipeline

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.shell_kind is not ShellKind.POSIX:
            return
        if any(_unsafe_pipe(script, protected) for script, protected in _scripts(step)):
            yield Problem(step)


def _scripts(step: Step) -> Iterator[tuple[ShellScript, bool]]:
    """Each shell script the RUN runs, with whether its shell already has pipefail."""
    instruction = step.instruction
    if instruction.json:
        yield from _exec_form(instruction.value)
        return
    from_shell = _sets_pipefail(step.shell)
    if not instruction.heredocs:
        if step.script is not None:
            yield step.script, from_shell
        return
    command_line = instruction.value[0] if instruction.value else ""
    stripped = _HEREDOC_MARKER.sub(" ", command_line)
    if not stripped.strip():
        # RUN <<EOF: the first heredoc is the script.
        body = instruction.heredocs[0].body()
        first = body.split("\n", 1)[0]
        if first.startswith("#!"):
            words = first[2:].split()
            if words and posixpath.basename(words[0]) == "env":
                words = words[1:]
            if not words or posixpath.basename(words[0]) not in SHELLS:
                return
            yield parse_shell(body), _sets_pipefail(tuple(words))
        else:
            yield parse_shell(body), from_shell
        return
    line = parse_shell(stripped)
    yield line, from_shell
    runner = line.commands[0] if len(line.commands) == 1 else None
    if runner is None or program(runner) not in SHELLS:
        return
    if any(_is_c_option(a) for a in runner.args):
        return  # `bash -c '...' <<EOF`: the heredoc is data
    own = _sets_pipefail(runner.words)
    for doc in instruction.heredocs:
        yield parse_shell(doc.body()), own


def _exec_form(words: Sequence[str]) -> Iterator[tuple[ShellScript, bool]]:
    if not words or posixpath.basename(words[0]) not in SHELLS:
        return
    for index, word in enumerate(words[1:], start=1):
        if _is_c_option(word):
            if index + 1 < len(words):
                yield parse_shell(words[index + 1]), _sets_pipefail(tuple(words[: index + 1]))
            return


def _is_c_option(word: str) -> bool:
    return word.startswith("-") and not word.startswith("--") and "c" in word[1:]


def _sets_pipefail(shell: Sequence[str]) -> bool:
    """A shell command line (``SHELL``'s words, a shebang) that turns pipefail on."""
    if not shell or posixpath.basename(shell[0]) not in PIPEFAIL_SHELLS:
        return False
    return _has_pipefail_option(shell[1:])


def _has_pipefail_option(args: Sequence[str]) -> bool:
    """``-o pipefail`` among the arguments (``-eo pipefail``, ``-euxo pipefail`` too)."""
    for index, arg in enumerate(args):
        if arg == "-opipefail":
            return True
        if (
            arg.startswith("-")
            and not arg.startswith("--")
            and "o" in arg
            and index + 1 < len(args)
            and args[index + 1] == "pipefail"
        ):
            return True
    return False


def _unsafe_pipe(script: ShellScript, protected: bool) -> bool:
    """The script has a pipe that runs before any ``set -o pipefail``."""
    if protected:
        return False
    first_pipe = _first_pipeline(script)
    if first_pipe is None:
        return False
    for command in script.commands:
        if command.start_byte >= first_pipe:
            break
        if command.name == "set" and _has_pipefail_option(command.args):
            return False
    return True


def _first_pipeline(script: ShellScript) -> int | None:
    if "|" not in script.text:
        return None  # no pipe operator, no pipeline: most scripts
    return script.derived(_find_first_pipeline)


def _find_first_pipeline(script: ShellScript) -> int | None:
    by_start = {command.start_byte: command for command in script.commands}
    stack = [script.tree.root_node]
    first: int | None = None
    while stack:
        node = stack.pop()
        if node.type == "pipeline":
            stages = [by_start.get(child.start_byte) for child in node.children if child.is_named]
            if _pipefail_changes_nothing_or_breaks(stages):
                stack.extend(node.children)
                continue
            if first is None or node.start_byte < first:
                first = node.start_byte
            continue
        if node.type == "heredoc_body":
            continue
        if node.type == "command_substitution" and _status_unused(node):
            continue
        stack.extend(node.children)
    return first


#: Nodes a substitution's text passes through on its way into a word or an assignment.
_WORD_PARTS = frozenset(
    {"string", "concatenation", "variable_assignment", "binary_expression", "array"}
)


def _status_unused(substitution: tree_sitter.Node) -> bool:
    """The substitution's exit status is no command's: it is an argument (``go mod edit
    -go=$(grep ... | cut ...)``), a test's operand, or an assignment that prefixes a command
    or ``export``. A bare ``x=$(a | b)`` takes the status of its pipeline, so it is used."""
    parent = substitution.parent
    while parent is not None:
        if parent.type in ("command", "declaration_command", "test_command"):
            return True
        if parent.type not in _WORD_PARTS:
            return False
        parent = parent.parent
    return False


#: Commands that only write text they are given: they cannot fail in a way pipefail would
#: report (``yes`` is even made to fail by it: SIGPIPE, status 141, once the reader stops).
_TEXT_WRITERS = frozenset({"yes", "echo", "printf"})


def _pipefail_changes_nothing_or_breaks(stages: list[Command | None]) -> bool:
    """``echo "$SUM  file" | sha256sum -c -``: only the last command can fail. And pipelines
    that ``pipefail`` itself would make fail: a command that stops reading early (``head``,
    ``grep -q``, ``awk '{...; exit}'``) kills the writer with SIGPIPE (status 141), and
    ``find -exec CMD {} +`` reports CMD's expected failures (``ldd`` on a script)."""
    # None: a stage that is no simple command (a loop, a group).
    if len(stages) < 2:
        return False
    writers = stages[:-1]
    if all(c is not None and program(c) in _TEXT_WRITERS for c in writers):
        return True
    if any(
        c is not None and program(c) == "find" and "-exec" in c.args and c.args[-1:] == ("+",)
        for c in writers
    ):
        return True
    return any(c is not None and reads_part_of_its_input(c) for c in stages[1:])
