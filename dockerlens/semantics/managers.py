"""The catalogue of package managers: what the package rules know about each, as data.

One record per manager (:class:`Manager`): the programs it runs as, the subcommands that
install, the options that answer yes, the options that take a value, the package index verbs,
the caches it fills (:class:`Cache`: where, what moves them, what empties them), the option
and variables that keep the cache out, and its own clean command. The DL30xx rules, DK203,
DK204 and DK206 read the same records, so a manager is described once; the image analyzer
prices DK203's findings with the same cache directories.

Each rule keeps its own judgement (which verbs hadolint's rule counts, say), but takes the
facts from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.lint.commands import has_flag
from dockerlens.semantics.expansion import TRUTHY, is_truthy, stand_in
from dockerlens.semantics.invocations import Invocation


def _names(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` (option tables)."""
    return frozenset(text.split())


#: The values Python's ``strtobool`` reads, lower case.
_BOOLEANS = TRUTHY | frozenset({"y", "t", "0", "false", "off", "no", "n", "f"})


def _any_boolean(value: str | None) -> bool:
    """pip turns its cache off for any boolean ``PIP_NO_CACHE_DIR``, ``off`` and ``0`` too:
    a false value once disabled it by mistake, and pip kept that for compatibility
    (``_handle_no_cache_dir`` in pip's ``cmdoptions``)."""
    return value is not None and value.lower() in _BOOLEANS


def operands(invocation: Invocation) -> list[str]:
    return [word.text for word in invocation.operands()]


def option_value(invocation: Invocation, name: str) -> str | None:
    """The value of the long option ``--name`` (``--name VALUE`` or ``--name=VALUE``)."""
    args = list(invocation.args)
    for index, arg in enumerate(args):
        if arg == f"--{name}" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


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
    #: Which values of ``no_cache_env`` keep the cache out.
    no_cache_value: Callable[[str | None], bool] = is_truthy
    #: Option of the install command that moves the cache (``npm --cache DIR``).
    cache_option: str | None = None
    #: The manager's own command that empties its caches, appended by the fix
    #: (``{program}``: the program the install ran as, ``mamba`` for conda).
    clean_command: str | None = None
    #: What DK203 advises when the cache is left.
    advice: str = ""
    #: Subcommands that install or change packages (``install``, ``add``...).
    install_verbs: tuple[str, ...] = ()
    #: Options that answer yes to every question (``-y``), as :func:`has_flag` names them.
    assume_yes: tuple[str, ...] = ()
    #: Options whose value is the next word (``-t bookworm``), as :func:`has_flag` names them.
    value_options: frozenset[str] = frozenset()
    #: Subcommands that download the package index, and those that use it.
    index_verbs: tuple[str, ...] = ()
    index_users: tuple[str, ...] = ()
    #: Subcommands that remove packages.
    remove_verbs: tuple[str, ...] = ()
    #: Whether a package argument names its version (pin syntax): ``curl=8.5.0-2``; every
    #: package counts as pinned where the catalogue does not know the syntax.
    pinned: Callable[[str], bool] = lambda package: True
    #: Options whose value is the version of the packages named (``gem install rails -v 7.2``),
    #: as :func:`has_flag` names them: the other half of the pin syntax.
    version_options: tuple[str, ...] = ()
    #: Options that make the install only report what it would do (``apt-get install -s``):
    #: it asks nothing and changes nothing.
    dry_run: tuple[str, ...] = ()


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


#: gem options whose value is the next word.
_GEM_VALUE_OPTIONS = _names(
    "i install-dir n bindir build-root P trust-policy platform s source config-file "
    "target-rbconfig without v version"
)


def _gem_pinned(gem: str) -> bool:
    """``name:version`` (gem's own pin syntax), or a local ``.gem`` file."""
    return ":" in gem or gem.endswith(".gem")


def _go_builds(invocation: Invocation) -> bool:
    return invocation.name == "go" and first_operand(invocation, "build", "install", "test", "run")


#: go build/test flags whose value is the next word (go spells long flags with one dash).
_GO_VALUED = _names(
    "C p tags ldflags gcflags asmflags gccgoflags o mod modfile pkgdir toolexec "
    "buildmode compiler installsuffix overlay pgo exec covermode coverpkg run bench "
    "timeout coverprofile count parallel"
)
#: go queries that name no fixed version (``@none`` removes a dependency).
_GO_MOVING = ("@latest", "@upgrade", "@patch", "@none", "@master", "@main", "@HEAD")


def _go_pinned(package: str) -> bool:
    """``module@version`` (not ``@latest``...); a local package or file; a package of the
    standard library or of the main module (its first element is no host name)."""
    if package.startswith((".", "/")) or package.endswith(".go"):
        return True
    path, at, _version = package.partition("@")
    if at:
        return not package.endswith(_GO_MOVING)
    return "." not in path.split("/", 1)[0]


#: npm options whose value is the next word.
_NPM_VALUE_OPTIONS = _names(
    "loglevel registry prefix cache userconfig globalconfig omit include only location w workspace"
)
_NPM_GIT = ("git://", "git+ssh://", "git+http://", "git+https://", "git+file://")
_NPM_HOSTED = ("github:", "gitlab:", "bitbucket:", "gist:")
_NPM_SHORTHAND = LazyPattern(r"[\w.-]+/[\w.-]+(#.*)?")
_NPM_TARBALLS = (".tar", ".tar.gz", ".tgz")
_NPM_FOLDERS = ("/", "./", "../", "~/", "file:")


def _npm_pinned(package: str) -> bool:
    """``name@version``, ``@scope/name@version``; a git or hosted reference with ``#ref``; a
    tarball or folder."""
    if package.endswith(_NPM_TARBALLS) or package.startswith(_NPM_FOLDERS):
        return True
    if package in (".", ".."):
        return True
    if package.startswith(_NPM_GIT + _NPM_HOSTED) or _NPM_SHORTHAND.fullmatch(package):
        return "#" in package
    name = package.split("/", 1)[1] if package.startswith("@") and "/" in package else package
    return "@" in name


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
        install_verbs=tuple(
            sorted(_names("install i add in ins inst insta instal isnt isnta isntal isntall"))
        ),
        value_options=_NPM_VALUE_OPTIONS,
        pinned=_npm_pinned,
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
        # `gem install`'s (DL3028): `bundle install` reads versions from the Gemfile.lock.
        install_verbs=("install", "i"),
        value_options=_GEM_VALUE_OPTIONS,
        pinned=_gem_pinned,
        version_options=("v", "version"),
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
        install_verbs=("install", "get"),
        value_options=_GO_VALUED,
        pinned=_go_pinned,
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
        # `--no-cache-dir`: uv's hidden alias, for pip's spelling (astral-sh/uv#1380).
        no_cache_flags=("no-cache", "n", "no-cache-dir"),
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
        no_cache_value=_any_boolean,
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
    # `apk update --no-cache` fetches the indexes without storing them (apk-tools 2.10 on).
    lambda inv: (
        inv.name == "apk" and first_operand(inv, "update") and not has_flag(inv.command, "no-cache")
    ),
    (
        Cache(
            "package index",
            ("/var/cache/apk",),
            cleaned_by=lambda inv: inv.name == "apk" and operands(inv)[:2] == ["cache", "clean"],
        ),
    ),
    advice="drop `apk update` and use `apk add --no-cache`, or delete /var/cache/apk/* in this RUN",
)


# --- the system package managers and pip, which the DL30xx rules judge ----------------------


def _apt_pinned(package: str) -> bool:
    """``name=version``, ``name/release``, or a ``.deb`` file."""
    return "=" in package or "/" in package or package.endswith(".deb")


def _apk_pinned(package: str) -> bool:
    """``name=version``, ``name~version``, ``name>version``..., or an ``.apk`` file."""
    return any(sign in package for sign in "=~><") or package.endswith(".apk")


def _zypper_pinned(package: str) -> bool:
    """``name=version``, ``name>=version``..., or an ``.rpm`` file."""
    return any(sign in package for sign in "=<>") or package.endswith(".rpm")


_RPM_VERSION_PART = LazyPattern(r"[A-Za-z0-9.~^_:+]*")


def rpm_pinned(package: str) -> bool:
    """``name-version[-release]``: after the first ``-``, every ``-``-separated part is made of
    version characters and one starts with a digit; ``.rpm`` files carry their version. An
    unknown value stands in for a version (``pkg-${VERSION}``), and a path ending in one
    (``/tmp/pkg/${ARTIFACT}``) for a local package file. A plain path (``/usr/sbin/semanage``)
    names the package that provides that file, at any version."""
    if package.endswith(".rpm"):
        return True
    if package.startswith(("/", "./", "../")):
        name = package.rsplit("/", 1)[-1]
        return stand_in(name, "") != name
    parts = stand_in(package, "0").split("-")[1:]
    return (
        bool(parts)
        and all(_RPM_VERSION_PART.fullmatch(part) for part in parts)
        and any(part[:1].isdigit() for part in parts)
    )


#: Subcommands of apt-get, apt and aptitude that use the package index.
_APT_INDEX_USERS = (
    "install",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "build-dep",
    "source",
    "download",
    "reinstall",
    "safe-upgrade",
    "purge",
    "remove",
    "autoremove",
)
APT_LISTS = "/var/lib/apt/lists"
APT = Manager(
    "apt",
    APT_ARCHIVES.programs,
    lambda inv: inv.name in APT_ARCHIVES.programs and first_operand(inv, *_APT_INSTALLS),
    (
        # Every list file is named for its source (`deb.debian.org_debian_dists_...`): an
        # `rm /var/lib/apt/lists/*_*` deletes them all.
        Cache("package lists", (APT_LISTS,), entries="*_*"),
        *APT_ARCHIVES.caches,
    ),
    clean_command=APT_ARCHIVES.clean_command,
    install_verbs=("install",),
    assume_yes=("y", "yes", "assume-yes"),
    dry_run=("s", "simulate", "just-print", "dry-run", "recon", "no-act"),
    value_options=frozenset(
        ("t", "target-release", "o", "option", "c", "config-file", "a", "host-architecture")
    ),
    index_verbs=("update",),
    index_users=_APT_INDEX_USERS,
    remove_verbs=("purge", "remove", "autoremove"),
    pinned=_apt_pinned,
)
APK = Manager(
    "apk",
    APK_INDEX.programs,
    lambda inv: inv.name == "apk" and first_operand(inv, "add"),
    (Cache("package cache", ("/var/cache/apk", "/etc/apk/cache")), *APK_INDEX.caches),
    no_cache_flags=("no-cache", "no-network"),
    install_verbs=("add",),
    value_options=frozenset(
        [
            "t",
            "virtual",
            "X",
            "repository",
            "p",
            "root",
            "arch",
            "cache-dir",
            "keys-dir",
            "repositories-file",
        ]
    ),
    index_verbs=("update",),
    index_users=("add", "upgrade", "fix", "fetch", "del"),
    remove_verbs=("del",),
    pinned=_apk_pinned,
)
#: yum/dnf/microdnf options whose value is the next word.
_RPM_VALUE_OPTIONS = _names(
    "c config d debuglevel e errorlevel x exclude R randomwait enablerepo "
    "disablerepo repo repoid setopt releasever installroot downloaddir destdir "
    "forcearch comment from-repo repofrompath"
)
_RPM_INSTALLS = ("install", "groupinstall", "localinstall")
_RPM_REMOVES = ("remove", "erase", "autoremove", "groupremove")
YUM = Manager(
    "yum",
    frozenset(["yum"]),
    lambda inv: inv.name == "yum" and inv.has("install"),
    (Cache("package cache", ("/var/cache/yum",)),),
    clean_command="yum clean all",
    install_verbs=_RPM_INSTALLS,
    assume_yes=("y", "assumeyes"),
    value_options=_RPM_VALUE_OPTIONS,
    remove_verbs=_RPM_REMOVES,
    pinned=rpm_pinned,
)
#: yum's options and pin syntax; its own programs, caches (dnf 4, dnf 5, microdnf) and clean
#: command.
DNF = YUM._replace(
    name="dnf",
    programs=frozenset(["dnf", "microdnf", "tdnf"]),
    installs=lambda inv: inv.name in ("dnf", "microdnf") and inv.has("install"),
    caches=(Cache("package cache", ("/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum")),),
    clean_command="{program} clean all",
)
ZYPPER = Manager(
    "zypper",
    frozenset(["zypper"]),
    lambda inv: inv.name == "zypper" and inv.has("install", "in"),
    (Cache("package cache", ("/var/cache/zypp",)),),
    clean_command="zypper clean --all",
    install_verbs=("install", "in"),
    assume_yes=("non-interactive", "n", "no-confirm", "y"),
    value_options=frozenset(
        ["t", "type", "r", "repo", "from", "R", "root", "reposd-dir", "C", "cache-dir", "D"]
    ),
    remove_verbs=("remove", "rm"),
    pinned=_zypper_pinned,
)
#: pip (and pipx) options whose value is the next word.
_PIP_VALUE_OPTIONS = _names(
    "abi b build e editable extra-index-url f find-links i index-url implementation "
    "no-binary only-binary platform prefix progress-bar proxy python python-version "
    "root root-user-action src t target trusted-host upgrade-strategy cache-dir log "
    "timeout retries exists-action cert client-cert report C config-settings "
    "global-option pip-args suffix group"
)
_PIP_VERSION_SYMBOLS = ("==", ">=", "<=", ">", "<", "!=", "~=")
_PIP_VCS = LazyPattern(r"(git|hg|svn|bzr)(\+[a-z-]+)?://")
_PIP_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")


def _pip_pinned(package: str) -> bool:
    """A version specifier (``==``, ``>=``...); a VCS URL with ``@ref``; an archive, a path."""
    if any(symbol in package for symbol in _PIP_VERSION_SYMBOLS):
        return True
    if _PIP_VCS.match(package):
        return "@" in package.split("://", 1)[1]
    return package.endswith(_PIP_ARCHIVES) or "/" in package or package.startswith((".", "~"))


PIP = Manager(
    "pip",
    frozenset(["pip"]),
    lambda inv: inv.name.startswith("pip") and inv.has("install"),
    (
        Cache(
            "pip cache",
            ("~/.cache/pip",),
            (("PIP_CACHE_DIR", ""),),
            # pip's view of the command (`python -m pip cache purge`: see packages.pip_call).
            lambda inv: inv.name.startswith("pip") and operands(inv)[:2] == ["cache", "purge"],
        ),
    ),
    # pip's option parser (optparse) takes any unambiguous prefix of a long option: `--no-ca`
    # up to `--no-cache-di` all mean `--no-cache-dir` (`--no-c` is ambiguous, pip refuses it).
    no_cache_flags=(
        "no-cache-dir",
        "no-cache-di",
        "no-cache-d",
        "no-cache-",
        "no-cache",
        "no-cach",
        "no-cac",
        "no-ca",
    ),
    no_cache_env=("PIP_NO_CACHE_DIR",),
    no_cache_value=_any_boolean,
    cache_option="cache-dir",
    install_verbs=("install",),
    value_options=_PIP_VALUE_OPTIONS,
    pinned=_pip_pinned,
)
#: The system package managers and pip, whose caches the DL30xx rules judge.
SYSTEM_MANAGERS: tuple[Manager, ...] = (APT, APK, YUM, DNF, ZYPPER, PIP)
CATALOGUE: tuple[Manager, ...] = (*SYSTEM_MANAGERS, *MANAGERS)


def manager(name: str) -> Manager:
    """The catalogue's record of ``name`` (``apt``, ``dnf``, ``npm``...)."""
    for record in CATALOGUE:
        if record.name == name:
            return record
    raise KeyError(name)


def value_options(*names: str) -> frozenset[str]:
    """The options taking a value of the named managers together (all, without names)."""
    records = [manager(name) for name in names] if names else CATALOGUE
    return frozenset().union(*(record.value_options for record in records))


def removes_packages(invocation: Invocation) -> bool:
    """A system package manager's remove (``apk del``, ``apt-get purge``, ``dnf remove``...)."""
    return any(
        invocation.name in record.programs and first_operand(invocation, *record.remove_verbs)
        for record in SYSTEM_MANAGERS
        if record.remove_verbs
    )


def by_program(records: tuple[Manager, ...] = CATALOGUE) -> dict[str, Manager]:
    """The records by the programs they run as (``apt-get``, ``microdnf``...)."""
    return {program: record for record in records for program in sorted(record.programs)}
