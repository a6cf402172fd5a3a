"""A language client for ``dockerlens lsp`` (pygls's own, over stdio, as an editor drives the
server), and the comparison of the server's diagnostics with ``dockerlens lint --format json``
for the same files. Used by tests/test_lsp.py and bench/lsp_agreement.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec

from dockerlens.lsp.convert import SEVERITIES
from dockerlens.syntax.parser import source_lines

#: Generous: the wait is for a notification, never a measurement.
TIMEOUT = 120.0


class Editor:
    """A language client with the diagnostics it has been sent, by document."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.arrived = asyncio.Condition()
        self.versions: dict[str, int] = {}
        self.logged: list[str] = []

    async def diagnostics(
        self, uri: str, version: int | None = None, count: int = 1
    ) -> list[types.Diagnostic]:
        """The ``count``th diagnostics published for the document (for ``version``)."""

        def ready() -> bool:
            seen = [
                p
                for p in self.published.get(uri, [])
                if version is None or p.version in (None, version)
            ]
            return len(seen) >= count

        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(ready), TIMEOUT)
        seen = [p for p in self.published[uri] if version is None or p.version in (None, version)]
        return seen[count - 1].diagnostics

    def open(self, path: Path, text: str, language_id: str = "dockerfile") -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        self.open_uri(uri, text, language_id)
        return uri

    def open_uri(self, uri: str, text: str, language_id: str = "dockerfile") -> None:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language_id, version=1, text=text
                )
            )
        )

    def replace(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    async def actions(
        self, uri: str, where: types.Range, only: list[str] | None = None
    ) -> list[types.CodeAction]:
        answer = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=where,
                context=types.CodeActionContext(diagnostics=[], only=only),
            )
        )
        return [a for a in answer or [] if isinstance(a, types.CodeAction)]

    async def hover(self, uri: str, line: int, character: int) -> str | None:
        answer = await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )
        if answer is None:
            return None
        assert isinstance(answer.contents, types.MarkupContent)
        return answer.contents.value


@asynccontextmanager
async def editor(
    folder: Path,
    *arguments: str,
    watch_files: bool = False,
    cwd: Path | None = None,
    as_folder: bool = True,
    resolves_edits: bool = False,
    home: Path | None = None,
) -> AsyncIterator[Editor]:
    """A server started in ``cwd`` (default: ``folder``) for an editor that has ``folder``
    open, as a workspace folder or (``as_folder=False``) only as its root; with
    ``resolves_edits``, the editor asks for a code action's edit when it is chosen. The
    server's HOME is ``home`` (default: ``folder``/home), so no hadolint config of the
    user's is read."""
    client = LanguageClient("dockerlens-tests", "1")
    session = Editor(client)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    async def published(params: types.PublishDiagnosticsParams) -> None:
        async with session.arrived:
            session.published.setdefault(params.uri, []).append(params)
            session.arrived.notify_all()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def logged(params: types.LogMessageParams) -> None:
        session.logged.append(params.message)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None

    environment = isolated_environment(home or folder / "home")
    await client.start_io(
        sys.executable,
        "-m",
        "dockerlens",
        "lsp",
        *arguments,
        cwd=str(cwd or folder),
        env=environment,
    )
    resolving = types.ClientCodeActionResolveOptions(properties=["edit"])
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch_files
            )
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                resolve_support=resolving if resolves_edits else None
            )
        ),
    )
    folder_uri = from_fs_path(str(folder))
    assert folder_uri is not None
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=folder_uri,
            workspace_folders=[types.WorkspaceFolder(uri=folder_uri, name="project")]
            if as_folder
            else None,
        )
    )
    client.initialized(types.InitializedParams())
    try:
        yield session
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()


def run(test: Callable[[], Any]) -> None:
    asyncio.run(test())


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (ASCII text: characters are UTF-16 units)."""
    lines = text.split("\n")

    def offset(where: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: where.line]) + where.character

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    return list(action.edit.changes[uri])


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def isolated_environment(home: Path) -> dict[str, str]:
    """This process's environment with ``home`` as HOME and no XDG_CONFIG_HOME: the user's
    own hadolint configuration is not read."""
    environment = {k: v for k, v in os.environ.items() if k != "XDG_CONFIG_HOME"}
    environment["HOME"] = str(home)
    return environment


#: What is compared of a finding: code, 1-based line and column (in characters), severity,
#: message. (The end of a diagnostic's range may be wider than the finding's on purpose: a
#: file-wide finding covers its line in an editor.)
Key = tuple[str, int, int, str, str]


def lint_keys(
    folder: Path, paths: Sequence[Path], arguments: Sequence[str], home: Path
) -> dict[Path, Counter[Key]]:
    """What ``dockerlens lint --format json`` reports for each of ``paths``, run in
    ``folder`` (one run for all of them, as a user runs it)."""
    found: dict[Path, Counter[Key]] = {path: Counter() for path in paths}
    names = [str(path.relative_to(folder)) for path in paths]
    for finding in lint_json(folder, [*arguments, *names], home):
        found[(folder / finding["path"]).absolute()][finding_key(finding)] += 1
    return found


def stdin_keys(
    folder: Path, text: str, stdin_filename: str, arguments: Sequence[str], home: Path
) -> Counter[Key]:
    """What ``dockerlens lint --stdin-filename NAME -`` reports for ``text``, run in
    ``folder`` (what an editor integration without a server runs on an unsaved buffer)."""
    command = [*arguments, "--stdin-filename", stdin_filename, "-"]
    return Counter(finding_key(f) for f in lint_json(folder, command, home, text))


def lint_json(
    folder: Path, arguments: Sequence[str], home: Path, stdin: str | None = None
) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "dockerlens", "lint", "--format", "json", "--exit-zero", *arguments],
        cwd=folder,
        env=isolated_environment(home),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise AssertionError(f"dockerlens lint failed ({done.returncode}): {done.stderr}")
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings


def finding_key(finding: dict[str, Any]) -> Key:
    return (
        finding["code"],
        finding["line"],
        finding["column"],
        finding["severity"],
        finding["message"],
    )


def diagnostic_key(lines: list[str], diagnostic: types.Diagnostic) -> Key:
    """A diagnostic as a finding's key: positions back to 1-based characters."""
    start = PositionCodec().position_from_client_units(lines, diagnostic.range.start)
    severity = next(name for name, value in SEVERITIES.items() if value == diagnostic.severity)
    return (
        str(diagnostic.code),
        start.line + 1,
        start.character + 1,
        severity.value,
        diagnostic.message,
    )


async def server_keys(
    folder: Path, paths: Sequence[Path], arguments: Sequence[str], home: Path
) -> dict[Path, Counter[Key]]:
    """What ``dockerlens lsp`` publishes for each of ``paths`` opened with their text on disk
    in an editor that has ``folder`` open (one server, documents opened one after another)."""
    found: dict[Path, Counter[Key]] = {}
    async with editor(folder, *arguments, home=home) as ed:
        for path in paths:
            text = path.read_text(encoding="utf-8", errors="replace")
            uri = ed.open(path, text)
            lines = list(source_lines(text))
            diagnostics = await ed.diagnostics(uri, 1)
            found[path] = Counter(diagnostic_key(lines, d) for d in diagnostics)
            ed.client.text_document_did_close(
                types.DidCloseTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
    return found


class Disagreement:
    """A file on which the server and ``lint`` differ: what only one of them reported."""

    def __init__(self, path: Path, only_lint: Counter[Key], only_server: Counter[Key]) -> None:
        self.path = path
        self.only_lint = only_lint
        self.only_server = only_server

    def __str__(self) -> str:
        lines = [str(self.path)]
        lines += [f"  lint only:   {key}" for key in sorted(self.only_lint.elements())]
        lines += [f"  server only: {key}" for key in sorted(self.only_server.elements())]
        return "\n".join(lines)


class Comparison:
    """The findings ``lint`` and the server reported for each file, and where they differ."""

    def __init__(self, by_lint: dict[Path, Counter[Key]], by_server: dict[Path, Counter[Key]]):
        self.by_lint = by_lint
        self.by_server = by_server
        self.disagreements: list[Disagreement] = []
        for path, linted in by_lint.items():
            served = by_server[path]
            if linted != served:
                self.disagreements.append(Disagreement(path, linted - served, served - linted))

    @property
    def lint_findings(self) -> int:
        return sum(keys.total() for keys in self.by_lint.values())

    @property
    def server_findings(self) -> int:
        return sum(keys.total() for keys in self.by_server.values())


def compare(
    folder: Path, paths: Sequence[Path], arguments: Sequence[str] = (), home: Path | None = None
) -> Comparison:
    """The files of ``paths`` (under ``folder``) linted by ``lint`` and by the server, both run
    with ``arguments`` (``--no-shellcheck``, ``--config``...)."""
    home = home or folder / "home"
    paths = [path.absolute() for path in paths]
    by_lint = lint_keys(folder, paths, arguments, home)
    by_server = asyncio.run(server_keys(folder, paths, arguments, home))
    return Comparison(by_lint, by_server)
