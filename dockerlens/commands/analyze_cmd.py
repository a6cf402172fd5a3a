"""``dockerlens analyze``: the command and its orchestration. Everything heavy is imported
when it runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from dockerlens import arguments
from dockerlens.console import echo
from dockerlens.errors import UserError
from dockerlens.image.lens_options import dockerfile_options
from dockerlens.image.registry_options import registry_options, registry_settings
from dockerlens.lint.report import FORMATS as LINT_FORMATS

if TYPE_CHECKING:
    from dockerlens.image.attribution import Attribution
    from dockerlens.image.pipeline import ImageResult
    from dockerlens.image.platforms import PlatformComparison
    from dockerlens.image.registry_auth import RegistryOptions
    from dockerlens.image.sharing import Sharing
    from dockerlens.image.thresholds import RuleResult

#: text and json are analyze's own report; the others are lint's reporters, given the findings.
FORMATS = tuple(LINT_FORMATS)

_Command = TypeVar("_Command", bound=Callable[..., Any])


def _threshold_option(name: str, help_text: str) -> Callable[[_Command], _Command]:
    return arguments.option(name, metavar="VALUE", default=None, help=help_text)


def _html_file(value: str | None) -> Any:
    if value == "-":  # not a file named "-": standard output already holds the report
        raise arguments.BadParameter(
            "- is not a file name here: standard output holds the report; give a file"
        )
    return value


def html_option(what: str) -> Callable[[_Command], _Command]:
    """``--html FILE``, whose help says what the page shows."""
    return arguments.option(
        "--html",
        "html_file",
        type=arguments.Path(dir_okay=False),
        default=None,
        callback=_html_file,
        help=f"Also write the report as one self-contained HTML file ({what}; opens offline, "
        "loads nothing). Never one of the inputs.",
    )


@arguments.command("analyze")
@arguments.argument("images", nargs=-1, metavar="IMAGE...")
@arguments.option(
    "--from-file",
    "from_file",
    metavar="FILE",
    default=None,
    help="Read more IMAGE sources from FILE, one per line (blank lines and # comments skipped; "
    "-: standard input).",
)
@arguments.option(
    "-j",
    "--jobs",
    type=arguments.IntRange(min=1, max=64),
    default=8,
    show_default=True,
    help="Sources whose metadata is read at once with --layers-only (and tag lists of a catalog).",
)
@arguments.option(
    "-f",
    "--format",
    "output_format",
    type=arguments.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format. text and json are the full report; sarif, github, gitlab, junit and "
    "checkstyle give the crossed thresholds as findings located at the image.",
)
@arguments.option(
    "--graph",
    "graph_format",
    type=arguments.Choice(["dot", "mermaid", "json"]),
    default=None,
    help="Print the graph of shared bases instead of the report (not with --format).",
)
@arguments.option(
    "--layers-only",
    is_flag=True,
    help="Sizes and sharing from image metadata alone, without reading layer content.",
)
@arguments.option(
    "--top",
    type=arguments.IntRange(min=0),
    default=20,
    show_default=True,
    help="Wasted and largest files to list per image (0: all); a cut list says how many it "
    "left out.",
)
@arguments.option(
    "--platform",
    default=None,
    help="os/arch[/variant] to pick from a multi-platform index, a comma list of them, or "
    "'all': each platform is analysed, and compared with the first (sizes, differing files). "
    "An error when no image of a source is for it.",
)
@html_option("charts of the layers and of the file system, sortable tables")
@arguments.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_threshold_option("--lowest-efficiency", "dive's lowestEfficiency: fail below this score (0-1).")
@_threshold_option("--highest-wasted-bytes", "dive's highestWastedBytes: fail above (20MB, 1GiB).")
@_threshold_option(
    "--highest-user-wasted-percent", "dive's highestUserWastedPercent: fail above (0-1)."
)
@_threshold_option("--max-image-size", "Fail when an image is larger (20MB, 1GiB).")
@_threshold_option("--max-layer-size", "Fail when a layer is larger.")
@_threshold_option("--max-wasted-bytes", "Fail when an image wastes more (exact bytes).")
@arguments.option(
    "--secrets/--no-secrets",
    "secrets",
    default=None,
    help="Read file content for secrets (private keys, cloud keys, tokens...) in every layer, "
    "deleted or not; values are never printed. Default: on ([analyze] secrets).",
)
@_threshold_option(
    "--max-secrets",
    "Fail when an image holds more secrets (default 0; disabled: report without failing).",
)
@arguments.option(
    "--dive-ci",
    "dive_ci",
    type=arguments.Path(dir_okay=False),
    default=None,
    help="dive's CI rules file (default: ./.dive-ci when it exists).",
)
@arguments.option("--no-dive-ci", is_flag=True, help="Ignore ./.dive-ci.")
@arguments.option(
    "--max-layer-bytes",
    default="1TiB",
    show_default=True,
    help="Refuse a layer that expands past this (decompression bombs).",
)
@arguments.option(
    "--max-entries",
    type=arguments.IntRange(min=1),
    default=20_000_000,
    show_default=True,
    help="Refuse a layer with more tar entries.",
)
@dockerfile_options
@registry_options
def analyze(
    images: tuple[str, ...],
    from_file: str | None,
    jobs: int,
    output_format: str,
    graph_format: str | None,
    layers_only: bool,
    top: int,
    platform: str | None,
    html_file: str | None,
    quiet: bool,
    lowest_efficiency: str | None,
    highest_wasted_bytes: str | None,
    highest_user_wasted_percent: str | None,
    max_image_size: str | None,
    max_layer_size: str | None,
    max_wasted_bytes: str | None,
    secrets: bool | None,
    max_secrets: str | None,
    dive_ci: str | None,
    no_dive_ci: bool,
    max_layer_bytes: str,
    max_entries: int,
    dockerfile: str | None,
    target: str | None,
    build_args: tuple[str, ...],
    creds: str | None,
    creds_file: str | None,
    authfile: str | None,
    cert_dir: str | None,
    tls_verify: bool,
) -> None:
    """Exact layer sizes and wasted bytes of built images, and the bases they share.

    \b
    IMAGE is one of (skopeo's spelling):
      NAME[:TAG], docker-daemon:NAME[:TAG]   an image in the local Docker Engine
      docker-archive:PATH[:NAME:TAG]          `docker save` output (every image, or the one named)
      oci-archive:PATH[:REF], oci:DIR[:REF]   an OCI image layout
      docker://HOST/NAME:TAG                  a registry (credentials as skopeo and
                                              docker find them, or --creds)
      docker://HOST/                          every tag of every repository of a registry

    A registry's credentials come from --creds, --creds-file, --authfile or where skopeo and
    docker keep them (auth.json, config.json and its credential helpers); 5xx answers and
    dropped connections are retried (5 attempts; blobs resume with Range requests); a registry
    that has not answered in 20 s is not waited for again.

    With --layers-only, many images (a registry's catalog, --from-file) are read from their
    manifests and configs alone, --jobs at a time, and the report gives the bases they share,
    the bytes sharing saves, and the bases built again instead of shared.

    Wasted bytes are file contents stored in a layer that the final file system cannot see.
    "efficiency" is dive's score, computed as dive 0.13.1 does (see docs/analyze.md). Layers
    are numbered from 0, as JSON's "index". Thresholds come from the options, then
    [tool.dockerlens.analyze] or .dockerlens.toml's [analyze] (searched from the current folder
    upwards), then .dive-ci. With --dockerfile, each layer is traced to the instruction that
    made it (the history is aligned with the target stage and its FROM ancestry; a layer that
    cannot be paired with confidence is left unattributed, and an image not built from the file
    gets nothing), and a table of bytes added and wasted per instruction comes first. Secrets in
    any layer are reported (kind, path, line, layer; never the value) and fail the run unless
    --max-secrets allows them. Exit 1 when a threshold is crossed or a secret found, 2 on bad
    input.
    """
    from dockerlens.image.errors import ImageInputError

    if graph_format is not None and output_format != "text":  # text: the default
        raise UserError(
            f"--graph {graph_format} prints the graph instead of the report: drop "
            f"--format {output_format} (--graph json is the graph as JSON)"
        )
    if secrets and layers_only:
        raise UserError("--secrets reads layer content: not with --layers-only")
    check_platform_option(platform)
    if from_file is None and not images:
        raise arguments.UsageError("Missing argument 'IMAGE...'.")
    origins: dict[str, str] = {}  # a source of --from-file -> LIST:LINE
    if from_file is not None:
        from dockerlens.image.fleet import read_source_list

        listed = read_source_list(from_file)
        for number, text in reversed(listed):
            origins[text] = f"{from_file}:{number}"
        images += tuple(text for _, text in listed)
    if not images:
        raise UserError(f"--from-file {from_file}: no image in it, and no IMAGE argument")
    if html_file is not None:
        from pathlib import Path

        from dockerlens.image.sources import files_read
        from dockerlens.output import refuse_to_overwrite

        named = (from_file, dockerfile, dive_ci, creds_file, authfile, cert_dir)
        files = [path for path in named if path is not None]
        refuse_to_overwrite(Path(html_file), files + files_read(images), "an input of this run")
    registry = registry_settings(creds, creds_file, authfile, cert_dir, tls_verify)
    try:
        _run(
            images,
            jobs=jobs,
            html_file=html_file,
            output_format=output_format,
            graph_format=graph_format,
            layers_only=layers_only,
            top=top,
            platform=platform,
            quiet=quiet,
            options={
                "lowestEfficiency": lowest_efficiency,
                "highestWastedBytes": highest_wasted_bytes,
                "highestUserWastedPercent": highest_user_wasted_percent,
                "max-image-size": max_image_size,
                "max-layer-size": max_layer_size,
                "max-wasted-bytes": max_wasted_bytes,
                "max-secrets": max_secrets,
                "secrets": None if secrets is None else str(secrets).lower(),
            },
            dive_ci=dive_ci,
            no_dive_ci=no_dive_ci,
            max_layer_bytes=max_layer_bytes,
            max_entries=max_entries,
            lens=(dockerfile, target, build_args),
            registry=registry,
            origins=origins,
        )
    except ImageInputError as err:
        raise UserError(str(err)) from None
    except MemoryError:
        raise UserError("out of memory while reading the image") from None


def check_platform_option(platform: str | None, several: bool = True) -> None:
    """``--platform``: os/arch[/variant], each part named; with ``several`` (analyze) also a
    comma list of them or ``all``; diff compares one platform of each image."""
    if platform is None or (several and platform.strip().lower() == "all"):
        return
    expected = "expected os/arch[/variant] (linux/arm64)"
    if several:
        expected += ", a comma list of them, or all"
    elif platform.strip().lower() == "all" or "," in platform:
        expected += "; diff compares one platform of each image"
    items = platform.split(",") if several else [platform]
    for item in items:
        parts = item.strip().split("/")
        if not 2 <= len(parts) <= 3 or not all(parts) or "," in item:
            raise UserError(f"--platform {platform!r}: {expected}")


def _run(
    images: tuple[str, ...],
    *,
    jobs: int,
    html_file: str | None = None,
    output_format: str,
    graph_format: str | None,
    layers_only: bool,
    top: int,
    platform: str | None,
    quiet: bool,
    options: dict[str, str | None],
    dive_ci: str | None,
    no_dive_ci: bool,
    max_layer_bytes: str,
    max_entries: int,
    lens: tuple[str | None, str | None, tuple[str, ...]] = (None, None, ()),
    registry: RegistryOptions | None = None,
    origins: dict[str, str] | None = None,
) -> None:
    """``origins``: where --from-file named a source (``LIST:LINE``), said first in its errors."""
    from dockerlens.image import lens as lenses
    from dockerlens.image.archive import requested_platforms
    from dockerlens.image.errors import ImageInputError
    from dockerlens.image.fleet import expand_catalogs, named_at, open_metadata
    from dockerlens.image.model import Limits
    from dockerlens.image.pipeline import ScanCache, analyze_image
    from dockerlens.image.platforms import compare_platforms
    from dockerlens.image.progress import progress_reporter
    from dockerlens.image.sharing import compute_sharing
    from dockerlens.image.sources import SourceSpec, check_platform, open_source, parse_source
    from dockerlens.image.thresholds import (
        SECRETS_BY_DEFAULT,
        Thresholds,
        analyze_settings,
        evaluate,
        secrets_enabled,
    )
    from dockerlens.image.units import parse_bytes

    dockerfile = lenses.dockerfile_option(*lens)
    settings = analyze_settings(options, dive_ci, no_dive_ci)
    thresholds = Thresholds.from_settings(settings)
    read_secrets = secrets_enabled(settings, SECRETS_BY_DEFAULT) and not layers_only
    limits = Limits(parse_bytes(max_layer_bytes, "--max-layer-bytes"), max_entries, read_secrets)
    origins = origins or {}
    specs = []
    spec_origins: dict[SourceSpec, str] = {}
    for text in images:
        try:
            spec = parse_source(text)
        except ImageInputError as err:
            raise ImageInputError(
                f"{origins[text]}: {err}" if text in origins else str(err)
            ) from None
        specs.append(spec)
        if text in origins:
            spec_origins.setdefault(spec, origins[text])
    if any(spec.is_catalog for spec in specs):
        specs = expand_catalogs(specs, limits, jobs, registry)
        if not specs:
            raise UserError("the registry's catalog lists no image")
    show_progress = not quiet and sys.stderr.isatty()
    with progress_reporter(show_progress) as reporter:
        inputs = []
        if layers_only:
            inputs = open_metadata(
                specs,
                limits,
                platform=platform,
                jobs=jobs,
                registry=registry,
                origins=spec_origins,
            )
        for spec in specs if not layers_only else ():
            with named_at(spec, spec_origins):
                opened = open_source(
                    spec,
                    limits,
                    platform=platform,
                    progress=reporter.on_stream_layer,
                    registry=registry,
                )
                check_platform(opened, platform, str(spec))
            inputs.extend(opened)
        reporter.expect(inputs)
        cache = ScanCache(inputs)
        # `all` in any case (ALL), or a list: the platforms' files are compared.
        requested = requested_platforms(platform)
        several_platforms = requested is None or len(requested) > 1
        results = [
            analyze_image(
                image,
                top=top,
                cache=cache,
                layers_only=layers_only,
                progress=reporter.on_layer,
                keep_files=html_file is not None or several_platforms,
            )
            for image in inputs
        ]
    comparisons = compare_platforms(results, cache.reads)
    sharing = compute_sharing(results)
    rules = evaluate(results, thresholds)
    attributions = lenses.attribute_results(results, dockerfile)
    _print(results, sharing, rules, output_format, graph_format, top, attributions, comparisons)
    if html_file is not None:
        from pathlib import Path

        from dockerlens.image.html_report import analyze_html
        from dockerlens.output import write_atomically

        with write_atomically(Path(html_file), errors="surrogateescape") as stream:
            stream.write(analyze_html(results, sharing, rules))
    failures = [rule for rule in rules if rule.status == "fail"]
    if failures:
        from dockerlens.display import visible

        for rule in failures:
            message = visible(f"{rule.image}: {rule.message}")
            echo(f"dockerlens: threshold crossed: {message}", err=True)
        sys.exit(1)


def _print(
    results: list[ImageResult],
    sharing: Sharing,
    rules: list[RuleResult],
    output_format: str,
    graph_format: str | None,
    top: int,
    attributions: list[Attribution],
    comparisons: list[PlatformComparison],
) -> None:
    if graph_format is not None:
        from dockerlens.image.sharing import export_graph, sharing_graph

        echo(export_graph(sharing_graph(results), graph_format), nl=False)
    elif output_format == "json":
        from dockerlens.image.lens import annotate_report
        from dockerlens.image.platforms import comparisons_json
        from dockerlens.image.report import report_json, secrets_with_dockerfile_lines

        document = report_json(results, sharing, rules, top)
        document["platform_comparison"] = comparisons_json(comparisons, top)
        annotate_report(document, results, attributions)
        # Last: a secret takes the dockerfile key the lens gave its layer.
        secrets_with_dockerfile_lines(document)
        echo(json.dumps(document, indent=2))
    elif output_format == "text":
        from dockerlens.image.lens import render_lenses
        from dockerlens.image.render import make_console, render_report

        console = make_console(sys.stdout.isatty())
        render_lenses(console, results, attributions)
        render_report(console, results, sharing, rules, top)
        if comparisons:
            from dockerlens.image.platforms import render_comparisons

            render_comparisons(console, comparisons, top)
    else:
        from dockerlens import __version__
        from dockerlens.image.findings import image_findings, threshold_notes
        from dockerlens.lint.report import LintRun, ReportOptions, reporter

        run = LintRun(
            image_findings(results, rules),
            [result.ref for result in results],
            notes=threshold_notes(rules),
        )
        reporter(output_format)(run, sys.stdout, ReportOptions(tool_version=__version__))
