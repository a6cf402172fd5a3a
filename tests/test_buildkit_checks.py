"""BuildKit's build checks as dockerlens rules (BK001-BK013): what YAML cases cannot show.

The `.dockerignore` matcher and CopyIgnoredFile's reading of real files, the exact messages
(BuildKit's wording, with its "did you mean" suggestions), and the `# check=` directive's
`error=true`. The scenarios come from BuildKit's frontend/dockerfile/dockerfile_check_test.go.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlens.lint.dockerignore import PatternMatcher, clean, find, load, matches, read
from dockerlens.lint.engine import EnabledRule, LintSettings, lint_text
from dockerlens.lint.findings import Finding
from dockerlens.lint.registry import load_registry
from dockerlens.lint.rule import Rule, Severity
from dockerlens.lint.testing import lint_with

REGISTRY = load_registry()


def rule(code: str) -> type[Rule]:
    found = REGISTRY.resolve(code)
    assert found is not None, code
    return found


def messages(code: str, text: str, path: str = "Dockerfile", **options: object) -> list[str]:
    return [f.message for f in lint_with(rule(code), text, dict(options), path=path)]


# --- the .dockerignore matcher -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "."),
        ("./a/b/", "a/b"),
        ("a//b/../c", "a/c"),
        ("/../a", "/a"),
        ("../../a", "../../a"),
        ("//a", "/a"),
    ],
)
def test_clean_is_gos_path_clean(path: str, expected: str) -> None:
    assert clean(path) == expected


def test_read_follows_ignorefile_readall() -> None:
    text = "\ufeff# comment\n  /foo/../bar/  \r\n!  baz\n #not a comment\n\n./a\n/\n"
    assert read(text) == ["bar", "!baz", "#not a comment", "a", "/"]


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["Dockerfile"], "Dockerfile", True),
        (["Dockerfile"], "sub/Dockerfile", False),
        (["*.md"], "README.md", True),
        (["*.md"], "docs/README.md", False),
        (["**/*.md"], "docs/deep/README.md", True),
        (["**/*.md"], "README.md", True),
        (["docs"], "docs/a/b.txt", True),
        (["docs/**"], "docs/a", True),
        (["docs/**"], "docs", False),
        (["**"], "anything/at/all", True),
        (["*/tmp/*"], "tmp/x", False),
        (["*/tmp/*"], "a/tmp/x", True),
        (["*/tmp/*"], "a/tmp/x/y", True),
        (["a?c"], "abc", True),
        (["a?c"], "a/c", False),
        (["[a-c]x"], "bx", True),
        (["[^a-c]x"], "bx", False),
        (["\\*x"], "*x", True),
        (["\\*x"], "ax", False),
        (["a.b"], "aXb", False),
        (["**/node_modules"], "web/node_modules/x/y.js", True),
        (["*", "!keep"], "keep", False),
        (["*", "!keep", "keep"], "keep", True),
        (["dir", "!dir/file"], "dir/file", False),
        (["dir", "!dir/file"], "dir/other", True),
    ],
)
def test_matches(patterns: list[str], path: str, excluded: bool) -> None:
    assert PatternMatcher(patterns).matches(path) is excluded


def test_matcher_knows_exclusions_and_rejects_bad_patterns() -> None:
    assert PatternMatcher(["a", "!b"]).exclusions
    assert not PatternMatcher(["a"]).exclusions
    for bad in (["!"], ["[a"], ["a\\"], ["[]"], ["[z-a]"]):
        with pytest.raises(ValueError):
            PatternMatcher(bad)


def test_module_matches_never_excludes_the_root() -> None:
    assert not matches(".", ["*"])
    assert matches("./x", ["*"])


def test_find_prefers_the_dockerfile_specific_ignore_file(tmp_path: Path) -> None:
    dockerfile = tmp_path / "app.Dockerfile"
    assert find(dockerfile) is None
    (tmp_path / ".dockerignore").write_text("a\n")
    assert find(dockerfile) == tmp_path / ".dockerignore"
    (tmp_path / "app.Dockerfile.dockerignore").write_text("b\n")
    assert find(dockerfile) == tmp_path / "app.Dockerfile.dockerignore"
    assert load(find(dockerfile) or "") == ["b"]
    other = tmp_path / "ctx"
    other.mkdir()
    (other / ".dockerignore").write_text("c\n")
    (tmp_path / "app.Dockerfile.dockerignore").unlink()
    assert find(dockerfile, other) == other / ".dockerignore"


# --- CopyIgnoredFile on real files -------------------------------------------------------------

COPIES = "FROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n"


def test_copy_ignored_file_reads_the_context_dockerignore(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("\nDockerfile\n")
    path = str(tmp_path / "Dockerfile")
    assert messages("BK009", COPIES, path) == [
        'Attempting to Copy file "Dockerfile" that is excluded by .dockerignore',
        'Attempting to Add file "Dockerfile" that is excluded by .dockerignore',
    ]


def test_copy_ignored_file_prefers_the_dockerfile_specific_file(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("Dockerfile\n")
    (tmp_path / "Dockerfile.dockerignore").write_text("other\n")
    assert messages("BK009", COPIES, str(tmp_path / "Dockerfile")) == []


def test_copy_ignored_file_is_off_with_an_exception(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("**\n!Dockerfile\n")
    assert messages("BK009", "FROM scratch\nCOPY notes.txt .\n", str(tmp_path / "Dockerfile")) == []


def test_copy_ignored_file_without_an_ignore_file_or_context(tmp_path: Path) -> None:
    assert messages("BK009", COPIES, str(tmp_path / "Dockerfile")) == []
    (tmp_path / ".dockerignore").write_text("*\n")
    for path in ("-", "<stdin>"):
        assert messages("BK009", COPIES, path) == []


def test_copy_ignored_file_context_option(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / ".dockerignore").write_text("secrets/\n")
    path = str(tmp_path / "docker" / "Dockerfile")
    text = "FROM scratch\nCOPY secrets/key.pem /etc/\n"
    assert messages("BK009", text, path) == []
    assert messages("BK009", text, path, context="..") == [
        'Attempting to Copy file "secrets/key.pem" that is excluded by .dockerignore'
    ]


def test_copy_ignored_file_context_root(tmp_path: Path) -> None:
    path = str(tmp_path / "Dockerfile")
    (tmp_path / ".dockerignore").write_text(".*\n")
    assert messages("BK009", "FROM scratch\nCOPY . .\n", path) == []
    (tmp_path / ".dockerignore").write_text("*\n")
    assert messages("BK009", "FROM scratch\nCOPY . .\n", path) == [
        'Attempting to Copy file "." that is excluded by .dockerignore'
    ]


def test_copy_ignored_file_ignores_a_malformed_file(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("[oops\n")
    assert messages("BK009", COPIES, str(tmp_path / "Dockerfile")) == []


# --- BuildKit's messages -----------------------------------------------------------------------


def test_messages_match_buildkit() -> None:
    assert messages("BK001", "FROM scratch AS BadStageName\n") == [
        "Stage name 'BadStageName' should be lowercase"
    ]
    assert messages("BK002", "from scratch AS base\n") == [
        "'AS' and 'from' keywords' casing do not match"
    ]
    assert messages("BK003", "FROM scratch\nCOPY a \\\n\n.\n") == ["Empty continuation line"]
    assert messages("BK004", "FROM scratch\ncopy a /a\nCOPY b /b\n") == [
        "Command 'copy' should match the case of the command majority (uppercase)"
    ]
    assert messages("BK007", "FROM scratch\nENV testkey value\nLABEL key value\n") == [
        '"ENV key=value" should be used instead of legacy "ENV key value" format',
        '"LABEL key=value" should be used instead of legacy "LABEL key value" format',
    ]
    assert messages("BK008", "ARG VERSION\nFROM busybox:$VERSION\n") == [
        "Default value for ARG busybox:$VERSION results in empty or invalid base image name"
    ]
    assert messages("BK011", "FROM scratch\nEXPOSE 80/TcP 8080/TCP 8080/udp\n") == [
        "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase",
        "Defined protocol '8080/TCP' in EXPOSE instruction should be lowercase",
    ]
    assert messages(
        "BK012", "FROM scratch\nEXPOSE 127.0.0.1:80:80 [::1]:8080:8080 5000:5000\n"
    ) == [
        "EXPOSE instruction should not define an IP address or host-port mapping, "
        "found '127.0.0.1:80:80'",
        "EXPOSE instruction should not define an IP address or host-port mapping, "
        "found '[::1]:8080:8080'",
        "EXPOSE instruction should not define an IP address or host-port mapping, "
        "found '5000:5000'",
    ]


def test_undefined_arg_in_from_suggests_like_buildkit() -> None:
    assert messages("BK005", "FROM --platform=$BULIDPLATFORM scratch\n") == [
        "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"
    ]
    text = "ARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\n"
    assert messages("BK005", text) == [
        "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)"
    ]
    assert messages("BK005", "ARG tag=latest\nFROM busybox:${tag}${version} AS b\n") == [
        "FROM argument 'version' is not declared"
    ]


def test_undefined_var_suggests_like_buildkit() -> None:
    text = (
        "FROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\n"
        "ARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n"
    )
    assert messages("BK006", text) == [
        "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)"
    ]
    assert messages("BK006", "FROM alpine\nENV PATH=$PAHT:/tmp/bin\n") == [
        "Usage of undefined variable '$PAHT' (did you mean $PATH?)"
    ]
    assert messages("BK006", "FROM scratch\nCOPY $foo .\n") == [
        "Usage of undefined variable '$foo'"
    ]


def test_invalid_definition_description_messages() -> None:
    text = (
        "# bar this is the bar\nARG foo=bar\n# BasE this is the BasE image\nFROM scratch AS base\n"
        "# definitely a bad comment\nARG foo=baz bar=qux baz=quux\n"
    )
    assert messages("BK010", text) == [
        "Comment for ARG should follow the format: `# foo <description>`",
        "Comment for FROM should follow the format: `# base <description>`",
        "Comment for ARG should follow the format: `# <arg_key> <description>`",
    ]


def test_invalid_base_image_platform_message() -> None:
    assert messages("BK013", "FROM --platform=linux/amd64 arm64v8/alpine:3.20\n") == [
        'Base image arm64v8/alpine:3.20 is made for "linux/arm64", expected "linux/amd64" '
        "for this stage"
    ]


# --- answering to BuildKit's names -------------------------------------------------------------

BUILDKIT_NAMES = {
    "BK001": "StageNameCasing",
    "BK002": "FromAsCasing",
    "BK003": "NoEmptyContinuation",
    "BK004": "ConsistentInstructionCasing",
    "BK005": "UndefinedArgInFrom",
    "BK006": "UndefinedVar",
    "BK007": "LegacyKeyValueFormat",
    "BK008": "InvalidDefaultArgInFrom",
    "BK009": "CopyIgnoredFile",
    "BK010": "InvalidDefinitionDescription",
    "BK011": "ExposeProtoCasing",
    "BK012": "ExposeInvalidFormat",
    "BK013": "InvalidBaseImagePlatform",
}


@pytest.mark.parametrize(("code", "name"), sorted(BUILDKIT_NAMES.items()))
def test_rules_answer_to_their_buildkit_name(code: str, name: str) -> None:
    found = rule(code)
    assert found.buildkit_name == name
    assert REGISTRY.resolve(name) is found
    assert found.severity is Severity.WARNING
    assert found.default_enabled is (name != "InvalidDefinitionDescription")


def _lint(codes: list[str], text: str) -> list[Finding]:
    enabled = tuple(EnabledRule.of(rule(c)) for c in codes)
    return lint_text(text, "Dockerfile", LintSettings(enabled))


def test_check_directive_error_true_makes_errors_of_the_rest() -> None:
    text = "#check=skip=ConsistentInstructionCasing;error=true\nFROM scratch as base\ncopy a .\n"
    found = _lint(["BK002", "BK004"], text)
    assert [(f.code, f.severity) for f in found] == [("BK002", Severity.ERROR)]


def test_check_directive_skip_all() -> None:
    text = "#check=skip=all;error=true\nFROM scratch as base\ncopy a .\n"
    assert _lint(["BK002", "BK004"], text) == []


def test_per_instruction_skip_applies_to_that_instruction_only() -> None:
    text = "FROM scratch\n# check=skip=UndefinedVar\nCOPY $a .\nCOPY $b .\n"
    assert [f.line for f in _lint(["BK006"], text)] == [4]
