from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import is_archive, is_url
from dockerlens.lint.edits import keyword_edit

#: Sources BuildKit's ADD fetches as a git repository (COPY cannot).
_GIT = LazyPattern(r"^(git@[^:/]+:|git://|ssh://|git\+ssh://)")
#: Flags only ADD knows: the instruction cannot simply become a COPY.
_ADD_ONLY_FLAGS = ("checksum", "keep-git-dir", "unpack")
#: Flags COPY accepts as well.
_COPY_FLAGS = ("chown", "chmod", "link", "exclude")


class AddInsteadOfCopy(Rule):
    """`ADD` is used for plain local files, which `COPY` copies without ADD's hidden extras.

    ## What it does
    Flags an `ADD` with a source that is a plain local file or folder: not a URL, not a git
    repository, not an archive (which ADD unpacks). Sources are read once build arguments are
    expanded.

    ## Why is this bad?
    `ADD` also downloads URLs and unpacks local tar archives. Using it for plain files makes a
    reader wonder which of those it is meant to do, and a file that happens to be a tar
    archive is silently unpacked. `COPY` does only what it says.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    ADD app.py /app/
    ```

    ```dockerfile lines=2
    FROM debian:12
    add --chown=app config/ /etc/app/
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    COPY app.py /app/
    ```

    ```dockerfile
    FROM debian:12
    copy --chown=app config/ /etc/app/
    ```

    `ADD` stays right for what only it does: a Git repository, a URL, a local archive to unpack.

    ## Fix safety
    When every source is a plain local path and the instruction has no ADD-only flag
    (`--checksum`, `--keep-git-dir`, `--unpack`), the keyword becomes `COPY`. A mixed `ADD`
    (an archive and a plain file) is reported without a fix: COPY would stop unpacking the
    archive. Safe: COPY copies a plain file or folder exactly as ADD does; only a tar archive
    whose name does not look like one (`app.bin`) would no longer be unpacked.

    ## Differences from hadolint
    hadolint reads sources as written, so `ADD ${REPO}#${VERSION} /src` fails even when `REPO`
    defaults to a git URL, and it flags git SSH URLs (`git@host:repo.git`), which COPY cannot
    fetch. dockerlens expands build arguments first, accepts git sources, and does not judge a
    source that stays an unresolved variable.
    """

    code = "DL3020"
    name = "add-instead-of-copy"
    severity = Severity.ERROR
    category = Category.MAINTAINABILITY
    message = "Use COPY instead of ADD for files and folders"
    on = frozenset({"ADD"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        instruction = step.instruction
        words = step.expanded if len(step.expanded) == len(instruction.value) else ()
        if len(instruction.value) < 2 or not words:
            return
        sources = words[:-1]
        plain = []
        for raw, source in zip(instruction.value[:-1], sources, strict=True):
            text = _unquote(source)
            if raw.startswith("<<"):
                plain.append(raw)  # a heredoc: COPY takes it as well
            elif "$" in text or not text:
                continue  # an unresolved build argument: cannot tell
            elif is_url(text) or _GIT.match(text) or is_archive(text):
                continue
            else:
                plain.append(raw)
        if not plain:
            return
        fix = None
        if len(plain) == len(sources) and _copy_accepts(instruction.flags):
            fix = _keyword_fix(step, ctx)
        yield Problem(step, at=plain[0], fix=fix)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _copy_accepts(flags: tuple[str, ...]) -> bool:
    for flag in flags:
        name = flag[2:].split("=", 1)[0] if flag.startswith("--") else flag
        if name in _ADD_ONLY_FLAGS or name not in _COPY_FLAGS:
            return False
    return True


def _keyword_fix(step: Step, ctx: LintContext) -> Fix | None:
    edit = keyword_edit(ctx, step, "COPY")
    return Fix("Replace ADD with COPY", (edit,)) if edit else None
