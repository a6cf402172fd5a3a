"""CI thresholds: dive's three rules (and its `.dive-ci` file) and dockerlens's own size limits.

dive's rules compare dive's figures (see ``dive_compat``), strictly, as dive 0.13.1 does: a value
equal to its threshold passes. dockerlens's rules compare the exact figures, also strictly.
Precedence: command-line options, then ``[tool.dockerlens.analyze]`` in ``pyproject.toml`` or
``[analyze]`` in ``.dockerlens.toml``, then ``.dive-ci``; when a ``.dive-ci`` file is used, the
dive rules it does not set take dive's defaults (lowestEfficiency 0.9, highestUserWastedPercent
0.1), as in dive.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from dockerlens.image.errors import ImageInputError
from dockerlens.image.pipeline import ImageResult
from dockerlens.image.units import parse_bytes

LOWEST_EFFICIENCY = "lowestEfficiency"
HIGHEST_WASTED_BYTES = "highestWastedBytes"
HIGHEST_USER_WASTED_PERCENT = "highestUserWastedPercent"
MAX_IMAGE_SIZE = "max-image-size"
MAX_LAYER_SIZE = "max-layer-size"
MAX_WASTED_BYTES = "max-wasted-bytes"
MAX_SECRETS = "max-secrets"
#: Not a threshold: whether layer content is read for secrets (true/false).
SECRETS = "secrets"
#: Whether secrets are read when nothing says: the cost is measured in docs/analyze.md.
SECRETS_BY_DEFAULT = True
#: The secrets an image may hold before the run fails, when nothing sets ``max-secrets``.
DEFAULT_MAX_SECRETS = 0

DIVE_KEYS = (LOWEST_EFFICIENCY, HIGHEST_WASTED_BYTES, HIGHEST_USER_WASTED_PERCENT)
OWN_KEYS = (MAX_IMAGE_SIZE, MAX_LAYER_SIZE, MAX_WASTED_BYTES, MAX_SECRETS)
_SETTINGS = DIVE_KEYS + OWN_KEYS + (SECRETS,)
DIVE_DEFAULTS = {LOWEST_EFFICIENCY: "0.9", HIGHEST_USER_WASTED_PERCENT: "0.1"}
_ALIASES = {
    "lowest-efficiency": LOWEST_EFFICIENCY,
    "highest-wasted-bytes": HIGHEST_WASTED_BYTES,
    "highest-user-wasted-percent": HIGHEST_USER_WASTED_PERCENT,
}
_DISABLED = {"disabled", "off", "false", ""}


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    image: str
    status: str  # "pass", "fail" or "skip"
    value: float | int | None
    threshold: float | int | None
    message: str
    #: the layer (its index) a per-layer rule speaks of
    layer: int | None = None


def _canonical(key: str) -> str:
    return _ALIASES.get(key, key)


def load_dive_ci(path: str) -> dict[str, str]:
    """The ``rules:`` of a `.dive-ci` YAML file, as strings."""
    import yaml

    try:
        with open(path, encoding="utf-8") as file:
            document = yaml.safe_load(file)
    except OSError as err:
        raise ImageInputError(f"cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ImageInputError(f"cannot read {path}: not valid UTF-8") from None
    except yaml.YAMLError as err:
        raise ImageInputError(f"{path} is not valid YAML ({str(err).splitlines()[0]})") from None
    rules = document.get("rules") if isinstance(document, dict) else None
    if document is not None and not isinstance(rules, dict):
        raise ImageInputError(f"{path}: expected a 'rules:' mapping")
    settings = {key: DIVE_DEFAULTS[key] for key in DIVE_DEFAULTS}
    for key, value in (rules or {}).items():
        key = _canonical(str(key))
        if key not in DIVE_KEYS:
            raise ImageInputError(f"{path}: unknown rule {key!r} (known: {', '.join(DIVE_KEYS)})")
        settings[key] = "disabled" if value is None else str(value)
    return _checked(settings, path)


def _checked(settings: dict[str, str], origin: str) -> dict[str, str]:
    """``settings`` when each value makes sense; else the error, saying the file it is in."""
    try:
        Thresholds.from_settings(settings)
        secrets_enabled(settings, SECRETS_BY_DEFAULT)
    except ImageInputError as err:
        raise ImageInputError(f"{origin}: {err}") from None
    return settings


def load_project_config(directory: str) -> dict[str, str]:
    """Thresholds from the ``analyze`` table of the project's dockerlens configuration.

    That is ``[analyze]`` in ``.dockerlens.toml`` or ``[tool.dockerlens.analyze]`` in
    ``pyproject.toml``, found from ``directory`` upwards (the loader lint and graph use).
    """
    from dockerlens.project_config import project_section

    found = project_section(Path(directory), "analyze")
    if found is None:
        return {}
    path, key, analyze = found
    if not isinstance(analyze, dict):
        raise ImageInputError(f"{path}: {key!r} must be a table")
    settings = {}
    for name, value in analyze.items():
        canonical = _canonical(str(name))
        if canonical not in _SETTINGS:
            known = ", ".join(_SETTINGS)
            raise ImageInputError(f"{path}: unknown analyze setting {name!r} (known: {known})")
        settings[canonical] = str(value)
    return _checked(settings, f"{path}: [{key}]")


def analyze_settings(
    options: dict[str, str | None], dive_ci: str | None, no_dive_ci: bool
) -> dict[str, str]:
    """The thresholds in force: command-line options over the project configuration over
    ``.dive-ci`` (``dive_ci``, else ``./.dive-ci`` when it exists, as dive reads it)."""
    settings: dict[str, str] = {}
    dive_ci_path = dive_ci
    if dive_ci_path is None and not no_dive_ci and os.path.isfile(".dive-ci"):
        dive_ci_path = ".dive-ci"
    if dive_ci_path is not None:
        settings.update(load_dive_ci(dive_ci_path))
    settings.update(load_project_config(os.getcwd()))
    given = {key: value for key, value in options.items() if value is not None}
    for key, value in given.items():
        _checked_option(key, value)
    settings.update(given)
    return settings


def _option_name(key: str) -> str:
    """The command-line option of a setting: ``lowestEfficiency`` is ``--lowest-efficiency``."""
    return "--" + next((alias for alias, k in _ALIASES.items() if k == key), key)


def _checked_option(key: str, value: str) -> None:
    """A setting given on the command line, its error naming the option."""
    try:
        Thresholds.from_settings({key: value})
        secrets_enabled({key: value}, SECRETS_BY_DEFAULT)
    except ImageInputError as err:
        reason = str(err).removeprefix(f"{key}: ")
        raise ImageInputError(f"{_option_name(key)}: {reason}") from None


def _fraction(key: str, value: str) -> float | None:
    if value.strip().lower() in _DISABLED:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ImageInputError(f"{key}: {value!r} is not a number between 0 and 1") from None
    if not 0 <= number <= 1:
        raise ImageInputError(f"{key}: {value!r} is not a number between 0 and 1")
    return number


def _count(key: str, value: str) -> int | None:
    if value.strip().lower() in _DISABLED:
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ImageInputError(f"{key}: {value!r} is not a count (0, 1, ...) or 'disabled'")
    return number


def secrets_enabled(settings: dict[str, str], default: bool) -> bool:
    """The ``secrets`` setting (``true``/``false``), ``default`` when nothing sets it."""
    value = settings.get(SECRETS)
    if value is None:
        return default
    word = value.strip().lower()
    if word in ("true", "on", "yes", "1"):
        return True
    if word in ("false", "off", "no", "0"):
        return False
    raise ImageInputError(f"{SECRETS}: {value!r} is not true or false")


def _size(key: str, value: str) -> int | None:
    if value.strip().lower() in _DISABLED:
        return None
    return parse_bytes(value, key)


@dataclass(frozen=True, slots=True)
class Thresholds:
    lowest_efficiency: float | None = None
    highest_wasted_bytes: int | None = None
    highest_user_wasted_percent: float | None = None
    max_image_size: int | None = None
    max_layer_size: int | None = None
    max_wasted_bytes: int | None = None
    max_secrets: int | None = DEFAULT_MAX_SECRETS
    #: whether ``max-secrets`` was set: only then is a pass reported (the default is always in
    #: force when secrets are read, and the secrets list says as much)
    max_secrets_set: bool = False

    @classmethod
    def from_settings(cls, settings: dict[str, str]) -> Thresholds:
        get = settings.get
        return cls(
            lowest_efficiency=_fraction(LOWEST_EFFICIENCY, get(LOWEST_EFFICIENCY, "disabled")),
            highest_wasted_bytes=_size(HIGHEST_WASTED_BYTES, get(HIGHEST_WASTED_BYTES, "disabled")),
            highest_user_wasted_percent=_fraction(
                HIGHEST_USER_WASTED_PERCENT, get(HIGHEST_USER_WASTED_PERCENT, "disabled")
            ),
            max_image_size=_size(MAX_IMAGE_SIZE, get(MAX_IMAGE_SIZE, "disabled")),
            max_layer_size=_size(MAX_LAYER_SIZE, get(MAX_LAYER_SIZE, "disabled")),
            max_wasted_bytes=_size(MAX_WASTED_BYTES, get(MAX_WASTED_BYTES, "disabled")),
            max_secrets=_count(MAX_SECRETS, get(MAX_SECRETS, str(DEFAULT_MAX_SECRETS))),
            max_secrets_set=MAX_SECRETS in settings,
        )


def _above(value: float | None, threshold: float | None) -> bool:
    return value is not None and threshold is not None and value > threshold


def _below(value: float | None, threshold: float | None) -> bool:
    return value is not None and threshold is not None and value < threshold


def _outcome(
    name: str,
    image: str,
    threshold: float | int | None,
    value: float | int | None,
    failed: bool,
    what: str,
    layer: int | None = None,
) -> RuleResult | None:
    if threshold is None:
        return None
    if value is None:
        message = f"{name}: {what} is not known"
        return RuleResult(name, image, "skip", None, threshold, message, layer)
    status = "fail" if failed else "pass"
    comparison = {"fail": "crosses", "pass": "within"}[status]
    message = f"{name}: {what} {value} {comparison} threshold {threshold}"
    return RuleResult(name, image, status, value, threshold, message, layer)


def evaluate(results: list[ImageResult], thresholds: Thresholds) -> list[RuleResult]:
    """Every configured rule against every image (strict comparisons, as dive's)."""
    t = thresholds
    outcomes: list[RuleResult | None] = []
    for result in results:
        ref = result.ref
        dive = result.dive
        efficiency = dive.efficiency if dive is not None else None
        dive_wasted = dive.wasted_bytes if dive is not None else None
        percent = dive.user_wasted_percent if dive is not None else None
        # NaN (a single-layer image) passes: every comparison with NaN is false in dive too.
        if percent is not None and math.isnan(percent):
            percent = None
        outcomes.append(
            _outcome(
                LOWEST_EFFICIENCY,
                ref,
                t.lowest_efficiency,
                efficiency,
                _below(efficiency, t.lowest_efficiency),
                "dive efficiency",
            )
        )
        outcomes.append(
            _outcome(
                HIGHEST_WASTED_BYTES,
                ref,
                t.highest_wasted_bytes,
                dive_wasted,
                _above(dive_wasted, t.highest_wasted_bytes),
                "dive wasted bytes",
            )
        )
        outcomes.append(
            _outcome(
                HIGHEST_USER_WASTED_PERCENT,
                ref,
                t.highest_user_wasted_percent,
                percent,
                _above(percent, t.highest_user_wasted_percent),
                "dive user wasted percent",
            )
        )
        size = result.size
        outcomes.append(
            _outcome(
                MAX_IMAGE_SIZE,
                ref,
                t.max_image_size,
                size,
                t.max_image_size is not None and size > t.max_image_size,
                "image size",
            )
        )
        outcomes.extend(_layer_sizes(result, t.max_layer_size))
        wasted = result.figures.wasted_bytes if result.figures is not None else None
        outcomes.append(
            _outcome(
                MAX_WASTED_BYTES,
                ref,
                t.max_wasted_bytes,
                wasted,
                _above(wasted, t.max_wasted_bytes),
                "wasted bytes",
            )
        )
        outcomes.append(_secrets(result, t))
    return [outcome for outcome in outcomes if outcome is not None]


def _secrets(result: ImageResult, thresholds: Thresholds) -> RuleResult | None:
    threshold = thresholds.max_secrets
    secrets = result.figures.secrets if result.figures is not None else None
    count = len(secrets) if secrets is not None else None
    failed = _above(count, threshold)
    if not failed and not thresholds.max_secrets_set:
        return None
    return _outcome(MAX_SECRETS, result.ref, threshold, count, failed, "secrets found")


def _layer_sizes(result: ImageResult, threshold: int | None) -> list[RuleResult | None]:
    """One failure per layer over ``threshold``; else one pass, for the largest layer."""
    if threshold is None or not result.layers:
        return []
    over = [layer for layer in result.layers if layer.size > threshold]
    shown = over or [max(result.layers, key=lambda layer: layer.size)]
    return [
        _outcome(
            MAX_LAYER_SIZE,
            result.ref,
            threshold,
            layer.size,
            layer.size > threshold,
            f"layer {layer.index} size ({layer.instruction[:50]})",
            layer.index,
        )
        for layer in shown
    ]
