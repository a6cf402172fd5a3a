"""What one file does never costs another its report, and a failure never passes as clean:
unreadable files (DK900), parse errors and crashed rules that cannot be hidden, no Dockerfile
found, the report never replacing an input, one-line usage errors, unknown pragma codes,
exclude patterns."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.test_lint_cli import CLEAN, LATEST, codes, imported_by_lint, lint, project, write
from tests.test_reporters import sarif_validator

__all__ = ["project"]  # the fixture, shared with test_lint_cli

FORMATS = ["text", "json", "sarif", "github", "gitlab", "checkstyle", "junit"]


# ------------------------------------------------------------------ unreadable files


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unreadable_file_is_its_own_finding_and_the_others_are_still_reported(
    project: Path, fmt: str
) -> None:
    write(project / "Dockerfile", LATEST)
    (project / "Bad.Dockerfile").write_bytes(b"FROM a\n\xff\n")
    args = ["lint", "--format", fmt, "--no-shellcheck"]
    result = CliRunner().invoke(cli, [*args, "Dockerfile", "Bad.Dockerfile", "gone.Dockerfile"])
    assert result.exit_code == 2, result.output
    report = result.stdout
    assert "DL3007" in report and "Dockerfile" in report
    assert report.count("DK900") >= 2 and "Bad.Dockerfile" in report
    assert "not valid UTF-8" in report and "no such file" in report and "gone.Dockerfile" in report
    if fmt == "sarif":
        validator = sarif_validator()
        assert [e.message for e in validator.iter_errors(json.loads(report))] == []
    assert result.stderr.splitlines() == [
        "dockerlens: error: Bad.Dockerfile:2: not valid UTF-8 (byte 0xff at offset 7)",
        "dockerlens: error: gone.Dockerfile: no such file",
    ]


def test_every_kind_of_unreadable_file_says_why(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    (project / "nul.Dockerfile").write_bytes(b"FROM a\nRUN x\0\n")
    (project / "big.Dockerfile").write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    names = ["Dockerfile", "nul.Dockerfile", "big.Dockerfile", "missing"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(project / "pipe.Dockerfile")  # reading it would block the run for ever
        names.append("pipe.Dockerfile")
    status, findings, err = lint(*names, "--exit-zero", "--failure-threshold", "error")
    assert status == 2, err  # whatever --exit-zero and the threshold say
    unreadable = {f["path"]: (f["line"], f["message"]) for f in findings if f["code"] == "DK900"}
    expected = {
        "nul.Dockerfile": (2, "binary file (NUL byte), not a Dockerfile"),
        "big.Dockerfile": (1, "larger than 4 MiB, not a Dockerfile"),
        "missing": (1, "no such file"),
    }
    if "pipe.Dockerfile" in names:
        expected["pipe.Dockerfile"] = (
            1,
            "is a named pipe, not a regular file (use - for standard input)",
        )
    assert unreadable == expected
    assert ("Dockerfile", "DL3007") in codes(findings)
    assert all(f["severity"] == "error" for f in findings if f["code"] == "DK900")


def test_an_unreadable_file_cannot_be_ignored(project: Path) -> None:
    (project / "Dockerfile").write_bytes(b"\xfe")
    write(project / ".dockerlens.toml", 'ignore = ["DK900"]\nseverity = { DK900 = "style" }\n')
    status, findings, _ = lint("Dockerfile", "--ignore", "unreadable-file", "--select", "DL3007")
    assert status == 2
    assert [(f["code"], f["severity"]) for f in findings] == [("DK900", "error")]


def test_the_parallel_run_reports_every_share_despite_an_unreadable_file(project: Path) -> None:
    from dockerlens.lint.config import CommandLine
    from dockerlens.lint.runner import PARALLEL_MIN_FILES, run_lint

    count = PARALLEL_MIN_FILES * 2
    for index in range(count):
        write(project / f"s{index:02}" / "Dockerfile", LATEST)
    (project / "s03" / "Dockerfile").write_bytes(b"FROM a\n\xff\n")  # in the first share
    command_line = CommandLine(shellcheck=False)
    alone = run_lint(["."], command_line, jobs=1)
    shared = run_lint(["."], command_line, jobs=2)
    assert shared.run.findings == alone.run.findings
    assert (shared.exit_code, alone.exit_code) == (2, 2)
    found = [(f.path, f.code) for f in shared.run.findings]
    assert found.count((os.path.join("s03", "Dockerfile"), "DK900")) == 1
    assert sum(1 for _, code in found if code == "DL3007") == count - 1  # every other share's


# ------------------------------------------------------------------ failures never pass


UNKNOWN_INSTRUCTION = "FROM debian:12.7\nUSER 10001\nFRM x\n"


@pytest.mark.parametrize(
    ("config", "args"),
    [
        ("", ["--ignore", "DL1000"]),
        ("", ["--ignore", "parse-error", "--failure-threshold", "error"]),
        ("", ["--select", "DL3007"]),
        ('ignore = ["DL1000"]\n', []),
        ('severity = { DL1000 = "style" }\nfailure-threshold = "error"\n', []),
        ("", ["--config", ".hadolint.yaml"]),
    ],
)
def test_a_parse_error_always_fails(project: Path, config: str, args: list[str]) -> None:
    write(project / ".dockerlens.toml", config)
    write(project / ".hadolint.yaml", "ignored: [DL1000]\nfailure-threshold: error\n")
    write(project / "Dockerfile", "FROM a\nENV onlyone\n")
    status, findings, _ = lint("Dockerfile", *args)
    assert status == 1 and [(f["code"], f["severity"]) for f in findings] == [("DL1000", "error")]
    # An unknown instruction (the rest of the file is linted), under a pragma naming DL1000.
    write(project / "Dockerfile", "# dockerlens: ignore-file=DL1000\n" + UNKNOWN_INSTRUCTION)
    status, findings, _ = lint("Dockerfile", *args)
    assert status == 1 and ("Dockerfile", "DL1000") in codes(findings)


def test_exit_zero_exits_0_on_a_parse_error_as_ruff_does(project: Path) -> None:
    write(project / "Dockerfile", "FROM a\nENV onlyone\n")
    status, findings, _ = lint("Dockerfile", "--exit-zero")
    assert status == 0 and codes(findings) == [("Dockerfile", "DL1000")]


# A local plugin: the engine tests' rule that raises on every FROM, under a code of its own.
CRASHING_PLUGIN = """
from tests.test_lint_engine import Crashes


class CrashesOnFrom(Crashes):
    code = "TST900"
    name = "crashes-on-from"
"""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--ignore", "DK999"],
        ["--failure-threshold", "error"],
        ["--ignore", "internal-error", "--failure-threshold", "error"],
    ],
)
def test_a_crashed_rule_always_fails(project: Path, args: list[str]) -> None:
    write(project / "lint_rules" / "crashes.py", CRASHING_PLUGIN)
    write(
        project / ".dockerlens.toml",
        'plugin-paths = ["lint_rules"]\nseverity = { DK999 = "style" }\n',
    )
    write(project / "Dockerfile", "# dockerlens: ignore-file=DK999\n" + CLEAN)
    status, findings, _ = lint("Dockerfile", *args)
    assert status == 1
    assert [(f["code"], f["severity"]) for f in findings] == [("DK999", "error")]
    assert "TST900 failed: RuntimeError: boom" in str(findings[0]["message"])


# ------------------------------------------------------------------ nothing found


def test_a_folder_without_dockerfiles_is_an_error(project: Path) -> None:
    write(project / "app" / "README.md", "no Dockerfile here\n")
    status, _, err = lint("app")
    assert status == 2 and err == "dockerlens: error: no Dockerfiles found under app\n"
    status, _, err = lint()
    assert status == 2 and err == "dockerlens: error: no Dockerfiles found under .\n"
    write(project / "app" / "Dockerfile.orig", LATEST)  # excluded by default
    status, _, err = lint("app", "app")
    assert status == 2 and "no Dockerfiles found under app, app" in err
    write(project / "app" / "Dockerfile", CLEAN)
    assert lint("app")[0] == 0


# ------------------------------------------------------------------ the report file


@pytest.mark.parametrize("how", ["same", "relative", "link", "hard link", "walked"])
def test_the_report_never_replaces_a_file_being_linted(project: Path, how: str) -> None:
    dockerfile = write(project / "sub" / "Dockerfile", LATEST)
    target, linted = "sub/Dockerfile", "sub/Dockerfile"
    if how == "relative":
        target = "sub/../sub/Dockerfile"
    elif how == "link":
        (project / "report").symlink_to(dockerfile)
        target = "report"
    elif how == "hard link":
        os.link(dockerfile, project / "report")
        target = "report"
    elif how == "walked":
        linted = "."
    status, _, err = lint(linted, "-o", target)
    assert status == 2
    assert (
        err
        == f"dockerlens: error: {target}: is one of the files being linted; not overwriting it\n"
    )
    assert dockerfile.read_text() == LATEST


@pytest.mark.parametrize(
    ("name", "text", "args"),
    [
        (".dockerlens.toml", 'ignore = ["DL3007"]\n', []),
        ("pyproject.toml", '[tool.dockerlens]\nignore = ["DL3007"]\n', []),
        (".hadolint.yaml", "ignored: [DL3007]\n", []),
        ("lint.toml", 'ignore = ["DL3007"]\n', ["--config", "lint.toml"]),
        ("Dockerfile", LATEST, ["--stdin-filename", "Dockerfile", "-"]),
    ],
)
def test_the_report_never_replaces_a_file_the_run_read(
    project: Path, name: str, text: str, args: list[str]
) -> None:
    """A configuration file, or the file standard input stands for (an editor's buffer)."""
    kept = write(project / name, text)
    if name != "Dockerfile":
        write(project / "Dockerfile", LATEST)
        args = [*args, "Dockerfile"]
    result = CliRunner().invoke(cli, ["lint", "-o", name, *args], input=LATEST)
    assert result.exit_code == 2
    assert result.stderr == (
        f"dockerlens: error: {name}: is an input of this run; not overwriting it\n"
    )
    assert kept.read_text() == text


def test_dash_as_the_report_file_is_standard_output(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    status, findings, _ = lint("Dockerfile", "-o", "-")
    assert status == 1 and [f["code"] for f in findings] == ["DL3007"]
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile"]  # no file named "-"


def test_the_report_is_written_whole_or_not_at_all(project: Path) -> None:
    from dockerlens.output import write_atomically

    report = write(project / "out" / "report.json", "the previous report\n")
    os.chmod(report, 0o640)
    with pytest.raises(RuntimeError), write_atomically(report) as stream:
        stream.write("half of a new rep")
        raise RuntimeError("the reporter failed")
    assert report.read_text() == "the previous report\n"
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]  # no temporary

    write(project / "Dockerfile", LATEST)
    status, _, _ = lint("Dockerfile", "-o", str(report))
    assert status == 1 and json.loads(report.read_text())[0]["code"] == "DL3007"
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]
    assert report.stat().st_mode & 0o777 == 0o640  # the mode it had
    (project / "latest").symlink_to(report)
    assert lint("Dockerfile", "-o", "latest")[0] == 1
    assert (project / "latest").is_symlink()  # the link is followed, not replaced


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_the_report_may_go_to_a_device(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    status, _, err = lint("Dockerfile", "-o", "/dev/null")
    assert (status, err) == (1, "")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs permissions")
def test_a_folder_that_cannot_be_written_is_one_line(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    locked = project / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        status, _, err = lint("Dockerfile", "-o", "locked/report.json")
    finally:
        locked.chmod(0o700)
    assert (
        status == 2
        and err == "dockerlens: error: locked/report.json: cannot write: Permission denied\n"
    )
    assert list(locked.iterdir()) == []


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "--format", "nope"], "Invalid value for '--format'"),
        (["lint", "--bogus"], "No such option '--bogus' (see 'dockerlens lint --help')"),
        (["analyze"], "Missing argument 'IMAGE...' (see 'dockerlens analyze --help')"),
        (["analyze", "--format", "nope", "x"], "'--format': 'nope' is not one of"),
        (["parse", "--bogus"], "No such option '--bogus'"),
        (["graph", "--format", "nope", "Dockerfile"], "Invalid value for '--format'"),
        (["rules", "--bogus"], "No such option '--bogus'"),
        (["nosuch"], "No such command 'nosuch' (see 'dockerlens --help')"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, prog_name="dockerlens")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("dockerlens: error: ")
    assert message in result.stderr


def test_no_arguments_still_show_the_help() -> None:
    result = CliRunner().invoke(cli, [], prog_name="dockerlens")
    assert "Usage: dockerlens" in result.output and "Commands:" in result.output


# ------------------------------------------------------------------ unknown pragma codes


def test_a_pragma_naming_a_code_no_rule_has_is_reported_at_its_line(project: Path) -> None:
    write(
        project / "Dockerfile",
        "# hadolint global ignore=DL3005,DL9998\n"  # DL3005: removed by hadolint, accepted
        "FROM debian:latest\n"
        "# dockerlens: ignore=DL3007,DL9999 -- typo\n"
        "USER 10001\n"
        "# hadolint ignore=latest-base-image,SC2086\n"
        "RUN true\n"
        "# dockerlens: ignore-stage=nonsense\n"
        "# check=skip=SomeBuildKitCheck\n"
        "LABEL a=b\n",
    )
    status, findings, _ = lint("Dockerfile", "--report-unused-pragmas")
    unknown = [(f["line"], f["message"]) for f in findings if f["code"] == "DK101"]
    assert unknown == [
        (
            1,
            "hadolint pragma ignores DL9998, which no rule has: "
            + "the whole pragma is void, as in hadolint",
        ),
        (3, "dockerlens pragma ignores DL9999, which no rule has"),
        (7, "dockerlens pragma ignores nonsense, which no rule has"),
    ]
    assert status == 1
    assert all(f["severity"] == "warning" for f in findings if f["code"] == "DK101")
    # reported once: not also as an unused pragma
    assert not any("DL999" in str(f["message"]) for f in findings if f["code"] == "DK100")
    status, findings, _ = lint("Dockerfile", "--ignore", "DK101")
    assert not [f for f in findings if f["code"] == "DK101"]
    status, findings, _ = lint("Dockerfile", "--disable-ignore-pragma")
    assert not [f for f in findings if f["code"] == "DK101"]


def test_a_hadolint_pragma_with_an_unknown_code_is_void(project: Path) -> None:
    """hadolint's parser rejects `ignore=crazy,DL3002` whole: DL3002 is still reported (issue
    11); a dockerlens pragma keeps its valid codes."""
    write(project / "Dockerfile", "FROM debian:12\n# hadolint ignore=crazy,DL3002\nUSER root\n")
    _, findings, _ = lint("Dockerfile", "--report-unused-pragmas")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "DK101"), (3, "DL3002")]
    write(project / "Dockerfile", "FROM debian:12\n# dockerlens: ignore=crazy,DL3002\nUSER root\n")
    _, findings, _ = lint("Dockerfile")
    assert [(f["line"], f["code"]) for f in findings] == [(2, "DK101")]


# ------------------------------------------------------------------ exclude patterns

EXCLUDED_BY_DEFAULT = [
    "Dockerfile.j2",
    "Dockerfile.orig",
    "Dockerfile.rej",
    "Dockerfile.bak",
    "Dockerfile~",
    "Dockerfile.swp",
    "app.Dockerfile.tmpl",
    "Dockerfile.erb",
    # Round 16 (growthbook): a fragment a workflow appends with `cat`.
    "preview/Dockerfile.append",
    "vendor/github.com/acme/tool/Dockerfile",
    "third/vendor/Dockerfile",
]


def _walked(*args: str) -> list[str]:
    status, findings, err = lint(*args)
    assert status in (0, 1), err
    return sorted(str(f["path"]) for f in findings)


def test_walks_leave_out_dockerfile_templates_with_template_markup(project: Path) -> None:
    # Seen in the round 6 precision sample (docs/lint.md): docker-library's jq templates gave
    # parse errors. balena's templates are Dockerfiles and are still linted.
    write(project / "Dockerfile", LATEST)
    write(project / "jq" / "Dockerfile.template", "FROM alpine:3.20\nENV V {{ .version }}\n")
    write(project / "balena" / "Dockerfile.template", "FROM balenalib/%%BALENA_ARCH%%-debian\n")
    # Round 14: a generator script fills paradedb's @@PG_VERSION_MAJOR@@.
    write(project / "gen" / "Dockerfile.template", "FROM postgres:@@PG_VERSION_MAJOR@@-trixie\n")
    # Round 16: docker-postgis's update.sh fills %%PG_MAJOR%% (balena's own names only: linted).
    write(project / "pg" / "Dockerfile.template", "FROM postgres:%%PG_MAJOR%%-alpine\n")
    write(
        project / "mixed" / "Dockerfile.template",
        "FROM balenalib/%%BALENA_ARCH%%-debian:%%DEBIAN%%\n",
    )
    # Round 21: orbit renders thecodingmachine's Dockerfile.slim.blueprint.
    write(
        project / "utils" / "Dockerfile.slim.blueprint",
        "FROM php:8.3\nENV IMAGE_VARIANT={{ .Orbit.variant }}\n",
    )
    write(project / "plain" / "Dockerfile.blueprint", "FROM php\n")
    # Round 23: gocd's FreeMarker templates (Dockerfile.agent.ftl), a default exclude.
    write(project / "gocd" / "Dockerfile.agent.ftl", "FROM alpine\n<#if x>\nRUN a\n</#if>\n")
    # A configure_file / autoconf input: `@BASE_IMAGE@` is filled in by the build system.
    write(project / "cmake" / "Dockerfile.in", "FROM @BASE_IMAGE@\nRUN make\n")
    # Round 21: PowerDNS's builder renders @INCLUDE/@IF directives, whatever the name.
    write(
        project / "pdns" / "Dockerfile.target.el-9",
        "FROM oraclelinux:9 AS dist-base\n@INCLUDE Dockerfile.rpmbuild\n",
    )
    write(
        project / "jinja" / "Dockerfile", "FROM {{ base }}\n{% if dev %}\nRUN make\n{% endif %}\n"
    )
    # Round 23: docker-library/mysql's jq template, xwiki's Groovy template.
    write(project / "jq" / "Dockerfile.oracle", "{{\n\tdef x: 1;\n-}}\nFROM oraclelinux\n")
    write(project / "groovy" / "Dockerfile", "FROM tomcat\n<%\nprintln 'RUN x'\n%>\n")
    # Round 24: redpanda's Dockerfile.ignore holds ignore patterns, no instruction. A file
    # named plain Dockerfile is linted whatever it holds (and says what is wrong with it).
    write(project / "ignore" / "Dockerfile.ignore", "**\n!install-dependencies.sh\n")
    write(project / "empty" / "Dockerfile", "# nothing yet\n")
    write(project / "lower" / "app.dockerfile", "# syntax=docker/dockerfile:1\nfrom alpine\n")
    write(project / "bom" / "Dockerfile.dev", "\ufeffFROM alpine\n")
    write(project / "split" / "Dockerfile.x", "FROM\\\n  alpine\n")
    write(project / "typo" / "Dockerfile.prod", "FORM ubuntu\n")  # linted: DL1000 says why
    assert sorted(set(_walked("."))) == [
        "Dockerfile",
        "balena/Dockerfile.template",
        "bom/Dockerfile.dev",
        "empty/Dockerfile",
        "lower/app.dockerfile",
        "plain/Dockerfile.blueprint",
        "split/Dockerfile.x",
        "typo/Dockerfile.prod",
    ]
    # A named file is linted all the same.
    assert set(_walked("jq/Dockerfile.template")) == {"jq/Dockerfile.template"}


def test_default_excludes_leave_templates_and_leftovers_out_of_walks(project: Path) -> None:
    for name in ["Dockerfile", *EXCLUDED_BY_DEFAULT]:
        write(project / name, LATEST)
    assert _walked(".") == ["Dockerfile"]
    # A folder that only sounds like it is still searched.
    write(project / "vendors" / "Dockerfile", LATEST)
    assert _walked(".") == ["Dockerfile", "vendors/Dockerfile"]
    (project / "vendors" / "Dockerfile").unlink()
    # Named files are linted all the same, unless --force-exclude.
    assert _walked("Dockerfile.j2", "Dockerfile.orig") == ["Dockerfile.j2", "Dockerfile.orig"]
    assert _walked("--force-exclude", "Dockerfile.j2", "Dockerfile") == ["Dockerfile"]
    # Every named file left out on purpose: nothing to do, not an error (pre-commit).
    assert lint("--force-exclude", "Dockerfile.j2") == (0, [], "")
    # Standard input is judged by the name it is given, as in ruff (editors).
    assert lint("--force-exclude", "--stdin-filename", "Dockerfile.j2", "-", stdin=LATEST) == (
        0,
        [],
        "",
    )
    status, findings, _ = lint(
        "--force-exclude", "--stdin-filename", "Dockerfile", "-", stdin=LATEST
    )
    assert (status, codes(findings)) == (1, [("Dockerfile", "DL3007")])
    # A folder named on the command line too.
    write(project / "legacy" / "Dockerfile", LATEST)
    assert _walked("legacy", "Dockerfile") == ["Dockerfile", "legacy/Dockerfile"]
    assert _walked("--force-exclude", "--exclude", "legacy/", "legacy", "Dockerfile") == [
        "Dockerfile"
    ]


def test_exclude_option_and_configuration(project: Path) -> None:
    for name in ["Dockerfile", "legacy/Dockerfile", "svc/Dockerfile", "svc/Dockerfile.orig"]:
        write(project / name, LATEST)
    write(project / "svc" / "gen" / "Dockerfile", LATEST)
    assert _walked(".", "--exclude", "legacy/", "--exclude", "gen") == [
        "Dockerfile",
        "svc/Dockerfile",
    ]
    # exclude replaces the defaults; extend-exclude adds to them; relative to the config file.
    write(project / ".dockerlens.toml", 'exclude = ["/svc/gen/"]\n')
    assert _walked(".") == [
        "Dockerfile",
        "legacy/Dockerfile",
        "svc/Dockerfile",
        "svc/Dockerfile.orig",
    ]
    write(project / "svc" / ".dockerlens.toml", 'extend-exclude = ["/gen/"]\n')
    assert _walked("svc") == ["svc/Dockerfile"]
    write(project / ".dockerlens.toml", 'extend-exclude = ["legacy"]\nforce-exclude = true\n')
    assert _walked(".") == ["Dockerfile", "svc/Dockerfile"]
    assert _walked("legacy/Dockerfile", "Dockerfile") == ["Dockerfile"]
    # A negation on the command line brings a file back.
    assert _walked(".", "--exclude", "!legacy/") == [
        "Dockerfile",
        "legacy/Dockerfile",
        "svc/Dockerfile",
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("exclude = 3\n", ".dockerlens.toml: exclude: expected a list of strings, got int 3"),
        (
            '[[overrides]]\nfiles = ["x"]\nextend-exclude = ["y"]\n',
            ".dockerlens.toml: overrides[0].extend-exclude: only at the top level",
        ),
        ("force-exclude = 1\n", ".dockerlens.toml: force-exclude: expected true or false"),
    ],
)
def test_bad_exclude_configuration_stops(project: Path, config: str, message: str) -> None:
    write(project / ".dockerlens.toml", config)
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint(".")
    assert status == 2 and message in err


def test_a_named_file_with_the_default_patterns_does_not_import_pathspec(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    args = ["--force-exclude", "--no-shellcheck", "Dockerfile"]
    assert imported_by_lint(args, ("pathspec",)) == []  # 20-30 ms of a pre-commit run


@pytest.mark.parametrize(
    "pattern", ["*.j2", "*~", "*.orig", "gen", "Dockerfile.*", "*.Dockerfile", "a?c", "*", ".*"]
)
def test_name_only_patterns_match_as_pathspec_does(tmp_path: Path, pattern: str) -> None:
    import pathspec

    from dockerlens.lint.discover import Exclusion

    fast = Exclusion()
    fast.add(tmp_path, [pattern])
    assert isinstance(fast.specs[0][1], tuple)  # the shortcut, not pathspec
    spec = pathspec.GitIgnoreSpec.from_lines([pattern])
    for relative in [
        "Dockerfile", "Dockerfile.j2", "svc/Dockerfile.j2", "Dockerfile~", "gen/Dockerfile",
        "x/gen/y/Dockerfile", "gen.Dockerfile", "api.Dockerfile", "abc/Dockerfile", "abc",
        ".hidden/Dockerfile", "Dockerfile.orig.bak", "j2/Dockerfile", "generated/Dockerfile",
    ]:  # fmt: skip
        expected = spec.check_file(relative).include is True
        assert fast.excludes(tmp_path / relative, False) == expected, relative
