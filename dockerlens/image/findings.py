"""Image facts judged against the configured thresholds, and secrets in layers, as lint findings.

A crossed threshold becomes a :class:`~dockerlens.lint.findings.Finding` with one of the engine
codes DK501-DK506 (``dockerlens.lint.findings.THRESHOLD_CODES``, documented with the other
engine codes), so the lint reporters (SARIF, GitHub, GitLab, JUnit, Checkstyle) print it; each
secret in a layer becomes a DK507 finding (``max-secrets`` crossed has no finding of its own:
the secrets are its findings). Without a Dockerfile the location is the image: ``path`` is the
image's reference, the line 0 (the whole "file"), and the message names the layer.
"""

from __future__ import annotations

from dockerlens.display import visible
from dockerlens.image.analysis import LayerSecretFound
from dockerlens.image.pipeline import ImageResult
from dockerlens.image.thresholds import (
    HIGHEST_USER_WASTED_PERCENT,
    HIGHEST_WASTED_BYTES,
    LOWEST_EFFICIENCY,
    MAX_IMAGE_SIZE,
    MAX_LAYER_SIZE,
    MAX_WASTED_BYTES,
    RuleResult,
)
from dockerlens.lint.findings import (
    MAX_GROWTH,
    SECRET_IN_LAYER,
    THRESHOLD_CODES,
    EngineCode,
    Finding,
    docs_url,
)

#: threshold -> the engine code its findings carry.
CODE_OF_THRESHOLD: dict[str, EngineCode] = dict(
    zip(
        (
            LOWEST_EFFICIENCY,
            HIGHEST_WASTED_BYTES,
            HIGHEST_USER_WASTED_PERCENT,
            MAX_IMAGE_SIZE,
            MAX_LAYER_SIZE,
            MAX_WASTED_BYTES,
        ),
        THRESHOLD_CODES,
        strict=True,
    )
)


def image_finding(image: str, code: EngineCode, message: str) -> Finding:
    """A finding located at an image: its reference as the path, line 0 (the whole "file")."""
    return Finding(
        path=image,
        line=0,
        column=0,
        end_line=0,
        end_column=0,
        code=code.code,
        name=code.name,
        severity=code.severity,
        message=message,
        url=docs_url(code.code),
    )


def threshold_findings(rules: list[RuleResult]) -> list[Finding]:
    """A finding for every threshold an image crosses."""
    return [
        image_finding(rule.image, CODE_OF_THRESHOLD[rule.rule], rule.message)
        for rule in rules
        # max-secrets has no code of its own: each secret is its DK507 finding
        if rule.status == "fail" and rule.rule in CODE_OF_THRESHOLD
    ]


def growth_finding(image: str, message: str) -> Finding:
    """``dockerlens diff --max-growth`` crossed by ``image`` (TO)."""
    return image_finding(image, MAX_GROWTH, message)


def secret_message(result: ImageResult, found: LayerSecretFound) -> str:
    """What a secret finding says: kind, path, line, layers; never the value."""
    added_by = (result.layer_instruction(found.layer) or "")[:60]
    where = f"{found.secret.kind} in /{found.path} (line {found.secret.line})"
    if found.visible:
        state = "visible in the final file system"
    elif found.hidden_in is not None:
        hidden_by = (result.layer_instruction(found.hidden_in) or "")[:60]
        state = f"hidden by layer {found.hidden_in} ({hidden_by}) but still in layer {found.layer}"
    else:
        state = f"not visible in the final file system but still in layer {found.layer}"
    return visible(f"{where}, added by layer {found.layer} ({added_by}); {state}")


def secret_findings(results: list[ImageResult]) -> list[Finding]:
    """A DK507 finding for every secret in any layer of every image."""
    return [
        image_finding(result.ref, SECRET_IN_LAYER, secret_message(result, found))
        for result in results
        if result.figures is not None
        for found in result.figures.secrets or ()
    ]


def image_findings(results: list[ImageResult], rules: list[RuleResult]) -> list[Finding]:
    """Everything analyze reports as findings: secrets first, then crossed thresholds."""
    return secret_findings(results) + threshold_findings(rules)


def threshold_notes(rules: list[RuleResult]) -> list[str]:
    """Thresholds that could not be judged (``--layers-only`` has no dive figures)."""
    return [f"{rule.image}: {rule.message}" for rule in rules if rule.status == "skip"]
