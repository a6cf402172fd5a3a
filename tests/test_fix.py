"""Applying fixes: the engine's discipline (whole fixes, passes, parse check, layout kept) and
``dockerlens lint --fix / --unsafe-fixes / --diff`` end to end on real files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlens.cli import cli
from dockerlens.lint.docs import read_doc
from dockerlens.lint.findings import Finding
from dockerlens.lint.fix import apply_fixes, apply_pass, fix_text, parse_problem
from dockerlens.lint.rule import Edit, Fix, Severity
from tests import test_lint_cli
from tests.cli_runner import CliRunner

BOM = "\ufeff"
#: An empty project folder as the current directory (the fixture of the lint CLI tests).
project = test_lint_cli.project


def finding(code: str, *edits: Edit, safe: bool = True, line: int = 1) -> Finding:
    fix = Fix(f"fix {code}", tuple(edits), safe=safe)
    return Finding(
        "Dockerfile", line, 1, line, 2, code, code.lower(), Severity.WARNING, code, "", fix
    )


# --- one pass ----------------------------------------------------------------------------------


def test_overlap_is_judged_per_fix_not_per_edit() -> None:
    text = 'FROM a\nRUN echo "x"\nUSER 1\n'
    # Two edits that only make sense together (a quote opened and closed)...
    quoting = finding("A", Edit(2, 10, 2, 10, "'"), Edit(2, 12, 2, 12, "'"))
    # ...and a fix whose first edit spans the closing quote's place, the second nothing.
    other = finding("B", Edit(2, 11, 2, 13, "y"), Edit(3, 6, 3, 7, "2"))
    result = apply_pass(text, [other, quoting])
    assert result.applied == [quoting] and result.deferred == [other]
    assert result.text == "FROM a\nRUN echo '\"x'\"\nUSER 1\n"  # nothing of B, all of A


def test_two_insertions_at_one_place_conflict() -> None:
    text = "FROM a\nRUN apt-get install curl\n"
    first = finding("A", Edit(2, 20, 2, 20, " -y"))
    second = finding("B", Edit(2, 20, 2, 20, " --no-install-recommends"))
    result = apply_pass(text, [first, second])
    assert result.text == "FROM a\nRUN apt-get install -y curl\n"
    assert result.deferred == [second]


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (Edit(2, 5, 2, 2, ""), "reversed span"),
        (Edit(2, 1, 1, 1, ""), "reversed span"),
        (Edit(9, 1, 9, 2, "x"), "line 9 is outside the file"),
        (Edit(0, 1, 1, 1, "x"), "line 0 is outside the file"),
        (Edit(1, 8, 1, 8, "x"), "column 8 is outside line 1"),
        (Edit(1, 0, 1, 1, "x"), "column 0 is outside line 1"),
    ],
)
def test_invalid_edits_reject_the_whole_fix(edit: Edit, reason: str) -> None:
    text = "FROM a\nRUN true\n"
    bad = finding("A", Edit(1, 1, 1, 5, "from"), edit)
    result = apply_pass(text, [bad])
    assert result.text == text and result.applied == []
    [(rejected, why)] = result.rejected
    assert rejected == bad and why.startswith(reason)


def test_a_rejected_fix_says_why_in_the_finding_left() -> None:
    text = "FROM a\nRUN true\n"
    bad = finding("A", Edit(2, 5, 2, 2, ""))
    result = fix_text(text, lambda current: [bad] if current == text else [])
    assert result.text == text and not result.changed and result.fixed == []
    assert result.remaining[0].message.startswith("A (fix not applied: reversed span")


def test_the_end_of_the_file_is_a_valid_position() -> None:
    text = "FROM a\nRUN true\n"
    drop_last_line = finding("A", Edit(2, 1, 3, 1, ""))
    assert apply_fixes(text, [drop_last_line]) == "FROM a\n"
    assert apply_fixes(text, [finding("A", Edit(3, 2, 3, 2, "x"))]) == text  # past it: no


def test_the_same_fix_from_two_findings_is_applied_once() -> None:
    text = "FROM a\nMAINTAINER x\n"
    edit = Edit(2, 1, 2, 11, "LABEL")
    one, two = finding("A", edit), finding("A", edit, line=2)
    result = apply_pass(text, [one, two])
    assert result.text == "FROM a\nLABEL x\n" and result.applied == [one, two]


def test_unsafe_fixes_only_when_asked() -> None:
    text = "FROM a\nCMD run\n"
    unsafe = finding("A", Edit(2, 5, 2, 8, '["run"]'), safe=False)

    def lint(current: str) -> list[Finding]:
        return [unsafe] if current == text else []

    assert fix_text(text, lint).text == text
    assert fix_text(text, lint, unsafe=True).text == 'FROM a\nCMD ["run"]\n'


# --- passes ------------------------------------------------------------------------------------


def test_overlapping_fixes_wait_for_the_next_pass() -> None:
    text = "FROM a\nRUN apt-get install curl\n"
    yes = finding("A", Edit(2, 20, 2, 20, " -y"))
    slim = finding("B", Edit(2, 20, 2, 20, " --no-install-recommends"))
    after_first = "FROM a\nRUN apt-get install -y curl\n"
    slim_again = finding("B", Edit(2, 23, 2, 23, " --no-install-recommends"))
    findings = {text: [yes, slim], after_first: [slim_again]}
    result = fix_text(text, lambda current: findings.get(current, []))
    assert result.text == "FROM a\nRUN apt-get install -y --no-install-recommends curl\n"
    assert result.passes == 2 and result.fixed == [yes, slim_again]
    assert result.remaining == []


def test_passes_are_bounded() -> None:
    def lint(current: str) -> list[Finding]:  # a rule whose fix always finds more to do
        return [finding("A", Edit(2, 9, 2, 9, "1"))]

    result = fix_text("FROM a\nLABEL x=1\n", lint, max_passes=4)
    assert result.passes == 4 and result.text == "FROM a\nLABEL x=11111\n"
    assert not result.settled
    assert fix_text("FROM a\nLABEL x=1\n", lambda current: [], max_passes=4).settled


def test_a_pass_that_breaks_parsing_is_dropped_and_the_culprit_rejected() -> None:
    text = "FROM a\nMAINTAINER x\nRUN true\n"
    good = finding("A", Edit(2, 1, 2, 13, 'LABEL maintainer="x"'))
    breaking = finding("B", Edit(3, 1, 3, 9, "RUN <<EOF"), line=3)  # an unterminated heredoc
    assert parse_problem(apply_fixes(text, [breaking])) is not None

    def lint(current: str) -> list[Finding]:
        if current == text:
            return [good, breaking]
        return [breaking] if "RUN true" in current else []

    result = fix_text(text, lint)
    assert result.text == 'FROM a\nLABEL maintainer="x"\nRUN true\n'
    assert result.fixed == [good]
    [left] = result.remaining
    assert left.code == "B" and "fix not applied: it would make the file fail to parse" in (
        left.message
    )


def test_an_unknown_instruction_counts_as_breaking() -> None:
    text = "FROM a\nRUN true\n"
    typo = finding("A", Edit(2, 1, 2, 4, "RUNN"))
    result = fix_text(text, lambda current: [typo] if current == text else [])
    assert result.text == text
    assert "unknown instruction RUNN" in result.remaining[0].message


def test_a_file_that_does_not_parse_is_left_alone(project: Path) -> None:
    path = project / "Dockerfile"
    text = "FROM debian:12.7\nMAINTAINER Jane\n{{ InsertTemplate }}\nUSER 10001\n"
    path.write_text(text, encoding="utf-8")
    status, out, _ = run("--fix", "Dockerfile")
    assert status == 1 and path.read_text(encoding="utf-8") == text
    assert "fix not applied: the file does not parse (line 3: unknown instruction" in out
    assert "Fixed 0 problems in 0 files." in out


def test_crlf_stays_crlf_and_inserted_lines_get_it() -> None:
    text = "FROM a\r\nRUN true\r\n"
    split = finding("A", Edit(2, 1, 2, 9, "USER 1\nRUN true"))
    assert apply_fixes(text, [split]) == "FROM a\r\nUSER 1\r\nRUN true\r\n"
    # The end of a CRLF line is before its "\r".
    assert apply_fixes(text, [finding("A", Edit(1, 7, 1, 7, "b"))]) == "FROM ab\r\nRUN true\r\n"


def test_bom_and_missing_final_newline_are_kept() -> None:
    text = BOM + "from a\nRUN true"
    whole = finding("A", Edit(1, 1, 2, 9, "FROM a\nUSER 1\n"))
    assert apply_fixes(text, [whole]) == BOM + "FROM a\nUSER 1"
    with_newline = "FROM a\nRUN true\n"
    assert apply_fixes(with_newline, [finding("A", Edit(2, 1, 2, 9, "USER 1"))]) == (
        "FROM a\nUSER 1\n"
    )
    drop = finding("A", Edit(2, 1, 3, 1, ""))
    assert apply_fixes("FROM a\nRUN true", [drop]) == "FROM a"


# --- the command -------------------------------------------------------------------------------

FIXABLE = "FROM debian:12.7\nMAINTAINER Jane Doe\nADD app.py /app/\nUSER 10001\n"
FIXED = 'FROM debian:12.7\nLABEL maintainer="Jane Doe"\nCOPY app.py /app/\nUSER 10001\n'


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", "--no-shellcheck", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_fix_writes_the_file_and_reports_what_is_left(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(FIXABLE + "FROM debian:latest\nUSER 10001\n", encoding="utf-8")
    status, out, _ = run("--fix", "Dockerfile")
    assert path.read_text(encoding="utf-8") == FIXED + "FROM debian:latest\nUSER 10001\n"
    assert status == 1  # DL3007 has no fix: it is left, and reported
    assert "DL3007" in out and "DL4000" not in out and "DL3020" not in out
    assert "Fixed 2 problems in 1 file." in out
    assert "Found 1 problem (1 warning) in 1 file." in out


def test_fix_twice_changes_nothing_the_second_time(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(FIXABLE, encoding="utf-8")
    assert run("--fix", "Dockerfile")[0] == 0
    before = path.stat()
    status, out, _ = run("--fix", "Dockerfile")
    assert status == 0 and "Fixed 0 problems in 0 files." in out
    after = path.stat()
    assert path.read_text(encoding="utf-8") == FIXED
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not written


def test_a_file_without_an_applied_fix_is_not_written(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text("FROM debian:latest\nUSER 10001\n", encoding="utf-8")
    before = path.stat()
    assert run("--fix", "Dockerfile")[0] == 1
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_fix_keeps_mode_bom_crlf_and_missing_final_newline(project: Path) -> None:
    path = project / "Dockerfile"
    original = BOM + FIXABLE.replace("\n", "\r\n").removesuffix("\r\n")
    path.write_bytes(original.encode("utf-8"))
    path.chmod(0o751)
    assert run("--fix", "Dockerfile")[0] == 0
    assert path.read_bytes() == (BOM + FIXED.replace("\n", "\r\n").removesuffix("\r\n")).encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert [p.name for p in project.iterdir()] == ["Dockerfile"]  # no temporary file left


def test_fix_keeps_the_owner_when_allowed(project: Path) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    path = project / "Dockerfile"
    path.write_text(FIXABLE, encoding="utf-8")
    os.chown(path, 12345, 23456)
    assert run("--fix", "Dockerfile")[0] == 0
    assert path.read_text(encoding="utf-8") == FIXED
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)


def test_fix_through_a_symlink_replaces_the_target(project: Path) -> None:
    target = project / "real.Dockerfile"
    target.write_text(FIXABLE, encoding="utf-8")
    link = project / "Dockerfile"
    link.symlink_to(target.name)
    assert run("--fix", "Dockerfile")[0] == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == FIXED


def test_fix_of_a_hard_linked_file_keeps_it_one_file(project: Path) -> None:
    """A rename would leave the other name holding the text as it was: the fix is lost there."""
    path = project / "Dockerfile"
    path.write_bytes((BOM + FIXABLE.replace("\n", "\r\n")).encode("utf-8"))
    other = project / "shared.Dockerfile"
    os.link(path, other)
    assert run("--fix", "Dockerfile")[0] == 0
    assert path.read_bytes() == (BOM + FIXED.replace("\n", "\r\n")).encode("utf-8")
    assert other.read_bytes() == path.read_bytes()
    assert path.stat().st_ino == other.stat().st_ino and path.stat().st_nlink == 2


def test_fix_on_standard_input_prints_the_fixed_text(project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["lint", "--no-shellcheck", "--fix", "-"], input=FIXABLE.encode()
    )
    assert result.exit_code == 0
    assert result.stdout == FIXED  # the report went to standard error
    assert "Fixed 2 problems in 1 file." in result.stderr
    unchanged = "FROM debian:latest\nUSER 10001\n"
    result = CliRunner().invoke(
        cli, ["lint", "--no-shellcheck", "--fix", "-"], input=unchanged.encode()
    )
    assert result.exit_code == 1 and result.stdout == unchanged
    assert "DL3007" in result.stderr


def test_diff_shows_the_change_writes_nothing_and_exits_1(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(FIXABLE, encoding="utf-8")
    status, out, err = run("--diff", "Dockerfile")
    assert status == 1
    assert path.read_text(encoding="utf-8") == FIXABLE
    assert out.splitlines()[:3] == ["--- Dockerfile", "+++ Dockerfile", "@@ -1,4 +1,4 @@"]
    assert "-MAINTAINER Jane Doe\n" in out and '+LABEL maintainer="Jane Doe"\n' in out
    assert "Would fix 2 problems in 1 file." in err
    path.write_text(FIXED, encoding="utf-8")
    status, out, err = run("--diff", "Dockerfile")
    assert (status, out) == (0, "") and "No fixes to apply." in err


def test_diff_goes_to_the_output_file(project: Path) -> None:
    (project / "Dockerfile").write_text(FIXABLE, encoding="utf-8")
    status, out, _ = run("--diff", "-o", "fixes.patch", "Dockerfile")
    assert (status, out) == (1, "")
    patch = (project / "fixes.patch").read_text(encoding="utf-8")
    assert patch.startswith("--- Dockerfile\n+++ Dockerfile\n")
    assert (project / "Dockerfile").read_text(encoding="utf-8") == FIXABLE


def test_unsafe_fixes_need_the_option(project: Path) -> None:
    path = project / "Dockerfile"
    text = "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R node:node /app\nUSER node\n"
    path.write_text(text, encoding="utf-8")
    run("--fix", "--select", "DK201", "Dockerfile")
    assert path.read_text(encoding="utf-8") == text  # a directory: the fix is unsafe
    status, out, _ = run("--fix", "--unsafe-fixes", "--select", "DK201", "Dockerfile")
    assert status == 0 and "Fixed 1 problem in 1 file." in out
    assert path.read_text(encoding="utf-8") == (
        "FROM node:22-slim\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\n"
    )


def test_unsafe_fixes_alone_is_a_usage_error(project: Path) -> None:
    (project / "Dockerfile").write_text(FIXABLE, encoding="utf-8")
    status, _, err = run("--unsafe-fixes", "Dockerfile")
    assert status == 2 and "--unsafe-fixes needs --fix or --diff" in err


def test_json_after_fix_is_still_a_list_of_findings(project: Path) -> None:
    (project / "Dockerfile").write_text(FIXABLE + "FROM debian:latest\n", encoding="utf-8")
    selection = ("--select", "DL4000,DL3020,DL3007")
    status, out, err = run("--fix", "--format", "json", *selection, "Dockerfile")
    assert status == 1
    assert [f["code"] for f in json.loads(out)] == ["DL3007"]
    assert "Fixed 2 problems in 1 file." in err


def test_fix_across_many_files_in_worker_processes(project: Path) -> None:
    for number in range(20):
        (project / f"svc{number}").mkdir()
        (project / f"svc{number}" / "Dockerfile").write_text(FIXABLE, encoding="utf-8")
    status, out, _ = run("--fix", ".")
    assert status == 0 and "Fixed 40 problems in 20 files." in out
    texts = {(project / f"svc{n}" / "Dockerfile").read_text(encoding="utf-8") for n in range(20)}
    assert texts == {FIXED}


def test_a_read_only_file_is_not_replaced(project: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write any file")
    path = project / "Dockerfile"
    path.write_text(FIXABLE, encoding="utf-8")
    path.chmod(0o444)
    status, _, err = run("--fix", "Dockerfile")
    assert status == 2 and "Dockerfile: cannot write: Permission denied" in err
    assert path.read_text(encoding="utf-8") == FIXABLE


def test_write_error_is_one_line(project: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    folder = project / "ro"
    folder.mkdir()
    (folder / "Dockerfile").write_text(FIXABLE, encoding="utf-8")
    folder.chmod(0o555)
    try:
        status, _, err = run("--fix", "ro/Dockerfile")
    finally:
        folder.chmod(0o755)
    assert status == 2
    assert err.startswith("dockerlens: error: ro/Dockerfile: cannot write:")
    assert (folder / "Dockerfile").read_text(encoding="utf-8") == FIXABLE


def test_the_report_counts_what_fix_would_fix(project: Path) -> None:
    text = "FROM debian:12.7\nMAINTAINER Jane\nCMD run server\nUSER 10001\n"
    (project / "Dockerfile").write_text(text, encoding="utf-8")
    status, out, _ = run("Dockerfile")
    assert status == 1
    assert out.splitlines()[-1] == "1 fixable with --fix (1 more with --unsafe-fixes)."
    assert "  = help: Write the command in JSON form (unsafe fix)" in out.splitlines()


def test_shellcheck_fixes_are_unsafe_and_relinted_with_shellcheck(
    project: Path, program: str
) -> None:
    path = project / "Dockerfile"
    path.write_text("FROM debian:12.7\nRUN echo $HOME > /tmp/x\nUSER 10001\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "Dockerfile"])
    assert result.stdout.splitlines()[-1] == "1 fixable with --fix --unsafe-fixes."
    CliRunner().invoke(cli, ["lint", "--fix", "Dockerfile"])
    assert "$HOME >" in path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--fix", "--unsafe-fixes", "Dockerfile"])
    assert result.exit_code == 0, result.stdout
    assert path.read_text(encoding="utf-8") == (
        'FROM debian:12.7\nRUN echo "$HOME" > /tmp/x\nUSER 10001\n'
    )


def test_rules_json_says_which_rules_fix() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json", "DL4000", "DL3007", "DL3015"])
    assert {r["code"]: r["fixable"] for r in json.loads(result.stdout)} == {
        "DL4000": True,
        "DL3007": False,
        "DL3015": True,
    }


def test_real_rules_whose_fixes_overlap_take_two_passes(project: Path) -> None:
    """DL3014 and DL3015 both insert right after `install`: one waits for the next pass."""
    path = project / "Dockerfile"
    path.write_text("FROM debian:12.7\nRUN apt-get install curl\n", encoding="utf-8")
    status, out, _ = run("--fix", "--unsafe-fixes", "--select", "DL3014,DL3015", "Dockerfile")
    assert path.read_text(encoding="utf-8") == (
        "FROM debian:12.7\nRUN apt-get install -y --no-install-recommends curl\n"
    )
    assert status == 0 and "Fixed 2 problems in 1 file." in out


def test_every_rule_text_fixed_with_every_rule_parses_and_is_fixed_once() -> None:
    """All the rules at once (unsafe fixes too) over every docstring example and data case:
    the result parses when the text did, and fixing it again changes nothing."""
    from dockerlens.lint.config import CommandLine, ConfigResolver
    from dockerlens.lint.runner import lint_one
    from tests.test_rules import CASES, RULES

    pool = {case.text for case in CASES}
    for rule in RULES:
        doc = read_doc(rule)
        pool.update(doc.examples + doc.counter_examples)
    command_line = CommandLine(no_config=True, shellcheck=False)
    settings = ConfigResolver(command_line).for_file(Path("/nowhere/Dockerfile")).settings

    def lint(text: str) -> list[Finding]:
        return lint_one(text, "Dockerfile", settings)

    changed = 0
    for text in sorted(pool):
        once = fix_text(text, lint, unsafe=True)
        changed += once.changed
        if parse_problem(text) is None:
            assert parse_problem(once.text) is None, text
        assert not fix_text(once.text, lint, unsafe=True).changed, text
    assert len(pool) > 1000 and changed > 300


_LINES = st.lists(st.sampled_from(["FROM a", "RUN x", "", "ENV A=1", "USER 1\r"]), max_size=5)
_EDITS = st.builds(
    Edit,
    st.integers(0, 7),
    st.integers(0, 9),
    st.integers(0, 7),
    st.integers(0, 9),
    st.sampled_from(["", "y", "z\n", "RUN q"]),
)


@settings(max_examples=300, deadline=None)
@given(_LINES, st.booleans(), st.lists(st.lists(_EDITS, min_size=1, max_size=3), max_size=4))
def test_a_pass_takes_each_fix_whole_or_not_at_all(
    lines: list[str], final_newline: bool, fixes: list[list[Edit]]
) -> None:
    """Any edits, valid or not: every fix is applied, deferred or rejected, and the text is
    the original with exactly the applied fixes' edits made."""
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    findings = [finding(f"F{n}", *edits) for n, edits in enumerate(fixes)]
    result = apply_pass(text, findings)
    rejected = [f for f, _ in result.rejected]
    sorted_out = result.applied + result.deferred + rejected
    assert all(sorted_out.count(f) == 1 for f in sorted_out)
    unchanged = [f for f in findings if f not in sorted_out]
    assert all(apply_pass(text, [f]).text == text for f in unchanged)  # no-op fixes
    # The applied fixes do not overlap: their edits, made one at a time from the end of the
    # file backwards, give the same text.
    edits = [edit for f in result.applied if f.fix for edit in f.fix.edits]
    expected = text
    for edit in sorted(
        set(edits), key=lambda e: (e.line, e.column, e.end_line, e.end_column), reverse=True
    ):
        expected = apply_pass(expected, [finding("E", edit)]).text
    assert result.text == expected
    for deferred in result.deferred:  # each overlaps an applied one
        assert apply_pass(text, [*result.applied, deferred]).deferred == [deferred]


def test_unused_pragma_codes_are_removed(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(
        "# hadolint ignore=DL3006\n"  # DL3006 reports nothing: the line goes
        "FROM debian:12.7\n"
        "# dockerlens: ignore=DL3008, DL3007 -- pinned elsewhere\n"
        "FROM debian:latest\n"
        "# dockerlens: ignore=DL3057\n"  # not enabled: only an unsafe fix
        "USER 10001\n",
        encoding="utf-8",
    )
    status, out, _ = run("--fix", "--report-unused-pragmas", "Dockerfile")
    assert path.read_text(encoding="utf-8") == (
        "FROM debian:12.7\n"
        "# dockerlens: ignore=DL3007 -- pinned elsewhere\n"
        "FROM debian:latest\n"
        "# dockerlens: ignore=DL3057\n"
        "USER 10001\n"
    )
    assert "Fixed 2 problems in 1 file." in out and status == 1
    run("--fix", "--unsafe-fixes", "--report-unused-pragmas", "Dockerfile")
    assert path.read_text(encoding="utf-8") == (
        "FROM debian:12.7\n"
        "# dockerlens: ignore=DL3007 -- pinned elsewhere\n"
        "FROM debian:latest\n"
        "USER 10001\n"
    )


def test_fix_with_the_report_over_an_input_writes_nothing(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(FIXABLE, encoding="utf-8")
    status, _, err = run("--fix", "-o", "Dockerfile", "Dockerfile")
    assert status == 2 and "is one of the files being linted" in err
    assert path.read_text(encoding="utf-8") == FIXABLE  # the refusal came before any fix
