from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import append_command
from dockerlens.lint.layers import normalize
from dockerlens.lint.lazyre import LazyPattern
from dockerlens.lint.packages import (
    Invocation,
    at_command,
    cache_mounted,
    earlier_runs,
    invocations,
    removes,
    run_text,
)
from dockerlens.model import Variable
from dockerlens.semantics.expansion import expand_known, is_truthy
from dockerlens.semantics.scope import ScriptScope

#: A cache moved somewhere the Dockerfile does not say.
UNKNOWN = "?"
_CACHE_MOUNT = LazyPattern(r"type=cache,target=([^\s,`]+)")


def operands(invocation: Invocation) -> list[str]:
    return [word.text for word in invocation.operands()]


_INFO_FLAGS = frozenset({"--version", "-v", "-V", "version", "--help", "-h", "help"})


def bare(invocation: Invocation) -> bool:
    """Run with options only, and none that just prints something (``yarn``, ``bundle``)."""
    return not operands(invocation) and not any(arg in _INFO_FLAGS for arg in invocation.args)


def first_operand(invocation: Invocation, *names: str) -> bool:
    """The first operand (the subcommand) is one of ``names``."""
    words = operands(invocation)
    return bool(words) and words[0] in names


class Cache(NamedTuple):
    """A directory a package manager fills."""

    what: str
    #: Where it is by default (``~`` is the home directory; ``$NAME`` a variable, expanded
    #: when the stage sets it; globs match one path component).
    paths: tuple[str, ...]
    #: Variables that move it: ``(name, suffix)``, the cache being ``$name`` + suffix.
    moved_by: tuple[tuple[str, str], ...] = ()
    #: The manager's own command that empties it.
    cleaned_by: Callable[[Invocation], bool] = lambda invocation: False
    #: Only some commands fill it (Go's module cache is not filled by ``go build -mod=vendor``).
    filled_by: Callable[[Invocation], bool] = lambda invocation: True
    #: A command that fills it once for all (``go mod download``): after it, in an earlier
    #: RUN, the cache is in that RUN's layer and later commands add nothing.
    once: Callable[[Invocation], bool] | None = None
    #: What it holds (an ``rm`` of ``cache/*.gem`` empties a cache of ``*.gem`` files).
    entries: str = "*"


class Manager(NamedTuple):
    name: str
    #: The programs it is run as: ``installs`` is only asked about their invocations.
    programs: frozenset[str]
    installs: Callable[[Invocation], bool]
    caches: tuple[Cache, ...]
    #: Options of the install command that keep the cache out (``--no-cache``).
    no_cache_flags: tuple[str, ...] = ()
    #: Variables whose true value keeps the cache out (``UV_NO_CACHE=1``).
    no_cache_env: tuple[str, ...] = ()
    #: Option of the install command that moves the cache (``npm --cache DIR``).
    cache_option: str | None = None
    #: The manager's own command that empties its caches, appended by the fix
    #: (``{program}``: the program the install ran as, ``mamba`` for conda).
    clean_command: str | None = None
    advice: str = ""


def _npm_installs(invocation: Invocation) -> bool:
    return invocation.name == "npm" and first_operand(
        invocation,
        *("install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal"),
        *("isntall", "add", "ci", "clean-install", "ic", "install-clean", "isntall-clean"),
        *("update", "up", "upgrade", "udpate", "install-test", "it", "install-ci-test", "cit"),
    )


def _yarn_installs(invocation: Invocation) -> bool:
    # `yarn install` is DL3060's; this covers the other ways yarn installs.
    if invocation.name != "yarn" or invocation.has("install"):
        return False
    words = operands(invocation)
    if not words:
        return bare(invocation)
    return words[0] in ("add", "upgrade", "up") or words[:2] == ["global", "add"]


def _gem_installs(invocation: Invocation) -> bool:
    if invocation.name == "gem":
        return first_operand(invocation, "install", "i", "update")
    if invocation.name == "bundle":
        return bare(invocation) or first_operand(invocation, "install", "update")
    return False


def _go_builds(invocation: Invocation) -> bool:
    return invocation.name == "go" and first_operand(invocation, "build", "install", "test", "run")


_GO_VALUED = frozenset(
    [
        "o",
        "C",
        "p",
        "tags",
        "ldflags",
        "gcflags",
        "asmflags",
        "mod",
        "modfile",
        "pkgdir",
        "overlay",
        "exec",
        "run",
        "bench",
        "timeout",
        "coverprofile",
        "count",
        "parallel",
        "toolexec",
        "buildmode",
        "compiler",
        "installsuffix",
    ]
)


def _go_packages(invocation: Invocation) -> list[str]:
    """The package arguments of ``go build``/``install``/... (option values left out)."""
    out: list[str] = []
    args = list(invocation.args)[1:]
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg.lstrip("-") in _GO_VALUED
        else:
            out.append(arg)
    return out


def _go_downloads(invocation: Invocation) -> bool:
    if invocation.name != "go":
        return False
    if operands(invocation)[:2] == ["mod", "download"]:
        return True
    if not _go_builds(invocation) or any(arg == "-mod=vendor" for arg in invocation.args):
        return False
    packages = _go_packages(invocation)
    if any("@" in word for word in packages):
        return True  # `go install pkg@version` always downloads
    # The standard library, or single .go files, need no module.
    return not (packages and all(p in ("std", "cmd") or p.endswith(".go") for p in packages))


def _conda_installs(invocation: Invocation) -> bool:
    if invocation.name not in ("conda", "mamba", "micromamba"):
        return False
    words = operands(invocation)
    return bool(words) and (
        words[0] in ("install", "create", "update", "upgrade")
        or words[:2] in (["env", "create"], ["env", "update"])
    )


def _conda_cleans(invocation: Invocation) -> bool:
    if invocation.name not in ("conda", "mamba", "micromamba") or not first_operand(
        invocation, "clean"
    ):
        return False
    return has_flag(invocation.command, "a", "all", "t", "tarballs", "p", "packages")


def _is(name: str, *subcommands: str) -> Callable[[Invocation], bool]:
    def test(invocation: Invocation) -> bool:
        return invocation.name == name and first_operand(invocation, *subcommands)

    return test


def _words(name: str, *words: str) -> Callable[[Invocation], bool]:
    def test(invocation: Invocation) -> bool:
        return invocation.name == name and operands(invocation)[: len(words)] == list(words)

    return test


def _uv_installs(invocation: Invocation) -> bool:
    if invocation.name != "uv":
        return False
    words = operands(invocation)
    return words[:1] in (["sync"], ["add"], ["run"]) or words[:2] in (
        ["pip", "install"],
        ["pip", "sync"],
        ["tool", "install"],
    )


MANAGERS: tuple[Manager, ...] = (
    Manager(
        "npm",
        frozenset(["npm"]),
        _npm_installs,
        (
            Cache(
                "npm cache",
                ("~/.npm/_cacache",),
                (("npm_config_cache", "/_cacache"), ("NPM_CONFIG_CACHE", "/_cacache")),
                _is("npm", "cache"),
            ),
        ),
        cache_option="cache",
        clean_command="npm cache clean --force",
        advice="add `npm cache clean --force` to this RUN, or mount a cache: "
        "`RUN --mount=type=cache,target=/root/.npm`",
    ),
    Manager(
        "pnpm",
        frozenset(["pnpm"]),
        _is("pnpm", "install", "i", "add", "fetch", "update", "up", "upgrade", "install-test"),
        (
            Cache(
                "pnpm store",
                ("~/.local/share/pnpm/store", "~/.pnpm-store", "/.pnpm-store"),
                (("PNPM_HOME", "/store"), ("npm_config_store_dir", ""), ("PNPM_STORE_DIR", "")),
            ),
        ),
        cache_option="store-dir",
        advice="mount the store: `RUN --mount=type=cache,target=/root/.local/share/pnpm/store`, "
        "or delete it in this RUN",
    ),
    Manager(
        "yarn",
        frozenset(["yarn"]),
        _yarn_installs,
        (
            Cache(
                "yarn cache",
                ("/usr/local/share/.cache/yarn", "~/.cache/yarn", "~/.yarn/berry/cache"),
                (("YARN_CACHE_FOLDER", ""),),
                _is("yarn", "cache"),
            ),
        ),
        cache_option="cache-folder",
        clean_command="yarn cache clean",
        advice="add `yarn cache clean` to this RUN, or mount a cache: "
        "`RUN --mount=type=cache,target=/usr/local/share/.cache/yarn`",
    ),
    Manager(
        "gem",
        frozenset(["bundle", "gem"]),
        _gem_installs,
        (
            Cache(
                "downloaded .gem files",
                (
                    "$GEM_HOME/cache",
                    "/usr/local/bundle/cache",
                    "/usr/local/bundle/ruby/*/cache",
                    "/usr/local/lib/ruby/gems/*/cache",
                    "/usr/lib/ruby/gems/*/cache",
                    "/var/lib/gems/*/cache",
                    "~/.gem/ruby/*/cache",
                    "~/.local/share/gem/ruby/*/cache",
                    "$BUNDLE_PATH/ruby/*/cache",
                    "vendor/bundle/ruby/*/cache",
                ),
                entries="*.gem",
            ),
        ),
        advice='delete the .gem files in this RUN (`rm -rf "$GEM_HOME"/cache/*.gem`), '
        "or mount a cache over the gem cache directory",
    ),
    Manager(
        "composer",
        frozenset(["composer"]),
        _is("composer", "install", "i", "update", "u", "upgrade", "require", "create-project"),
        (
            Cache(
                "composer cache",
                ("~/.cache/composer", "~/.composer/cache", "$COMPOSER_HOME/cache"),
                (("COMPOSER_CACHE_DIR", ""), ("COMPOSER_HOME", "/cache")),
                _is("composer", "clear-cache", "clearcache", "cc"),
            ),
        ),
        no_cache_flags=("no-cache",),
        clean_command="composer clear-cache",
        advice="pass `--no-cache`, add `composer clear-cache` to this RUN, or mount a cache: "
        "`RUN --mount=type=cache,target=/root/.cache/composer`",
    ),
    Manager(
        "go",
        frozenset(["go"]),
        lambda invocation: _go_builds(invocation) or _go_downloads(invocation),
        (
            Cache(
                "build cache",
                ("~/.cache/go-build",),
                (("GOCACHE", ""),),
                lambda inv: inv.name == "go" and first_operand(inv, "clean") and inv.has("-cache"),
                _go_builds,
            ),
            Cache(
                "module cache",
                ("$GOPATH/pkg/mod", "/go/pkg/mod", "~/go/pkg/mod"),
                (("GOMODCACHE", ""), ("GOPATH", "/pkg/mod")),
                lambda inv: (
                    inv.name == "go" and first_operand(inv, "clean") and inv.has("-modcache")
                ),
                _go_downloads,
                _words("go", "mod", "download"),
            ),
        ),
        advice="build in a separate stage, or mount caches: "
        "`RUN --mount=type=cache,target=/root/.cache/go-build "
        "--mount=type=cache,target=/go/pkg/mod`",
    ),
    Manager(
        "cargo",
        frozenset(["cargo"]),
        _is("cargo", "build", "b", "install", "fetch", "test", "t", "run", "r"),
        (
            Cache(
                "registry cache",
                ("$CARGO_HOME/registry", "/usr/local/cargo/registry", "~/.cargo/registry"),
                (("CARGO_HOME", "/registry"),),
            ),
        ),
        advice="build in a separate stage, or mount a cache: "
        "`RUN --mount=type=cache,target=/usr/local/cargo/registry`",
    ),
    Manager(
        "conda",
        frozenset(["conda", "mamba", "micromamba"]),
        _conda_installs,
        (
            Cache(
                "package cache",
                (
                    "/opt/conda/pkgs",
                    "$CONDA_DIR/pkgs",
                    "$MAMBA_ROOT_PREFIX/pkgs",
                    "~/.conda/pkgs",
                    "~/micromamba/pkgs",
                    "~/.local/share/mamba/pkgs",
                    "/opt/miniconda3/pkgs",
                    "~/miniconda3/pkgs",
                    "~/anaconda3/pkgs",
                    "/opt/micromamba/pkgs",
                ),
                (("CONDA_PKGS_DIRS", ""),),
                _conda_cleans,
            ),
        ),
        clean_command="{program} clean --all --yes",
        advice="add `conda clean --all --yes` (`mamba`/`micromamba clean --all --yes`) to this RUN",
    ),
    Manager(
        "poetry",
        frozenset(["poetry"]),
        _is("poetry", "install", "add", "update", "sync"),
        (
            Cache(
                "poetry cache",
                ("~/.cache/pypoetry",),
                (("POETRY_CACHE_DIR", ""),),
                _words("poetry", "cache", "clear"),
            ),
        ),
        no_cache_flags=("no-cache",),
        advice="pass `--no-cache`, delete the cache in this RUN, or mount a cache: "
        "`RUN --mount=type=cache,target=/root/.cache/pypoetry`",
    ),
    Manager(
        "uv",
        frozenset(["uv"]),
        _uv_installs,
        (
            Cache(
                "uv cache",
                ("~/.cache/uv",),
                (("UV_CACHE_DIR", ""),),
                lambda inv: (
                    inv.name == "uv"
                    and operands(inv)[:2]
                    in (
                        ["cache", "clean"],
                        ["cache", "prune"],
                    )
                ),
            ),
        ),
        no_cache_flags=("no-cache", "n"),
        no_cache_env=("UV_NO_CACHE",),
        advice="pass `--no-cache` (or `ENV UV_NO_CACHE=1`), or mount a cache: "
        "`RUN --mount=type=cache,target=/root/.cache/uv`",
    ),
    Manager(
        "pipenv",
        frozenset(["pipenv"]),
        _is("pipenv", "install", "sync", "update"),
        (
            Cache(
                "pip and pipenv caches",
                ("~/.cache/pip", "~/.cache/pipenv"),
                (("PIP_CACHE_DIR", ""), ("PIPENV_CACHE_DIR", "")),
            ),
        ),
        no_cache_flags=("clear",),
        no_cache_env=("PIP_NO_CACHE_DIR",),
        advice="set `ENV PIP_NO_CACHE_DIR=1`, or mount a cache: "
        "`RUN --mount=type=cache,target=/root/.cache`",
    ),
)

_APT_INSTALLS = ("install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall")
APT_ARCHIVES = Manager(
    "apt",
    frozenset(["apt", "apt-get", "aptitude"]),
    lambda inv: inv.name in ("apt-get", "apt", "aptitude") and first_operand(inv, *_APT_INSTALLS),
    (
        Cache(
            "downloaded .deb files",
            ("/var/cache/apt/archives",),
            cleaned_by=lambda inv: (
                inv.name in ("apt-get", "apt", "aptitude")
                and first_operand(inv, "clean", "autoclean", "distclean", "dist-clean")
            ),
        ),
    ),
    clean_command="apt-get clean",
    advice="add `apt-get clean` to this RUN, or mount a cache: "
    "`RUN --mount=type=cache,target=/var/cache/apt,sharing=locked`",
)
APK_INDEX = Manager(
    "apk",
    frozenset(["apk"]),
    lambda inv: inv.name == "apk" and first_operand(inv, "update"),
    (
        Cache(
            "package index",
            ("/var/cache/apk",),
            cleaned_by=lambda inv: inv.name == "apk" and operands(inv)[:2] == ["cache", "clean"],
        ),
    ),
    advice="drop `apk update` and use `apk add --no-cache`, or delete /var/cache/apk/* in this RUN",
)
#: Turning off Debian's docker-clean hook keeps every downloaded .deb.
_KEEPS_DEBS = LazyPattern(
    r"apt\.conf\.d/docker-clean|Keep-Downloaded-Packages\s*\"?(?:true|1)", re.IGNORECASE
)


class PackageCacheLeft(Rule):
    """A package manager leaves its download cache in the layer, where nothing uses it again.

    ## What it does
    Flags a `RUN` where a package manager installs packages and its cache stays in the layer:
    nothing in the same `RUN` empties it afterwards, no BuildKit cache or tmpfs mount covers
    it, and the manager's no-cache option or variable is not set. One finding per manager and
    `RUN`, naming the cache. Only stages whose layers ship are checked: the final stage,
    the stages it is built `FROM`, and `ONBUILD RUN`.

    - npm: `npm install`/`ci`/`add`/`update` fill `~/.npm/_cacache`; kept out by
      `npm cache clean`, or moved by `npm_config_cache` or `--cache`.
    - pnpm: `pnpm install`/`add`/`fetch`/`update` fill the store,
      `~/.local/share/pnpm/store`; moved by `PNPM_HOME`, `npm_config_store_dir` or
      `--store-dir`.
    - yarn: bare `yarn`, `yarn add`, `yarn global add` fill `/usr/local/share/.cache/yarn`
      (root) or `~/.cache/yarn`; kept out by `yarn cache clean`, moved by `YARN_CACHE_FOLDER`
      or `--cache-folder`.
    - gem and bundler: `gem install`, `bundle install` keep every downloaded `.gem` in
      `$GEM_HOME/cache` (`/usr/local/bundle/cache` in the ruby images).
    - composer: `composer install`/`update`/`require` fill `~/.cache/composer`; kept out by
      `--no-cache` or `composer clear-cache`, moved by `COMPOSER_CACHE_DIR` or
      `COMPOSER_HOME`.
    - go: `go build`/`install`/`test`/`run` fill the build cache `~/.cache/go-build`, and
      they and `go mod download` fill the module cache `/go/pkg/mod` (not with
      `-mod=vendor`, nor when building single `.go` files); kept out by
      `go clean -cache`/`-modcache`, moved by `GOCACHE`, `GOMODCACHE`, `GOPATH`. (`go get`
      is left alone: in old GOPATH-mode Dockerfiles it fetches sources, not a cache.)
    - cargo: `cargo build`/`install`/`fetch`/`test`/`run` fill `$CARGO_HOME/registry`
      (`/usr/local/cargo/registry` in the rust images).
    - conda, mamba, micromamba: `install`/`create`/`update`, `env create` fill the package
      cache (`/opt/conda/pkgs`); kept out by `conda clean --all` (or `--tarballs`,
      `--packages`), moved by `CONDA_PKGS_DIRS`.
    - poetry: `poetry install`/`add`/`update`/`sync` fill `~/.cache/pypoetry`; kept out by
      `--no-cache` or `poetry cache clear`, moved by `POETRY_CACHE_DIR`.
    - uv: `uv sync`/`add`/`run`, `uv pip install`/`sync`, `uv tool install` fill
      `~/.cache/uv`; kept out by `--no-cache`, `UV_NO_CACHE=1`, `uv cache clean`/`prune`,
      moved by `UV_CACHE_DIR`.
    - pipenv: `pipenv install`/`sync`/`update` fill `~/.cache/pip` and `~/.cache/pipenv`;
      kept out by `PIP_NO_CACHE_DIR=1` or `--clear`.
    - apt: `apt-get install`/`upgrade`/... keep the `.deb` files in
      `/var/cache/apt/archives` once Debian's `docker-clean` hook is off; kept out by
      `apt-get clean`.
    - apk: `apk update` writes the index to `/var/cache/apk`, even when every `apk add` has
      `--no-cache`.

    The home directory is matched however it is written (`~`, `$HOME`, `/root`,
    `/home/<user>`), a variable the stage sets (`ENV GOCACHE=...`) moves the cache, and a
    deletion counts when it removes the cache directory, one above it, or everything in it
    (`rm -rf "$GEM_HOME"/cache/*.gem`), after the install. A cache moved somewhere only the
    script knows (`export COMPOSER_HOME="$(mktemp -d)"`) is not judged.

    The suggested cache mount follows the `USER` the `RUN` runs as: after `USER app` the
    cache is under that user's home (`$HOME` when the stage sets it, else `/home/app`) and the
    mount needs `uid=` so that the user can write to it.

    ## Why is this bad?
    Layers are immutable: what an install downloads into its cache is stored in the layer of
    that `RUN`, and a deletion in any later `RUN` only hides it. The cache holds a second copy
    of every package (npm's tarballs, Go's module sources and compiled objects, Cargo's crate
    sources, conda's package archives, the `.gem` files next to the installed gems): often as
    large as what was installed, hundreds of megabytes for Go and conda, downloaded by every
    pull and never read again, since the image never installs anything else.

    A BuildKit cache mount is the best of both: the cache survives from build to build on the
    builder, speeding up rebuilds, and never enters a layer.

    ## Example
    ```dockerfile lines=4
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev
    ```

    ```dockerfile lines=4
    FROM golang:1.23
    WORKDIR /src
    COPY . .
    RUN go build -o /usr/local/bin/app ./cmd/app
    ```

    ```dockerfile lines=2
    FROM continuumio/miniconda3:24.7.1-0
    RUN conda install -y numpy=2.1
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev && npm cache clean --force
    ```

    ```dockerfile
    FROM golang:1.23
    WORKDIR /src
    COPY . .
    RUN --mount=type=cache,target=/root/.cache/go-build \\
        --mount=type=cache,target=/go/pkg/mod \\
        go build -o /usr/local/bin/app ./cmd/app
    ```

    ```dockerfile
    FROM continuumio/miniconda3:24.7.1-0
    RUN conda install -y numpy=2.1 && conda clean --all --yes
    ```

    ## Split with the hadolint rules
    Caches hadolint already checks are left to its rules, so nothing is reported twice:
    apt's lists (DL3009), `apk add` without `--no-cache` (DL3019), `yum` (DL3032), `zypper`
    (DL3036), `dnf`/`microdnf` (DL3040), `pip install` (DL3042) and `yarn install` (DL3060).
    This rule covers the managers those rules do not know, and the gaps they leave: `yarn`
    run without the word `install` (bare `yarn`, `yarn add`) in a `RUN` that has no
    `yarn install`, the index `apk update` writes even when every `apk add` has
    `--no-cache` (so DL3019 is silent), and apt's downloaded `.deb` files.

    Go's module cache filled by an earlier `RUN go mod download` is that `RUN`'s finding;
    a later `go build` adds only its build cache.

    pnpm and uv hard-link packages from their store or cache into `node_modules` or the
    virtualenv when both are on one filesystem, so there the duplicate costs less than a
    full copy (the store's index and metadata, plus anything not linked); a cache mount
    still keeps all of it out.

    apt's `.deb` files are reported only when the Dockerfile turns off the `docker-clean`
    hook of the Debian and Ubuntu images (deleting `/etc/apt/apt.conf.d/docker-clean`, or
    setting `Keep-Downloaded-Packages`, as the cache-mount recipes do): with the hook on,
    apt deletes them after every install and `apt-get clean` is not needed.

    Cargo's `target/` directory and Go's binaries are build output, not caches: building in a
    separate stage (see DK204) keeps them out.

    ## Fix safety
    For npm, yarn, composer, conda (mamba, micromamba) and apt's `.deb` files, the manager's
    own clean command is appended to the `RUN` (`&& npm cache clean --force`, `&& conda clean
    --all --yes`...), when the `RUN` is in shell form without heredocs and does not end in a
    comment. Safe: what was installed stays; only the download cache goes. The other
    managers need a cache mount or a separate stage, which is left to you.
    """

    code = "DK203"
    name = "package-cache-left"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "A package manager leaves its cache in this layer"
    on = frozenset({"RUN"})
    run_mentions = frozenset().union(*(m.programs for m in (*MANAGERS, APT_ARCHIVES, APK_INDEX)))
    onbuild = True

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self._first_keeping: dict[int, int] | None = None

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        onbuild = step.instruction.sub_cmd is not None
        if not onbuild and not ctx.ships_layers(ctx.stage_of(step)):
            return
        calls = invocations(step)
        if not calls:
            return
        run = {call.name for call in calls}
        managers = [manager for manager in MANAGERS if not run.isdisjoint(manager.programs)]
        text = run_text(step)
        if not run.isdisjoint(APT_ARCHIVES.programs) and self._debs_kept(ctx, step, text):
            managers.append(APT_ARCHIVES)
        if "apk" in run and all(
            has_flag(c.command, "no-cache") for c in calls if c.is_("apk", "add", "upgrade")
        ):
            managers.append(APK_INDEX)
        if any(c.is_("yarn", "install") for c in calls):
            # DL3060 judges yarn's cache in a RUN with `yarn install`.
            managers = [m for m in managers if m.name != "yarn"]
        for manager in managers:
            installs = [c for c in calls if manager.installs(c)]
            if not installs:
                continue
            left = self._left(ctx, step, calls, manager, installs)
            if left:
                first = installs[0]
                what = ", ".join(f"{cache.what} {path}" for cache, path in left)
                advice = _for_user(manager.advice, ctx.user_at(step), step.value_of("HOME"))
                message = f"`{manager.name}` leaves its {what} in this layer: {advice}"
                at = at_command(ctx, step, first, *operands(first)[:1])
                yield Problem(step, message=message, at=at, fix=_fix(ctx, step, manager, first))

    def _debs_kept(self, ctx: LintContext, step: Step, text: str) -> bool:
        if _KEEPS_DEBS.search(text):
            return True
        if self._first_keeping is None:
            # Per stage, the first RUN (ONBUILD ones too) that keeps apt's .debs: one pass
            # over the file rather than one over the earlier RUNs for every RUN.
            self._first_keeping = {}
            for run in ctx.steps:
                if run.keyword != "RUN" or run.stage is None:
                    continue
                if _KEEPS_DEBS.search(run_text(run)):
                    self._first_keeping.setdefault(run.stage, run.index)
        # What earlier_runs(ctx, step) yields: this stage's RUNs before it, then the stages
        # it is built FROM.
        for number, stage in enumerate(ctx.lineage(ctx.stage_of(step))):
            first = self._first_keeping.get(stage.index)
            if first is not None and (number > 0 or first < step.index):
                return True
        return False

    def _filled_before(self, ctx: LintContext, step: Step, cache: Cache) -> bool:
        """An earlier RUN filled the cache already (its layer holds it, not this one's)."""
        once = cache.once
        if once is None:
            return False
        return any(once(c) for run in earlier_runs(ctx, step) for c in invocations(run))

    def _left(
        self,
        ctx: LintContext,
        step: Step,
        calls: list[Invocation],
        manager: Manager,
        installs: list[Invocation],
    ) -> list[tuple[Cache, str]]:
        if manager.no_cache_flags and all(
            has_flag(c.command, *manager.no_cache_flags) for c in installs
        ):
            return []
        scope = ScriptScope(step)
        environment = scope.environment(installs[0].command)
        if any(is_truthy(_value(environment, name)) for name in manager.no_cache_env):
            return []
        last = max(c.position for c in installs)
        left = []
        for cache in manager.caches:
            fillers = [c for c in installs if cache.filled_by(c)]
            if not fillers or self._filled_before(ctx, step, cache):
                continue
            places = _places(scope, cache, manager, fillers)
            if "/dev/null" in places or places[0] == UNKNOWN:
                continue
            if any(cache_mounted(step, place, homes=True) for place in places):
                continue
            later = [c for c in calls if c.position > last]
            if any(cache.cleaned_by(c) for c in later):
                continue
            if any(
                removes(c, place, homes=True, entries=cache.entries)
                for c in later
                for place in places
            ):
                continue
            left.append((cache, places[0]))
        return left


def _for_user(advice: str, user: str | None, home: str | None) -> str:
    """``advice`` for a RUN as ``user``: its cache mounts owned by that user (``uid=``), who
    could not write to a mount root owns, and a mount under ``/root`` moved to the user's home
    (``$HOME`` when the stage sets it, else ``/home/<name>`` as ``useradd`` makes it)."""
    name = (user or "").split(":", 1)[0]
    if not name or name in ("root", "0") or "type=cache" not in advice:
        return advice
    if home is None or not home.startswith("/"):
        home = f"<home of {name}>" if name.isdigit() else f"/home/{name}"
    uid = name if name.isdigit() else f"<uid of {name}>"

    def mount(match: re.Match[str]) -> str:
        target = match[1]
        if target == "/root" or target.startswith("/root/"):
            target = home + target[len("/root") :]
        return f"type=cache,target={target},uid={uid}"

    return _CACHE_MOUNT.sub(mount, advice)


def _value(scope: dict[str, Variable], name: str) -> str | None:
    """The value of ``name``; :data:`UNKNOWN` when the script sets it somewhere only it knows
    (``$(mktemp -d)``, a variable the Dockerfile does not set); None when unset, or set by
    the base image."""
    variable = scope.get(name)
    if variable is None:
        return None
    if variable.value is None:
        return UNKNOWN if variable.kind == "shell" else None
    return variable.value


def _places(
    scope: ScriptScope, cache: Cache, manager: Manager, fillers: list[Invocation]
) -> list[str]:
    """Where the cache is: moved by an option or a variable, else its default places."""
    if manager.cache_option:
        for invocation in fillers:
            value = _option_value(invocation, manager.cache_option)
            if value:
                suffix = cache.moved_by[0][1] if cache.moved_by else ""
                return [value + suffix]
    environment = scope.environment(fillers[0].command)
    for name, suffix in cache.moved_by:
        value = _value(environment, name)
        if value == "/dev/null":
            return [value]
        if value:
            if name == "GOPATH":
                value = value.split(":", 1)[0]
            if value == UNKNOWN or "$" in value or "`" in value:
                # Somewhere only the script knows (`$(mktemp -d)`): not judged.
                return [UNKNOWN]
            return [value.rstrip("/") + suffix, f"${name}{suffix}"]
    out = []
    for path in cache.paths:
        expanded = expand_known(path, scope.base)
        out.append(normalize(expanded) if expanded != path else path)
    return out


def _option_value(invocation: Invocation, name: str) -> str | None:
    args = list(invocation.args)
    for index, arg in enumerate(args):
        if arg == f"--{name}" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def _fix(ctx: LintContext, step: Step, manager: Manager, first: Invocation) -> Fix | None:
    if manager.clean_command is None:
        return None
    command = manager.clean_command.format(program=first.name)
    edit = append_command(ctx, step, command)
    return Fix(f"Append `{command}`", (edit,)) if edit else None
