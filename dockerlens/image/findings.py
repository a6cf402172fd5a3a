"""Image facts judged against the configured thresholds, as lint findings.

A crossed threshold becomes a :class:`~dockerlens.lint.findings.Finding`, so the lint
reporters (SARIF, GitHub, GitLab, JUnit, Checkstyle) print it. Without a Dockerfile its location
is the image: ``path`` is the image's reference, the line 0 (the whole "file"), and the message
names the layer when the rule is about one.
"""

from __future__ import annotations

from typing import NamedTuple

from dockerlens.image.thresholds import (
    HIGHEST_USER_WASTED_PERCENT,
    HIGHEST_WASTED_BYTES,
    LOWEST_EFFICIENCY,
    MAX_IMAGE_SIZE,
    MAX_LAYER_SIZE,
    MAX_WASTED_BYTES,
    RuleResult,
)
from dockerlens.lint.findings import Finding
from dockerlens.lint.rule import Severity

THRESHOLDS_URL = "https://github.com/dockerlens/dockerlens/blob/main/docs/analyze.md#ci-thresholds"


class ThresholdCode(NamedTuple):
    code: str
    name: str


#: threshold -> the code and name its findings carry.
THRESHOLD_CODES: dict[str, ThresholdCode] = {
    LOWEST_EFFICIENCY: ThresholdCode("DK501", "lowest-efficiency"),
    HIGHEST_WASTED_BYTES: ThresholdCode("DK502", "highest-wasted-bytes"),
    HIGHEST_USER_WASTED_PERCENT: ThresholdCode("DK503", "highest-user-wasted-percent"),
    MAX_IMAGE_SIZE: ThresholdCode("DK504", "max-image-size"),
    MAX_LAYER_SIZE: ThresholdCode("DK505", "max-layer-size"),
    MAX_WASTED_BYTES: ThresholdCode("DK506", "max-wasted-bytes"),
}


def threshold_findings(rules: list[RuleResult]) -> list[Finding]:
    """A finding (severity error) for every threshold an image crosses."""
    findings = []
    for rule in rules:
        if rule.status != "fail":
            continue
        code = THRESHOLD_CODES[rule.rule]
        findings.append(
            Finding(
                path=rule.image,
                line=0,
                column=0,
                end_line=0,
                end_column=0,
                code=code.code,
                name=code.name,
                severity=Severity.ERROR,
                message=rule.message,
                url=THRESHOLDS_URL,
            )
        )
    return findings


def threshold_notes(rules: list[RuleResult]) -> list[str]:
    """Thresholds that could not be judged (``--layers-only`` has no dive figures)."""
    return [f"{rule.image}: {rule.message}" for rule in rules if rule.status == "skip"]
