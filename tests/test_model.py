from __future__ import annotations

import pytest

from dockerlens.imageref import parse_image_ref, split_image_ref
from dockerlens.model import build_model
from dockerlens.shell import ShellKind
from dockerlens.syntax.parser import parse


def model(text: str, **build_args: str):  # type: ignore[no-untyped-def]
    return build_model(parse(text), "Dockerfile", build_args)


def test_image_reference_normalisation() -> None:
    assert str(parse_image_ref("ubuntu")) == "docker.io/library/ubuntu:latest"
    assert str(parse_image_ref("bitnami/redis:7")) == "docker.io/bitnami/redis:7"
    assert str(parse_image_ref("localhost:5000/app")) == "localhost:5000/app:latest"
    assert str(parse_image_ref("ghcr.io/a/b:1.2")) == "ghcr.io/a/b:1.2"
    digest = "sha256:" + "a" * 64
    assert str(parse_image_ref(f"alpine@{digest}")) == f"docker.io/library/alpine@{digest}"
    assert split_image_ref("alpine") is not None
    assert not split_image_ref("alpine").explicit_tag  # type: ignore[union-attr]
    assert str(parse_image_ref("Upper/case")) == "Upper/case:latest"  # a capital: a host
    assert parse_image_ref("bad name") is None
    assert parse_image_ref("${BASE}") is None


def test_global_args_reach_only_from_unless_redeclared() -> None:
    m = model(
        "ARG VERSION=3.20\nARG OTHER=x\nFROM alpine:${VERSION}\n"
        "ARG VERSION\nRUN echo $VERSION $OTHER\nLABEL v=$VERSION o=$OTHER\n"
    )
    assert m.stages[0].base == "alpine:3.20"
    assert str(m.stages[0].base_ref) == "docker.io/library/alpine:3.20"
    label = m.steps[5]
    assert label.expanded == ("v", "3.20", "o", "")
    assert label.undefined == {"OTHER"}
    assert label.value_of("VERSION") == "3.20"
    assert label.value_of("OTHER") is None


def test_build_args_override_defaults() -> None:
    m = model("ARG V=1\nFROM alpine:$V\nARG W=2\nENV X=$W\n", V="9", W="8")
    assert m.stages[0].base == "alpine:9"
    assert m.steps[3].expanded == ("X", "8")


def test_env_wins_over_arg_and_is_inherited_by_child_stages() -> None:
    m = model(
        "FROM alpine AS base\nENV MODE=prod\nARG MODE=dev\nWORKDIR /$MODE\n"
        "FROM base\nWORKDIR /$MODE\nFROM alpine\nWORKDIR /$MODE\n"
    )
    workdirs = [s for s in m.steps if s.keyword == "WORKDIR"]
    assert [w.expanded for w in workdirs] == [("/prod",), ("/prod",), ("/",)]
    assert workdirs[2].undefined == {"MODE"}


def test_expansion_modifiers() -> None:
    m = model(
        "FROM a\nENV A=x E=\nLABEL a=${A:-d} b=${U:-d} c=${A:+y} d=${U:+y} "
        "e=${E-d} f=${E:-d} g=${U+y} h=\\$A i=${A}z\n"
    )
    assert m.steps[2].expanded == (
        "a",
        "x",
        "b",
        "d",
        "c",
        "y",
        "d",
        "",
        "e",
        "",
        "f",
        "d",
        "g",
        "",
        "h",
        "$A",
        "i",
        "xz",
    )


def test_path_is_known_in_every_stage() -> None:
    m = model("FROM a\nENV PATH=/opt/bin:$PATH\n")
    assert m.steps[1].undefined == frozenset()
    assert m.steps[1].expanded == ("PATH", "/opt/bin:$PATH")


def test_stages_and_references() -> None:
    m = model(
        "FROM golang:1.23 AS build\nRUN --mount=type=cache,target=/c,from=cache go build\n"
        "FROM alpine AS cache\nFROM build AS test\nCOPY --from=0 /a /a\n"
        "COPY --from=nginx:1.27 /etc/nginx /n\nCOPY --from=7 /x /x\n"
        "FROM --platform=linux/arm64 scratch\nCOPY --from=test /bin /bin\n"
    )
    assert [s.name for s in m.stages] == ["build", "cache", "test", None]
    assert m.stages[2].base_stage == 0 and m.stages[2].base_ref is None
    assert m.stages[3].is_scratch and m.stages[3].platform == "linux/arm64"
    assert m.stages[0].used_by == {2}
    refs = {(r.kind, r.text): r for r in m.references}
    assert refs[("mount", "cache")].undefined  # "cache" is only defined later
    assert refs[("copy", "0")].target_stage == 0
    nginx = refs[("copy", "nginx:1.27")]
    assert nginx.target_stage is None
    assert str(nginx.image) == "docker.io/library/nginx:1.27"
    assert refs[("copy", "7")].undefined


def test_shell_per_stage_and_windows_defaults() -> None:
    m = model(
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\n"
        'FROM debian AS d\nSHELL ["pwsh", "-c"]\nENV X=1\nRUN Get-Item $x\n'
        "FROM d\nRUN still powershell\nFROM debian\nRUN echo sh\n"
    )
    kinds = [s.shell_kind for s in m.steps if s.keyword == "RUN"]
    assert kinds == [ShellKind.CMD, ShellKind.POWERSHELL, ShellKind.POWERSHELL, ShellKind.POSIX]
    runs = [s for s in m.steps if s.keyword == "RUN"]
    assert [r.script is None for r in runs] == [True, True, True, False]


def test_run_scripts_are_parsed() -> None:
    m = model(
        "FROM debian\n"
        "RUN apt-get update && apt-get install -y curl | tee /log > /dev/null; (cd /x && make)\n"
        "RUN <<EOF\nset -e\nrm -rf /var/lib/apt/lists/*\nEOF\n"
        "RUN python3 <<PY\nprint(1)\nPY\n"
        'RUN ["apt-get", "update"]\n'
    )
    first = m.steps[1].script
    assert first is not None and not first.has_errors
    assert [c.words for c in first.commands] == [
        ("apt-get", "update"),
        ("apt-get", "install", "-y", "curl"),
        ("tee", "/log"),
        ("cd", "/x"),
        ("make",),
    ]
    assert [c.joined_by for c in first.commands] == ["", "&&", "|", "", "&&"]
    assert first.commands[2].redirects[0].target == "/dev/null"
    assert first.commands[4].in_subshell
    heredoc = m.steps[2].script
    assert heredoc is not None
    assert [c.name for c in heredoc.commands] == ["set", "rm"]
    fed = m.steps[3].script
    assert fed is not None and fed.commands[0].name == "python3"
    assert m.steps[4].script is None  # exec form runs no shell


def test_expansion_honours_the_escape_directive() -> None:
    m = model("# escape=`\nFROM a\nENV A=x\nWORKDIR /`$A/$A\n")
    workdir = m.steps[2]
    assert workdir.expanded == ("/$A/x",)
    assert workdir.expand("`$A-$A") == "$A-x"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # commands in a substitution run first, in a subshell
        ("echo $(apt-get install x) && y", ["apt-get+", "echo", "y"]),
        ('echo "a $(id -u) b" `pwd`', ["id+", "pwd+", "echo"]),
        # the pipeline after a heredoc start is inside the redirect in the syntax tree
        ("cat <<EOF | bash -e\nls\nEOF\n", ["cat", "bash"]),
        ("(cd /x && make)", ["cd+", "make+"]),
        ("diff <(sort a) b", ["sort+", "diff"]),
    ],
)
def test_commands_of_a_script(script: str, expected: list[str]) -> None:
    from dockerlens.shell import parse_shell

    commands = parse_shell(script).commands
    assert [c.name + ("+" if c.in_subshell else "") for c in commands] == expected


def test_words_without_quotes_escapes_or_dollars_expand_to_themselves() -> None:
    """expand_word skips BuildKit's lexer for them; the lexer must agree."""
    import random
    import string

    from dockerlens.syntax.lexer import Lexer

    chars = string.ascii_letters + string.digits + " \t/.-_:=@,{}()[]*?!~#%^&+|<>;\u00e9`"
    rnd = random.Random(7)
    for _ in range(20000):
        word = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 12)))
        for escape in ("\\", "`"):
            if escape in word:
                continue
            result = Lexer(escape).process_word(word, {})
            assert (result.result, result.matched, result.unmatched) == (word, set(), set())


def test_a_byte_order_mark_starting_a_word_is_dropped_as_buildkit_does() -> None:
    # Go's text/scanner, which BuildKit's lexer reads every word with, skips it.
    steps = model("FROM scratch\nARG X=\nWORKDIR \ufeff/app\nWORKDIR \ufeff/srv$X\n").steps
    assert [step.expanded for step in steps[2:]] == [("/app",), ("/srv",)]
