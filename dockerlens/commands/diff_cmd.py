"""``dockerlens diff FROM TO``: the command and its orchestration. Everything heavy is
imported when it runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockerlens import arguments
from dockerlens.commands.analyze_cmd import check_platform_option, html_option
from dockerlens.commands.options import cache_options
from dockerlens.console import echo
from dockerlens.errors import UserError
from dockerlens.image.registry_options import registry_options, registry_settings
from dockerlens.lint.report import FORMATS as LINT_FORMATS

if TYPE_CHECKING:
    from dockerlens.image.diff import ImageDiff
    from dockerlens.image.model import ImageInput, Limits
    from dockerlens.image.progress import ProgressReporter
    from dockerlens.image.registry_auth import RegistryOptions


@arguments.command("diff")
@arguments.argument("source_from", metavar="FROM")
@arguments.argument("source_to", metavar="TO")
@arguments.option(
    "-f",
    "--format",
    "output_format",
    type=arguments.Choice(tuple(LINT_FORMATS)),
    default="text",
    show_default=True,
    help="Report format. text and json are the full report; sarif, github, gitlab, junit and "
    "checkstyle give a crossed --max-growth as a DK508 finding located at TO.",
)
@arguments.option(
    "--top",
    type=arguments.IntRange(min=0),
    default=20,
    show_default=True,
    help="Files (and directories) to list, largest change first (0: all); JSON's files list "
    "too, with files_omitted saying how many it left out.",
)
@arguments.option(
    "--max-growth",
    metavar="SIZE",
    default=None,
    help="Exit 1 when TO's final file system is larger than FROM's by more than SIZE (20MB, "
    "1.5GiB, 0): a CI gate on image growth.",
)
@arguments.option(
    "--platform",
    default=None,
    help="os/arch[/variant] to pick from a multi-platform index (both images).",
)
@html_option(
    "both layer charts, the file systems by directory, the changed files as a sortable table"
)
@cache_options(
    "Neither read nor write the layer index cache: read every layer (the report is the "
    "same either way).",
    "Keep the layer index cache in DIR (default: the user's cache folder, "
    "~/.cache/dockerlens on Linux). Entries are keyed by layer diff_id: a layer read once is "
    "not read again, and a registry's is not downloaded again.",
)
@arguments.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@registry_options
def diff(
    source_from: str,
    source_to: str,
    output_format: str,
    top: int,
    max_growth: str | None,
    platform: str | None,
    html_file: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    quiet: bool,
    creds: str | None,
    creds_file: str | None,
    authfile: str | None,
    cert_dir: str | None,
    tls_verify: bool,
) -> None:
    """What changed from image FROM to image TO: size, layers, and files.

    \b
    FROM and TO are any two images analyze takes, mixed freely:
      NAME[:TAG], docker-daemon:NAME[:TAG]   an image in the local Docker Engine
      docker-archive:PATH[:NAME:TAG]          `docker save` output
      oci-archive:PATH[:REF], oci:DIR[:REF]   an OCI image layout
      docker://HOST/NAME:TAG                  a registry (credentials and TLS as analyze's)

    Layers with the same diff_id are read once, and not at all when an earlier run kept their
    index (--no-cache: read them). Sizes are content bytes of the final file
    systems (the "size" of JSON); a file is modified when its type, size or link target
    changed, or its content when sizes are equal (SHA-256, hashed only where needed). Each
    file names the TO layer that made it (or deleted it) and that layer's instruction. See
    docs/diff.md. Exit 1 when --max-growth is crossed, 2 on bad input.
    """
    check_platform_option(platform, several=False)
    registry = registry_settings(creds, creds_file, authfile, cert_dir, tls_verify)
    if html_file is not None:
        from dockerlens.image.sources import files_read
        from dockerlens.output import refuse_to_overwrite

        named = (creds_file, authfile, cert_dir)
        inputs = files_read((source_from, source_to)) + [p for p in named if p is not None]
        refuse_to_overwrite(Path(html_file), inputs, "an input of this run")
    with _image_errors_as_user_errors():
        from dockerlens.image.diff import diff_images
        from dockerlens.image.layer_index import LayerIndex
        from dockerlens.image.model import Limits
        from dockerlens.image.progress import progress_reporter
        from dockerlens.image.units import parse_bytes
        from dockerlens.project_config import configured_cache_dir

        limit = parse_bytes(max_growth, "--max-growth") if max_growth is not None else None
        setting = None if no_cache else configured_cache_dir(Path.cwd())
        limits = Limits(digest_streamed_content=True)
        with progress_reporter(not quiet and sys.stderr.isatty()) as reporter:
            before, after = _open_pair(
                (source_from, source_to), limits, platform, reporter, registry
            )
            reporter.expect([before, after])
            index = None if no_cache else LayerIndex.default(cache_dir, setting)
            result = diff_images(before, after, progress=reporter.on_layer, index=index)
    growth = _growth(result, limit)
    _print(result, output_format, top, growth)
    if html_file is not None:
        from dockerlens.image.html_report import diff_html
        from dockerlens.output import write_atomically

        with write_atomically(Path(html_file), errors="surrogateescape") as stream:
            stream.write(diff_html(result, growth))
    if growth is not None and not growth["passed"]:
        from dockerlens.display import visible

        echo(f"dockerlens: threshold crossed: {visible(growth['message'])}", err=True)
        sys.exit(1)


@contextmanager
def _image_errors_as_user_errors() -> Iterator[None]:
    from dockerlens.image.errors import ImageInputError

    try:
        yield
    except ImageInputError as err:
        raise UserError(str(err)) from None
    except MemoryError:
        raise UserError("out of memory while reading the images") from None


def _open_one(
    text: str,
    limits: Limits,
    platform: str | None,
    reporter: ProgressReporter,
    registry: RegistryOptions,
) -> Any:
    from dockerlens.image.errors import ImageInputError
    from dockerlens.image.sources import check_platform, open_source, parse_source

    spec = parse_source(text)
    images = open_source(
        spec, limits, platform=platform, progress=reporter.on_stream_layer, registry=registry
    )
    check_platform(images, platform, str(spec))
    if len(images) != 1:
        names = ", ".join(image.ref for image in images)
        raise ImageInputError(
            f"{spec} holds {len(images)} images ({names}): name one, as in {spec}:NAME:TAG"
        )
    return images[0]


def _open_pair(
    texts: tuple[str, str],
    limits: Limits,
    platform: str | None,
    reporter: ProgressReporter,
    registry: RegistryOptions,
) -> list[ImageInput]:
    from dockerlens.image.sources import check_platform, parse_source

    specs = [parse_source(text) for text in texts]
    if all(spec.transport == "docker-daemon" for spec in specs):
        from dockerlens.image.engine import engine_images_together

        images = engine_images_together(
            [spec.location for spec in specs], limits, progress=reporter.on_stream_layer
        )
        for spec, image in zip(specs, images, strict=True):
            check_platform([image], platform, str(spec))
        return images
    return [_open_one(text, limits, platform, reporter, registry) for text in texts]


def _growth(result: ImageDiff, limit: int | None) -> dict[str, Any] | None:
    """``--max-growth`` judged on the final file systems' size change."""
    if limit is None:
        return None
    from dockerlens.image.units import human_size

    before, after = result.final_sizes
    change = after - before
    passed = change <= limit
    verb = "grew" if change >= 0 else "shrank"
    message = (
        f"{result.after.ref} {verb} by {human_size(abs(change))} ({abs(change)} bytes) from "
        f"{result.before.ref}: {'within' if passed else 'more than'} --max-growth "
        f"{human_size(limit)} ({limit} bytes)"
    )
    return {"limit": limit, "change": change, "passed": passed, "message": message}


def _print(result: ImageDiff, output_format: str, top: int, growth: dict[str, Any] | None) -> None:
    if output_format not in ("text", "json"):
        from dockerlens import __version__
        from dockerlens.image.findings import growth_finding
        from dockerlens.lint.report import LintRun, ReportOptions, reporter

        findings = []
        if growth is not None and not growth["passed"]:
            findings.append(growth_finding(result.after.ref, growth["message"]))
        run = LintRun(findings, [result.after.ref])
        reporter(output_format)(run, sys.stdout, ReportOptions(tool_version=__version__))
        return
    if output_format == "json":
        from dockerlens.image.diff_report import diff_json

        echo(json.dumps(diff_json(result, top, growth), indent=2))
        return
    from dockerlens.image.diff_report import render_diff
    from dockerlens.image.render import make_console

    console = make_console(sys.stdout.isatty())
    render_diff(console, result, top)
    if growth is not None:
        console.print(("passed: " if growth["passed"] else "FAILED: ") + growth["message"])
