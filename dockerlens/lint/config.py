"""Lint configuration: where it is found, what it may say, and what it means for one file.

Sources, lowest first: a hadolint config (``.hadolint.yaml``, found where hadolint looks), the
project's ``[tool.dockerlens]`` (pyproject.toml) or ``.dockerlens.toml`` (nearest upward from each
linted file), then the command line. Anything unknown or mistyped stops the run with the file, the
key and the reason: a silently dropped setting is a rule silently lost.
"""

from __future__ import annotations

import fnmatch
import os
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from dockerlens.errors import UserError
from dockerlens.lint.discover import DEFAULT_EXCLUDE, Exclusion
from dockerlens.lint.engine import DEFAULT_SHELLCHECK_TIMEOUT, EnabledRule, LintSettings
from dockerlens.lint.findings import (
    ENGINE_CODES,
    IMAGE_CODES,
    SHELLCHECK_TIMEOUT,
    UNHIDEABLE_CODES,
    UNKNOWN_PRAGMA_CODE,
    UNUSED_PRAGMA,
)
from dockerlens.lint.registry import (
    OPT_IN_SHELLCHECK_CODES,
    REMOVED_HADOLINT_CODES,
    Registry,
    is_shellcheck_code,
    load_registry,
)
from dockerlens.lint.rule import Rule, Severity, option_key
from dockerlens.project_config import cache_dir_setting, config_table, find_config

DEFAULT_THRESHOLD = Severity.INFO
#: Keys other commands own in the same table.
FOREIGN_KEYS = frozenset({"images", "analyze"})
#: Keys that concern the whole run, not one file: not allowed in ``[[overrides]]``.
TOP_LEVEL_KEYS = frozenset({"plugin-paths", "exclude", "extend-exclude", "force-exclude"})
#: Options several rules read, set once at the top of the config.
SHARED_OPTIONS = ("trusted-registries", "label-schema", "strict-labels")
HADOLINT_NAMES = (".hadolint.yaml", ".hadolint.yml")


class ConfigError(UserError):
    pass


# Plain classes and a named tuple, not dataclasses: a dataclass costs about a millisecond to
# make, at every start.
class Layer:
    """One source's settings, validated, with selectors resolved to codes."""

    def __init__(
        self, origin: str, ignore: list[str] | None = None, base: Path | None = None
    ) -> None:
        self.origin = origin
        #: The folder its ``exclude`` patterns are relative to (None: the current directory).
        self.base = base
        self.select: list[str] | None = None
        self.extend_select: list[str] = []
        self.ignore: list[str] = ignore if ignore is not None else []
        self.severity: dict[str, Severity] = {}
        self.rule_options: dict[str, dict[str, Any]] = {}
        self.shared_options: dict[str, Any] = {}
        self.failure_threshold: Severity | None = None
        self.exit_zero: bool | None = None
        self.disable_ignore_pragma: bool | None = None
        self.report_unused_pragmas: bool | None = None
        self.shellcheck: bool | None = None
        #: Which files a directory walk leaves out (gitignore patterns); None: the defaults.
        self.exclude: list[str] | None = None
        self.extend_exclude: list[str] = []
        self.force_exclude: bool | None = None
        self.shellcheck_timeout: float | None = None
        #: The result cache's folder (absolute).
        self.cache_dir: Path | None = None
        self.overrides: list[Override] = []


class Override:
    def __init__(self, base: Path, globs: list[str], layer: Layer) -> None:
        self.base = base
        self.globs = globs
        self.layer = layer

    def matches(self, path: Path) -> bool:
        # The file as reached (a link named in the project) or as resolved.
        for candidate in dict.fromkeys((Path(os.path.abspath(path)), path.resolve())):
            try:
                relative = PurePosixPath(candidate.relative_to(self.base).as_posix())
            except ValueError:
                continue
            if self._matches(relative):
                return True
        return False

    def _matches(self, relative: PurePosixPath) -> bool:
        for glob in self.globs:
            glob = glob.removeprefix("./")
            if "/" not in glob.rstrip("/") and fnmatch.fnmatch(relative.name, glob):
                return True
            if fnmatch.fnmatch(str(relative), glob) or relative.match(glob):
                return True
        return False


class FileSettings(NamedTuple):
    settings: LintSettings
    failure_threshold: Severity
    exit_zero: bool
    #: The ``cache-dir`` setting (the command line and DOCKERLENS_CACHE_DIR come first).
    cache_dir: Path | None = None


# ---------------------------------------------------------------- reading the sources


class _Reader:
    """Validates one table, naming the file and the key in every error."""

    def __init__(self, origin: str, registry: Registry, prefix: str = "") -> None:
        self.origin = origin
        self.registry = registry
        self.prefix = prefix

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {self.prefix}{key}: {reason}")

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_show(value)}")
        return value

    def strings(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, got {_show(value)}")
        return list(value)

    def seconds(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise self.fail(key, f"expected a number of seconds above 0, got {_show(value)}")
        return float(value)

    def severity(self, key: str, value: Any) -> Severity:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a severity name, got {_show(value)}")
        try:
            return Severity.parse(value)
        except ValueError as err:
            raise self.fail(key, str(err)) from None

    def codes(self, key: str, selectors: Iterable[str], *, hadolint: bool = False) -> list[str]:
        codes: list[str] = []
        for selector in selectors:
            found = self.registry.select(selector)
            if found:
                codes += found
            elif is_shellcheck_code(selector):
                codes.append(selector.upper())
            elif hadolint and selector.upper() in REMOVED_HADOLINT_CODES:
                continue  # hadolint removed the rule; its files may still name it
            else:
                raise self.fail(key, f"unknown rule {selector!r}")
        return codes

    def rule(self, key: str, selector: str) -> type[Rule]:
        rule = self.registry.resolve(selector)
        if rule is None:
            raise self.fail(key, f"unknown rule {selector!r}")
        return rule

    def options(self, key: str, rule: type[Rule], table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(key, f"expected a table of options, got {_show(table)}")
        fields = {option_key(f.name): f for f in rule.option_fields()}
        hints = typing.get_type_hints(rule.Options) if fields else {}
        out = {}
        for name, value in table.items():
            option = fields.get(name) or fields.get(name.replace("_", "-"))
            if option is None:
                known = ", ".join(fields) or "none"
                raise self.fail(
                    f"{key}.{name}", f"{rule.code} has no such option (options: {known})"
                )
            out[option.name] = self.typed(f"{key}.{name}", hints[option.name], value)
        return out

    def typed(self, key: str, tp: Any, value: Any) -> Any:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is bool:
            return self.boolean(key, value)
        if tp is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if tp is str and isinstance(value, str):
            return value
        if origin in (list, tuple) and isinstance(value, list):
            item = args[0] if args else Any
            items = [self.typed(f"{key}[{i}]", item, v) for i, v in enumerate(value)]
            return tuple(items) if origin is tuple else items
        if origin is dict and isinstance(value, dict):
            return {
                self.typed(key, args[0], k): self.typed(f"{key}.{k}", args[1], v)
                for k, v in value.items()
            }
        if tp is Any:
            return value
        from dockerlens.lint.docs import _type_name

        raise self.fail(key, f"expected {_type_name(tp)}, got {_show(value)}")


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def read_dockerlens_table(
    table: Mapping[str, Any],
    origin: str,
    base: Path,
    registry: Registry,
    prefix: str = "",
    *,
    nested: bool = False,
) -> Layer:
    """``nested``: an ``[[overrides]]`` table, which may not hold per-file settings itself."""
    reader = _Reader(origin, registry, prefix)
    layer = Layer(origin, base=base)
    for key, value in table.items():
        if key in FOREIGN_KEYS or key in TOP_LEVEL_KEYS:
            if nested:
                raise reader.fail(key, "only at the top level of the configuration")
            if key == "exclude":
                layer.exclude = _patterns(reader, key, value)
            elif key == "extend-exclude":
                layer.extend_exclude = _patterns(reader, key, value)
            elif key == "force-exclude":
                layer.force_exclude = reader.boolean(key, value)
            continue
        if key == "select":
            layer.select = reader.codes(key, reader.strings(key, value))
        elif key == "extend-select":
            layer.extend_select = reader.codes(key, reader.strings(key, value))
        elif key == "ignore":
            layer.ignore = reader.codes(key, reader.strings(key, value))
        elif key == "severity":
            if not isinstance(value, dict):
                raise reader.fail(key, f"expected a table of rule = severity, got {_show(value)}")
            for selector, level in value.items():
                for code in reader.codes(f"{key}.{selector}", [selector]):
                    layer.severity[code] = reader.severity(f"{key}.{selector}", level)
        elif key == "failure-threshold":
            layer.failure_threshold = reader.severity(key, value)
        elif key == "exit-zero":
            layer.exit_zero = reader.boolean(key, value)
        elif key == "disable-ignore-pragma":
            layer.disable_ignore_pragma = reader.boolean(key, value)
        elif key == "report-unused-pragmas":
            layer.report_unused_pragmas = reader.boolean(key, value)
        elif key == "shellcheck":
            layer.shellcheck = reader.boolean(key, value)
        elif key == "shellcheck-timeout":
            layer.shellcheck_timeout = reader.seconds(key, value)
        elif key == "cache-dir":
            if nested:
                raise reader.fail(key, "only at the top level of the configuration")
            try:
                layer.cache_dir = cache_dir_setting(base, value)
            except ValueError as err:
                raise reader.fail(key, str(err)) from None
        elif key == "rules":
            if not isinstance(value, dict):
                raise reader.fail(key, f"expected a table per rule, got {_show(value)}")
            for selector, options in value.items():
                rule = reader.rule(f"{key}.{selector}", selector)
                layer.rule_options.setdefault(rule.code, {}).update(
                    reader.options(f"{key}.{selector}", rule, options)
                )
        elif key in SHARED_OPTIONS:
            layer.shared_options[key] = _shared(reader, registry, key, value)
        elif key == "build-context":
            if not isinstance(value, str) or not value:
                raise reader.fail(key, f"expected a folder path, got {_show(value)}")
            # The `context` option of every rule that reads the build context, made absolute
            # here: the rules' own option is relative to the Dockerfile's folder.
            layer.shared_options["context"] = str((base / value).resolve())
        elif key == "per-file-ignores" and not nested:
            if not isinstance(value, dict):
                raise reader.fail(key, f"expected a table of glob = [rules], got {_show(value)}")
            for glob, selectors in value.items():
                where = f"{key}.{glob}"
                sub = Layer(origin, ignore=reader.codes(where, reader.strings(where, selectors)))
                layer.overrides.append(Override(base, [glob], sub))
        elif key == "overrides" and not nested:
            layer.overrides += _overrides(reader, value, origin, base, registry)
        else:
            raise reader.fail(key, "unknown key")
    return layer


def _patterns(reader: _Reader, key: str, value: Any) -> list[str]:
    patterns = reader.strings(key, value)
    try:
        Exclusion.check(patterns)
    except ValueError as err:
        raise reader.fail(key, str(err)) from None
    return patterns


def _shared(reader: _Reader, registry: Registry, key: str, value: Any) -> Any:
    name = key.replace("-", "_")
    for spec in registry:
        if name in spec.option_names:
            hints = typing.get_type_hints(spec.load().Options)
            return reader.typed(key, hints[name], value)
    raise reader.fail(key, "no installed rule reads this option")


def _overrides(
    reader: _Reader, value: Any, origin: str, base: Path, registry: Registry
) -> list[Override]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise reader.fail("overrides", "expected an array of tables ([[overrides]])")
    out = []
    for index, table in enumerate(value):
        prefix = f"{reader.prefix}overrides[{index}]."
        rest = dict(table)
        if "files" not in rest:
            raise ConfigError(f"{origin}: {prefix}files: missing (a list of globs)")
        globs = _Reader(origin, registry, prefix).strings("files", rest.pop("files"))
        layer = read_dockerlens_table(rest, origin, base, registry, prefix, nested=True)
        out.append(Override(base, globs, layer))
    return out


def read_hadolint(path: Path, registry: Registry) -> Layer:
    import yaml

    origin = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{origin}: invalid YAML: {_yaml_problem(err)}") from None
    except OSError as err:
        raise ConfigError(f"{origin}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{origin}: cannot read: not valid UTF-8 ({err.reason})") from None
    if data is None:
        return Layer(origin)
    reader = _Reader(origin, registry)
    if not isinstance(data, dict):
        raise reader.fail("(top level)", f"expected a mapping, got {_show(data)}")
    layer = Layer(origin)
    for key, value in data.items():
        if value is None:
            continue  # `ignored:` with every entry commented out: hadolint reads it as absent
        if key == "ignored":
            layer.ignore = reader.codes(key, reader.strings(key, value), hadolint=True)
        elif key == "override":
            if not isinstance(value, dict):
                raise reader.fail(
                    key, f"expected a mapping of severity: [rules], got {_show(value)}"
                )
            # hadolint applies style, info, warning, error in turn: error wins.
            for level in ("style", "info", "warning", "error"):
                if value.get(level) is not None:
                    listed = reader.strings(f"{key}.{level}", value[level])
                    for code in reader.codes(f"{key}.{level}", listed, hadolint=True):
                        layer.severity[code] = Severity(level)
            unknown = set(value) - {"style", "info", "warning", "error"}
            if unknown:
                raise reader.fail(f"{key}.{sorted(unknown)[0]}", "not a severity")
        elif key == "trustedRegistries":
            layer.shared_options["trusted-registries"] = _shared(
                reader, registry, "trusted-registries", reader.strings(key, value)
            )
        elif key == "label-schema":
            layer.shared_options["label-schema"] = _shared(reader, registry, key, value)
        elif key == "strict-labels":
            layer.shared_options["strict-labels"] = _shared(
                reader, registry, key, reader.boolean(key, value)
            )
        elif key == "failure-threshold":
            text = value if isinstance(value, str) else ""
            # hadolint's "none" and "ignore" fail on any finding, as style does.
            text = "style" if text.lower() in ("none", "ignore") else text
            layer.failure_threshold = reader.severity(key, text or value)
        elif key == "no-fail":
            layer.exit_zero = reader.boolean(key, value)
        elif key == "disable-ignore-pragma":
            layer.disable_ignore_pragma = reader.boolean(key, value)
        elif key in ("format", "formats", "no-color", "verbose"):
            continue  # output settings: the command line decides these here
        else:
            raise reader.fail(key, "unknown key (not a hadolint setting)")
    return layer


def _yaml_problem(err: Exception) -> str:
    """PyYAML's several-line message on one line: where, then what."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or getattr(err, "context", None)
    text = " ".join(str(problem or err).split())
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {text}"
    return text


def hadolint_config_path(cwd: Path | None = None) -> Path | None:
    """Where hadolint would find its config: the current directory, then the user's."""
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    candidates = [(cwd or Path.cwd()) / name for name in HADOLINT_NAMES]
    candidates += [xdg / "hadolint.yaml", xdg / "hadolint.yml"]
    candidates += [
        home / ".hadolint" / name
        for name in ("hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml")
    ]
    candidates += [home / name for name in HADOLINT_NAMES]
    return next((c for c in candidates if _is_file(c)), None)


def _is_file(path: Path) -> bool:
    """is_file() that takes a folder it may not search (~/.hadolint) for "no such file"."""
    try:
        return path.is_file()
    except OSError:
        return False


# ---------------------------------------------------------------- one file's settings


class CommandLine:
    def __init__(
        self,
        config: Path | None = None,
        no_config: bool = False,
        select: list[str] | None = None,
        extend_select: list[str] | None = None,
        ignore: list[str] | None = None,
        failure_threshold: str | None = None,
        exit_zero: bool = False,
        report_unused_pragmas: bool = False,
        disable_ignore_pragma: bool = False,
        shellcheck: bool | None = None,
        build_context: Path | None = None,
        exclude: list[str] | None = None,
        force_exclude: bool = False,
        shellcheck_timeout: float | None = None,
        no_cache: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.build_context = build_context
        self.no_config = no_config
        self.select = select
        self.extend_select: list[str] = extend_select if extend_select is not None else []
        self.ignore: list[str] = ignore if ignore is not None else []
        self.failure_threshold = failure_threshold
        self.exit_zero = exit_zero
        self.report_unused_pragmas = report_unused_pragmas
        self.disable_ignore_pragma = disable_ignore_pragma
        self.shellcheck = shellcheck
        self.exclude: list[str] = exclude if exclude is not None else []
        self.force_exclude = force_exclude
        self.shellcheck_timeout = shellcheck_timeout
        self.no_cache = no_cache
        self.cache_dir = cache_dir


class ConfigResolver:
    """Settings for each linted file, built once per configuration file."""

    def __init__(self, command_line: CommandLine, cwd: Path | None = None) -> None:
        """``cwd``: where hadolint's configuration is looked for first (default: the current
        directory)."""
        self.command_line = command_line
        self._hadolint: Path | None = None
        if command_line.config is not None and command_line.config.suffix in (".yaml", ".yml"):
            self._hadolint = command_line.config
        elif not command_line.no_config and command_line.config is None:
            self._hadolint = hadolint_config_path(cwd)
        self._projects: dict[Path, tuple[Path, dict[str, Any]] | None] = {}
        #: find_config's answers by resolved folder, ancestors included.
        self._searched: dict[Path, tuple[Path, dict[str, Any]] | None] = {}
        self._layers: dict[Path | None, tuple[Registry, list[Layer]]] = {}
        self._settings: dict[tuple[int, ...], FileSettings] = {}
        self._exclusions: dict[Path | None, Exclusion] = {}
        self._real: dict[Path, Path] = {}

    def for_file(self, path: Path) -> FileSettings:
        registry, layers = self.layers_for(path.parent)
        applied: list[Layer] = []
        for layer in layers:
            applied.append(layer)
            applied += [o.layer for o in layer.overrides if o.matches(path)]
        key = tuple(id(layer) for layer in applied)
        if key not in self._settings:
            self._settings[key] = settings_from_layers(registry, applied)
        return self._settings[key]

    def layers_for(self, folder: Path) -> tuple[Registry, list[Layer]]:
        project = self._project(folder)
        key = project[0] if project else None
        if key not in self._layers:
            self._layers[key] = self._read_layers(project)
        return self._layers[key]

    def exclusion_for(self, folder: Path) -> Exclusion:
        """What a directory walk leaves out in ``folder``: the defaults or the configuration's
        ``exclude``, then ``extend-exclude`` and ``--exclude``, each relative to the folder of
        the file that says it (the command line's to the current directory)."""
        project = self._project(folder)
        key = project[0] if project else None
        if key not in self._exclusions:
            _, layers = self.layers_for(folder)
            exclusion = Exclusion()
            exclude, exclude_base = list(DEFAULT_EXCLUDE), None
            force = False
            for layer in layers:
                if layer.exclude is not None:
                    exclude, exclude_base = layer.exclude, layer.base
                if layer.force_exclude is not None:
                    force = layer.force_exclude
            exclusion.add(exclude_base, exclude)
            for layer in layers:
                exclusion.add(layer.base, layer.extend_exclude)
            exclusion.force = force
            self._exclusions[key] = exclusion
        return self._exclusions[key]

    def files_read(self) -> list[str]:
        """The configuration files this resolver has read (what a report must not replace)."""
        files = [str(self._hadolint)] if self._hadolint is not None else []
        files += {str(found[0]) for found in self._projects.values() if found is not None}
        return files

    def force_excluded(self, path: Path, is_dir: bool = False) -> bool:
        """A file or folder left out even when named (``force-exclude`` and a pattern)."""
        exclusion = self.exclusion_for(path.parent.absolute())
        return exclusion.force and exclusion.excludes(path, is_dir)

    def _project(self, folder: Path) -> tuple[Path, dict[str, Any]] | None:
        if folder not in self._projects:
            cli = self.command_line
            found: tuple[Path, dict[str, Any]] | None = None
            if cli.config is not None and cli.config.suffix not in (".yaml", ".yml"):
                found = (cli.config, config_table(cli.config) or {})
            elif not cli.no_config and cli.config is None:
                found = find_config(self._resolved(folder), self._searched)
            self._projects[folder] = found
        return self._projects[folder]

    def _resolved(self, folder: Path) -> Path:
        """``folder.resolve()`` from its parent's, already known: one lstat instead of one per
        part, for every folder a directory walk enters."""
        known = self._real.get(folder)
        if known is None:
            parent = folder.parent
            if parent == folder or folder.name in ("", ".", "..") or folder.is_symlink():
                known = folder.resolve()
            else:
                known = self._resolved(parent) / folder.name
            self._real[folder] = known
        return known

    def _read_layers(
        self, project: tuple[Path, dict[str, Any]] | None
    ) -> tuple[Registry, list[Layer]]:
        registry = registry_for(project)
        layers: list[Layer] = []
        if self._hadolint is not None:
            layers.append(read_hadolint(self._hadolint, registry))
        if project is not None:
            path, table = project
            prefix = "tool.dockerlens." if path.name == "pyproject.toml" else ""
            # Override globs are matched against resolved paths: the base must be one too
            # (`--config .dockerlens.toml` names it relative to the current directory).
            base = path.parent.resolve()
            layers.append(read_dockerlens_table(table, str(path), base, registry, prefix))
        layers.append(self._command_line_layer(registry))
        return registry, layers

    def _command_line_layer(self, registry: Registry) -> Layer:
        cli = self.command_line
        reader = _Reader("command line", registry, "--")
        layer = Layer("command line")
        if cli.select is not None:
            layer.select = reader.codes("select", cli.select)
        layer.extend_select = reader.codes("extend-select", cli.extend_select)
        layer.ignore = reader.codes("ignore", cli.ignore)
        if cli.failure_threshold is not None:
            layer.failure_threshold = reader.severity("failure-threshold", cli.failure_threshold)
        if cli.exit_zero:
            layer.exit_zero = True
        if cli.report_unused_pragmas:
            layer.report_unused_pragmas = True
        if cli.disable_ignore_pragma:
            layer.disable_ignore_pragma = True
        layer.shellcheck = cli.shellcheck
        if cli.build_context is not None:
            layer.shared_options["context"] = str(cli.build_context.resolve())
        try:
            Exclusion.check(cli.exclude)
        except ValueError as err:
            raise reader.fail("exclude", str(err)) from None
        layer.extend_exclude = cli.exclude
        if cli.force_exclude:
            layer.force_exclude = True
        if cli.shellcheck_timeout is not None:
            layer.shellcheck_timeout = reader.seconds("shellcheck-timeout", cli.shellcheck_timeout)
        return layer


def registry_for(project: tuple[Path, dict[str, Any]] | None) -> Registry:
    """The installed rules plus the project's local plugin folders."""
    paths: tuple[Path, ...] = ()
    if project is not None:
        path, table = project
        raw = table.get("plugin-paths", [])
        key = "tool.dockerlens.plugin-paths" if path.name == "pyproject.toml" else "plugin-paths"
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            raise ConfigError(f"{path}: {key}: expected a list of folder paths")
        paths = tuple(path.parent / p for p in raw)
    return load_registry(paths)


def known_codes(registry: Registry) -> frozenset[str]:
    """Every code and name, in lower case, that names an installed rule or an engine code."""
    names = {i.lower() for rule in registry for i in rule.identifiers()}
    names |= {n.lower() for e in ENGINE_CODES for n in (e.code, e.name)}
    return frozenset(names)


def _unselected_opt_in_shellcheck_codes(enabled: set[str]) -> frozenset[str]:
    """The opt-in ShellCheck codes no selector (``SC2016``, ``SC20``, ``SC``) asked for."""
    return frozenset(
        code
        for code in OPT_IN_SHELLCHECK_CODES
        if not any(is_shellcheck_code(s) and code.startswith(s.upper()) for s in enabled)
    )


def settings_from_layers(registry: Registry, layers: list[Layer]) -> FileSettings:
    """Merge layers (lowest first): a later ``select`` replaces, lists add up, scalars win."""
    enabled = {rule.code for rule in registry if rule.default_enabled}
    severity: dict[str, Severity] = {}
    options: dict[str, dict[str, Any]] = {}
    shared: dict[str, Any] = {}
    threshold = DEFAULT_THRESHOLD
    exit_zero = disable_pragmas = report_unused = False
    shellcheck = True
    shellcheck_timeout = DEFAULT_SHELLCHECK_TIMEOUT
    cache_dir: Path | None = None
    ignored: set[str] = set()
    select_all_external = True
    for layer in layers:
        if layer.select is not None:
            enabled = set(layer.select)
            ignored.clear()
            select_all_external = False
        enabled |= set(layer.extend_select)
        ignored |= set(layer.ignore)
        severity.update(layer.severity)
        for code, values in layer.rule_options.items():
            options.setdefault(code, {}).update(values)
        shared.update(layer.shared_options)
        threshold = layer.failure_threshold or threshold
        exit_zero = layer.exit_zero if layer.exit_zero is not None else exit_zero
        if layer.disable_ignore_pragma is not None:
            disable_pragmas = layer.disable_ignore_pragma
        if layer.report_unused_pragmas is not None:
            report_unused = layer.report_unused_pragmas
        if layer.shellcheck is not None:
            shellcheck = layer.shellcheck
        shellcheck_timeout = layer.shellcheck_timeout or shellcheck_timeout
        cache_dir = layer.cache_dir or cache_dir
    rules: list[EnabledRule] = []
    experimental: list[EnabledRule] = []
    for rule in registry:
        if rule.code in ignored:
            continue
        dormant = rule.code not in enabled
        if dormant and (rule.default_enabled or not rule.buildkit_name):
            continue
        values = {}
        for option in rule.option_names:
            shared_key = option_key(option)
            if shared_key in shared:
                values[option] = shared[shared_key]
        values.update(options.get(rule.code, {}))
        level = severity.get(rule.code, rule.severity)
        try:
            # Without values the rule makes its defaults itself, when a file needs it.
            chosen = EnabledRule(rule, rule.load().Options(**values) if values else None, level)
        except (TypeError, ValueError) as err:
            # The value came from the rule's own table or from a shared option it reads.
            read = {option_key(option) for option in rule.option_names}
            origins = [layer.origin for layer in layers if rule.code in layer.rule_options]
            if not origins:
                # The last layer that sets a shared option is the one whose value counts.
                setters = [layer.origin for layer in layers if read & set(layer.shared_options)]
                raise ConfigError(f"{(setters or ['configuration'])[-1]}: {err}") from None
            raise ConfigError(f"{', '.join(origins)}: rules.{rule.code}: {err}") from None
        (experimental if dormant else rules).append(chosen)
    # Neither ignore lists nor severities reach these: see UNHIDEABLE_CODES.
    engine_codes = {e.code: e.severity for e in ENGINE_CODES if e.code in UNHIDEABLE_CODES}
    # On unless ignored, with the configured severity, like a rule.
    for engine_code in (UNKNOWN_PRAGMA_CODE, SHELLCHECK_TIMEOUT, *IMAGE_CODES):
        if engine_code.code not in ignored:
            engine_codes[engine_code.code] = severity.get(engine_code.code, engine_code.severity)
    if (report_unused or UNUSED_PRAGMA.code in enabled - {r.code for r in registry}) and (
        UNUSED_PRAGMA.code not in ignored
    ):
        engine_codes[UNUSED_PRAGMA.code] = severity.get(UNUSED_PRAGMA.code, UNUSED_PRAGMA.severity)
    settings = LintSettings(
        tuple(rules),
        engine_codes,
        honour_pragmas=not disable_pragmas,
        ignored_external=frozenset(c for c in ignored if c not in registry.rules)
        | _unselected_opt_in_shellcheck_codes(enabled),
        selected_external=None
        if select_all_external
        else frozenset(c for c in enabled if is_shellcheck_code(c)),
        external_severity={c: s for c, s in severity.items() if c not in registry.rules},
        shellcheck=shellcheck,
        shellcheck_timeout=shellcheck_timeout,
        experimental=tuple(experimental),
        known_codes=known_codes(registry),
    )
    return FileSettings(settings, threshold, exit_zero, cache_dir)
