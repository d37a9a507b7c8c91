"""The language server over real stdio (pytest-lsp): sync, push/pull diagnostics, hover,
code actions, positions, cross-file re-diagnosis, robustness."""

from __future__ import annotations

import asyncio
import os

import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import (SERVER_COMMAND, stop_session, apply_text_edits, dedent, open_doc, project, read, start, uri,
                               wait_diagnostics)


def make_client() -> LanguageClient:
    """The pytest-lsp client, answering client/registerCapability (file watchers) and
    workspace/codeLens/refresh (VS Code declares it)."""
    from pytest_lsp.client import make_test_lsp_client

    c = make_test_lsp_client()
    c.registrations = []
    c.code_lens_refresh_count = 0

    @c.feature(T.CLIENT_REGISTER_CAPABILITY)
    def register(client: LanguageClient, params: T.RegistrationParams):
        client.registrations.extend(params.registrations)
        return None

    @c.feature(T.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(client: LanguageClient, params):
        client.code_lens_refresh_count += 1
        return None

    return c


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=SERVER_COMMAND, client_factory=make_client,
    server_env={**os.environ, "CONVEX_LSP_FAULT": "textDocument/hover"}))
async def faulty_client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


def codes(ds):
    return sorted(d.data["code"] for d in ds)


# ------------------------------------------------------------------ push


async def test_push_diagnostics_neovim_091(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    res = await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 20}})
    assert res.capabilities.text_document_sync.change == T.TextDocumentSyncKind.Incremental
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: len(ds) > 0)
    d = next(d for d in ds if d.data["code"] == "CVX101")
    assert d.source == "convex-lsp"
    assert d.code == "missing-returns-validator"
    assert d.code_description.href.endswith("CVX101-missing-returns-validator.md")
    assert d.severity is not None
    assert d.data["version"] == 1 and isinstance(d.data["data"], dict)  # what the fix needs, for this text
    assert d.range.start.line == 3  # `export const list = query({`

    # an incremental edit adding `returns` removes the finding
    text = read(root, "convex/messages.ts")
    row = text.splitlines().index("  args: { channel: v.string() },")
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=u, version=2),
        content_changes=[T.TextDocumentContentChangePartial(
            range=T.Range(start=T.Position(line=row + 1, character=0), end=T.Position(line=row + 1, character=0)),
            text="  returns: v.array(v.any()),\n")]))
    await wait_diagnostics(client, u, lambda ds: "CVX101" not in codes(ds))


async def test_schema_change_rediagnoses_other_open_file(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 10}})
    mu = open_doc(client, root, "convex/messages.ts")
    await wait_diagnostics(client, mu, lambda ds: len(ds) > 0)
    assert "CVX206" not in codes(client.diagnostics[mu])
    schema = read(root, "convex/schema.ts")
    su = open_doc(client, root, "convex/schema.ts", schema)
    # rename the index in the (unsaved) schema buffer: messages.ts now uses an unknown index
    row = next(i for i, l in enumerate(schema.splitlines()) if "by_channel_and_author" in l)
    col = schema.splitlines()[row].index("by_channel_and_author")
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=su, version=2),
        content_changes=[T.TextDocumentContentChangePartial(
            range=T.Range(start=T.Position(line=row, character=col),
                          end=T.Position(line=row, character=col + len("by_channel_and_author"))),
            text="by_channel")]))
    await wait_diagnostics(client, mu, lambda ds: "CVX206" in codes(ds))


async def test_utf16_positions_with_emoji(client: LanguageClient, tmp_path):
    code = dedent("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        /* 😀😀 */ export const list = query({ args: {}, handler: async () => null });
    """)
    root = project(tmp_path, {"convex/emoji.ts": code})
    await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    u = open_doc(client, root, "convex/emoji.ts")
    ds = await wait_diagnostics(client, u, lambda ds: "CVX101" in codes(ds))
    d = next(d for d in ds if d.data["code"] == "CVX101")
    line = code.splitlines()[2]
    cp = line.index("list")  # code points
    assert d.range.start.line == 2
    assert d.range.start.character == cp + 2  # each emoji is 2 UTF-16 code units


async def test_handler_error_does_not_kill_server(faulty_client: LanguageClient, tmp_path):
    client = faulty_client
    root = project(tmp_path)
    await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    u = open_doc(client, root, "convex/messages.ts")
    got = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=3, character=15)))
    assert got is None
    assert any("injected fault" in m.message for m in client.log_messages)
    ds = await wait_diagnostics(client, u, lambda ds: len(ds) > 0)  # still alive and linting
    assert "CVX101" in codes(ds)


# ------------------------------------------------------------------ pull


async def test_pull_diagnostics_vscode(client: LanguageClient, tmp_path):
    root = project(tmp_path, {"convex/other.ts": dedent("""
        import { query } from "./_generated/server";
        export const count = query({ args: {}, handler: async (ctx) => (await ctx.db.query("messages").collect()).length });
    """)})
    res = await start(client, root, "visual-studio-code", pull=True)
    assert res.capabilities.diagnostic_provider is not None
    u = open_doc(client, root, "convex/messages.ts")
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u)))
    assert rep.kind == "full" and "CVX101" in codes(rep.items) and rep.result_id
    again = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u), previous_result_id=rep.result_id))
    assert again.kind == "unchanged" and again.result_id == rep.result_id
    assert u not in client.diagnostics  # nothing pushed to a pull client
    ws = await client.workspace_diagnostic_async(T.WorkspaceDiagnosticParams(previous_result_ids=[]))
    by_uri = {i.uri: i for i in ws.items}
    assert uri(root, "convex/other.ts") in by_uri
    assert u not in by_uri  # open documents are pulled per document
    assert "CVX202" in codes(by_uri[uri(root, "convex/other.ts")].items)
    assert any(r.method == T.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)

    # a schema edit asks the client to pull again
    before = client.diagnostic_refresh_count
    su = open_doc(client, root, "convex/schema.ts")
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=su, version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=read(root, "convex/schema.ts").replace(
            "by_channel_and_author", "by_channel"))]))
    for _ in range(100):
        if client.diagnostic_refresh_count > before:
            break
        await asyncio.sleep(0.05)
    assert client.diagnostic_refresh_count > before
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u), previous_result_id=rep.result_id))
    assert "CVX206" in codes(rep.items)


async def test_pull_neovim_011_utf8_and_code_action_fix(client: LanguageClient, tmp_path):
    code = dedent("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        // héllo 😀
        export const list = query({
          args: {},
          handler: async (ctx) => { const s = "é😀"; return null; },
        });
    """)
    root = project(tmp_path, {"convex/fixme.ts": code})
    res = await start(client, root, "neovim@v0.11.0", encodings=[T.PositionEncodingKind.Utf8])
    assert res.capabilities.position_encoding == T.PositionEncodingKind.Utf8
    u = open_doc(client, root, "convex/fixme.ts", code)
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u)))
    d = next(d for d in rep.items if d.data["code"] == "CVX101")
    assert d.range.start == T.Position(line=3, character=len("export const "))
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=[d], only=[T.CodeActionKind.QuickFix])))
    fixes = [a for a in actions if isinstance(a, T.CodeAction) and a.kind == T.CodeActionKind.QuickFix]
    assert fixes, actions
    main = fixes[0]
    assert main.is_preferred
    assert any(a.title.lower().startswith("disable") for a in fixes) or len(fixes) >= 1
    edit = main.edit
    if edit.document_changes:
        edits = [e for dc in edit.document_changes if dc.text_document.uri == u for e in dc.edits]
    else:
        edits = edit.changes[u]
    new = apply_text_edits(code, edits, "utf-8")
    assert "returns:" in new
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=u, version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=new)]))
    rep2 = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u), previous_result_id=rep.result_id))
    assert rep2.kind == "full" and "CVX101" not in codes(rep2.items)


# ------------------------------------------------------------------ hover, completion, navigation


async def test_hover_on_diagnostic_cites_spec(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await start(client, root, "visual-studio-code", pull=True)
    u = open_doc(client, root, "convex/messages.ts")
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u)))
    d = next(d for d in rep.items if d.data["code"] == "CVX101")
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=d.range.start))
    assert h is not None and h.contents.kind == T.MarkupKind.Markdown
    assert "CVX101" in h.contents.value and "missing-returns-validator" in h.contents.value
    assert "Convex Architecture Spec §10 Validator Requirements" in h.contents.value

    text = read(root, "convex/messages.ts").splitlines()
    row = next(i for i, l in enumerate(text) if "withIndex" in l)
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u),
        position=T.Position(line=row, character=text[row].index("by_channel") + 2)))
    assert "`channel`, `author`" in h.contents.value and "schema.ts:6" in h.contents.value
    # on a builder
    row = next(i for i, l in enumerate(text) if "internalMutation({" in l)
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u),
        position=T.Position(line=row, character=text[row].index("internalMutation") + 3)))
    assert "internal mutation" in h.contents.value
    # nothing on plain code
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=0, character=0)))
    assert h is None


async def test_completion_definition_rename(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await start(client, root, "visual-studio-code", pull=True)
    u = open_doc(client, root, "convex/messages.ts")
    await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=u)))  # waits for the index
    text = read(root, "convex/messages.ts").splitlines()
    row = next(i for i, l in enumerate(text) if '.query("messages")' in l)
    col = text[row].index('"messages"') + 1
    got = await client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=row, character=col)))
    assert {i.label for i in got.items} == {"messages", "users"}

    irow = next(i for i, l in enumerate(text) if "withIndex" in l)
    icol = text[irow].index("by_channel")
    got = await client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=icol)))
    assert [i.label for i in got.items] == ["by_channel_and_author"]
    ecol = text[irow].index('"channel"') + 1
    got = await client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=ecol)))
    assert [i.label for i in got.items] == ["channel"]

    loc = await client.text_document_definition_async(T.DefinitionParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=icol + 2)))
    assert loc.uri == uri(root, "convex/schema.ts") and loc.range.start.line == 5

    prep = await client.text_document_prepare_rename_async(T.PrepareRenameParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=icol + 2)))
    assert prep.placeholder == "by_channel_and_author"
    none = await client.text_document_prepare_rename_async(T.PrepareRenameParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=0, character=2)))
    assert none is None
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=icol + 2),
        new_name="by_channel_author"))
    changed = {dc.text_document.uri: dc.edits for dc in edit.document_changes}
    assert set(changed) == {u, uri(root, "convex/schema.ts")}
    refs = await client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=T.Position(line=irow, character=icol + 2),
        context=T.ReferenceContext(include_declaration=True)))
    assert len(refs) == 2


async def test_bad_config_shows_error_and_keeps_running(client: LanguageClient, tmp_path):
    root = project(tmp_path, {"convex-lsp.toml": 'select = ["no-such-rule"]\n'})
    await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: len(ds) > 0)
    assert "CVX101" in codes(ds)
    assert any(m.type == T.MessageType.Error and "convex-lsp.toml" in m.message for m in client.messages)


async def test_progress_fix_all_and_watched_files(client: LanguageClient, tmp_path):
    nulls = dedent("""
        import { query } from "./_generated/server";
        export const a = query({ args: {}, handler: async () => { return null; } });
        export const b = query({ args: {}, handler: async () => { return null; } });
    """)
    root = project(tmp_path, {"convex/nulls.ts": nulls})
    await start(client, root, "visual-studio-code", options={"convexLsp": {"debounce": 0}})
    nu = open_doc(client, root, "convex/nulls.ts")
    ds = await wait_diagnostics(client, nu, lambda ds: "CVX101" in codes(ds))
    # indexing reported work-done progress, begin .. end (the open file may be diagnosed before
    # the scan of the rest of the workspace ends)
    for _ in range(100):
        reports = [r for rs in client.progress_reports.values() for r in rs]
        if reports and reports[-1].kind == "end":
            break
        await asyncio.sleep(0.05)
    assert reports and reports[0].kind == "begin" and reports[-1].kind == "end"

    # source.fixAll.convex-lsp via the parent kind `source`; quickfix-only asks give no fixAll
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=nu), range=ds[0].range,
        context=T.CodeActionContext(diagnostics=[], only=[T.CodeActionKind.Source])))
    assert [a.kind for a in acts] == ["source.fixAll.convex-lsp"]
    edits = [e for dc in acts[0].edit.document_changes for e in dc.edits]
    assert acts[0].edit.document_changes[0].text_document.version == 1
    fixed = apply_text_edits(nulls, edits)
    assert fixed.count("returns: v.null()") == 2, fixed
    assert fixed.count('import { v } from "convex/values"') == 1, fixed  # the shared import once
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=nu), range=ds[0].range,
        context=T.CodeActionContext(diagnostics=[], only=[T.CodeActionKind.QuickFix])))
    assert not acts

    u = open_doc(client, root, "convex/messages.ts")
    await wait_diagnostics(client, u, lambda ds: "CVX101" in codes(ds))
    # the schema changes on disk (not open): the watcher notification re-diagnoses messages.ts
    path = os.path.join(root, "convex/schema.ts")
    new_schema = read(root, "convex/schema.ts").replace("by_channel_and_author", "by_channel")
    with open(path, "w") as fh:
        fh.write(new_schema)
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(root, "convex/schema.ts"), type=T.FileChangeType.Changed)]))
    await wait_diagnostics(client, u, lambda ds: "CVX206" in codes(ds))


async def test_edit_linted_incrementally_reaches_other_files_when_idle(client: LanguageClient, tmp_path):
    """Typing in a function declaration is linted statement by statement (the index is left
    alone); after `fullAnalysisDelayMs` idle the file is analysed whole and another open file
    that calls the function is re-diagnosed."""
    root = project(tmp_path, {
        "convex/a.ts": dedent("""
            import { query, internalQuery } from "./_generated/server";
            import { v } from "convex/values";

            export const f = query({ args: {}, returns: v.null(), handler: async () => null });
            export const g = query({ args: {}, returns: v.null(), handler: async () => null });
        """),
        "convex/b.ts": dedent("""
            import { mutation } from "./_generated/server";
            import { api } from "./_generated/api";
            import { v } from "convex/values";

            export const m = mutation({
              args: {},
              returns: v.null(),
              handler: async (ctx) => {
                await ctx.runQuery(api.a.f, {});
                return null;
              },
            });
        """)})
    await start(client, root, "neovim@v0.9.1",
                options={"convexLsp": {"debounce": 0, "fullAnalysisDelayMs": 300}})
    au = open_doc(client, root, "convex/a.ts")
    bu = open_doc(client, root, "convex/b.ts")
    await wait_diagnostics(client, au)
    ds = await wait_diagnostics(client, bu)
    assert "CVX402" not in codes(ds)
    text = read(root, "convex/a.ts")
    line = text.split("\n").index('export const f = query({ args: {}, returns: v.null(), handler: async () => null });')
    col = len("export const f = ")
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=au, version=2),
        content_changes=[T.TextDocumentContentChangePartial(
            range=T.Range(start=T.Position(line=line, character=col), end=T.Position(line=line, character=col + 5)),
            text="internalQuery")]))
    await wait_diagnostics(client, au, lambda ds: True)
    # b.ts learns that api.a.f is now internal once a.ts has been analysed whole
    ds = await wait_diagnostics(client, bu, lambda ds: "CVX402" in codes(ds), timeout=10)
    assert any("internal" in d.message for d in ds if d.code in ("CVX402", "unknown-function-reference"))


async def test_tcp_transport_for_debugging(tmp_path):
    """`convex-lsp serve --tcp HOST:PORT` speaks the same protocol over a socket."""
    import socket
    import subprocess
    import sys

    from pygls.lsp.client import LanguageClient as PlainClient

    root = project(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "convex_lsp.server.cli", "serve", "--tcp", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = PlainClient("tcp-test", "0")
    got: dict = {}
    arrived = asyncio.Event()

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: T.PublishDiagnosticsParams):
        got[params.uri] = params.diagnostics
        if params.diagnostics:
            arrived.set()

    try:
        for _ in range(100):  # until the server listens
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the server never listened: {proc.stderr.read().decode() if proc.poll() is not None else ''}")
        res = await client.initialize_async(T.InitializeParams(
            capabilities=T.ClientCapabilities(), root_uri="file://" + os.path.realpath(root),
            initialization_options={"convexLsp": {"debounce": 0}}))
        assert res.server_info.name == "convex-lsp"
        client.initialized(T.InitializedParams())
        u = uri(root, "convex/messages.ts")
        client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
            uri=u, language_id="typescript", version=1, text=read(root, "convex/messages.ts"))))
        await asyncio.wait_for(arrived.wait(), 20)
        assert "missing-returns-validator" in {d.code for d in got[u]}
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def test_show_documentation_action(client: LanguageClient, tmp_path):
    """Each rule among the diagnostics asked about gets "Show documentation for <rule>", whose
    command opens the rule's page with window/showDocument (external)."""
    root = project(tmp_path)
    await start(client, root, "visual-studio-code", options={"convexLsp": {"debounce": 0}})
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: any(d.code == "missing-returns-validator" for d in ds))
    d = next(d for d in ds if d.code == "missing-returns-validator")
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=[d, d])))
    docs = [a for a in acts if a.title == "Show documentation for missing-returns-validator"]
    assert len(docs) == 1 and acts[-1] is docs[0]  # one per rule, after the fixes
    # (lsprotocol decodes any item with a "command" key as a Command, so this CodeAction arrives as
    # a Command whose `command` is the repr of the real one; VS Code tells them apart properly)
    import ast

    cmd = ast.literal_eval(docs[0].command) if isinstance(docs[0], T.Command) else \
        {"command": docs[0].command.command, "arguments": docs[0].command.arguments}
    assert cmd["command"] == "convex-lsp.showDocumentation" and cmd["arguments"] == ["CVX101"]
    await client.workspace_execute_command_async(T.ExecuteCommandParams(command=cmd["command"],
                                                                        arguments=cmd["arguments"]))
    for _ in range(100):
        if client.shown_documents:
            break
        await asyncio.sleep(0.05)
    shown = client.shown_documents[-1]
    assert shown.external and shown.uri.endswith("CVX101-missing-returns-validator.md")
    # a command naming no rule opens nothing
    before = len(client.shown_documents)
    await client.workspace_execute_command_async(T.ExecuteCommandParams(
        command=cmd["command"], arguments=["https://example.com/evil"]))
    await asyncio.sleep(0.2)
    assert len(client.shown_documents) == before


async def test_rename_right_after_typing_uses_current_offsets(client: LanguageClient, tmp_path):
    """A document being typed in is linted incrementally and its facts reach the index only when
    the editor pauses; a rename started before that must still edit its `withIndex` use where
    the use is now, not where it was."""
    root = project(tmp_path)
    await start(client, root, "visual-studio-code",
                options={"convexLsp": {"debounce": 0, "fullAnalysisDelayMs": 60000}})
    mu = open_doc(client, root, "convex/messages.ts")
    su = open_doc(client, root, "convex/schema.ts")
    await wait_diagnostics(client, mu)
    text = read(root, "convex/messages.ts")
    lines = text.split("\n")
    row = next(i for i, l in enumerate(lines) if "return await ctx.db" in l)
    # type two lines into the handler above the query, one character at a time
    typed = "const a = 1;\n    const b = 2;\n    "
    current = text
    at = sum(len(l) + 1 for l in lines[:row]) + 4  # after the indentation
    version = 1
    for ch in typed:
        version += 1
        before = current[:at]
        r, c = before.count("\n"), len(before.rsplit("\n", 1)[-1])
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=mu, version=version),
            content_changes=[T.TextDocumentContentChangePartial(
                range=T.Range(start=T.Position(line=r, character=c), end=T.Position(line=r, character=c)), text=ch)]))
        current = current[:at] + ch + current[at:]
        at += 1
    got = await client.protocol.send_request_async("convexLsp/documentText", {"textDocument": {"uri": mu}})
    assert (got["text"] if isinstance(got, dict) else got.text) == current  # the server holds what we hold
    schema = read(root, "convex/schema.ts")
    srow = next(i for i, l in enumerate(schema.split("\n")) if "by_channel_and_author" in l)
    scol = schema.split("\n")[srow].index("by_channel_and_author") + 2
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=T.TextDocumentIdentifier(uri=su), position=T.Position(line=srow, character=scol),
        new_name="by_channel_then_author"))
    changed = {dc.text_document.uri: dc.edits for dc in edit.document_changes}
    renamed = apply_text_edits(current, changed[mu])
    assert '.withIndex("by_channel_then_author", (q)' in renamed, renamed
    assert renamed.replace("by_channel_then_author", "by_channel_and_author") == current


def test_stdin_from_a_file_still_works(tmp_path):
    """stdin is read by the event loop when it is a pipe; from a regular file (no pipe transport)
    the server falls back to pygls' thread reader and answers all the same."""
    import json
    import subprocess
    import sys

    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"capabilities": {}, "rootUri": "file://" + str(tmp_path)}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"}]
    body = b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(m), m)
                    for m in (json.dumps(x).encode() for x in msgs))
    (tmp_path / "in.bin").write_bytes(body)
    with open(tmp_path / "in.bin", "rb") as fh:
        out = subprocess.run([sys.executable, "-m", "convex_lsp.server.lsp"], stdin=fh, capture_output=True,
                             timeout=60)
    text = out.stdout.decode()
    assert '"id": 1' in text.replace('"id":1', '"id": 1') and "convex-lsp" in text, (text, out.stderr.decode())
    assert '"id": 2' in text.replace('"id":2', '"id": 2')
