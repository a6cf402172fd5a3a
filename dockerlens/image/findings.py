"""Image facts judged against the configured thresholds, as lint findings.

A crossed threshold becomes a :class:`~dockerlens.lint.findings.Finding` with one of the engine
codes DK501-DK506 (``dockerlens.lint.findings.THRESHOLD_CODES``, documented with the other
engine codes), so the lint reporters (SARIF, GitHub, GitLab, JUnit, Checkstyle) print it.
Without a Dockerfile its location is the image: ``path`` is the image's reference, the line 0
(the whole "file"), and the message names the layer when the rule is about one.
"""

from __future__ import annotations

from dockerlens.image.thresholds import (
    HIGHEST_USER_WASTED_PERCENT,
    HIGHEST_WASTED_BYTES,
    LOWEST_EFFICIENCY,
    MAX_IMAGE_SIZE,
    MAX_LAYER_SIZE,
    MAX_WASTED_BYTES,
    RuleResult,
)
from dockerlens.lint.findings import MAX_GROWTH, THRESHOLD_CODES, EngineCode, Finding, docs_url

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
        if rule.status == "fail"
    ]


def growth_finding(image: str, message: str) -> Finding:
    """``dockerlens diff --max-growth`` crossed by ``image`` (TO)."""
    return image_finding(image, MAX_GROWTH, message)


def threshold_notes(rules: list[RuleResult]) -> list[str]:
    """Thresholds that could not be judged (``--layers-only`` has no dive figures)."""
    return [f"{rule.image}: {rule.message}" for rule in rules if rule.status == "skip"]
