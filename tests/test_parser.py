"""What the parser reads, construct by construct, including where current BuildKit differs
from 0.12 (the release the `dockerfile` package wraps)."""

from __future__ import annotations

from dockerlens.syntax.parser import Dialect, parse

from .conftest import FIXTURES


def read(name: str) -> str:
    return (FIXTURES / "parser" / name).read_text(encoding="utf-8")


def test_heredoc_followed_directly_by_an_instruction() -> None:
    result = parse('FROM a\nRUN <<EOF\necho hi\nEOF\nCMD ["sh"]\n')
    assert result.error is None
    run, cmd = result.instructions[1], result.instructions[2]
    assert run.heredocs[0].name == "EOF"
    assert run.heredocs[0].content == "echo hi\n"
    assert (run.start_line, run.end_line) == (2, 4)
    assert (cmd.cmd, cmd.value, cmd.json, cmd.start_line) == ("CMD", ("sh",), True, 5)


def test_heredoc_variants() -> None:
    result = parse(read("heredocs.Dockerfile"))
    assert result.error is None
    by_line = {i.start_line: i for i in result.instructions}
    chomped = by_line[6].heredocs[0]
    assert chomped.chomp and chomped.body() == "echo tabbed\n"
    copy = by_line[9]
    assert [h.name for h in copy.heredocs] == ["A", "B"]
    assert [h.expand for h in copy.heredocs] == [False, False]
    assert by_line[15].heredocs[0].file_descriptor == 3
    assert [i.keyword for i in result.instructions].count("RUN") == 4


def test_comments_and_blank_lines_inside_continuations() -> None:
    result = parse(read("comments_in_continuation.Dockerfile"))
    run = result.instructions[1]
    assert run.value == ("apk add --no-cache     curl     jq     git",)
    assert (run.start_line, run.end_line) == (2, 8)
    assert result.warnings and "Empty continuation line" in result.warnings[0].message


def test_escaped_escape_at_end_of_line_is_not_a_continuation() -> None:
    result = parse(read("escaped_escape_at_eol.Dockerfile"))
    copy = result.instructions[1]
    assert copy.flags == ("--from=mongo:7.0",)
    assert copy.value[-1] == "C:\\\\Windows\\\\System32\\\\"
    assert result.instructions[2].keyword == "CMD"


def test_backtick_escape_directive() -> None:
    result = parse(read("escape_backtick.Dockerfile"))
    assert result.escape_token == "`"
    assert set(result.directives) == {"syntax", "escape"}
    run = result.instructions[1]
    assert (run.start_line, run.end_line) == (4, 6)
    assert "Write-Host there" in run.value[0]


def test_directives_only_at_the_top() -> None:
    result = parse(read("late_directive.Dockerfile"))
    assert result.escape_token == "\\"
    assert result.instructions[1].value == ("echo   still backslash",)


def test_check_directive_is_a_directive_only_in_current_buildkit() -> None:
    text = read("directives_order.Dockerfile")
    current = parse(text)
    assert current.escape_token == "`"
    assert current.directives["check"].value == "skip=all"
    legacy = parse(text, dialect=Dialect.V0_12)
    assert legacy.escape_token == "\\"  # `# check=` ended the directives there
    assert "check" not in legacy.directives


def test_space_after_heredoc_operator_depends_on_dialect() -> None:
    text = "FROM a\nRUN << EOF\nhi\nEOF\n"
    current = parse(text)
    assert [i.keyword for i in current.instructions] == ["FROM", "RUN"]
    assert current.instructions[1].heredocs[0].content == "hi\n"
    legacy = parse(text, dialect=Dialect.V0_12)
    assert [i.cmd for i in legacy.instructions] == ["FROM", "RUN", "hi", "EOF"]


def test_trailing_text_after_json_is_shell_form_in_current_buildkit() -> None:
    text = 'FROM a\nCMD ["a"] b\n'
    assert parse(text).instructions[1].json is False
    assert parse(text).instructions[1].value == ('["a"] b',)
    legacy = parse(text, dialect=Dialect.V0_12).instructions[1]
    assert (legacy.json, legacy.value) == (True, ("a",))


def test_escape_directive_applies_to_flags_in_current_buildkit() -> None:
    text = "# escape=`\nFROM a\nCOPY --from=x`y a b\n"
    assert parse(text).instructions[1].flags == ("--from=xy",)
    assert parse(text, dialect=Dialect.V0_12).instructions[1].flags == ("--from=x`y",)


def test_json_and_shell_forms() -> None:
    result = parse(read("json_forms.Dockerfile"))
    forms = [(i.keyword, i.json, i.value) for i in result.instructions]
    assert forms[1] == ("CMD", True, ("a", "b"))
    assert forms[2] == ("CMD", False, ('["unterminated",',))
    assert forms[7] == ("VOLUME", False, ("/c", "/d"))
    assert forms[9] == ("CMD", False, ("[single]",))


def test_flags_of_every_instruction() -> None:
    result = parse(read("flags.Dockerfile"))
    by_line = {i.start_line: i for i in result.instructions}
    assert by_line[1].flags == ("--platform=$BUILDPLATFORM",)
    assert len(by_line[2].flags) == 4
    assert by_line[6].flags == (
        "--from=build",
        "--chown=1000:1000",
        "--chmod=0755",
        "--link",
    )
    assert by_line[10].value[0] == "CMD" and by_line[10].json
    assert by_line[11].value == ("NONE",)
    assert by_line[12].flags == () and by_line[12].value == ("--weird", "/x")
    assert by_line[13].flags == ("--from=quoted stage",)


def test_env_and_label_forms() -> None:
    result = parse(read("env_label_forms.Dockerfile"))
    pairs = [i.pairs for i in result.instructions if i.keyword in ("ENV", "LABEL")]
    assert pairs[0] == (("A", "1", ""),)
    assert pairs[1] == (("B", "two words", ""),)
    assert pairs[2] == (("C", "3", "="), ("D", '"four five"', "="), ("E", "six\\ seven", "="))
    assert pairs[3] == (("maintainer", '"someone"', ""),)


def test_onbuild_keeps_its_sub_instruction() -> None:
    result = parse(read("onbuild.Dockerfile"))
    sub = [(i.sub_cmd, i.value, i.flags) for i in result.instructions[1:]]
    assert sub[0] == ("RUN", ("echo from onbuild",), ())
    assert sub[2] == ("RUN", ("x",), ("--weird",))
    assert result.instructions[4].effective_keyword == "RUN"


def test_keywords_are_case_insensitive_and_kept_as_written() -> None:
    result = parse(read("case_insensitive.Dockerfile"))
    assert [i.cmd for i in result.instructions] == ["from", "Run", "cOpY", "workdir"]
    assert [i.keyword for i in result.instructions] == ["FROM", "RUN", "COPY", "WORKDIR"]


def test_bom_and_crlf() -> None:
    result = parse(read("bom_crlf.Dockerfile"))
    assert result.error is None
    assert result.instructions[0].start_line == 2
    assert result.instructions[1].value == ("echo crlf     continued",)


def test_errors_keep_what_was_read() -> None:
    cases = {
        "error_env_one_arg.Dockerfile": (2, "ENV must have two arguments"),
        "error_unterminated_heredoc.Dockerfile": (2, "unterminated heredoc"),
        "error_json_not_strings.Dockerfile": (2, "arrays must be comprised of strings only"),
        "error_bad_escape.Dockerfile": (1, "invalid escape token"),
        "error_duplicate_directive.Dockerfile": (2, "only one syntax parser directive"),
        "error_no_instructions.Dockerfile": (2, "file with no instructions"),
        "error_label_missing_equals.Dockerfile": (2, 'can\'t find = in "c"'),
    }
    for name, (line, message) in cases.items():
        result = parse(read(name))
        assert result.error is not None, name
        assert result.error.line == line, name
        assert message in result.error.message, name
    partial = parse(read("error_env_one_arg.Dockerfile"))
    assert [i.keyword for i in partial.instructions] == ["FROM"]


def test_overlong_line_is_an_error_not_a_crash() -> None:
    result = parse("FROM a\nRUN " + "x" * 70000 + "\n")
    assert result.error is not None and "max allowed size" in result.error.message
    assert result.error.line == 2
