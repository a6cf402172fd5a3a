"""``dockerlens lint --image IMAGE``: the lint run joined with the image built from the file."""

from __future__ import annotations

from dockerlens.errors import UserError
from dockerlens.image.archive import Limits
from dockerlens.image.errors import ImageInputError
from dockerlens.image.lens import load_dockerfile
from dockerlens.image.pricing import price, read_evidence
from dockerlens.image.sources import open_source, parse_source
from dockerlens.lint.config import CommandLine
from dockerlens.lint.discover import discover
from dockerlens.lint.findings import Finding
from dockerlens.lint.registry import load_registry
from dockerlens.lint.rule import Severity
from dockerlens.lint.runner import Outcome


def _wanted(finding: Finding, command_line: CommandLine) -> bool:
    registry = load_registry()

    def named(selectors: list[str]) -> bool:
        return any(finding.code in registry.select(selector) for selector in selectors)

    if named(command_line.ignore):
        return False
    if command_line.select is not None:
        return named(command_line.select) or named(command_line.extend_select)
    return True


def price_run(
    outcome: Outcome, paths: list[str], image_text: str, command_line: CommandLine
) -> bool:
    """Price ``outcome``'s findings with the image; returns whether the run fails now."""
    files = discover(paths or ["."])
    if len(files) != 1 or files[0] == "-":
        raise UserError("--image needs exactly one Dockerfile (a path, not standard input)")
    run = outcome.run
    shown = run.files[0]
    if any(finding.code == "DL1000" for finding in run.findings):
        run.notes.append(f"{shown} does not parse: nothing measured in {image_text}")
        return outcome.failed
    dockerfile = load_dockerfile(files[0])
    try:
        images = open_source(parse_source(image_text), Limits())
        if len(images) != 1:
            raise UserError(f"{image_text} holds {len(images)} images: name one")
        evidence = read_evidence(images[0], dockerfile)
    except ImageInputError as err:
        raise UserError(str(err)) from None
    lines = run.sources.get(shown, [])
    priced, extra = price(run.findings, evidence, evidence.image.ref, lines)
    extra = [replace_path(finding, shown) for finding in extra if _wanted(finding, command_line)]
    run.findings = sorted(priced + extra, key=lambda finding: finding.sort_key)
    attribution = evidence.attribution
    run.notes.append(f"{evidence.image.ref}: {attribution.message}")
    if command_line.exit_zero:
        return outcome.failed
    threshold = Severity.parse(command_line.failure_threshold or "info").rank
    return outcome.failed or any(finding.severity.rank >= threshold for finding in extra)


def replace_path(finding: Finding, shown: str) -> Finding:
    """A finding of the image at the path the report shows for the Dockerfile."""
    from dataclasses import replace

    return replace(finding, path=shown)
