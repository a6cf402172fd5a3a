"""``dockerlens lsp`` end to end: the real server in its own process, driven over stdio by
pygls's own language client, as an editor drives it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dockerlens.cli import cli
from dockerlens.syntax.parser import source_lines
from tests.cli_runner import CliRunner
from tests.conftest import IN_CI

if not IN_CI:  # in CI the test extra's pygls must be there: without it these tests fail
    pytest.importorskip("pygls", reason="pygls (the lsp extra) is not installed")

from lsprotocol import types
from pygls.uris import from_fs_path

from tests.lsp_client import (
    TIMEOUT,
    apply,
    codes,
    compare,
    diagnostic_key,
    editor,
    edits_of,
    run,
    stdin_keys,
)

DOCKERFILE = """\
FROM debian:12
MAINTAINER someone
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
CMD ["curl", "--version"]
"""


def rules_page(code: str) -> str:
    result = CliRunner().invoke(cli, ["rules", code])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The workspace folder: its name is %-escaped in URIs (file:///.../my%20project%2B1)."""
    folder = tmp_path / "my project+1"
    (folder / "home").mkdir(parents=True)
    return folder


def test_open_fix_change_hover(project: Path) -> None:
    """The session an editor has: diagnostics on open, a quick fix applied, the diagnostics
    that follow the change, and rule documentation on hover."""

    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            uri = ed.open(project / "Dockerfile", DOCKERFILE)
            diagnostics = await ed.diagnostics(uri, 1)
            assert "DL4000" in codes(diagnostics)
            assert "DL3008" not in codes(diagnostics)  # the pragma above the RUN
            maintainer = next(d for d in diagnostics if d.code == "DL4000")
            assert maintainer.source == "dockerlens"
            assert maintainer.severity == types.DiagnosticSeverity.Error
            assert maintainer.range == types.Range(
                start=types.Position(line=1, character=0),
                end=types.Position(line=1, character=len("MAINTAINER")),
            )
            assert maintainer.code_description is not None
            assert maintainer.code_description.href.endswith("/DL4000.md")

            actions = await ed.actions(uri, maintainer.range)
            quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
            assert [a.title for a in quick] == [
                "Replace MAINTAINER with a maintainer label (DL4000)"
            ]
            assert quick[0].is_preferred
            assert list(quick[0].diagnostics or []) == [maintainer]
            fixed = apply(DOCKERFILE, edits_of(quick[0], uri))
            assert 'LABEL maintainer="someone"' in fixed
            assert "MAINTAINER" not in fixed

            version = ed.replace(uri, fixed)
            after = await ed.diagnostics(uri, version)
            assert "DL4000" not in codes(after)
            assert codes(after) == [c for c in codes(diagnostics) if c != "DL4000"]
            ed.client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            assert await ed.diagnostics(uri, version, count=2) == after

            # Hover on a rule named in a pragma: the page `dockerlens rules` prints.
            pragma_line = fixed.split("\n").index("# hadolint ignore=DL3008")
            page = await ed.hover(uri, pragma_line, len("# hadolint ignore=DL30"))
            assert page == rules_page("DL3008")
            assert await ed.hover(uri, pragma_line, 1) is None  # "hadolint" names no rule

            # Hover on a finding: its message, then its rule's page.
            version = ed.replace(uri, DOCKERFILE)
            await ed.diagnostics(uri, version)
            shown = await ed.hover(uri, 1, 3)
            assert shown is not None
            assert shown.startswith(f"**DL4000**: {maintainer.message}")
            assert shown.endswith(rules_page("DL4000"))

    run(session)


def test_fix_all_applies_safe_fixes_and_leaves_unsafe_ones(project: Path) -> None:
    text = "FROM debian:12 as base\nMAINTAINER me\nADD app.py /app/\nCMD python /app/app.py\n"

    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            uri = ed.open(project / "app.dockerfile", text, language_id="plaintext")
            diagnostics = await ed.diagnostics(uri, 1)
            everything = types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=4, character=0),
            )
            fix_all = await ed.actions(uri, everything, only=["source.fixAll"])
            assert [a.kind for a in fix_all] == ["source.fixAll.dockerlens"]
            fixed = apply(text, edits_of(fix_all[0], uri))
            assert fixed == (
                'FROM debian:12 AS base\nLABEL maintainer="me"\nCOPY app.py /app/\n'
                "CMD python /app/app.py\n"
            )
            version = ed.replace(uri, fixed)
            after = await ed.diagnostics(uri, version)
            # What had a safe fix is gone; the rest stays.
            remaining = set(codes(after))
            fixable = {
                a.diagnostics[0].code
                for a in await ed.actions(uri, everything, only=["quickfix"])
                if a.diagnostics and a.is_preferred
            }
            assert not fixable
            assert "DL4000" in codes(diagnostics)
            assert "DL4000" not in remaining
            assert remaining <= set(codes(diagnostics))

    run(session)


def test_fix_all_edit_is_computed_when_chosen_by_editors_that_ask_for_it(project: Path) -> None:
    text = "FROM debian:12 as base\nMAINTAINER me\n"

    async def session() -> None:
        async with editor(project, "--no-shellcheck", resolves_edits=True) as ed:
            uri = ed.open(project / "Dockerfile", text)
            await ed.diagnostics(uri, 1)
            everything = types.Range(start=types.Position(0, 0), end=types.Position(2, 0))
            [offered] = await ed.actions(uri, everything, only=["source.fixAll"])
            assert offered.edit is None
            chosen = await ed.client.code_action_resolve_async(offered)
            assert apply(text, edits_of(chosen, uri)) == (
                'FROM debian:12 AS base\nLABEL maintainer="me"\n'
            )
            # Chosen after the text changed: no edit rather than one made for the old text.
            version = ed.replace(uri, text + "USER 1000\n")
            await ed.diagnostics(uri, version)
            stale = await ed.client.code_action_resolve_async(offered)
            assert stale.edit is None

    run(session)


def test_unsafe_fixes_are_marked_and_kept_out_of_fix_all(project: Path, program: str) -> None:
    text = "FROM debian:12\nMAINTAINER me\nRUN echo $HOME\n"

    async def session() -> None:
        async with editor(project) as ed:
            uri = ed.open(project / "Containerfile", text, language_id="plaintext")
            diagnostics = await ed.diagnostics(uri, 1)
            sc = next(d for d in diagnostics if d.code == "SC2086")
            assert sc.code_description is not None
            assert sc.code_description.href == "https://www.shellcheck.net/wiki/SC2086"
            [quick] = await ed.actions(uri, sc.range, only=["quickfix"])
            assert quick.title.endswith("(SC2086) [unsafe: may change what the image does]")
            assert not quick.is_preferred
            assert apply(text, edits_of(quick, uri)).endswith('RUN echo "$HOME"\n')

            whole = types.Range(start=types.Position(0, 0), end=types.Position(3, 0))
            by_kind = {a.kind: a for a in await ed.actions(uri, whole, only=["source"])}
            safe = apply(text, edits_of(by_kind["source.fixAll.dockerlens"], uri))
            assert "RUN echo $HOME" in safe and "MAINTAINER" not in safe
            unsafe = apply(text, edits_of(by_kind["source.dockerlens.fixAllUnsafe"], uri))
            assert 'RUN echo "$HOME"' in unsafe and "MAINTAINER" not in unsafe

            hover = await ed.hover(uri, sc.range.start.line, sc.range.start.character)
            assert hover is not None and "https://www.shellcheck.net/wiki/SC2086" in hover

    run(session)


def test_configuration_is_found_per_folder_and_read_again_when_it_changes(
    project: Path,
) -> None:
    service = project / "service"
    service.mkdir()
    config = service / ".dockerlens.toml"
    config.write_text('ignore = ["DL4000"]\n')
    text = "FROM debian:12\nMAINTAINER me\n"

    async def session() -> None:
        async with editor(project, "--no-shellcheck", watch_files=True) as ed:
            configured = ed.open(service / "Dockerfile", text)
            plain = ed.open(project / "Dockerfile", text)
            assert "DL4000" not in codes(await ed.diagnostics(configured, 1))
            assert "DL4000" in codes(await ed.diagnostics(plain, 1))

            config.write_text('ignore = ["DL3006"]\n')
            config_uri = from_fs_path(str(config))
            assert config_uri is not None
            ed.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=config_uri, type=types.FileChangeType.Changed)]
                )
            )
            assert "DL4000" in codes(await ed.diagnostics(configured, 1, count=2))

            config.write_text("ignore = 3\n")
            ed.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=config_uri, type=types.FileChangeType.Changed)]
                )
            )
            [problem] = await ed.diagnostics(configured, 1, count=3)
            assert problem.severity == types.DiagnosticSeverity.Error
            assert ".dockerlens.toml" in problem.message and "ignore" in problem.message

    run(session)


@pytest.mark.parametrize("as_folder", [True, False], ids=["workspace-folder", "root-only"])
def test_hadolint_configuration_is_looked_for_from_the_workspace_folder(
    project: Path, as_folder: bool
) -> None:
    (project / ".hadolint.yaml").write_text("ignored:\n  - DL4000\n")
    elsewhere = project / "home"  # where the editor started the server

    async def session() -> None:
        async with editor(project, "--no-shellcheck", cwd=elsewhere, as_folder=as_folder) as ed:
            uri = ed.open(project / "Dockerfile", "FROM debian\nMAINTAINER me\n")
            found = codes(await ed.diagnostics(uri, 1))
            assert "DL4000" not in found
            assert "DL3006" in found  # linted all the same

    run(session)


def test_changes_in_a_burst_end_in_the_last_texts_diagnostics(project: Path) -> None:
    async def session() -> None:
        async with editor(project, "--no-shellcheck", "--debounce", "20") as ed:
            uri = ed.open(project / "Dockerfile", "FROM debian:12\n")
            assert "DL4000" not in codes(await ed.diagnostics(uri, 1))
            text = "FROM debian:12\n"
            for step in range(8):
                text += f"RUN echo {step}\n"
                ed.replace(uri, text)
            version = ed.replace(uri, text + "MAINTAINER me\n")
            last = await ed.diagnostics(uri, version)
            assert "DL4000" in codes(last)
            assert [d.range.start.line for d in last if d.code == "DL4000"] == [9]

    run(session)


def test_incremental_changes_and_close(project: Path) -> None:
    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            uri = ed.open(project / "Dockerfile", "FROM debian:12\nUSER 1000\n")
            assert "DL4000" not in codes(await ed.diagnostics(uri, 1))
            ed.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=types.Position(1, 0), end=types.Position(1, 0)),
                            text="MAINTAINER me\n",
                        )
                    ],
                )
            )
            [maintainer] = [d for d in await ed.diagnostics(uri, 2) if d.code == "DL4000"]
            assert maintainer.range.start == types.Position(1, 0)

            ed.client.text_document_did_close(
                types.DidCloseTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
            assert list(await ed.diagnostics(uri, None, count=3)) == []

    run(session)


def test_force_exclude_leaves_out_documents_as_lint_does(project: Path) -> None:
    (project / ".dockerlens.toml").write_text('force-exclude = true\nexclude = ["legacy/"]\n')
    (project / "legacy").mkdir()
    text = "FROM debian:12\nMAINTAINER me\n"

    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            left_out = ed.open(project / "legacy" / "Dockerfile", text)
            linted = ed.open(project / "Dockerfile", text)
            assert list(await ed.diagnostics(left_out, 1)) == []
            assert "DL4000" in codes(await ed.diagnostics(linted, 1))

    run(session)


def test_only_dockerfiles_are_linted(project: Path) -> None:
    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            notes = ed.open(project / "notes.txt", "# DL3008\n", language_id="plaintext")
            ed.open_uri("untitled:Untitled-1", "FROM debian:12\nMAINTAINER me\n")
            # Documents are linted in the order they were opened, one at a time.
            assert "DL4000" in codes(await ed.diagnostics("untitled:Untitled-1", 1))
            assert notes not in ed.published
            assert await ed.hover(notes, 0, 2) is None

    run(session)


def test_utf16_positions(project: Path) -> None:
    """Columns are counted in the client's UTF-16 units (an emoji is two)."""

    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            line = 'RUN echo "\U0001f600" && cd /tmp'
            uri = ed.open(project / "Dockerfile", f"FROM debian:12\n{line}\n")
            cd = next(d for d in await ed.diagnostics(uri, 1) if d.code == "DL3003")
            assert cd.range.end == types.Position(line=1, character=len(line) + 1)

    run(session)


def test_without_pygls_a_one_line_error() -> None:
    blocked = (
        "import sys; sys.modules['pygls'] = None; sys.argv = ['dockerlens', 'lsp']; "
        "from dockerlens.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 2
    assert done.stderr == (
        "dockerlens: error: dockerlens lsp needs pygls, which is not installed: "
        "pip install 'dockerlens[lsp]'\n"
    )


def test_a_bad_config_option_stops_the_server_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "lint.toml"
    bad.write_text("ignore = 3\n")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b"# caf\xe9\n")
    for config, message in (
        (bad, f"{bad}: ignore: expected a list of strings, got int 3"),
        (latin1, f"{latin1}:1: cannot read: not valid UTF-8 (byte 0xe9)"),
        (tmp_path / "missing.toml", f"{tmp_path / 'missing.toml'}: cannot read:"),
    ):
        result = CliRunner().invoke(cli, ["lsp", "--config", str(config)])
        assert result.exit_code == 2
        assert result.output.startswith(f"dockerlens: error: {message}")


def agreement_project(folder: Path) -> list[Path]:
    """Varied Dockerfiles in a workspace with configuration at two levels; returns them."""
    (folder / ".hadolint.yaml").write_text("ignored:\n  - DL3007\n")
    service = folder / "service"
    service.mkdir()
    (service / ".dockerlens.toml").write_text('ignore = ["DL4000"]\n')
    (service / ".dockerignore").write_text("README.md\n")
    (service / "Dockerfile").write_text(
        "FROM debian:12\n"
        "MAINTAINER me\n"
        "COPY README.md /app/\n"  # BK009: the context's .dockerignore leaves it out
        'RUN echo "\U0001f600" $HOME && cd /tmp\n'  # SC2086 after a UTF-16 pair; DL3003
        "# hadolint ignore=DL3008\n"
        "RUN apt-get update && apt-get install -y curl\n"
    )
    web = folder / "web"
    web.mkdir()
    (web / "Dockerfile").write_text(
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD node app.js\n"
    )
    (web / "package.json").write_text("{}\n")  # node_modules to keep out
    (folder / "Containerfile").write_bytes(  # CRLF, a latest tag the hadolint config ignores
        b"FROM alpine:latest\r\nRUN apk add curl && echo $HOME\r\nEXPOSE 80000\r\n"
    )
    (folder / "broken.dockerfile").write_text("FROM debian:12\nRUN echo 'unclosed \\\n")
    return [
        service / "Dockerfile",
        web / "Dockerfile",
        folder / "Containerfile",
        folder / "broken.dockerfile",
    ]


def test_diagnostics_agree_with_lint_json(project: Path, program: str) -> None:
    """For each file, the server publishes what `dockerlens lint --format json` reports for
    it: code, line, column, severity and message, with ShellCheck's findings, the build
    context's rules and each folder's configuration."""
    paths = agreement_project(project)
    comparison = compare(project, paths)
    assert [str(d) for d in comparison.disagreements] == []
    found = {
        path.relative_to(project).as_posix(): keys for path, keys in comparison.by_server.items()
    }
    service = {key[0] for key in found["service/Dockerfile"]}
    assert {"SC2086", "BK009", "DL3003", "DL3015"} <= service
    assert not {"DL4000", "DL3008"} & service  # the folder's config, the pragma
    assert "DK208" in {key[0] for key in found["web/Dockerfile"]}  # no .dockerignore in web
    container = {key[0] for key in found["Containerfile"]}
    assert {"SC2086", "DL3018"} <= container and "DL3007" not in container
    assert found["broken.dockerfile"]  # a parse error is a finding too


def test_diagnostics_of_an_unsaved_buffer_agree_with_lint_on_standard_input(
    project: Path, program: str
) -> None:
    """A document's text in the editor is linted, not the file on disk: as
    `dockerlens lint --stdin-filename PATH -` lints it (and an untitled document as the
    folder's Dockerfile)."""
    paths = agreement_project(project)
    service = paths[0]
    edited = service.read_text() + "RUN ls $HOME\nUSER root\n"

    async def session() -> dict[str, list[types.Diagnostic]]:
        async with editor(project) as ed:
            uri = ed.open(service, service.read_text())
            await ed.diagnostics(uri, 1)
            version = ed.replace(uri, edited)
            ed.open_uri("untitled:Untitled-1", edited)
            return {
                "saved": list(await ed.diagnostics(uri, version)),
                "untitled": list(await ed.diagnostics("untitled:Untitled-1", 1)),
            }

    served = asyncio.run(session())
    lines = source_lines(edited)
    home = project / "home"
    relative = str(service.relative_to(project))
    for name, stdin_filename in (("saved", relative), ("untitled", "Dockerfile")):
        from_server = Counter(diagnostic_key(lines, d) for d in served[name])
        from_lint = stdin_keys(project, edited, stdin_filename, [], home)
        assert from_server == from_lint, name
    # The edit's own findings, and the configuration of each path.
    saved = {key[0] for key in Counter(diagnostic_key(lines, d) for d in served["saved"])}
    untitled = {key[0] for key in Counter(diagnostic_key(lines, d) for d in served["untitled"])}
    assert "DL3002" in saved and "DL4000" not in saved
    assert "DL4000" in untitled  # the workspace folder's configuration does not ignore it


def test_no_fix_is_offered_for_a_file_lint_fix_would_not_touch(project: Path) -> None:
    """Fixes go through `lint --fix`'s code: a file BuildKit would not build is left alone."""
    text = "FROM debian:12\nMAINTAINER me\nFETCH https://example.com/x /x\n"

    async def session() -> None:
        async with editor(project, "--no-shellcheck") as ed:
            uri = ed.open(project / "Dockerfile", text)
            diagnostics = await ed.diagnostics(uri, 1)
            maintainer = next(d for d in diagnostics if d.code == "DL4000")
            assert await ed.actions(uri, maintainer.range) == []
            version = ed.replace(uri, text.replace("FETCH", "# FETCH"))
            await ed.diagnostics(uri, version)
            [quick] = await ed.actions(uri, maintainer.range, only=["quickfix"])
            assert quick.title.endswith("(DL4000)")

    run(session)
    (project / "Dockerfile").write_text(text)
    result = CliRunner().invoke(cli, ["lint", "--no-shellcheck", "--fix", str(project)])
    assert (project / "Dockerfile").read_text() == text
    assert result.exit_code == 1


def test_a_configuration_change_while_a_resolver_is_made_does_not_fail_the_lint(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lint thread stores a folder's new resolver, and the server thread, told that a
    # configuration file changed, clears them all before the lint thread reads it back: the
    # lint goes on with the resolver it made (it failed with a KeyError).
    from dockerlens.lint.config import CommandLine, ConfigResolver
    from dockerlens.lsp import server as lsp_server

    class ClearedMeanwhile(dict[Path | None, ConfigResolver]):
        def __setitem__(self, key: Path | None, value: ConfigResolver) -> None:
            super().__setitem__(key, value)
            self.clear()  # config_changed, on the other thread

    made = lsp_server.DockerlensServer(CommandLine())
    made.resolvers = ClearedMeanwhile()
    monkeypatch.setattr(made, "folder_of", lambda path: project)  # (no client: no workspace)
    resolver, path = made.configuration(from_fs_path(str(project / "Dockerfile")) or "")
    assert isinstance(resolver, ConfigResolver) and path == project / "Dockerfile"
