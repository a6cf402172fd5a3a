"""Finding rules: the ``dockerlens.rules`` entry-point group, and local plugin folders.

The built-in rules register through that group exactly as a third-party rule pack does
(``[project.entry-points."dockerlens.rules"] builtin = "dockerlens.rules"``). An entry point
names a module or package; every :class:`Rule` subclass defined in it (or in any module of the
package whose name does not start with ``_``) is a rule, unless the module has a
``get_rules()`` function, which then says which.

The registry holds each rule's :class:`RuleSpec`. The built-in rules' come from a generated
index (``dockerlens.rules._index``, written by :mod:`dockerlens.lint.ruleindex`), so that a run
imports only the rule modules its files need; a plugin's rules are imported to be registered.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from dockerlens.errors import UserError
from dockerlens.lazyre import LazyPattern
from dockerlens.lint.findings import ENGINE_CODES, EngineCode
from dockerlens.lint.rule import Category, Rule, RuleSpec, Severity

ENTRY_POINT_GROUP = "dockerlens.rules"
BUILTIN_ENTRY_POINT = "builtin"
BUILTIN_PACKAGE = "dockerlens.rules"
_CODE = LazyPattern(r"^[A-Z][A-Za-z]*[0-9]+$")
_NAME = LazyPattern(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class RegistryError(UserError):
    pass


class Registry:
    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(self) -> None:
        self.rules: dict[str, RuleSpec] = {}
        #: Where each rule came from: the entry point's name, or the local plugin file.
        self.origins: dict[str, str] = {}
        self._lookup: dict[str, str] = {}
        #: BuildKit check name -> codes: one BuildKit check may be several hadolint rules
        #: (MultipleInstructionsDisallowed is DL3012, DL4003 and DL4004).
        self._buildkit: dict[str, list[str]] = {}
        self._ordered: list[RuleSpec] | None = None

    def add(self, rule: RuleSpec, origin: str) -> None:
        taken = self.rules.get(rule.code)
        if taken is not None and taken is not rule:
            raise RegistryError(
                f"rule {rule.code} from {origin} reuses the code {rule.code}, already taken "
                f"by {taken.name} from {self.origins[rule.code]}"
            )
        if rule.buildkit_name:
            self._buildkit.setdefault(rule.buildkit_name.lower(), []).append(rule.code)
        for identifier in rule.identifiers():
            if identifier == rule.buildkit_name:
                continue
            key = identifier.lower()
            owner = self._lookup.get(key) or _engine_owner(key)
            if owner is not None and owner != rule.code:
                where = self.origins.get(owner, "the engine")
                raise RegistryError(
                    f"rule {rule.code} from {origin} reuses {identifier!r}, "
                    f"already taken by {owner} from {where}"
                )
            self._lookup[key] = rule.code
        self.rules[rule.code] = rule
        self.origins[rule.code] = origin

    def spec(self, identifier: str) -> RuleSpec | None:
        """The one rule an identifier names (a BuildKit name shared by several: the first)."""
        key = identifier.lower()
        code = self._lookup.get(key) or next(iter(self._buildkit.get(key, ())), None)
        return self.rules[code] if code else None

    def resolve(self, identifier: str) -> type[Rule] | None:
        """The class of the rule an identifier names (its module imported)."""
        spec = self.spec(identifier)
        return spec.load() if spec is not None else None

    def classes(self) -> list[type[Rule]]:
        """Every rule's class, in code order (every rule module imported)."""
        return [spec.load() for spec in self]

    def engine_code(self, identifier: str) -> EngineCode | None:
        key = identifier.lower()
        return next((e for e in ENGINE_CODES if key in (e.code.lower(), e.name)), None)

    def select(self, selector: str) -> list[str]:
        """Codes a selector names: a code, a name, an alias, or a code prefix (``DL30``)."""
        shared = self._buildkit.get(selector.lower())
        if shared:
            return list(shared)
        exact = self.spec(selector)
        if exact is not None:
            return [exact.code]
        engine = self.engine_code(selector)
        if engine is not None:
            return [engine.code]
        prefix = selector.upper()
        codes = [code for code in self.rules if code.upper().startswith(prefix)]
        codes += [e.code for e in ENGINE_CODES if e.code.startswith(prefix)]
        return codes

    def knows(self, selector: str) -> bool:
        return bool(self.select(selector)) or is_shellcheck_code(selector)

    def __iter__(self) -> Iterator[RuleSpec]:
        if self._ordered is None or len(self._ordered) != len(self.rules):
            self._ordered = sorted(self.rules.values(), key=lambda r: _code_key(r.code))
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self.rules)


def is_shellcheck_code(text: str) -> bool:
    """An SC code, or a prefix of SC codes (``SC``, ``SC20``): ShellCheck's findings."""
    return re.fullmatch(r"SC\d{0,4}", text, re.IGNORECASE) is not None


#: ShellCheck codes reported only when selected (``--extend-select SC2016``): judged by hand on
#: real files, nearly all their findings were intended (docs/lint.md, "Precision").
OPT_IN_SHELLCHECK_CODES = ("SC2016",)


#: Codes hadolint has removed: a .hadolint.yaml may still name them.
REMOVED_HADOLINT_CODES = frozenset({"DL3005", "DL3017", "DL3031", "DL3039"})


def _engine_owner(key: str) -> str | None:
    return next((e.code for e in ENGINE_CODES if key in (e.code.lower(), e.name)), None)


def _code_key(code: str) -> tuple[str, int]:
    match = re.match(r"^(\D+)(\d+)$", code)
    return (match.group(1), int(match.group(2))) if match else (code, 0)


def _validate(rule: type[Rule], origin: str) -> None:
    problems = []
    if not _CODE.match(getattr(rule, "code", "")):
        problems.append("code must be letters then digits (DL3008, ACME001)")
    if not _NAME.match(getattr(rule, "name", "")):
        problems.append("name must be kebab-case")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append("severity must be a Severity")
    if not isinstance(getattr(rule, "category", None), Category):
        problems.append("category must be a Category")
    if problems:
        label = getattr(rule, "code", rule.__qualname__)
        raise RegistryError(f"rule {label} from {origin}: " + "; ".join(problems))


def rules_in(module: ModuleType) -> list[type[Rule]]:
    """The rules a module or package provides."""
    get_rules = getattr(module, "get_rules", None)
    if callable(get_rules):
        return list(get_rules())
    modules = [module]
    if hasattr(module, "__path__"):
        import pkgutil  # only for a plugin package (the built-in rules come from their index)

        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                modules.append(importlib.import_module(f"{module.__name__}.{info.name}"))
    return [rule for m in modules for rule in _defined_in(m)]


def _defined_in(module: ModuleType) -> Iterable[type[Rule]]:
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
            and "code" in vars(value)
        ):
            yield value


def entry_points(group: str) -> list[tuple[str, str]]:
    """(name, value) of the group's entry points in the installed distributions.

    ``importlib.metadata.entry_points()`` reads every distribution's metadata and costs 50 ms
    or more here, a quarter of a pre-commit run; only ``entry_points.txt`` files matter, and the
    first distribution of a name on ``sys.path`` wins, as there.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    header = f"[{group}]"
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in sorted(names):
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            stem = name.rsplit(".", 1)[0]
            distribution = stem.split("-", 1)[0].lower().replace("_", "-")
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                with open(os.path.join(folder or ".", name, "entry_points.txt")) as handle:
                    text = handle.read()
            except OSError:
                continue
            if header in text:
                found += _section(text, header)
    return found


def _section(text: str, header: str) -> list[tuple[str, str]]:
    out = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            inside = line == header
        elif inside and "=" in line and not line.startswith(("#", ";")):
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


@functools.cache
def _entry_point_rules() -> tuple[tuple[str, tuple[RuleSpec, ...]], ...]:
    found = []
    seen_builtin = False
    for name, value in sorted(entry_points(ENTRY_POINT_GROUP)):
        if value == BUILTIN_PACKAGE:
            if seen_builtin:
                continue
            seen_builtin = True
            found.append((name, builtin_specs()))
            continue
        try:
            module_name, _, attribute = value.partition(":")
            module: ModuleType = importlib.import_module(module_name.strip())
            if attribute:
                module = getattr(module, attribute.strip())
        except (Exception, SystemExit) as err:  # a plugin may even call sys.exit
            raise RegistryError(
                f"rule plugin {name!r} ({value}) failed to load: {type(err).__name__}: {err}"
            ) from None
        found.append((name, _specs(rules_in(module), f"rule plugin {name!r}")))
    if not seen_builtin:
        # Running from a source tree that was never installed: no metadata, same rules.
        found.insert(0, (BUILTIN_ENTRY_POINT, builtin_specs()))
    return tuple(found)


def builtin_specs() -> tuple[RuleSpec, ...]:
    """The built-in rules, from the generated index (no rule module imported)."""
    from dockerlens.rules._index import SPECS

    specs: tuple[RuleSpec, ...] = SPECS
    return specs


def _specs(rules: Iterable[type[Rule]], origin: str) -> tuple[RuleSpec, ...]:
    out = []
    for rule in rules:
        _validate(rule, origin)
        out.append(RuleSpec.of(rule))
    return tuple(out)


def load_registry(plugin_paths: Iterable[Path] = ()) -> Registry:
    registry = Registry()
    for origin, specs in _entry_point_rules():
        for spec in specs:
            registry.add(spec, origin)
    for folder in plugin_paths:
        for path, specs in _local_rules(folder.resolve()):
            for spec in specs:
                registry.add(spec, str(path))
    return registry


def plugin_folders_of(rules: Iterable[RuleSpec]) -> tuple[Path, ...]:
    """The local plugin folders ``rules`` were loaded from, in the order they were loaded."""
    packages = {rule.module.partition(".")[0] for rule in rules}
    return tuple(folder for package, folder in _LOCAL_PACKAGES.items() if package in packages)


def load_plugin_folders(folders: Iterable[Path]) -> None:
    """Load local plugin folders as :func:`load_registry` does: a worker process started with
    ``spawn`` loads its parent's before it reads rule classes from them."""
    for folder in folders:
        _local_rules(folder)


#: The package each loaded local plugin folder's modules live in -> the folder, in load order.
_LOCAL_PACKAGES: dict[str, Path] = {}


@functools.cache
def _local_rules(folder: Path) -> tuple[tuple[Path, tuple[RuleSpec, ...]], ...]:
    if not folder.is_dir():
        raise RegistryError(f"{folder}: plugin folder does not exist")
    found = []
    import hashlib

    prefix = "dockerlens_local_" + hashlib.sha1(str(folder).encode()).hexdigest()[:10]
    # A package above the folder's modules, so that their rule classes can be pickled by
    # name (a worker process gets its share of files, settings included, that way).
    package = sys.modules.setdefault(prefix, ModuleType(prefix))
    package.__path__ = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"{prefix}.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        setattr(package, path.stem, module)
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as err:  # a plugin may even call sys.exit
            raise RegistryError(
                f"{path}: local rule plugin failed to load: {type(err).__name__}: {err}"
            ) from None
        found.append((path, _specs(_defined_in(module), str(path))))
    _LOCAL_PACKAGES[prefix] = folder
    return tuple(found)
