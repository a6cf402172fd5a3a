from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import mounts
from dockerlens.lint.layers import (
    Relation,
    build_context,
    copies_before,
    in_context,
    normalize,
    relation,
)
from dockerlens.lint.packages import Invocation, Word, at_word, find, unpinned
from dockerlens.semantics.managers import manager

_GO = manager("go")
_VALUE_FLAGS = _GO.value_options


def _operands(invocation: Invocation) -> list[Word]:
    out: list[Word] = []
    skip = False
    for arg, origin in zip(invocation.args, invocation.origins, strict=True):
        if skip:
            skip = False
        elif arg.startswith("-") and arg != "-":
            name, has_value, _ = arg.lstrip("-").partition("=")
            skip = not has_value and name in _VALUE_FLAGS
        else:
            out.append(Word(arg, origin))
    return out


_pinned = _GO.pinned


class GoUnpinned(Rule):
    """`go install` or `go run` fetches a module without a version.

    ## What it does
    Flags a `RUN` whose `go install`, `go get` or `go run` names a remote package without a
    fixed version: `golang.org/x/tools/gopls` or `...@latest` rather than
    `golang.org/x/tools/gopls@v0.16.2`. Local packages (`.`, `./cmd/app`, `main.go`) are
    fine. For `go run`, only the package is checked, not the program's arguments.

    ## Why is this bad?
    Without a version, or with `@latest`, Go resolves the newest release on the day of the
    build, so the same Dockerfile builds different binaries over time.

    ## Example
    ```dockerfile lines=2
    FROM golang:1.23
    RUN go install golang.org/x/tools/gopls@latest
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23
    RUN go install golang.org/x/tools/gopls@v0.16.2
    ```

    ## Differences from hadolint
    - `@upgrade`, `@patch` and branch names `@master`, `@main` and `@HEAD` move like `@latest`.
    - hadolint checks only the `go run` commands of a `RUN` that has one, skipping its
      `go install`s; dockerlens checks both.
    - The values of build flags (`-tags netgo`, `-ldflags "..."`, `-o bin`) are not taken for
      packages, `.go` files are local, and a path whose first element has no dot (`std`,
      `cmd/go`, a main module named without a domain) is not a download and is not judged.
    - After a `COPY` of a `go.mod`, or in a `RUN` that bind-mounts a build-context folder
      holding one (`--mount=type=bind,target=.`), `go install` and `go run` of a package
      named without `@version` build the version that `go.mod` requires, and are not
      reported (`@latest` still is, and so is `go get`, which moves `go.mod` to the newest
      release).
    - A package an earlier `COPY` put under `$GOPATH/src` (`COPY . /go/src/example.com/app`)
      is local in GOPATH mode: `go get -d example.com/app` downloads nothing of it.
    - Variables whose value is known are expanded (`gopls@$GOPLS_VERSION`), a word that is
      only a variable of unknown value is not judged; `go` is found by path
      (`/usr/local/go/bin/go`), behind wrappers and in `sh -c` scripts.
    """

    code = "DL3062"
    name = "go-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"go"})
    onbuild = True
    reads_build_context = True  # whether a bind-mounted folder holds a go.mod

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "go", "install", "get", "run"):
            operands = _operands(invocation)
            if not operands or operands[0].text not in ("install", "get", "run"):
                continue
            if operands[0].text == "run":
                packages = operands[1:2]
            else:
                packages = [w for w in operands[1:] if w.text != "tool"]
            if operands[0].text != "get" and _in_module(ctx, step):
                # Inside a module, a package named without @version is built at the version
                # go.mod requires (`go get` still moves go.mod to the newest release).
                packages = [w for w in packages if "@" in w.text]
            packages = [w for w in packages if not _copied_into_gopath(ctx, step, w.text)]
            word = unpinned(packages, _pinned)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return


def _in_module(ctx: LintContext, step: Step) -> bool:
    """An earlier COPY or ADD of the image put a ``go.mod`` in it, or the RUN bind-mounts a
    build-context folder that holds one."""
    if any(
        posixpath.basename(source.rstrip("/")) == "go.mod"
        for copy in copies_before(ctx, step)
        for source in copy.sources
    ):
        return True
    context = build_context(ctx)
    if context is None:
        return False
    return any(
        (context / in_context(mount.options.get("source") or mount.options.get("src") or "."))
        .joinpath("go.mod")
        .is_file()
        for mount in mounts(step)
        if mount.type == "bind" and "from" not in mount.options
    )


def _copied_into_gopath(ctx: LintContext, step: Step, package: str) -> bool:
    """An earlier COPY or ADD put ``package`` under ``$GOPATH/src`` (``/go`` in the golang
    images), where GOPATH mode finds it instead of downloading it."""
    if "@" in package or "." not in package.partition("/")[0]:
        return False
    gopath = step.value_of("GOPATH") or "/go"
    source = normalize(f"{gopath.split(':')[0]}/src/{package.removesuffix('/...')}")
    return any(
        relation(source, written.path) in (Relation.SAME, Relation.INSIDE)
        for copy in copies_before(ctx, step)
        for written in copy.written
    )
