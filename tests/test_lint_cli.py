"""``dockerlens lint`` and ``dockerlens rules`` end to end: discovery, configuration, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.conftest import FIXTURES

# Clean but for DL3007 in LATEST (USER: not running as root is a rule too).
LATEST = "FROM debian:latest\nUSER 10001\n"
CLEAN = "FROM debian:12.7\nUSER 10001\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the current directory, with no user-level hadolint config."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint(*args: str, stdin: str | None = None) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", *args], input=stdin)
    # exit 2 with a report: a file could not be read (DK900), the others were linted
    findings = json.loads(result.stdout) if result.stdout else []
    return result.exit_code, findings, result.stderr


def codes(findings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(f["path"], f["code"]) for f in findings]


def test_json_keys_are_the_contract(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    status, findings, _ = lint("Dockerfile")
    assert status == 1
    assert set(findings[0]) >= {
        "path", "line", "column", "end_line", "code", "name", "severity", "message", "url", "fix",
    }  # fmt: skip
    assert findings[0]["path"] == "Dockerfile" and findings[0]["code"] == "DL3007"


def test_directory_discovery(project: Path) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    for name in [
        "Dockerfile", "svc/Dockerfile.dev", "svc/api.Dockerfile", "db/x.dockerfile",
        "podman/Containerfile", "node_modules/pkg/Dockerfile", "build/Dockerfile",
        "svc/generated/Dockerfile", "README.md", "docs/Dockerfile-notes.txt",
        "svc/Dockerfile.dockerignore",
    ]:  # fmt: skip
        write(project / name, LATEST)
    write(project / ".gitignore", "build/\n")
    write(project / "svc" / ".gitignore", "generated\n")
    status, findings, _ = lint(".")
    assert status == 1
    assert sorted(str(p) for p, _ in codes(findings)) == sorted(
        [
            "Dockerfile",
            "db/x.dockerfile",
            "podman/Containerfile",
            "svc/Dockerfile.dev",
            "svc/api.Dockerfile",
        ]
    )
    # A file named on the command line is linted whatever its name or ignore status.
    status, findings, _ = lint("build/Dockerfile", "README.md")
    assert [p for p, _ in codes(findings)] == ["build/Dockerfile", "README.md"]


def test_no_path_means_the_current_directory(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    assert lint()[0] == 1


def test_stdin_with_a_filename_for_reports_and_config(project: Path) -> None:
    write(project / "sub" / ".dockerlens.toml", 'ignore = ["DL3007"]\n')
    status, findings, _ = lint("-", stdin=LATEST)
    assert (status, codes(findings)) == (1, [("-", "DL3007")])
    status, findings, _ = lint("--stdin-filename", "sub/Dockerfile", "-", stdin=LATEST)
    assert (status, findings) == (0, [])


def test_exit_codes(project: Path) -> None:
    write(project / "Dockerfile", CLEAN)
    write(project / "bad.Dockerfile", LATEST)
    assert lint("Dockerfile")[0] == 0
    assert lint("bad.Dockerfile")[0] == 1
    assert lint("bad.Dockerfile", "--exit-zero")[0] == 0
    assert lint("bad.Dockerfile", "--failure-threshold", "error")[0] == 0
    status, _, err = lint("missing")
    assert status == 2 and "missing: no such file" in err
    assert lint("Dockerfile", "--select", "NOPE1")[0] == 2
    assert lint("Dockerfile", "--config", "x.toml", "--no-config")[0] == 2


def test_parse_error_is_a_finding_with_its_code(project: Path) -> None:
    write(project / "Dockerfile", "FROM a\nENV onlyone\n")
    status, findings, _ = lint("Dockerfile")
    assert status == 1 and codes(findings) == [("Dockerfile", "DL1000")]


def test_bad_input_is_one_line_and_exit_2(project: Path) -> None:
    (project / "Dockerfile").write_bytes(b"FROM a\n\xff\n")
    status, _, err = lint("Dockerfile")
    assert status == 2 and err.strip() == (
        "dockerlens: error: Dockerfile:2: not valid UTF-8 (byte 0xff at offset 7)"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "DL"], ["DL3007"]),
        (["--select", "DL30"], ["DL3007"]),
        (["--select", "latest-base-image"], ["DL3007"]),
        (["--ignore", "latest-base-image"], []),
        (["--select", "DL3007", "--ignore", "DL3007"], []),
    ],
)
def test_select_and_ignore(project: Path, args: list[str], expected: list[str]) -> None:
    write(project / "Dockerfile", LATEST)
    _, findings, _ = lint("Dockerfile", *args)
    assert [f["code"] for f in findings if f["code"] == "DL3007"] == expected


def test_output_file(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    status, _, _ = lint("Dockerfile", "--output", "report.json")
    assert status == 1
    assert json.loads((project / "report.json").read_text())[0]["code"] == "DL3007"
    status, _, err = lint("Dockerfile", "--output", str(project / "no" / "such" / "r.json"))
    assert status == 2 and "cannot write" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "."], ".: cannot write: is a directory"),
        (["--config", "missing.toml"], "missing.toml: cannot read: No such file or directory"),
        (["--config", "missing.yaml"], "missing.yaml: cannot read: No such file or directory"),
        (["--config", "."], ".: cannot read: Is a directory"),
    ],
)
def test_bad_output_or_config_path_is_one_line(
    project: Path, args: list[str], message: str
) -> None:
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint("Dockerfile", *args)
    assert status == 2 and err == f"dockerlens: error: {message}\n"


@pytest.mark.parametrize(
    "fmt", ["text", "json", "sarif", "github", "gitlab", "checkstyle", "junit"]
)
def test_a_file_name_that_is_not_utf8(project: Path, fmt: str) -> None:
    try:
        (project / os.fsdecode(b"Dockerfile.\xfe")).write_text(LATEST)
    except (OSError, UnicodeError):
        pytest.skip("the file system wants UTF-8 names")
    for extra in ([], ["-o", "report"]):
        result = CliRunner().invoke(cli, ["lint", "--format", fmt, ".", *extra])
        # exit 1 through sys.exit, not an exception (a UnicodeEncodeError before)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert b"Dockerfile." in (project / "report").read_bytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_directory_search_skips_pipes_and_dangling_links(project: Path) -> None:
    write(project / "Dockerfile", CLEAN)
    os.mkfifo(project / "Dockerfile.pipe")  # reading it would block the run
    (project / "sub").mkdir()
    (project / "sub" / "Dockerfile").symlink_to(project / "nowhere")
    (project / "Dockerfile.link").symlink_to(project / "Dockerfile")
    assert lint(".") == (0, [], "")


# ------------------------------------------------------------------ configuration


def test_nearest_config_upward_from_each_file(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.dockerlens]\nignore = ["DL3007"]\n')
    write(project / "Dockerfile", LATEST)
    write(project / "app" / "Dockerfile", LATEST)
    write(project / "other" / ".dockerlens.toml", "select = []\n")
    write(project / "other" / "Dockerfile", LATEST)
    write(project / "strict" / ".dockerlens.toml", 'select = ["DL3007"]\n')
    write(project / "strict" / "Dockerfile", LATEST)
    _, findings, _ = lint(".")
    assert codes(findings) == [("strict/Dockerfile", "DL3007")]
    assert lint(".", "--no-config")[0] == 1
    assert len(lint(".", "--no-config")[1]) == 4


def test_per_file_overrides(project: Path) -> None:
    write(
        project / ".dockerlens.toml",
        'per-file-ignores = { "legacy/*" = ["DL3007"] }\n'
        "[[overrides]]\n"
        'files = ["*.dev.Dockerfile"]\n'
        'severity = { DL3007 = "style" }\n',
    )
    write(project / "legacy" / "Dockerfile", LATEST)
    write(project / "app.dev.Dockerfile", LATEST)
    write(project / "Dockerfile", LATEST)
    _, findings, _ = lint(".")
    assert [(f["path"], f["severity"]) for f in findings] == [
        ("Dockerfile", "warning"),
        ("app.dev.Dockerfile", "style"),
    ]
    # style is under the default threshold (info): only the plain Dockerfile fails.
    assert lint("app.dev.Dockerfile")[0] == 0


def test_override_globs_with_a_relative_config_option_and_links(project: Path) -> None:
    write(project / "ci" / "lint.toml", 'per-file-ignores = { "./legacy/*" = ["DL3007"] }\n')
    write(project / "ci" / "legacy" / "Dockerfile", LATEST)
    (project / "ci" / "legacy" / "Dockerfile.link").symlink_to(project / "Dockerfile")
    write(project / "Dockerfile", LATEST)
    _, findings, err = lint("ci/legacy", "--config", "ci/lint.toml")
    assert err == "" and findings == []
    _, findings, _ = lint(".", "--config", "ci/lint.toml")
    assert codes(findings) == [("Dockerfile", "DL3007")]


def test_pyproject_overrides_and_per_file_ignores(project: Path) -> None:
    write(
        project / "pyproject.toml",
        "[tool.dockerlens.per-file-ignores]\n"
        '"legacy/*" = ["DL3007"]\n'
        "[[tool.dockerlens.overrides]]\n"
        'files = ["*.dev.Dockerfile"]\n'
        'severity = { DL3007 = "style" }\n',
    )
    write(project / "legacy" / "Dockerfile", LATEST)
    write(project / "app.dev.Dockerfile", LATEST)
    _, findings, err = lint(".")
    assert err == ""
    assert [(f["path"], f["severity"]) for f in findings] == [("app.dev.Dockerfile", "style")]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("tool = 1\n", "pyproject.toml: tool: expected a table, got int 1"),
        ("tool = { dockerlens = [] }\n", "tool.dockerlens: expected a table, got list []"),
        (
            "[[tool.dockerlens.overrides]]\nfiles = ['x']\nplugin-paths = []\n",
            "tool.dockerlens.overrides[0].plugin-paths: only at the top level",
        ),
        (
            "[tool.dockerlens.per-file-ignores]\nx = 'DL3007'\n",
            "tool.dockerlens.per-file-ignores.x: expected a list of strings",
        ),
    ],
)
def test_invalid_pyproject_stops(project: Path, config: str, message: str) -> None:
    write(project / "pyproject.toml", config)
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint("Dockerfile")
    assert status == 2 and message in err and "Traceback" not in err, err
    assert lint("Dockerfile", "--config", "pyproject.toml")[0] == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("selct = []\n", ".dockerlens.toml: selct: unknown key"),
        ("ignore = 'DL3007'\n", "ignore: expected a list of strings, got str 'DL3007'"),
        ('ignore = ["DL9999"]\n', "ignore: unknown rule 'DL9999'"),
        ('failure-threshold = "fatal"\n', "failure-threshold: unknown severity 'fatal'"),
        ("exit-zero = 1\n", "exit-zero: expected true or false, got int 1"),
        ("[rules.DL3007]\nfoo = 1\n", "rules.DL3007.foo: DL3007 has no such option"),
        ("[rules.NOPE]\n", "rules.NOPE: unknown rule 'NOPE'"),
        ("[[overrides]]\nignore = []\n", "overrides[0].files: missing"),
        ('[[overrides]]\nfiles = ["x"]\nbogus = 1\n', "overrides[0].bogus: unknown key"),
        ("plugin-paths = ['nowhere']\n", "nowhere: plugin folder does not exist"),
        ("select = [\n", ".dockerlens.toml: invalid TOML"),
    ],
)
def test_invalid_config_stops_with_file_key_and_reason(
    project: Path, config: str, message: str
) -> None:
    write(project / ".dockerlens.toml", config)
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint("Dockerfile")
    assert status == 2, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("name", [".dockerlens.toml", "pyproject.toml", "lint.toml"])
def test_a_config_file_that_is_not_utf8_is_one_line(project: Path, name: str) -> None:
    (project / name).write_bytes(b"# settings\nignore = ['DL3007'] # caf\xe9\n")
    write(project / "Dockerfile", CLEAN)
    args = ["--config", name] if name == "lint.toml" else []
    status, _, err = lint("Dockerfile", *args)
    assert err.startswith("dockerlens: error: ") and err.count("\n") == 1, err
    assert err.endswith(f"{name}:2: cannot read: not valid UTF-8 (byte 0xe9)\n")
    assert status == 2


def test_pyproject_keys_are_named_with_their_table(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.dockerlens]\nignor = []\n")
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint("Dockerfile")
    assert status == 2 and "pyproject.toml: tool.dockerlens.ignor: unknown key" in err


def test_local_plugin_folder_with_options(project: Path) -> None:
    plugins = project / "lint_rules"
    plugins.mkdir()
    source = FIXTURES / "plugins" / "local_rules" / "every_run.py"
    (plugins / "every_run.py").write_text(source.read_text())
    write(
        project / ".dockerlens.toml",
        'plugin-paths = ["lint_rules"]\n[rules.every-run]\nword = "here:"\n',
    )
    write(project / "Dockerfile", "FROM debian:12\nRUN true\nUSER 10001\n")
    _, findings, _ = lint("Dockerfile")
    assert [(f["code"], f["message"]) for f in findings] == [("TST001", "here: here")]
    assert lint("Dockerfile", "--config", str(project / ".dockerlens.toml"))[0] == 1
    result = CliRunner().invoke(cli, ["rules", "TST001"])
    assert result.exit_code == 0 and "# TST001: every-run" in result.stdout


# ------------------------------------------------------------------ hadolint compatibility


def test_hadolint_yaml_in_the_current_directory(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    write(project / ".hadolint.yaml", "ignored:\n  - DL3007\n")
    assert lint("Dockerfile") == (0, [], "")
    write(project / ".hadolint.yaml", "override:\n  error:\n    - DL3007\n")
    _, findings, _ = lint("Dockerfile")
    assert findings[0]["severity"] == "error"
    write(project / ".hadolint.yaml", "failure-threshold: error\n")
    assert lint("Dockerfile")[0] == 0
    write(project / ".hadolint.yaml", "no-fail: true\n")
    assert lint("Dockerfile")[0] == 0
    write(project / ".hadolint.yaml", "format: json\nno-color: true\n")
    assert lint("Dockerfile")[0] == 1
    # dockerlens's own config sits on top of hadolint's
    write(project / ".hadolint.yaml", "ignored: [DL3007]\n")
    write(project / ".dockerlens.toml", 'extend-select = ["DL3007"]\nignore = []\n')
    assert lint("Dockerfile")[0] == 0


def test_hadolint_yaml_may_name_rules_hadolint_removed(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    write(project / ".hadolint.yaml", "ignored: [DL3005, DL3007, SC2086]\n")
    assert lint("Dockerfile")[0] == 0


def test_selection_reaches_shellcheck_codes(project: Path) -> None:
    write(project / "Dockerfile", "FROM debian:12\nRUN cd /x && echo $A\nUSER 10001\n")
    _, findings, _ = lint("Dockerfile", "--select", "DL3003")
    assert [f["code"] for f in findings] == ["DL3003"]
    _, findings, _ = lint("Dockerfile", "--ignore", "SC", "--ignore", "DL3003")
    assert findings == []


def test_hadolint_yaml_in_the_users_config_folder(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    write(Path(os.environ["XDG_CONFIG_HOME"]) / "hadolint.yaml", "ignored: [DL3007]\n")
    assert lint("Dockerfile")[0] == 0
    write(project / ".hadolint.yml", "ignored: []\n")
    assert lint("Dockerfile")[0] == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("ignored: DL3007\n", "ignored: expected a list of strings"),
        ("ignord: [DL3007]\n", "ignord: unknown key (not a hadolint setting)"),
        ("ignored: [DL9998]\n", "ignored: unknown rule 'DL9998'"),
        ("override:\n  fatal: [DL3007]\n", "override.fatal: not a severity"),
        ("ignored: [\n", "invalid YAML: line 2, column 1: expected the node content"),
        ("override:\n  error: DL3007\n", "override.error: expected a list of strings"),
        ("label-schema: {a: colour}\n", "label-schema: label 'a' has the unknown type"),
    ],
)
def test_invalid_hadolint_yaml_stops(project: Path, config: str, message: str) -> None:
    write(project / "Dockerfile", CLEAN)
    write(project / ".hadolint.yaml", config)
    status, _, err = lint("Dockerfile")
    assert status == 2 and ".hadolint.yaml" in err and message in err
    assert err.count("\n") == 1  # one line


def test_hadolint_yaml_empty_keys_are_absent_as_in_hadolint(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    # every entry commented out: hadolint reads the keys as not there
    write(project / ".hadolint.yaml", "ignored:\n#  - DL3008\noverride:\n  error:\n")
    _, findings, err = lint("Dockerfile")
    assert err == "" and [(f["code"], f["severity"]) for f in findings] == [("DL3007", "warning")]


def test_a_hadolint_folder_that_cannot_be_searched_is_no_config(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path.is_file

    def is_file(path: Path) -> bool:  # ~/.hadolint without read/search permission
        if ".hadolint" in path.parts:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    write(project / "Dockerfile", CLEAN)
    assert lint("Dockerfile") == (0, [], "")


def test_hadolint_yaml_through_config_option(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    write(project / "ci" / "hadolint.yaml", "ignored: [DL3007, SC2086]\n")
    assert lint("Dockerfile", "--config", "ci/hadolint.yaml")[0] == 0


def test_hadolint_pragmas_keep_working(project: Path) -> None:
    write(project / "Dockerfile", "# hadolint ignore=DL3007\n" + LATEST)
    assert lint("Dockerfile")[0] == 0
    assert lint("Dockerfile", "--disable-ignore-pragma")[0] == 1
    write(project / "Dockerfile", "# hadolint ignore=DL3007\n" + CLEAN)
    _, findings, _ = lint("Dockerfile", "--report-unused-pragmas")
    assert [f["code"] for f in findings] == ["DK100"]


# ------------------------------------------------------------------ rules command and start-up


def test_rules_command() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0 and "DL3007" in result.stdout and "DL1000" in result.stdout
    result = CliRunner().invoke(cli, ["rules", "latest-base-image"])
    assert result.stdout.startswith("# DL3007: latest-base-image")
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    assert {"code", "name", "severity", "summary"} <= set(json.loads(result.stdout)[0])
    result = CliRunner().invoke(cli, ["rules", "XX1"])
    assert result.exit_code == 2 and "unknown rule 'XX1'" in result.stderr


def test_plugin_rules_cannot_take_a_builtin_code_and_need_no_doc_layout(project: Path) -> None:
    plugins = project / "lint_rules"
    header = "from dockerlens.lint import Category, Rule, Severity\n\n\nclass R(Rule):\n"
    body = '    code = "{code}"\n    name = "mine"\n'
    body += "    severity = Severity.INFO\n    category = Category.STYLE\n"
    write(plugins / "mine.py", header + body.format(code="DL3007"))
    write(project / ".dockerlens.toml", 'plugin-paths = ["lint_rules"]\n')
    write(project / "Dockerfile", CLEAN)
    status, _, err = lint("Dockerfile")
    assert status == 2 and "rule DL3007 from" in err and "reuses the code DL3007" in err
    # a plugin rule with a one-line docstring: listed, and its page is a one-line error
    # (plugin folders are loaded once per process: a new one)
    write(
        project / "acme" / "mine.py",
        header + '    """Checks mine."""\n' + body.format(code="ACME1"),
    )
    write(project / ".dockerlens.toml", 'plugin-paths = ["acme"]\n')
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0 and "Checks mine." in result.stdout
    result = CliRunner().invoke(cli, ["rules", "ACME1"])
    assert result.exit_code == 2 and "no page for ACME1" in result.stderr
    write(project / "exits" / "bye.py", "import sys\n\nsys.exit(3)\n")
    write(project / ".dockerlens.toml", 'plugin-paths = ["exits"]\n')
    status, _, err = lint("Dockerfile")
    assert status == 2 and "bye.py: local rule plugin failed to load: SystemExit: 3" in err


@pytest.mark.parametrize(
    "code", ["DL1000", "parse-error", "DK100", "DK101", "DK999", "DK900", "unreadable-file"]
)
def test_rules_explains_the_engine_codes_it_lists(code: str) -> None:
    result = CliRunner().invoke(cli, ["rules", code])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# D") and "the engine (not a rule)" in result.stdout


def test_engine_code_urls_have_a_page() -> None:
    from dockerlens.lint.findings import ENGINE_CODES, docs_url

    rules_dir = Path(__file__).resolve().parent.parent / "docs" / "rules"
    for code in ENGINE_CODES:
        assert docs_url(code.code).endswith(f"/docs/rules/{code.code}.md")
        assert (rules_dir / f"{code.code}.md").is_file()


def _dockerlens(*args: str, **popen: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-shellcheck", *args]
    return subprocess.Popen(command, stderr=subprocess.PIPE, **popen)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
def test_closed_or_failing_standard_streams_are_one_line(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    closed_stdin = _dockerlens("-", stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    _, err = closed_stdin.communicate()
    assert (
        closed_stdin.returncode == 2 and err == b"dockerlens: error: -: standard input is closed\n"
    )
    closed_stdout = _dockerlens("Dockerfile", preexec_fn=lambda: os.close(1))
    _, err = closed_stdout.communicate()
    assert closed_stdout.returncode == 2 and err.startswith(b"dockerlens: error: standard output")
    if os.path.exists("/dev/full"):
        with open("/dev/full", "wb") as full:
            no_space = _dockerlens("Dockerfile", stdout=full)
            _, err = no_space.communicate()
        assert no_space.returncode == 2 and b"cannot write the report" in err
    # A reader that goes away (`| head`): no traceback, the usual exit code.
    many = [f"Dockerfile.{n}" for n in range(40)]
    for name in many:
        write(project / name, LATEST * 200)
    gone = _dockerlens(*many, stdout=subprocess.PIPE)
    assert gone.stdout is not None
    gone.stdout.close()
    _, err = gone.communicate()
    assert gone.returncode == 1 and b"Traceback" not in err and b"Error" not in err, err


def imported_by_lint(args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a `dockerlens lint ARGS` run in a fresh interpreter imports."""
    code = (
        "import json, sys\n"
        "from dockerlens.cli import cli\n"
        "try:\n"
        f"    cli({['lint', *args]!r}, prog_name='dockerlens')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_lint_imports_neither_networkx_nor_docker(project: Path) -> None:
    write(project / "Dockerfile", LATEST)
    modules = ("networkx", "docker", "rich")
    assert imported_by_lint(["--format", "json", "Dockerfile"], modules) == []


def test_lint_imports_no_option_library_nor_what_only_it_needed(project: Path) -> None:
    """click (15-20 ms of every start, with the uuid, platform and datetime it imported) is
    gone; argparse does the splitting."""
    write(project / "Dockerfile", LATEST)
    modules = ("click", "uuid", "platform", "datetime")
    assert imported_by_lint(["--format", "json", "Dockerfile"], modules) == []


def test_many_files_are_linted_in_worker_processes_with_the_same_result(project: Path) -> None:
    from dockerlens.lint.config import CommandLine
    from dockerlens.lint.runner import PARALLEL_MIN_FILES, run_lint

    for index in range(PARALLEL_MIN_FILES * 2):
        write(project / f"s{index:02}" / "Dockerfile", LATEST if index % 3 else CLEAN)
    write(project / "x" / ".dockerlens.toml", 'ignore = ["DL3007"]\n')
    write(project / "x" / "Dockerfile", LATEST)
    command_line = CommandLine(shellcheck=False, no_cache=True)  # both runs lint every file
    alone = run_lint(["."], command_line, jobs=1)
    shared = run_lint(["."], command_line, jobs=2)
    assert shared.run.findings == alone.run.findings and shared.failed == alone.failed
    assert shared.run.files == alone.run.files
    latest = sum(1 for index in range(PARALLEL_MIN_FILES * 2) if index % 3)
    assert len(alone.run.findings) == latest  # x/ ignores DL3007 through its own config

    (project / "s07" / "Dockerfile").write_bytes(b"FROM a\n\xff\n")
    status, _, err = lint(".")
    assert status == 2 and "s07/Dockerfile:2: not valid UTF-8" in err


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([1] * 50 + [100_000], [50, 1]),  # a big last file still gets a worker of its own
        ([0] * 10, [5, 5]),  # empty files are spread too
        ([100] * 9, [5, 4]),
        ([100], [1]),
    ],
)
def test_workers_get_runs_of_neighbouring_files_of_about_equal_bytes(
    tmp_path: Path, sizes: list[int], expected: list[int]
) -> None:
    from dockerlens.lint.runner import _Job, _shares

    jobs = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"{index:03}.Dockerfile"
        path.write_text("#" * size)
        jobs.append(_Job(str(path), str(path), None))  # type: ignore[arg-type]
    shares = _shares(jobs, 2)
    assert [len(share) for share in shares] == expected
    assert [job for share in shares for job in share] == jobs  # the files' order is kept


def test_build_context_from_the_command_line_and_configuration(project: Path) -> None:
    """`docker build -f src/Api/Dockerfile .`: the .dockerignore at the context root counts, and
    the message says which context it assumed (issue 11)."""
    write(project / "src" / "Api" / "Dockerfile", "FROM alpine:3.20\nCOPY . /app\n")
    # (a source beside it: a folder of Dockerfiles alone would be taken for the root's)
    write(project / "src" / "Api" / "Program.cs", "")
    (project / "src" / "Api" / ".venv").mkdir()
    (project / ".git").mkdir()
    write(project / ".dockerignore", ".git\n")
    args = ("--select", "DK208", "src/Api/Dockerfile")
    # Below a folder with a .dockerignore, an assumed context without one is not judged: such
    # Dockerfiles are built from there (precision rounds 1-6, docs/lint.md).
    assert lint(*args)[:2] == (0, [])
    assert lint("--context", ".", *args)[:2] == (0, [])
    write(project / ".dockerlens.toml", 'build-context = "."\n')
    assert lint(*args)[:2] == (0, [])
    (project / ".dockerignore").unlink()
    status, findings, _ = lint(*args)
    assert status == 1
    assert "(build context: ./)" in str(findings[0]["message"])
    (project / ".dockerlens.toml").unlink()
    status, findings, _ = lint(*args)
    assert status == 1
    assert "build context assumed: src/Api/, the Dockerfile's folder" in str(findings[0]["message"])


def test_build_context_setting_must_be_a_path(project: Path) -> None:
    write(project / "Dockerfile", CLEAN)
    write(project / ".dockerlens.toml", "build-context = 3\n")
    status, _, stderr = lint("Dockerfile")
    assert status == 2
    assert "build-context" in stderr and "expected a folder path" in stderr
