"""``dockerlens lint``: check Dockerfiles against the rules."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import TextIO

from dockerlens import __version__, arguments
from dockerlens.commands.options import cache_options
from dockerlens.console import echo
from dockerlens.errors import UserError
from dockerlens.lint.config import CommandLine
from dockerlens.lint.discover import DEFAULT_EXCLUDE
from dockerlens.lint.report import FORMATS, LintRun, Reporter, ReportOptions, reporter
from dockerlens.lint.runner import Fixing, Outcome, run_lint

SEVERITIES = ["error", "warning", "info", "style"]


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


@arguments.command("lint")
@arguments.argument("paths", nargs=-1, metavar="[PATH|DIR|-]...")
@arguments.option(
    "--format",
    "output_format",
    type=arguments.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="text for people; json (a list of findings); sarif (GitHub code scanning); github "
    "(workflow annotations); gitlab (Code Quality); checkstyle; junit.",
)
@arguments.option(
    "-o",
    "--output",
    type=arguments.Path(path_type=Path),
    metavar="FILE",
    help="Write the report to FILE instead of standard output (- is standard output), whole "
    "or not at all; never to a file the run reads (a Dockerfile linted, a configuration "
    "file, the --image archive).",
)
@arguments.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (codes, names or code prefixes such as DL30; comma-separated or "
    "repeated). Replaces the configured selection.",
)
@arguments.option(
    "--extend-select",
    multiple=True,
    metavar="RULES",
    help="Add rules to the selection (e.g. rules that are off by default, like DL3057).",
)
@arguments.option(
    "--ignore", multiple=True, metavar="RULES", help="Skip these rules (or SC codes)."
)
@arguments.option(
    "--failure-threshold",
    type=arguments.Choice(SEVERITIES, case_sensitive=False),
    help="Exit 1 only for findings at this severity or above (default: info).",
)
@arguments.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when there are findings, parse errors (DL1000) and failed rules (DK999) "
    "included; a file that cannot be read (DK900) still exits 2.",
)
@arguments.option(
    "--config",
    type=arguments.Path(path_type=Path),  # checked when read: one-line errors, exit 2
    help="Use this configuration file (.dockerlens.toml, pyproject.toml or a hadolint YAML) "
    "for every file instead of looking for one.",
)
@arguments.option("--no-config", is_flag=True, help="Ignore every configuration file.")
@arguments.option(
    "--color",
    type=arguments.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="auto: when writing to a terminal and NO_COLOR is not set.",
)
@arguments.option("--statistics", is_flag=True, help="Count findings per rule.")
@arguments.option(
    "--stdin-filename",
    metavar="PATH",
    help="The path of the file read from standard input, for reports and configuration.",
)
@arguments.option(
    "--report-unused-pragmas",
    is_flag=True,
    help="Report ignore pragmas that suppress nothing (DK100).",
)
@arguments.option(
    "--disable-ignore-pragma", is_flag=True, help="Do not honour ignore pragmas in Dockerfiles."
)
@arguments.option(
    "--context",
    "build_context",
    type=arguments.Path(path_type=Path, exists=True, file_okay=False),
    metavar="DIR",
    help="The build context of every Dockerfile linted (the last argument of `docker build`), "
    "for the rules that read it (.dockerignore, files a COPY takes). Default: the "
    "`build-context` setting, else each Dockerfile's folder.",
)
@arguments.option(
    "--exclude",
    multiple=True,
    metavar="PATTERN",
    help="Leave out of directory searches the files and folders PATTERN matches (gitignore "
    "syntax, relative to the current directory; repeatable). Adds to the configuration's "
    "`exclude` / `extend-exclude` and to the defaults: " + ", ".join(DEFAULT_EXCLUDE) + ".",
)
@arguments.option(
    "--force-exclude",
    is_flag=True,
    help="Apply the exclude patterns to the files and folders named on the command line too, "
    "and to standard input by its --stdin-filename (for pre-commit and editors, which name "
    "every file).",
)
@arguments.option(
    "--shellcheck/--no-shellcheck",
    default=None,
    help="Check RUN scripts with ShellCheck (SC codes) when it is installed (default: on).",
)
@arguments.option(
    "--shellcheck-timeout",
    type=float,
    metavar="SECONDS",
    help="Stop a ShellCheck process that runs longer than this; each RUN it was checking is "
    "reported as DK901 (default: 120).",
)
@arguments.option(
    "--fix",
    is_flag=True,
    help="Apply the safe fixes and write the files back (a file without any is left alone; "
    "with -, the fixed text goes to standard output and the report to standard error). The "
    "report lists what is left.",
)
@arguments.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff, also apply fixes that may change what the image does.",
)
@arguments.option(
    "--diff",
    is_flag=True,
    help="Print a unified diff of what --fix would change (to -o FILE if given) instead of "
    "the report, and change no file; exit 1 when there is any change, 0 when there is none.",
)
@arguments.option(
    "--image",
    metavar="IMAGE",
    help="The image built from the Dockerfile (any analyze IMAGE source): price findings in "
    "bytes measured in its layers (measured_bytes) and report waste no rule saw (DK601, "
    "DK602). Needs exactly one Dockerfile.",
)
@arguments.option(
    "--target",
    metavar="STAGE",
    help="With --image: the stage the image was built for (default: the last).",
)
@arguments.option(
    "--build-arg",
    "build_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="With --image: a build argument the image was built with (repeatable).",
)
@cache_options(
    "Neither read nor write the result cache (findings are the same either way; --fix "
    "and --diff never use it).",
    "Keep the result cache in DIR (default: the cache-dir setting, else the user's "
    "cache folder, ~/.cache/dockerlens on Linux). Entries are keyed by each file's text, "
    "its settings and the installed versions, so folders may be shared.",
)
def lint(
    paths: tuple[str, ...],
    output_format: str,
    output: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    failure_threshold: str | None,
    exit_zero: bool,
    config: Path | None,
    no_config: bool,
    color: str,
    statistics: bool,
    stdin_filename: str | None,
    report_unused_pragmas: bool,
    disable_ignore_pragma: bool,
    exclude: tuple[str, ...],
    force_exclude: bool,
    shellcheck: bool | None,
    shellcheck_timeout: float | None,
    build_context: Path | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    image: str | None,
    target: str | None,
    build_args: tuple[str, ...],
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Lint Dockerfiles.

    PATH is a Dockerfile (linted whatever its name), a directory (searched for Dockerfile,
    Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile, Containerfile.*; .git,
    node_modules, what .gitignore ignores and what the exclude patterns match are skipped)
    or - for standard input. With no PATH, the current directory; finding no Dockerfile at
    all is an error.

    A file that cannot be read (missing, binary, not UTF-8, over 4 MiB, a pipe...) is reported
    as its finding DK900 while the other files are linted; the run then exits 2.

    Configuration comes from [tool.dockerlens] in pyproject.toml or .dockerlens.toml, the
    nearest one above each file, on top of a .hadolint.yaml where hadolint would find it; the
    options here come last. `dockerlens rules` lists the rules; `dockerlens rules CODE`
    explains one.

    \b
    Pragmas in a Dockerfile:
      # dockerlens: ignore=DL3008,DL3009 -- reason     (the next instruction)
      # dockerlens: ignore-stage=DL3059                (this stage)
      # dockerlens: ignore-file=DL3006                 (the whole file)
      # hadolint ignore=... / global ignore=... / stage ignore=... / shell=...

    --fix applies the fixes marked safe (--unsafe-fixes: all of them), pass after pass, and
    writes each changed file back keeping its mode, BOM, line endings and final newline;
    --diff shows the change instead.

    \b
    Exit codes: 0 nothing at or above the failure threshold; 1 something is, or a
    file does not parse (DL1000) or a rule failed (DK999), whatever the threshold
    or ignore lists say; 2 bad usage, configuration or input (a file that cannot be
    read, after the report).
    """
    if no_config and config is not None:
        raise UserError("--config and --no-config cannot be used together")
    if output is not None and str(output) == "-":
        output = None  # standard output, as for every other tool, not a file named "-"
    if output is not None and output.is_dir():
        raise UserError(f"{output}: cannot write: is a directory")
    command_line = CommandLine(
        config=config,
        no_config=no_config,
        select=_codes(select) if select else None,
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        failure_threshold=failure_threshold,
        exit_zero=exit_zero,
        report_unused_pragmas=report_unused_pragmas,
        disable_ignore_pragma=disable_ignore_pragma,
        shellcheck=shellcheck,
        build_context=build_context,
        exclude=list(exclude),
        force_exclude=force_exclude,
        shellcheck_timeout=shellcheck_timeout,
        no_cache=no_cache,
        cache_dir=cache_dir,
    )
    if unsafe_fixes and not (fix or diff):
        raise UserError("--unsafe-fixes needs --fix or --diff")
    if image is None and (target is not None or build_args):
        raise UserError("--target and --build-arg need --image")
    fixing = Fixing(unsafe=unsafe_fixes) if fix or diff else None
    outcome = run_lint(list(paths), command_line, stdin_filename, fixing=fixing)
    if image is not None:
        from dockerlens.image.lint_image import price_run

        outcome.failed = price_run(
            outcome, list(paths), image, command_line, target=target, build_args=build_args
        )
    if output is not None:
        _refuse_an_input(output, outcome, image)  # before --fix writes anything
    if diff:
        status = _diff(outcome, output)
    else:
        if fixing is not None:
            from dockerlens.commands.lint_fix import write_fixes  # difflib: only for fixes

            write_fixes(outcome)
            summary = outcome.run.fixed_summary()
            if output_format != "text" and summary:
                echo(summary, err=True)
        _report(outcome, output, output_format, color, statistics, "-" in paths and fix)
        status = outcome.exit_code
    for finding in outcome.unreadable:
        where = f"{finding.path}:{finding.line}" if finding.line > 1 else finding.path
        echo(f"dockerlens: error: {where}: {finding.message}", err=True)
    sys.exit(2 if outcome.unreadable else status)


def _diff(outcome: Outcome, output: Path | None) -> int:
    """``--diff``: the diff instead of the report, to ``-o`` when given; 1 when there is one."""
    from dockerlens.commands.lint_fix import show_diff  # difflib: only for --diff

    if output is None:
        return show_diff(outcome, sys.stdout)
    from dockerlens.output import write_atomically  # tempfile: only when it is needed

    with write_atomically(output, errors="surrogateescape") as stream:
        return show_diff(outcome, stream)


def _report(
    outcome: Outcome,
    output: Path | None,
    output_format: str,
    color: str,
    statistics: bool,
    stdout_taken: bool,
) -> None:
    """The report to ``-o``, else to standard output (standard error when standard output
    holds the fixed text of ``--fix -``)."""
    render = reporter(output_format)
    if output is not None:
        from dockerlens.output import write_atomically  # tempfile: only when it is needed

        # A file name that is not UTF-8 is written back as the bytes it is (as `ls` does).
        with write_atomically(output, errors="surrogateescape") as stream:
            render(outcome.run, stream, _options(color, stream, statistics))
    elif stdout_taken:
        render(outcome.run, sys.stderr, _options(color, sys.stderr, statistics))
    else:
        _to_stdout(outcome.run, color, statistics, render)


def _refuse_an_input(output: Path, outcome: Outcome, image: str | None) -> None:
    """The report must never replace a file the run read (``-o Dockerfile``, ``-o
    .dockerlens.toml``, ``-o app.tar`` with ``--image docker-archive:app.tar``)."""
    from dockerlens.output import refuse_to_overwrite

    refuse_to_overwrite(output, outcome.inputs, "one of the files being linted")
    read = list(outcome.also_read)
    if image is not None:
        from dockerlens.image.sources import files_read

        read += files_read([image])
    refuse_to_overwrite(output, read, "an input of this run")


def _to_stdout(run: LintRun, color: str, statistics: bool, render: Reporter) -> None:
    stdout = sys.stdout
    if stdout is None:  # started with standard output closed (`>&-`)
        raise UserError("standard output is closed: use --output FILE")
    if isinstance(stdout, io.TextIOWrapper) and stdout.encoding.lower() in ("utf-8", "utf8"):
        stdout.reconfigure(errors="surrogateescape")  # the same for standard output
    try:
        render(run, stdout, _options(color, stdout, statistics))
        stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing left to say, and nothing to say at exit.
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    except OSError as err:
        raise UserError(f"cannot write the report: {err.strerror or err}") from None


def _options(color: str, stream: TextIO, statistics: bool) -> ReportOptions:
    if color == "auto":
        use_color = stream.isatty() and not os.environ.get("NO_COLOR")
    else:
        use_color = color == "always"
    return ReportOptions(color=use_color, statistics=statistics, tool_version=__version__)
