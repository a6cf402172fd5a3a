"""``dockerlens lint --image IMAGE``: the lint run joined with the image built from the file."""

from __future__ import annotations

from pathlib import Path

from dockerlens.errors import UserError
from dockerlens.image.archive import Limits
from dockerlens.image.errors import ImageInputError
from dockerlens.image.lens import read_dockerfile
from dockerlens.image.pricing import price, read_evidence
from dockerlens.image.sources import open_source, parse_source
from dockerlens.lint.config import CommandLine, ConfigResolver
from dockerlens.lint.discover import discover
from dockerlens.lint.runner import Outcome


def price_run(
    outcome: Outcome,
    paths: list[str],
    image_text: str,
    command_line: CommandLine,
    *,
    target: str | None = None,
    build_args: tuple[str, ...] = (),
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
    settings = ConfigResolver(command_line).for_file(Path(files[0]).absolute())
    configured = tuple(f"{name}={value}" for name, value in settings.settings.build_args.items())
    dockerfile = read_dockerfile(files[0], target, configured + build_args)
    try:
        images = open_source(parse_source(image_text), Limits())
        if len(images) != 1:
            raise UserError(f"{image_text} holds {len(images)} images: name one")
        evidence = read_evidence(images[0], dockerfile, target)
    except ImageInputError as err:
        raise UserError(str(err)) from None
    lines = run.sources.get(shown, [])
    priced, found = price(run.findings, evidence, evidence.image.ref, lines)
    # DK601/DK602 are engine codes: on unless ignored, with the configured severity.
    levels = settings.settings.engine_codes
    extra = [
        finding.replace(path=shown, severity=levels[finding.code])
        for finding in found
        if finding.code in levels
    ]
    run.findings = sorted(priced + extra, key=lambda finding: finding.sort_key)
    # No total of the bytes: two findings may price the same files (DL3009 and DK203).
    measured = sum(1 for finding in run.findings if finding.measured_bytes is not None)
    run.notes.append(
        f"{evidence.image.ref}: {evidence.attribution.message}; {measured} findings measured"
    )
    if settings.exit_zero:
        return outcome.failed
    threshold = settings.failure_threshold.rank
    return outcome.failed or any(finding.severity.rank >= threshold for finding in extra)
