"""The semantic model of RUN scripts: one expander, the script's own scope, one path algebra,
one catalogue of package managers."""

from __future__ import annotations

import pytest

from dockerlens.model import Variable, build_model
from dockerlens.semantics.expansion import expand_known, expand_word, is_truthy
from dockerlens.semantics.scope import ScriptScope, expand_if_known, split_word
from dockerlens.shell import Command
from dockerlens.syntax.parser import parse


def _scope(**values: str | None) -> dict[str, Variable]:
    return {name: Variable(name, value, None, "env") for name, value in values.items()}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$A/x", "/a/x"),
        ("${A}/x", "/a/x"),
        ("${NOPE:-dflt}", "dflt"),
        ("${A:+set}", "set"),
        ("${NOPE:+set}", ""),
        ("${A%/a}root", "root"),
        ("$NOPE/x", "/x"),
        ("\\$A", "$A"),
        ("'$A'", "$A"),
        ('"$A"/y', "/a/y"),
        ("$UNKNOWN/x", "$UNKNOWN/x"),
    ],
)
def test_expand_word_follows_buildkit(word: str, expected: str) -> None:
    assert expand_word(word, _scope(A="/a", UNKNOWN=None), "\\")[0] == expected


def test_expand_known_keeps_what_it_cannot_know() -> None:
    scope = _scope(A="/a", UNKNOWN=None)
    assert expand_known("$A/${NOPE}/$UNKNOWN", scope) == "/a/${NOPE}/$UNKNOWN"
    assert expand_known("${NOPE:-/d}", scope) == "${NOPE:-/d}"
    assert expand_known("${A:-/d}", scope) == "/a"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "On", "yes"])
def test_truthy(value: str) -> None:
    assert is_truthy(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "2"])
def test_not_truthy(value: str | None) -> None:
    assert not is_truthy(value)


def _run(text: str) -> ScriptScope:
    dockerfile = build_model(parse(text), "Dockerfile")
    step = next(s for s in dockerfile.steps if s.keyword == "RUN")
    return ScriptScope(step)


def _command(scope: ScriptScope, name: str, nth: int = 0) -> Command:
    script = scope.step.script
    assert script is not None
    return [c for c in script.commands if c.name == name][nth]


def test_script_assignments_are_seen_by_later_commands_only() -> None:
    scope = _run("FROM alpine\nENV BASE=/opt\nRUN echo $X; X=$BASE/app; export Y=1; echo $X $Y\n")
    first, second = (_command(scope, "echo", n) for n in (0, 1))
    assert "X" not in scope.at(first.start_byte)
    later = scope.at(second.start_byte)
    assert later["X"].value == "/opt/app"
    assert later["Y"].value == "1"


def test_prefix_assignment_is_the_command_environment_not_its_words() -> None:
    scope = _run("FROM alpine\nRUN UV_NO_CACHE=1 uv sync && uv pip install x\n")
    first, second = (_command(scope, "uv", n) for n in (0, 1))
    assert "UV_NO_CACHE" not in scope.at(first.start_byte)
    assert scope.value("UV_NO_CACHE", first) == "1"
    assert scope.value("UV_NO_CACHE", second) is None


def test_onbuild_run_does_not_see_this_builds_args() -> None:
    scope = _run("FROM alpine\nARG V=1\nENV E=2\nONBUILD RUN echo $V $E\n")
    assert scope.value("V") is None
    assert scope.value("E") == "2"


def test_loop_variable_is_unknown() -> None:
    scope = _run("FROM alpine\nRUN for p in a b; do echo $p; done\n")
    variable = scope.at(_command(scope, "echo").start_byte)["p"]
    assert variable.value is None


def test_expand_if_known_and_split() -> None:
    scope = _scope(PKGS="curl=1 git=2", NONE=None)
    assert expand_if_known("$PKGS", scope) == "curl=1 git=2"
    assert expand_if_known("$NONE", scope) is None
    assert expand_if_known("$(cat f)", scope) is None
    assert split_word("$PKGS", scope) == ["curl=1", "git=2"]
    assert split_word("x$PKGS", scope) == ["xcurl=1 git=2"]
    assert split_word("$NONE", scope) == ["$NONE"]


def test_views_are_kept_in_typed_facts_not_a_public_dict() -> None:
    from dockerlens.lint.commands import commands
    from dockerlens.semantics.invocations import invocations, mentionable_text

    dockerfile = build_model(parse("FROM alpine\nRUN P=cu; sudo apk add ${P}rl\n"), "Dockerfile")
    step = dockerfile.steps[1]
    assert not hasattr(step, "memo")
    assert step.facts.invocations is None
    found = invocations(step)
    assert [(i.name, i.args) for i in found][-1] == ("apk", ("add", "curl"))
    assert step.facts.invocations == tuple(found)
    assert step.facts.commands is not None and len(commands(step)) == 1  # P=cu is no command
    assert "curl" in mentionable_text(step)
    assert step.facts.mentionable_text is not None


def test_shell_pragmas_are_applied_when_the_model_is_built() -> None:
    text = "FROM alpine\n# hadolint shell=powershell\nRUN Get-ChildItem; echo $x\n"
    dockerfile = build_model(parse(text), "Dockerfile", shell_pragmas=[(2, "powershell")])
    run = dockerfile.steps[1]
    assert run.shell == ("powershell",)
    assert run.script is None  # never read as sh
    assert dockerfile.pragma_shells == {1: "powershell"}
    plain = build_model(parse("FROM alpine\n# hadolint shell=bash\nRUN echo hi\n"), "Dockerfile")
    assert plain.steps[1].script is not None


def test_the_catalogue_describes_each_manager_once() -> None:
    from dockerlens.semantics.managers import CATALOGUE, by_program, manager, value_options

    names = [record.name for record in CATALOGUE]
    assert len(names) == len(set(names))
    programs = by_program()
    assert programs["apt-get"] is manager("apt") and programs["microdnf"] is manager("dnf")
    assert "y" in manager("apt").assume_yes and "n" in manager("zypper").assume_yes
    assert (manager("dnf").clean_command or "").format(program="microdnf") == "microdnf clean all"
    assert "/var/cache/zypp" in manager("zypper").caches[0].paths
    assert "t" in value_options("apt") and "virtual" in value_options("apk")
    assert "d" not in value_options("apt")  # apt-get -d is --download-only, no value


def test_a_manager_installs_as_its_verbs_say() -> None:
    from dockerlens.semantics.invocations import invocations
    from dockerlens.semantics.managers import SYSTEM_MANAGERS

    text = (
        "FROM x\nRUN apt-get install -y a && apk add b && yum install -y c"
        " && dnf install -y d && zypper install -n e && pip install f==1\n"
    )
    step = build_model(parse(text), "Dockerfile").steps[1]
    for record in SYSTEM_MANAGERS:
        calls = [c for c in invocations(step) if c.name in record.programs or c.name == "pip"]
        installs = [c for c in calls if record.installs(c)]
        assert len(installs) == 1, record.name
        assert set(record.install_verbs) & set(installs[0].args), record.name


@pytest.mark.parametrize(
    ("name", "package", "expected"),
    [
        ("apt", "curl=8.5.0-2", True),
        ("apt", "curl/bookworm-backports", True),
        ("apt", "curl", False),
        ("apk", "curl~8.5", True),
        ("apk", "curl", False),
        ("yum", "httpd-2.4.57-5.el9", True),
        ("yum", "httpd-${V}", True),
        ("yum", "httpd", False),
        ("zypper", "curl>=8", True),
        ("zypper", "curl", False),
        ("npm", "express@4.21.0", True),
        ("npm", "@types/node", False),
        ("pip", "flask==3.0.3", True),
        ("pip", "git+https://github.com/a/b@v1", True),
        ("pip", "flask", False),
        ("go", "github.com/a/b@v1.2.3", True),
        ("go", "github.com/a/b@latest", False),
        ("cargo", "anything", True),  # a syntax the catalogue does not know: not judged
    ],
)
def test_pin_syntax_comes_from_the_catalogue(name: str, package: str, expected: bool) -> None:
    from dockerlens.semantics.managers import manager

    assert manager(name).pinned(package) is expected
