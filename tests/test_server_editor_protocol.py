"""Issue 16's server bugs, with the capability sets of real clients: pull diagnostics only for
clients that can be told to pull again (Neovim 0.10/0.11 pull but cannot be refreshed: they get
pushed diagnostics, kept current after cross-file changes), code actions for diagnostics sent
back bare (Vim + ALE), `prepareProvider` only where supported, workspace folders added and
removed at run time."""

from __future__ import annotations

import os

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import SERVER_COMMAND, stop_session, open_doc, project, read, apply_text_edits, uri, wait_diagnostics
from tests.test_server_clients import helix_like, make_recording_client

OPTIONS = {"convexLsp": {"debounce": 0}}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_recording_client))
async def client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


def _init(roots, caps) -> T.InitializeParams:
    folders = [T.WorkspaceFolder(uri="file://" + os.path.realpath(r), name=os.path.basename(r)) for r in roots]
    return T.InitializeParams(capabilities=caps, root_uri=folders[0].uri if folders else None,
                              workspace_folders=folders, initialization_options=OPTIONS)


def vscode_pull() -> T.ClientCapabilities:
    caps = pytest_lsp.client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = T.DiagnosticClientCapabilities(dynamic_registration=True)
    caps.workspace.diagnostics = T.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


CLIENTS = {
    "neovim-0.10": lambda: pytest_lsp.client_capabilities("neovim@v0.10.0"),
    "neovim-0.11": lambda: pytest_lsp.client_capabilities("neovim@v0.11.0"),
    "helix": helix_like,
    "emacs": lambda: pytest_lsp.client_capabilities("emacs"),
}


def codes(ds) -> list[str]:
    return sorted(str(d.code) for d in ds)


def _replace_all(client, u: str, version: int, text: str) -> None:
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=u, version=version),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))


def _pos(text: str, needle: str) -> T.Position:
    i = text.index(needle)
    return T.Position(line=text.count("\n", 0, i), character=i - (text.rfind("\n", 0, i) + 1))


@pytest.mark.parametrize("name", sorted(CLIENTS))
async def test_push_clients_stay_current_after_cross_file_changes(client: LanguageClient, tmp_path, name):
    """Neovim 0.10/0.11 declare pull diagnostics without `workspace.diagnostics.refreshSupport`:
    the server pushes to them (and advertises no diagnosticProvider), so a schema edit and a
    cross-file rename re-publish the other open buffer."""
    caps = CLIENTS[name]()
    assert caps.workspace is None or caps.workspace.diagnostics is None  # these clients cannot be refreshed
    root = project(tmp_path)
    res = await client.initialize_session(_init([root], caps))
    assert res.capabilities.diagnostic_provider is None
    mu = open_doc(client, root, "convex/messages.ts")
    await wait_diagnostics(client, mu, lambda ds: "missing-returns-validator" in codes(ds))
    assert "unknown-index" not in codes(client.diagnostics[mu])
    schema = read(root, "convex/schema.ts")
    su = open_doc(client, root, "convex/schema.ts", schema)
    # a schema edit: the other buffer now uses an unknown index, and is told so without being edited
    _replace_all(client, su, 2, schema.replace("by_channel_and_author", "by_channel"))
    await wait_diagnostics(client, mu, lambda ds: "unknown-index" in codes(ds))
    # undo the edit, then rename the index from its use: both buffers are edited, and the
    # other buffer (the schema) is diagnosed again; no false unknown-index remains anywhere
    _replace_all(client, su, 3, schema)
    await wait_diagnostics(client, mu, lambda ds: "unknown-index" not in codes(ds))
    messages = read(root, "convex/messages.ts")
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=T.TextDocumentIdentifier(uri=mu), position=_pos(messages, "by_channel_and_author"),
        new_name="by_room"))
    changes = edit.changes or {dc.text_document.uri: dc.edits for dc in edit.document_changes}
    assert set(changes) == {mu, su}
    _replace_all(client, su, 4, apply_text_edits(schema, changes[su]))
    await wait_diagnostics(client, mu, lambda ds: "unknown-index" in codes(ds))  # schema renamed first
    _replace_all(client, mu, 2, apply_text_edits(messages, changes[mu]))
    await wait_diagnostics(client, mu, lambda ds: "unknown-index" not in codes(ds)
                           and "missing-returns-validator" in codes(ds))


async def test_vscode_with_refresh_pulls(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    res = await client.initialize_session(_init([root], vscode_pull()))
    assert res.capabilities.diagnostic_provider is not None
    mu = open_doc(client, root, "convex/messages.ts")
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=mu)))
    assert "missing-returns-validator" in codes(rep.items)
    assert mu not in client.diagnostics  # nothing pushed to a pulling client


async def test_neovim_pull_request_still_answered(client: LanguageClient, tmp_path):
    """A push client that pulls anyway (it was not told it may) still gets an answer."""
    root = project(tmp_path)
    await client.initialize_session(_init([root], pytest_lsp.client_capabilities("neovim@v0.10.0")))
    mu = open_doc(client, root, "convex/messages.ts")
    await wait_diagnostics(client, mu, lambda ds: "missing-returns-validator" in codes(ds))
    rep = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(
        text_document=T.TextDocumentIdentifier(uri=mu)))
    assert "missing-returns-validator" in codes(rep.items)


# ------------------------------------------------------------------ code actions from bare diagnostics


def _bare(d: T.Diagnostic, keep_code: bool = True) -> T.Diagnostic:
    """What Vim + ALE sends back: range, message and (maybe) code; no source, no data."""
    return T.Diagnostic(range=d.range, message=d.message, code=d.code if keep_code else None)


@pytest.mark.parametrize("keep_code", [True, False], ids=["code", "message-only"])
async def test_code_actions_from_bare_diagnostics(client: LanguageClient, tmp_path, keep_code):
    root = project(tmp_path)
    await client.initialize_session(_init([root], helix_like()))
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: "missing-returns-validator" in codes(ds))
    d = next(d for d in ds if d.code == "missing-returns-validator")
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=[_bare(d, keep_code)])))
    titles = [a.title for a in acts]
    fix = next(a for a in acts if a.edit is not None and "returns" in a.title)
    edits = fix.edit.changes[u] if fix.edit.changes else fix.edit.document_changes[0].edits
    assert "returns: v.null()" in apply_text_edits(read(root, "convex/messages.ts"), edits)
    assert any(t.startswith("Show documentation for missing-returns-validator") for t in titles)


async def test_bare_diagnostic_that_is_not_ours_gets_no_fix(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await client.initialize_session(_init([root], helix_like()))
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: "missing-returns-validator" in codes(ds))
    d = next(d for d in ds if d.code == "missing-returns-validator")
    foreign = [T.Diagnostic(range=d.range, message="'list' is declared but never used", code=6133),
               T.Diagnostic(range=d.range, message=d.message, code=d.code, source="eslint")]
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=foreign, only=[T.CodeActionKind.QuickFix])))
    assert not acts
    # the same bare diagnostic moved one line away no longer names the finding
    moved = _bare(d)
    moved.range = T.Range(start=T.Position(line=d.range.start.line + 1, character=d.range.start.character),
                          end=T.Position(line=d.range.end.line + 1, character=d.range.end.character))
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=moved.range,
        context=T.CodeActionContext(diagnostics=[moved], only=[T.CodeActionKind.QuickFix])))
    assert not acts


# ------------------------------------------------------------------ prepareRename


@pytest.mark.parametrize("spec,prepare", [("neovim@v0.10.0", True), ("visual-studio-code", True), ("emacs", False)])
async def test_prepare_provider_only_for_clients_that_support_it(client: LanguageClient, tmp_path, spec, prepare):
    root = project(tmp_path)
    res = await client.initialize_session(_init([root], pytest_lsp.client_capabilities(spec)))
    rp = res.capabilities.rename_provider
    if prepare:
        assert isinstance(rp, T.RenameOptions) and rp.prepare_provider is True
    else:
        assert rp is True


# ------------------------------------------------------------------ workspace folders


OTHER = ('import { query } from "./_generated/server";\nimport { v } from "convex/values";\n'
         'export const f = query({ args: {}, returns: v.null(), handler: async (ctx) => {\n'
         '  await ctx.db.query("users").withIndex("by_nothing").first();\n  return null;\n} });\n')


async def test_workspace_folders_added_and_removed(client: LanguageClient, tmp_path):
    a = project(tmp_path / "app-a")
    b = project(tmp_path / "app-b", {"convex/other.ts": OTHER})
    res = await client.initialize_session(_init([a], pytest_lsp.client_capabilities("neovim@v0.10.0")))
    ws = res.capabilities.workspace
    assert ws.workspace_folders.supported and ws.workspace_folders.change_notifications
    ua = open_doc(client, a, "convex/messages.ts")
    await wait_diagnostics(client, ua, lambda ds: "missing-returns-validator" in codes(ds))
    folder = T.WorkspaceFolder(uri="file://" + os.path.realpath(b), name="app-b")
    client.workspace_did_change_workspace_folders(T.DidChangeWorkspaceFoldersParams(
        event=T.WorkspaceFoldersChangeEvent(added=[folder], removed=[])))
    ub = open_doc(client, b, "convex/other.ts")
    # app-b's schema is known now: its index is checked against it
    await wait_diagnostics(client, ub, lambda ds: "unknown-index" in codes(ds))
    sym = await client.text_document_definition_async(T.DefinitionParams(
        text_document=T.TextDocumentIdentifier(uri=ub), position=_pos(OTHER, 'users"')))
    assert sym is not None and (sym[0] if isinstance(sym, list) else sym).uri == uri(b, "convex/schema.ts")
    client.workspace_did_change_workspace_folders(T.DidChangeWorkspaceFoldersParams(
        event=T.WorkspaceFoldersChangeEvent(added=[], removed=[folder])))
    # dropped: its findings are withdrawn, app-a's stay
    await wait_diagnostics(client, ub, lambda ds: not ds)
    await wait_diagnostics(client, ua, lambda ds: "missing-returns-validator" in codes(ds))
