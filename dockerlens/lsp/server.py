"""The language server: diagnostics, quick fixes, "fix all" and rule documentation on hover.

Documents are linted in memory (never written) by the run's own path, ``lint_one``: the
rules, then ShellCheck over the RUN scripts. Linting happens on one worker thread, so requests
(hover, code actions) are answered while a lint runs. Changes are debounced per document: a
lint starts ``debounce`` seconds after the last change, and changes made while one runs are
linted together afterwards; diagnostics for a text that has changed since are not published.
Fixes are applied by ``lint --fix``'s :func:`~dockerlens.lint.fix.fix_text` (see
:func:`fixed_text`).

Configuration is found as ``dockerlens lint`` finds it, with the workspace folder holding the
document as the current directory: ``.dockerlens.toml`` or ``[tool.dockerlens]`` nearest above
the document, on top of a ``.hadolint.yaml`` where hadolint would look from that folder. It is
read again when the editor reports a change to a configuration file.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from dockerlens import __version__
from dockerlens.errors import UserError
from dockerlens.lint import fix
from dockerlens.lint.config import HADOLINT_NAMES, CommandLine, ConfigResolver
from dockerlens.lint.discover import is_dockerfile_name
from dockerlens.lint.docs import DocError, render_engine_markdown, render_markdown
from dockerlens.lint.findings import Finding
from dockerlens.lint.registry import Registry, is_shellcheck_code
from dockerlens.lint.runner import lint_one
from dockerlens.lint.shellcheck import RecentScripts
from dockerlens.lsp import convert
from dockerlens.project_config import CONFIG_NAMES
from dockerlens.syntax.parser import source_lines

LANGUAGE_ID = "dockerfile"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{convert.SOURCE}"
#: Not a kind of source.fixAll: an editor fixing all on save must not apply unsafe fixes.
FIX_ALL_UNSAFE = f"{types.CodeActionKind.Source.value}.{convert.SOURCE}.fixAllUnsafe"
CONFIG_GLOBS = tuple(f"**/{name}" for name in (*CONFIG_NAMES, *HADOLINT_NAMES))
#: ShellCheck's comments kept for this many distinct RUN scripts (a few MB at most).
SHELLCHECK_MEMO_SIZE = 4096
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def fixed_text(
    text: str,
    findings: Sequence[Finding],
    lint: Callable[[str], Sequence[Finding]],
    *,
    unsafe: bool,
) -> str:
    """``text`` with the fixes of its ``findings`` applied by ``lint --fix``'s own
    :func:`~dockerlens.lint.fix.fix_text` (whole or not at all, pass after pass, a pass that
    would break the file dropped), safe ones only unless ``unsafe``. ``lint`` gives the
    findings of a text as the document's were found; for one finding's quick fix it gives
    none, so only that fix is applied."""
    return fix.fix_text(text, lint, unsafe=unsafe, findings=findings).text


class Linted:
    """A document's last lint: the text and version linted and what was found in it."""

    def __init__(
        self,
        version: int | None,
        text: str,
        findings: list[Finding],
        diagnostics: list[types.Diagnostic],
        registry: Registry | None,
        notes: Sequence[str] = (),
    ) -> None:
        self.version = version
        self.text = text
        self.lines = source_lines(text)
        self.findings = findings
        self.diagnostics = diagnostics
        self.registry = registry
        #: What the reader should know (ShellCheck missing or failing).
        self.notes = notes


class DockerlensServer(LanguageServer):
    def __init__(self, command_line: CommandLine, debounce: float = 0.0) -> None:
        super().__init__(convert.SOURCE, __version__)
        self.command_line = command_line
        self.debounce = debounce
        #: Workspace folder (None: the server's current directory) -> its configuration.
        self.resolvers: dict[Path | None, ConfigResolver] = {}
        #: Open documents this server lints, and the last lint of each.
        self.tracked: set[str] = set()
        self.linted: dict[str, Linted] = {}
        #: Documents with a change not linted yet, and the task linting each.
        self.dirty: set[str] = set()
        self.lint_tasks: dict[str, asyncio.Task[None]] = {}
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dockerlens-lint")
        self.noted: set[str] = set()
        #: ShellCheck's comments by script text: an edit re-checks only the RUNs it changed.
        self.shellcheck_memo = RecentScripts(SHELLCHECK_MEMO_SIZE)

    # --- which documents, which configuration ------------------------------------------

    def wants(self, uri: str, language_id: str | None = None) -> bool:
        if language_id is not None and language_id.lower() == LANGUAGE_ID:
            return True
        path = to_fs_path(uri)
        name = os.path.basename(path) if path else uri.rsplit("/", 1)[-1]
        return is_dockerfile_name(name)

    def folder_of(self, path: Path | None) -> Path | None:
        """The innermost workspace folder holding ``path`` (or the first one); the root of a
        client that names no folders."""
        folders = [Path(p) for f in self.workspace.folders.values() if (p := to_fs_path(f.uri))]
        if not folders and self.workspace.root_path:
            folders = [Path(self.workspace.root_path)]
        if path is not None:
            holding = [f for f in folders if path.is_relative_to(f)]
            if holding:
                return max(holding, key=lambda f: len(f.parts))
        return folders[0] if folders else None

    def configuration(self, uri: str) -> tuple[ConfigResolver, Path]:
        """The configuration of a document's workspace folder, and the path to look it up
        for: the document's, or for an unsaved one a Dockerfile in the folder."""
        fs_path = to_fs_path(uri)
        path = Path(fs_path) if fs_path and uri.startswith("file:") else None
        folder = self.folder_of(path)
        # Called on the lint thread and on the server's (hover) while a configuration change
        # may clear the dict: the resolver is held here, never looked up again.
        resolver = self.resolvers.get(folder)
        if resolver is None:
            resolver = self.resolvers[folder] = ConfigResolver(self.command_line, cwd=folder)
        return resolver, path or (folder or Path.cwd()) / "Dockerfile"

    # --- linting -------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        self.dirty.add(uri)
        if uri not in self.lint_tasks:
            self.lint_tasks[uri] = asyncio.get_running_loop().create_task(self._lint(uri, delay))

    async def _lint(self, uri: str, delay: float) -> None:
        try:
            while uri in self.dirty:
                if delay:
                    await asyncio.sleep(delay)
                self.dirty.discard(uri)
                document = self.document(uri)
                if document is None:  # closed meanwhile
                    return
                text, version = document.source, document.version
                codec = document.position_codec
                try:
                    linted = await asyncio.get_running_loop().run_in_executor(
                        self.linter, self.lint, uri, text, version, codec
                    )
                except Exception as err:  # a dockerlens bug: said, and the next change retried
                    self.window_log_message(
                        types.LogMessageParams(
                            type=types.MessageType.Error,
                            message=f"dockerlens could not lint {uri}: {type(err).__name__}: {err}",
                        )
                    )
                    continue
                if uri in self.dirty or uri not in self.tracked:
                    continue  # changed while linted: the newer text is linted next
                self.linted[uri] = linted
                for note in linted.notes:
                    if note not in self.noted:  # once per session, not once per keystroke
                        self.noted.add(note)
                        self.window_log_message(
                            types.LogMessageParams(type=types.MessageType.Warning, message=note)
                        )
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri, version=version, diagnostics=linted.diagnostics
                    )
                )
        finally:
            del self.lint_tasks[uri]

    def lint(self, uri: str, text: str, version: int | None, codec: PositionCodec) -> Linted:
        """Lint a text (on the worker thread: it sends nothing to the client)."""
        resolver, config_path = self.configuration(uri)
        lines = source_lines(text)
        try:
            registry = resolver.layers_for(config_path.parent)[0]
            if resolver.force_excluded(config_path):  # as `dockerlens lint` would skip it
                return Linted(version, text, [], [], registry)
            settings = resolver.for_file(config_path.absolute())
            notes: list[str] = []
            findings = lint_one(
                text, str(config_path), settings.settings, 1, notes, self.shellcheck_memo
            )
        except UserError as err:  # a bad configuration file: said where the user looks
            message = f"dockerlens: {err.format_message()}"
            problem = types.Diagnostic(
                range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
                message=message,
                severity=types.DiagnosticSeverity.Error,
                source=convert.SOURCE,
            )
            return Linted(version, text, [], [problem], None)
        diagnostics = [convert.diagnostic(lines, codec, f) for f in findings]
        return Linted(version, text, findings, diagnostics, registry, notes)

    def document(self, uri: str) -> TextDocument | None:
        """The open document (pygls keeps them by their URI with %-escapes decoded)."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return document

    def codec(self, uri: str) -> PositionCodec:
        document = self.document(uri)
        return document.position_codec if document is not None else self.workspace.position_codec

    def current(self, uri: str) -> Linted | None:
        """The last lint, when the document has not changed since."""
        linted = self.linted.get(uri)
        document = self.document(uri)
        if linted is None or document is None or document.version != linted.version:
            return None
        return linted

    def config_changed(self) -> None:
        self.resolvers.clear()
        for uri in self.tracked:
            self.schedule(uri, 0.0)

    # --- code actions --------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        linted = self.current(uri)
        if linted is None:
            return []
        codec = self.codec(uri)
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wanted(types.CodeActionKind.QuickFix, only):
            for finding, diagnostic in zip(linted.findings, linted.diagnostics, strict=True):
                if finding.fix is None or not _overlaps(diagnostic.range, params.range):
                    continue
                title = f"{finding.fix.title} ({finding.code})"
                if not finding.fix.safe:
                    title += " [unsafe: may change what the image does]"
                new = fixed_text(linted.text, [finding], _nothing, unsafe=True)
                edit = convert.replacement(linted.lines, codec, linted.text, new)
                if edit is None:  # the fix would break the file, or changes nothing
                    continue
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=finding.fix.safe,
                        edit=types.WorkspaceEdit(changes={uri: [edit]}),
                    )
                )
        lazy = self._resolves_edits()
        for kind, unsafe, title in (
            (FIX_ALL, False, "Fix all dockerlens findings (safe fixes)"),
            (FIX_ALL_UNSAFE, True, "Fix all dockerlens findings (unsafe fixes too)"),
        ):
            fixes = [f.fix for f in linted.findings if f.fix is not None]
            if not _wanted(kind, only) or not any(f.safe or unsafe for f in fixes):
                continue
            if unsafe and all(f.safe for f in fixes):
                continue  # no unsafe fix: the same as the safe action
            data = {"uri": uri, "version": linted.version, "unsafe": unsafe}
            action = types.CodeAction(title=title, kind=kind, data=data)
            if not lazy:  # the client cannot ask for the edit when it is chosen
                action.edit = self.fix_all_edit(uri, linted, unsafe)
                if action.edit is None:
                    continue
            actions.append(action)
        return actions

    def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        """The edit of a "fix all" action, computed when the user chooses it."""
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        linted = self.current(uri) if isinstance(uri, str) else None
        if linted is None or linted.version != data.get("version"):
            return action  # the document has changed since: no edit rather than a wrong one
        assert isinstance(uri, str)
        action.edit = self.fix_all_edit(uri, linted, bool(data.get("unsafe")))
        return action

    def fix_all_edit(self, uri: str, linted: Linted, unsafe: bool) -> types.WorkspaceEdit | None:
        codec = self.codec(uri)

        def lint(text: str) -> list[Finding]:
            return self.lint(uri, text, None, codec).findings

        new = fixed_text(linted.text, linted.findings, lint, unsafe=unsafe)
        edit = convert.replacement(linted.lines, codec, linted.text, new)
        return None if edit is None else types.WorkspaceEdit(changes={uri: [edit]})

    def _resolves_edits(self) -> bool:
        document = self.client_capabilities.text_document
        actions = document.code_action if document is not None else None
        support = actions.resolve_support if actions is not None else None
        return support is not None and "edit" in support.properties

    # --- hover ---------------------------------------------------------------------------

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        document = self.document(uri)
        if document is None or uri not in self.tracked:  # not a Dockerfile
            return None
        lines = source_lines(document.source)
        codec = document.position_codec
        line, column = convert.server_position(lines, codec, params.position)
        linted = self.current(uri)
        registry = self._registry(uri, linted)
        pages: list[str] = []
        where: types.Range | None = None
        if linted is not None:
            for finding, diagnostic in zip(linted.findings, linted.diagnostics, strict=True):
                if _contains(diagnostic.range, params.position):
                    pages.append(f"**{finding.code}**: {finding.message}\n\n")
                    pages[-1] += _page(registry, finding.code, finding.url)
                    where = diagnostic.range
        if not pages and 1 <= line <= len(lines) and lines[line - 1].lstrip().startswith("#"):
            # A rule named in a comment: `# hadolint ignore=DL3008`, `# check=skip=...`.
            for match in _WORD.finditer(lines[line - 1]):
                if match.start() < column <= match.end() + 1:
                    page = _page(registry, match.group(), None)
                    if page:
                        pages.append(page)
                        where = convert.span(
                            lines, codec, line, match.start() + 1, line, match.end() + 1
                        )
        if not pages:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n---\n\n".join(pages)
            ),
            range=where,
        )

    def _registry(self, uri: str, linted: Linted | None) -> Registry | None:
        if linted is not None and linted.registry is not None:
            return linted.registry
        resolver, config_path = self.configuration(uri)
        try:
            return resolver.layers_for(config_path.parent)[0]
        except UserError:
            return None


def _nothing(text: str) -> list[Finding]:
    """No findings: a quick fix applies its own fix and stops."""
    return []


def _page(registry: Registry | None, code: str, url: str | None) -> str:
    """What ``dockerlens rules CODE`` prints for a rule or engine code; a link for ShellCheck's
    codes; nothing for a word that names no rule."""
    if is_shellcheck_code(code):
        from dockerlens.lint.shellcheck import URL

        return f"ShellCheck {code.upper()}: {url or URL.format(code=code.upper())}"
    if registry is None:
        return ""
    rule = registry.resolve(code)
    if rule is not None:
        try:
            return render_markdown(rule)
        except DocError:  # a plugin's rule without the docstring layout
            return f"{rule.code} ({rule.name}): {url or rule.url or ''}"
    engine = registry.engine_code(code)
    return render_engine_markdown(engine) if engine is not None else ""


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for this kind of action (``only`` names kinds or parents)."""
    if only is None:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return not _before(a.end, b.start) and not _before(b.end, a.start)


def _contains(outer: types.Range, where: types.Position) -> bool:
    return not _before(where, outer.start) and not _before(outer.end, where)


def create_server(command_line: CommandLine, debounce: float = 0.0) -> DockerlensServer:
    server = DockerlensServer(command_line, debounce)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: DockerlensServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace is not None else None
        if watching is None or not watching.dynamic_registration:
            return  # the editor cannot watch files for us: configuration is read once
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in CONFIG_GLOBS]
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="dockerlens-config",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=watchers
                        ),
                    )
                ]
            )
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DockerlensServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if ls.wants(document.uri, document.language_id):
            ls.tracked.add(document.uri)
            ls.schedule(document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DockerlensServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.tracked:
            ls.schedule(uri, ls.debounce)
        elif _is_config(uri):
            ls.config_changed()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DockerlensServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.tracked:
            ls.schedule(uri, 0.0)
        elif _is_config(uri):
            ls.config_changed()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DockerlensServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.dirty.discard(uri)
        ls.tracked.discard(uri)
        if ls.linted.pop(uri, None) is not None:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: DockerlensServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(change.uri) for change in params.changes):
            ls.config_changed()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(
        ls: DockerlensServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        ls.config_changed()

    # On the lint thread: a "fix all" lints the text again, and waits for a lint under way.
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL, FIX_ALL_UNSAFE],
            resolve_provider=True,
        ),
    )
    async def code_action(ls: DockerlensServer, params: types.CodeActionParams) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(ls.linter, ls.code_actions, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: DockerlensServer, params: types.CodeAction) -> types.CodeAction:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(ls.linter, ls.resolve_code_action, params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: DockerlensServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: DockerlensServer, params: None) -> None:
        ls.linter.shutdown(wait=False, cancel_futures=True)

    return server


def _is_config(uri: str) -> bool:
    name = uri.rsplit("/", 1)[-1]
    return name in CONFIG_NAMES or name in HADOLINT_NAMES


def serve(command_line: CommandLine, debounce: float = 0.0) -> None:
    create_server(command_line, debounce).start_io()
