from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import commands, is_url, verifies_download

_COMMIT = LazyPattern(r"#[0-9a-fA-F]{40}(?::|$)")


def is_git(source: str) -> bool:
    """A Git repository source: ``git@host:repo``, ``ssh://``/``git://`` URLs, or an HTTP(S)
    URL of a ``.git`` repository (with an optional ``#ref``)."""
    if source.startswith(("git@", "git://", "ssh://")):
        return True
    return is_url(source) and source.split("#", 1)[0].endswith(".git")


class AddUrlWithoutChecksum(Rule):
    """`ADD` downloads a URL without `--checksum`, so whatever the server sends goes in.

    ## What it does
    Flags an `ADD` of an `http://` or `https://` URL without `--checksum=`. A Git source
    (`https://host/repo.git#ref`, `git@host:repo`) is flagged unless it names a full commit
    (`#` and 40 hex digits) or has `--checksum`. A URL whose file a later `RUN` of the
    stage verifies is not reported: a checksum or signature check (`sha256sum -c`,
    `gpg --verify`, `cosign verify-blob`...) that names the file or its signature. Nor is a
    URL added to invalidate the build cache, whose answer changes by design (random.org, a
    branch's ref or commits from GitHub's API, a time or UUID service): no checksum fits it.

    ## Why is this bad?
    The file at a URL can change: a re-published release, a compromised server, a moving
    `latest` link. Without a checksum, the build takes whatever it gets, and the image ships
    it. `ADD --checksum=sha256:...` makes BuildKit verify the download and fail the build on
    any difference; it also lets the cache trust the file without downloading it again. A
    branch or tag of a Git repository moves the same way; a commit does not.

    ## Example
    ```dockerfile lines=2
    FROM debian:12-slim
    ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /usr/local/bin/tini
    ```

    ```dockerfile lines=2
    FROM alpine:3.20
    ADD https://github.com/moby/buildkit.git#v0.16.0 /src
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \\
        https://github.com/krallin/tini/releases/download/v0.19.0/tini /usr/local/bin/tini
    ```

    ```dockerfile
    FROM alpine:3.20
    ADD https://github.com/moby/buildkit.git#2b2be9bc4b91e8a24e3b5a8bc0fe7ac6a0fe1c1e /src
    ```

    ## Notes
    `ADD --checksum` needs the Dockerfile frontend 1.6 or later (BuildKit, the default
    builder since Docker 23). This rule judges the download; running a downloaded script is
    DK302's concern.
    """

    code = "DK303"
    name = "add-url-without-checksum"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "ADD of a URL without --checksum"
    on = frozenset({"ADD"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.flag("checksum") is not None:  # ONBUILD ADD's own flags included
            return
        for written, source in zip(step.instruction.value, step.expanded[:-1], strict=False):
            if is_git(source):
                if _COMMIT.search(source):
                    continue
                message = (
                    "`ADD` of a Git repository at a branch or tag, which can move: name a "
                    "commit (`#<40 hex digits>`) or add `--checksum=<commit>`"
                )
                yield Problem(step, message=message, at=written)
                return
            if is_url(source):
                if _verified_later(ctx, step, source) or _CACHE_BUST.search(source):
                    continue
                message = (
                    "`ADD` of a URL without `--checksum`: whatever the server sends is used; "
                    "add `--checksum=sha256:<digest>`"
                )
                yield Problem(step, message=message, at=written)
                return


#: Answers that change on every request, or whenever a branch moves: added to invalidate the
#: build cache (`ADD https://www.random.org/cgi-bin/randbyte?nbytes=10 skipcache`, a
#: branch's ref from GitHub's API). No checksum can fit them; that is their point.
_CACHE_BUST = LazyPattern(
    r"^https?://(?:www\.)?random\.org/|^https?://(?:www\.)?uuidgenerator\.net/api/"
    r"|^https?://worldtimeapi\.org/api/|^https?://timeapi\.io/api/"
    r"|^https?://api\.github\.com/repos/[^/]+/[^/]+/(?:git/refs|commits|branches)/"
)


def _verified_later(ctx: LintContext, step: Step, url: str) -> bool:
    """A later RUN of the stage checks the file's checksum or signature, naming it or the
    signature downloaded with it (``cosign verify-blob --bundle python.tar.xz.sigstore
    python.tar.xz``)."""
    stage = ctx.stage_of(step)
    if stage is None:
        return False
    name = posixpath.basename(url.split("?", 1)[0].rstrip("/"))
    dest = posixpath.basename(step.expanded[-1].rstrip("/")) if step.expanded else ""
    wanted = {n for n in (name, dest) if n}
    later = [s for s in ctx.stage_steps(stage) if s.index > step.index and s.keyword == "RUN"]
    for run in later:
        for command in commands(run):
            if not verifies_download(command):
                continue
            named = {posixpath.basename(a) for a in command.args}
            if any(n in named or any(a.startswith(n) for a in named) for n in wanted):
                return True
    return False
