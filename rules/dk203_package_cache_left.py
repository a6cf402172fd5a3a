from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import append_command
from dockerlens.lint.packages import (
    UNKNOWN_PLACE,
    Invocation,
    at_command,
    cache_mounted,
    cache_places,
    cache_setting,
    earlier_runs,
    invocations,
    removes,
    run_text,
)
from dockerlens.semantics.managers import (
    APK_INDEX,
    APT_ARCHIVES,
    MANAGERS,
    Cache,
    Manager,
    operands,
    removes_packages,
)
from dockerlens.semantics.scope import ScriptScope

_CACHE_MOUNT = LazyPattern(r"type=cache,target=([^\s,`]+)")


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
      `--no-cache` (`apk update --no-cache` writes nothing).

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
    comment, and no later command of the `RUN` removes system packages (`apk del`, `apt-get
    purge`: the manager itself may be among them). Safe: what was installed stays; only the
    download cache goes. The other
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
                fix = _fix(ctx, step, manager, first, calls)
                yield Problem(step, message=message, at=at, fix=fix)

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
        values = [cache_setting(environment, name) for name in manager.no_cache_env]
        if any(manager.no_cache_value(value) for value in values):
            return []
        last = max(c.position for c in installs)
        left = []
        for cache in manager.caches:
            fillers = [c for c in installs if cache.filled_by(c)]
            if not fillers or self._filled_before(ctx, step, cache):
                continue
            places = cache_places(scope, cache, manager, fillers)
            if "/dev/null" in places or places[0] == UNKNOWN_PLACE:
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


def _fix(
    ctx: LintContext, step: Step, manager: Manager, first: Invocation, calls: list[Invocation]
) -> Fix | None:
    if manager.clean_command is None:
        return None
    if any(removes_packages(c) for c in calls if c.position > first.position):
        return None  # the manager may be one of the packages removed: nothing left to run
    command = manager.clean_command.format(program=first.name)
    edit = append_command(ctx, step, command)
    return Fix(f"Append `{command}`", (edit,)) if edit else None
