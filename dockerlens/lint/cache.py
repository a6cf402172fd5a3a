"""The result cache: a file's findings kept under a key of everything they depend on, and
ShellCheck's comments kept per script text.

A file's entry is keyed by its text and display path, the effective settings for it, the
installed code (dockerlens's version and the stamp of its source files, every installed
distribution's name and version, the text of plugin rule files outside dockerlens), the
ShellCheck executable (path, size, modification time) when ShellCheck runs, and, when a rule
that reads the build context is on, the names in that context (and its ignore files' text, and
the nearest folder above it that holds a ``.dockerignore``).
ShellCheck's comments on one script are keyed by the executable and the script text, so a RUN
that did not change is not checked again when the file around it did.

Entries are JSON files written to a temporary name and renamed into place: two runs sharing the
folder never see half an entry. An entry that cannot be read or makes no sense is a miss, never
an error. When a run has written entries, the oldest are removed past :data:`MAX_BYTES`.

The folder: ``--cache-dir`` / ``DOCKERLENS_CACHE_DIR``, else the ``cache-dir`` setting, else the
user's cache folder (``$XDG_CACHE_HOME/dockerlens``, ``~/Library/Caches/dockerlens``,
``%LOCALAPPDATA%\\dockerlens\\Cache``): not the project folder, where it would be sent to every
``docker build`` whose context is that folder.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dockerlens import __version__
from dockerlens.lazyre import LazyPattern
from dockerlens.lint.context import NO_CONTEXT
from dockerlens.lint.engine import EnabledRule, LintSettings
from dockerlens.lint.findings import Finding
from dockerlens.lint.rule import Edit, Fix, RuleOptions, Severity

ENV_VAR = "DOCKERLENS_CACHE_DIR"
#: Bumped when an entry's layout changes: older entries are then never read.
FORMAT = "1"
#: The cache's size on disk; past it, the least recently used entries go (down to 3/4).
MAX_BYTES = 128 * 1024 * 1024
#: A build context with more entries than this is not stamped: its files are not cached.
MAX_CONTEXT_ENTRIES = 5_000
#: Folders whose contents the build-context stamp does not list (their names it does).
UNLISTED_FOLDERS = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".cache"}
)
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# dockerlens's result cache\n"


#: The build-context rules read the context for COPY and ADD only: a file whose text has
#: neither word (in any case, anywhere) does not depend on it.
_COPIES = LazyPattern("(?i)copy|add")


def _hash_function() -> Callable[..., Any]:
    # BLAKE2 from its own built-in module: hashlib loads OpenSSL, a few ms at every start.
    try:
        from _blake2 import blake2b
    except ImportError:  # an interpreter built without it
        from hashlib import blake2b
    return functools.partial(blake2b, digest_size=32)


_new_hash = _hash_function()


def default_folder() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "dockerlens" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "dockerlens"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dockerlens"


def choose_folder(command_line: Path | None, setting: Path | None) -> Path:
    """``--cache-dir``, then ``DOCKERLENS_CACHE_DIR``, then the ``cache-dir`` setting."""
    if command_line is not None:
        return command_line
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env)
    return setting if setting is not None else default_folder()


class Store:
    """One kind of entry (files or scripts) in one cache folder."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.root = folder
        self.folder = folder / f"v{FORMAT}" / kind
        self.written = 0

    def get(self, key: str) -> Any:
        path = self.folder / f"{key}.json"
        try:
            with open(path, "rb") as handle:
                value = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        # Recently used: pruned last. A cache this user may read but not touch (another user's,
        # a read-only mount) still serves its entries.
        with contextlib.suppress(OSError):
            os.utime(path)
        return value

    def put(self, key: str, value: Any) -> None:
        data = json.dumps(value, separators=(",", ":")).encode("utf-8")
        try:
            self._ensure()
            import tempfile  # only when writing

            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, self.folder / f"{key}.json")
            except BaseException:
                _unlink(temporary)
                raise
        except OSError:
            return  # an unwritable cache only costs speed
        self.written += 1

    def _ensure(self) -> None:
        if self.folder.is_dir():
            return
        # Backup tools skip a folder tagged CACHEDIR.TAG, whatever else it holds: only a folder
        # that is the cache's own (new, or empty) is tagged, never one the user keeps files in
        # (`--cache-dir .` must not take a project out of its backups).
        try:
            with os.scandir(self.root) as entries:
                own = next(entries, None) is None
        except FileNotFoundError:
            own = True
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = self.root / "CACHEDIR.TAG"
        if own and not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")


def prune(root: Path, limit: int = MAX_BYTES) -> None:
    """Remove the least recently used entries until the cache is under 3/4 of ``limit``."""
    entries: list[tuple[int, int, str]] = []
    total = 0
    folder = root / f"v{FORMAT}"
    try:
        kinds = [entry.path for entry in os.scandir(folder) if entry.is_dir()]
        for kind in kinds:
            for entry in os.scandir(kind):
                try:
                    stat = entry.stat()
                except OSError:
                    continue  # removed by another run meanwhile
                entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
                total += stat.st_size
    except OSError:
        return
    if total <= limit:
        return
    for _, size, path in sorted(entries):
        if total <= limit * 3 // 4:
            break
        _unlink(path)
        total -= size


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class CachedScripts:
    """ShellCheck's comments per script text, for one executable (what the pipeline asks)."""

    def __init__(self, folder: Path, executable: str) -> None:
        self.store = Store(folder, "scripts")
        self.stamp = _EnvironmentStamp.shellcheck_of(executable)

    def get(self, text: str) -> list[dict[str, Any]] | None:
        value = self.store.get(self._key(text))
        if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
            return None
        return value

    def put(self, text: str, comments: list[dict[str, Any]]) -> None:
        self.store.put(self._key(text), comments)

    def _key(self, text: str) -> str:
        return _digest(self.stamp, text)


class Lookup:
    def __init__(self, where: tuple[Path, str] | None, findings: list[Finding] | None) -> None:
        #: The entry's folder and key; None: the file is not cached.
        self.where = where
        #: The cached findings; None on a miss.
        self.findings = findings


class ResultCache:
    """A run's view of the cache: per-file lookups before linting, stores after."""

    def __init__(self, command_line_folder: Path | None = None) -> None:
        self._command_line_folder = command_line_folder
        self._stores: dict[Path, Store] = {}
        #: (Dockerfile folder, contexts, cache folder) -> stamp: Dockerfiles that share a
        #: folder (Dockerfile, Dockerfile.alpine) share its walk.
        self._context_stamps: dict[tuple[Path, tuple[str, ...], Path], str | None] = {}
        self._settings: dict[int, tuple[LintSettings, str | None]] = {}
        self._environment = _EnvironmentStamp()

    def folder(self, setting: Path | None) -> Path:
        return choose_folder(self._command_line_folder, setting)

    def lookup(
        self,
        path: str,
        text: str | None,
        shown: str,
        settings: LintSettings,
        folder_setting: Path | None,
    ) -> Lookup:
        """The entry of the file at ``path`` whose ``text`` was read (as the linter reads it;
        None: not read, and not cached). Findings None: not cached."""
        if text is None:
            return Lookup(None, None)
        where = self._where(text, path, shown, settings, folder_setting)
        if where is None:
            return Lookup(None, None)
        value = self._store(where[0]).get(where[1])
        try:
            findings = [_finding(item) for item in value["findings"]]
            context = value.get("context")
            if context is not None and value["context_stamp"] != self._inferred_stamp(
                Path(context), where[0]
            ):
                return Lookup(where, None)  # the folder taken for its build context changed
        except (TypeError, KeyError, ValueError, AttributeError):
            return Lookup(where, None)
        lines = text.count("\n") + 1
        if not all(_placed(finding, lines) for finding in findings):
            return Lookup(where, None)  # an entry that points outside the text makes no sense
        return Lookup(where, findings)

    def remember(
        self, lookup: Lookup, findings: Iterable[Finding], context: Path | None = None
    ) -> None:
        """Store the findings of the text looked up. ``context``: the folder above the
        Dockerfile's that its rules inferred to be the build context (its stamp is kept, and
        checked at each lookup: that folder was not known before the file was linted)."""
        if lookup.where is None:
            return
        folder, key = lookup.where
        entry: dict[str, Any] = {"findings": [_plain(f) for f in findings]}
        if context is not None:
            stamp = self._inferred_stamp(context, folder)
            if stamp is None:
                return  # too big to stamp: not cached
            entry["context"] = str(context)
            entry["context_stamp"] = stamp
        self._store(folder).put(key, entry)

    def _inferred_stamp(self, context: Path, cache: Path) -> str | None:
        where = (context, ("",), cache)
        if where not in self._context_stamps:
            self._context_stamps[where] = _context_stamp(*where)
        return self._context_stamps[where]

    def _where(
        self,
        text: str,
        path: str,
        shown: str,
        settings: LintSettings,
        folder_setting: Path | None,
    ) -> tuple[Path, str] | None:
        fingerprint = self._fingerprint(settings)
        if fingerprint is None:
            return None
        parts = [self._environment.code(), fingerprint, shown, text]
        if settings.shellcheck:
            parts.append(self._environment.shellcheck())
        reads_context = _context_folders(settings)
        if reads_context and path not in NO_CONTEXT:
            from dockerlens.lint import named_contexts, yarn

            # Bake and Compose files above that name build contexts (DL3006 reads them) or say
            # which context a Dockerfile is built with; Yarn's settings (DK208, DL3060).
            parts += named_contexts.stamp(Path(path).parent)
            parts += yarn.stamp(Path(path).parent)
        contexts = reads_context if _COPIES.search(text) else []
        if contexts:
            where = (Path(path).parent, tuple(contexts), self.folder(folder_setting))
            if where not in self._context_stamps:
                self._context_stamps[where] = _context_stamp(*where)
            stamp = self._context_stamps[where]
            if stamp is None:
                return None
            # Which folder above is inferred to be the context depends on the working one.
            parts += [stamp, os.getcwd()]
        return self.folder(folder_setting), _digest(*parts)

    def scripts(self, setting: Path | None, executable: str | None) -> CachedScripts | None:
        if executable is None:
            return None
        return CachedScripts(self.folder(setting), executable)

    def finish(self) -> None:
        for store in self._stores.values():
            if store.written:
                prune(store.root)

    def _store(self, folder: Path) -> Store:
        if folder not in self._stores:
            self._stores[folder] = Store(folder, "files")
        return self._stores[folder]

    def _fingerprint(self, settings: LintSettings) -> str | None:
        known = self._settings.get(id(settings))
        if known is None or known[0] is not settings:
            try:
                described = json.dumps(_stable(settings), sort_keys=True)
                text: str | None = _digest(described, *self._environment.plugins(settings))
            except _Unstable:
                text = None  # an option whose value has no stable text: not cached
            known = self._settings[id(settings)] = (settings, text)
        return known[1]


def _digest(*parts: str) -> str:
    hasher = _new_hash()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogateescape"))
        hasher.update(b"\0")
    return str(hasher.hexdigest())


# --- what an entry depends on -------------------------------------------------------------


class _Unstable(Exception):
    pass


def _stable(value: Any) -> Any:
    """A JSON-able description of settings that is the same in every process."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if isinstance(value, type):
        return f"{value.__module__}:{value.__qualname__}"
    if isinstance(value, LintSettings):
        return {name: _stable(getattr(value, name)) for name in LintSettings.FIELDS}
    if isinstance(value, EnabledRule):
        spec = value.rule
        where = f"{spec.module}:{spec.qualname}"
        return [where, _stable(value.options), _stable(value.severity)]
    if isinstance(value, RuleOptions):
        return [_stable(type(value)), {k: _stable(v) for k, v in value.values().items()}]
    dataclasses = sys.modules.get("dataclasses")  # not imported: nothing is a dataclass
    if dataclasses is not None and dataclasses.is_dataclass(value):
        fields = {f.name: _stable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [_stable(type(value)), fields]
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_stable(v) for v in value), key=repr)
    if isinstance(value, dict):
        return sorted(([_stable(k), _stable(v)] for k, v in value.items()), key=repr)
    if type(value).__init__ is object.__init__ and not vars(value):
        return _stable(type(value))  # an options class without options (NoOptions)
    raise _Unstable(type(value).__qualname__)


class _EnvironmentStamp:
    """The installed code, computed once per process."""

    def __init__(self) -> None:
        self._code: str | None = None
        self._shellcheck: str | None = None
        self._plugin_files: dict[str, str] = {}

    def code(self) -> str:
        if self._code is None:
            parts = [FORMAT, __version__, sys.version, *_distributions()]
            for package in ("dockerlens", "dockerlens.rules"):
                module = sys.modules.get(package)
                if module is not None and getattr(module, "__file__", None):
                    parts += _tree_stamp(Path(str(module.__file__)).parent)
            self._code = _digest(*parts)
        return self._code

    def shellcheck(self) -> str:
        if self._shellcheck is None:
            from dockerlens.lint.shellcheck_program import find_shellcheck

            self._shellcheck = self.shellcheck_of(find_shellcheck())
        return self._shellcheck

    @classmethod
    def shellcheck_of(cls, program: str | None) -> str:
        """ShellCheck's stamp: the executable and the options it is run with (its comments on
        a script depend on both: a dockerlens that excludes other codes must not read them)."""
        from dockerlens.lint.shellcheck_program import OPTIONS

        stamp = cls.executable(program) if program else "no shellcheck"
        return _digest(stamp, *OPTIONS)

    @staticmethod
    def executable(program: str) -> str:
        try:
            stat = os.stat(program)
        except OSError:
            return program
        return f"{os.path.realpath(program)}:{stat.st_size}:{stat.st_mtime_ns}"

    def plugins(self, settings: LintSettings) -> list[str]:
        """The text of the files of every rule from outside dockerlens."""
        out = []
        for enabled in (*settings.rules, *settings.experimental):
            module = sys.modules.get(enabled.rule.module)
            name = getattr(module, "__file__", None)
            if not name or enabled.rule.module.startswith("dockerlens."):
                continue
            if name not in self._plugin_files:
                try:
                    self._plugin_files[name] = _new_hash(Path(name).read_bytes()).hexdigest()
                except OSError:
                    self._plugin_files[name] = "unreadable"
            out.append(self._plugin_files[name])
        return out


def _distributions() -> list[str]:
    """Every installed distribution's folder name, which holds its version."""
    names = []
    for folder in sys.path:
        try:
            listed = os.listdir(folder or ".")
        except OSError:
            continue
        names += [n for n in listed if n.endswith((".dist-info", ".egg-info"))]
    return sorted(names)


def _tree_stamp(folder: Path) -> list[str]:
    out = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    stat = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                out.append(f"{directory}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return out


def _context_folders(settings: LintSettings) -> list[str]:
    """The build contexts (relative to the Dockerfile's folder) the enabled rules read."""
    found = {
        str(getattr(enabled.options, "context", "") or "")
        for enabled in (*settings.rules, *settings.experimental)
        if enabled.rule.reads_build_context
    }
    return sorted(found)


def _context_stamp(dockerfile_folder: Path, contexts: tuple[str, ...], cache: Path) -> str | None:
    """The names, sizes and modification times of the files under each build context (not
    under :data:`UNLISTED_FOLDERS`: DK301 reads a copied entrypoint script) and the text of
    the ignore files at its top and beside the Dockerfile, and which folder above it holds the
    nearest ``.dockerignore`` (DK208 does not judge an assumed context below one); None when
    there are too many. The cache folder itself is left out: it changes at every run that
    writes to it."""
    from dockerlens.lint.dockerignore import ignore_file_above

    parts: list[str] = []
    seen = 0
    own = _real_path(str(cache))
    own_name = os.path.basename(own)
    for relative in contexts:
        top = dockerfile_folder / relative if relative else dockerfile_folder
        parts.append(f"context {relative}")
        for folder in dict.fromkeys((dockerfile_folder, top)):
            try:
                for entry in os.scandir(folder):
                    if entry.name.endswith("dockerignore") and entry.is_file():
                        parts.append(entry.name)
                        parts.append(_new_hash(Path(entry.path).read_bytes()).hexdigest())
            except OSError:
                parts.append(f"{folder}: unreadable")
        parts.append(f"ignore file above: {ignore_file_above(top)}")
        for directory, subdirs, files in os.walk(top):
            listed = sorted(subdirs)
            subdirs[:] = [d for d in listed if d not in UNLISTED_FOLDERS]
            if own_name in listed:  # (a link to it under another name is only listed)
                subdirs[:] = [
                    d for d in subdirs if os.path.realpath(os.path.join(directory, d)) != own
                ]
                listed = [d for d in listed if os.path.realpath(os.path.join(directory, d)) != own]
            seen += len(listed) + len(files)
            if seen > MAX_CONTEXT_ENTRIES:
                return None
            parts.append(directory)
            parts += [f"{d}/" for d in listed]
            parts += [_file_stamp(directory, name) for name in sorted(files)]
    return _digest(*parts)


@functools.lru_cache(maxsize=8)
def _real_path(path: str) -> str:
    return os.path.realpath(path)


def _file_stamp(directory: str, name: str) -> str:
    try:
        stat = os.stat(os.path.join(directory, name))
    except OSError:
        return f"{name}:-"  # a broken link
    return f"{name}:{stat.st_size}:{stat.st_mtime_ns}"


# --- entries ------------------------------------------------------------------------------


def _plain(finding: Finding) -> dict[str, Any]:
    out = finding.to_dict()
    out["instruction_line"] = finding.instruction_line
    return out


def _placed(finding: Finding, lines: int) -> bool:
    """Whether a finding's place is one in a text of ``lines`` lines (as the linter gives)."""
    return (
        1 <= finding.line <= finding.end_line <= lines
        and finding.column >= 1
        and finding.end_column >= 1
        and finding.instruction_line >= 1
    )


def _finding(item: dict[str, Any]) -> Finding:
    fix = item["fix"]
    return Finding(
        path=str(item["path"]),
        line=int(item["line"]),
        column=int(item["column"]),
        end_line=int(item["end_line"]),
        end_column=int(item["end_column"]),
        code=str(item["code"]),
        name=str(item["name"]),
        severity=Severity(item["severity"]),
        message=str(item["message"]),
        url=str(item["url"]),
        fix=None
        if fix is None
        else Fix(
            title=str(fix["title"]),
            edits=tuple(
                Edit(
                    int(edit["line"]),
                    int(edit["column"]),
                    int(edit["end_line"]),
                    int(edit["end_column"]),
                    str(edit["text"]),
                )
                for edit in fix["edits"]
            ),
            safe=bool(fix["safe"]),
        ),
        instruction_line=int(item["instruction_line"]),
    )
