"""The server with the client capability sets the issue names beyond VS Code and Neovim: Emacs
(eglot), a hand-built Helix-like client, a minimal client without code-action literals or
markdown, and a multi-root workspace."""

from __future__ import annotations

import os

import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import SERVER_COMMAND, stop_session, open_doc, project, read, apply_text_edits, uri, wait_diagnostics
from tests.test_server import make_client


def make_recording_client() -> LanguageClient:
    """Also answers workspace/applyEdit (for clients that get commands instead of edits)."""
    c = make_client()
    c.applied_edits = []

    @c.feature(T.WORKSPACE_APPLY_EDIT)
    def apply_edit(client: LanguageClient, params: T.ApplyWorkspaceEditParams):
        client.applied_edits.append(params.edit)
        return T.ApplyWorkspaceEditResult(applied=True)

    return c


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_recording_client))
async def client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


def _init(root_paths, caps, options=None) -> T.InitializeParams:
    folders = [T.WorkspaceFolder(uri="file://" + os.path.realpath(r), name=os.path.basename(r)) for r in root_paths]
    return T.InitializeParams(capabilities=caps, root_uri=folders[0].uri, workspace_folders=folders,
                              initialization_options=options or {"convexLsp": {"debounce": 0}})


def helix_like(code_action_literals: bool = True, markdown: bool = True) -> T.ClientCapabilities:
    """What Helix 24.x declares, roughly: push diagnostics only, no dynamic registration, UTF-8 first."""
    fmt = [T.MarkupKind.Markdown, T.MarkupKind.PlainText] if markdown else [T.MarkupKind.PlainText]
    literal = T.ClientCodeActionLiteralOptions(code_action_kind=T.ClientCodeActionKindOptions(
        value_set=["", "quickfix", "refactor", "source", "source.fixAll"])) if code_action_literals else None
    return T.ClientCapabilities(
        general=T.GeneralClientCapabilities(position_encodings=["utf-8", "utf-32", "utf-16"]),
        workspace=T.WorkspaceClientCapabilities(apply_edit=True, workspace_folders=True, configuration=True,
                                                did_change_configuration=T.DidChangeConfigurationClientCapabilities(
                                                    dynamic_registration=False)),
        text_document=T.TextDocumentClientCapabilities(
            synchronization=T.TextDocumentSyncClientCapabilities(did_save=True),
            hover=T.HoverClientCapabilities(content_format=fmt),
            publish_diagnostics=T.PublishDiagnosticsClientCapabilities(version_support=True),
            code_action=T.CodeActionClientCapabilities(code_action_literal_support=literal),
            completion=T.CompletionClientCapabilities(),
        ),
        window=T.WindowClientCapabilities(work_done_progress=True),
    )


def _pos_of(text: str, needle: str, nth: int = 0) -> T.Position:
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    line = text.count("\n", 0, idx)
    col = idx - (text.rfind("\n", 0, idx) + 1)
    return T.Position(line=line, character=col)


async def test_emacs_eglot_push_diagnostics_and_hover(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await client.initialize_session(_init([root], pytest_lsp.client_capabilities("emacs")))
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: any(d.code == "missing-returns-validator" for d in ds))
    assert all(d.source == "convex-lsp" for d in ds)
    text = read(root, "convex/messages.ts")
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=_pos_of(text, "query({")))
    assert hover is not None and "Convex Architecture Spec §10" in hover.contents.value


async def test_helix_like_client_utf8_push_and_quickfix(client: LanguageClient, tmp_path):
    root = project(tmp_path, {"convex/emoji.ts": (
        'import { query } from "./_generated/server";\n'
        'import { v } from "convex/values";\n'
        'const label = "🚀🚀 日本"; export const big = query({ args: { n: v.bigint() }, returns: v.null(), '
        'handler: async () => null });\n')})
    res = await client.initialize_session(_init([root], helix_like()))
    assert res.capabilities.position_encoding == T.PositionEncodingKind.Utf8
    u = open_doc(client, root, "convex/emoji.ts")
    ds = await wait_diagnostics(client, u, lambda ds: any(d.code == "deprecated-bigint-validator" for d in ds))
    d = next(d for d in ds if d.code == "deprecated-bigint-validator")
    line = read(root, "convex/emoji.ts").split("\n")[2]
    start = len(line[: line.index("v.bigint()")].encode("utf-8"))  # UTF-8 columns
    assert (d.range.start.line, d.range.start.character) == (2, start)
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=[d], only=[T.CodeActionKind.QuickFix])))
    fix = next(a for a in acts if isinstance(a, T.CodeAction) and "int64" in a.title)
    edits = fix.edit.changes[u] if fix.edit.changes else fix.edit.document_changes[0].edits
    new = apply_text_edits(read(root, "convex/emoji.ts"), edits, "utf-8")
    assert "v.int64()" in new and "v.bigint()" not in new and "🚀🚀 日本" in new


async def test_client_without_code_action_literals_gets_commands(client: LanguageClient, tmp_path):
    root = project(tmp_path)
    await client.initialize_session(_init([root], helix_like(code_action_literals=False, markdown=False)))
    u = open_doc(client, root, "convex/messages.ts")
    ds = await wait_diagnostics(client, u, lambda ds: any(d.code == "missing-returns-validator" for d in ds))
    d = next(d for d in ds if d.code == "missing-returns-validator")
    acts = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=u), range=d.range,
        context=T.CodeActionContext(diagnostics=[d])))
    assert acts and all(isinstance(a, T.Command) for a in acts)
    cmd = next(a for a in acts if "returns" in a.title)
    await client.workspace_execute_command_async(T.ExecuteCommandParams(command=cmd.command, arguments=cmd.arguments))
    assert client.applied_edits, "executing the command sends workspace/applyEdit"
    edit = client.applied_edits[-1]
    edits = edit.changes[u] if edit.changes else edit.document_changes[0].edits
    assert "returns: v.null()" in apply_text_edits(read(root, "convex/messages.ts"), edits)
    # hovers come as plain text for this client
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=u), position=d.range.start))
    assert hover is not None and hover.contents.kind == T.MarkupKind.PlainText
    assert "Convex Architecture Spec §" in hover.contents.value


async def test_multi_root_workspace(client: LanguageClient, tmp_path):
    a = project(tmp_path / "app-a")
    b = project(tmp_path / "app-b", {"convex/other.ts": (
        'import { query } from "./_generated/server";\n'
        'export const f = query({ args: {}, returns: v.null(), handler: async (ctx) => {\n'
        '  return await ctx.db.query("users").withIndex("by_nothing").first();\n'
        '} });\n')})
    await client.initialize_session(_init([a, b], pytest_lsp.client_capabilities("neovim@v0.9.1")))
    ua = open_doc(client, a, "convex/messages.ts")
    ub = open_doc(client, b, "convex/other.ts")
    da = await wait_diagnostics(client, ua, lambda ds: any(d.code == "missing-returns-validator" for d in ds))
    db = await wait_diagnostics(client, ub, lambda ds: any(d.code == "unknown-index" for d in ds))
    assert all(d.code != "unknown-index" for d in da)
    assert uri(b, "convex/other.ts") == ub and db
