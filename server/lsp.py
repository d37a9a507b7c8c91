"""The convex-lsp language server (pygls): the protocol handlers, each a thin call into the
module that does the work.

    convex-lsp serve            # stdio
    convex-lsp serve --tcp 127.0.0.1:2087
    python -m convex_lsp.server.lsp [--tcp HOST:PORT]

Where things live: `transport` (JSON-RPC repairs, stdin), `languageserver` (the server
object and per-connection state), `watchdog` (every handler guarded and time-bounded),
`workers` and `indexing` (the background index), `diagnostics` (push with a debounce, or
pull), `documents` (text sync, watched files, settings), `actions` (quick fixes and
commands), `completion`, `references` (definition, references, rename; what the cursor names
is found by `targets`), `codelens`, `symbols`, `callhierarchy`, `hover`.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Optional

from lsprotocol import types as T

from . import actions as A
from . import callhierarchy as CH
from . import codelens as CL
from . import completion as CP
from . import convert as C
from . import diagnostics as D
from . import documents as DOC
from . import hover as H
from . import references as R
from . import symbols as SY
from .indexing import start_indexing
from .languageserver import ConvexLanguageServer
from .lifecycle import end_process
from .watchdog import guarded

log = logging.getLogger("convex_lsp.server")

server = ConvexLanguageServer()


# ---------------------------------------------------------------- lifecycle


@server.feature(T.INITIALIZE)
@guarded("initialize")
def initialize(ls: ConvexLanguageServer, params: T.InitializeParams):
    ls.read_capabilities(params)
    ls.open_session(params)


@server.feature(T.INITIALIZED)
@guarded("initialized")
async def initialized(ls: ConvexLanguageServer, params: T.InitializedParams):
    for msg in ls.session.messages:
        ls.show_error(msg)
    ls.session.messages.clear()
    start_indexing(ls)  # first: the watchers' registration waits for the client's answer
    await DOC.watch_files(ls)


@server.feature(T.SHUTDOWN)
@guarded("shutdown")
def shutdown(ls: ConvexLanguageServer, params):
    ls.stop_background()


# ---------------------------------------------------------------- diagnostics (pull; push: diagnostics.schedule)


@server.feature(T.TEXT_DOCUMENT_DIAGNOSTIC, T.DiagnosticOptions(
    identifier="convex-lsp", inter_file_dependencies=True, workspace_diagnostics=True))
@guarded("textDocument/diagnostic", lambda: T.RelatedFullDocumentDiagnosticReport(items=[]))
async def document_diagnostic(ls: ConvexLanguageServer, params: T.DocumentDiagnosticParams):
    return await D.document_report(ls, params)


@server.feature(T.WORKSPACE_DIAGNOSTIC)
@guarded("workspace/diagnostic", lambda: T.WorkspaceDiagnosticReport(items=[]))
async def workspace_diagnostic(ls: ConvexLanguageServer, params: T.WorkspaceDiagnosticParams):
    return await D.workspace_report(ls, params)


# ---------------------------------------------------------------- sync and workspace notifications


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
@guarded("textDocument/didOpen")
def did_open(ls: ConvexLanguageServer, params: T.DidOpenTextDocumentParams):
    DOC.did_open(ls, params)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
@guarded("textDocument/didChange")
def did_change(ls: ConvexLanguageServer, params: T.DidChangeTextDocumentParams):
    DOC.did_change(ls, params)


@server.feature(T.TEXT_DOCUMENT_DID_SAVE, T.SaveOptions(include_text=False))
@guarded("textDocument/didSave")
def did_save(ls: ConvexLanguageServer, params: T.DidSaveTextDocumentParams):
    DOC.did_save(ls, params)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
@guarded("textDocument/didClose")
def did_close(ls: ConvexLanguageServer, params: T.DidCloseTextDocumentParams):
    DOC.did_close(ls, params)


@server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded("workspace/didChangeWatchedFiles")
def did_change_watched_files(ls: ConvexLanguageServer, params: T.DidChangeWatchedFilesParams):
    DOC.did_change_watched_files(ls, params)


@server.feature(T.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded("workspace/didChangeWorkspaceFolders")
def did_change_workspace_folders(ls: ConvexLanguageServer, params: T.DidChangeWorkspaceFoldersParams):
    DOC.did_change_workspace_folders(ls, params)


@server.feature(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded("workspace/didChangeConfiguration")
async def did_change_configuration(ls: ConvexLanguageServer, params: T.DidChangeConfigurationParams):
    await DOC.did_change_configuration(ls, params)


# ---------------------------------------------------------------- hover


@server.feature(T.TEXT_DOCUMENT_HOVER)
@guarded("textDocument/hover", bounded=True)
def hover(ls: ConvexLanguageServer, params: T.HoverParams):
    s = ls.session
    if not s.settings.hover:
        return None
    path = C.uri_to_path(params.text_document.uri)
    off = ls.offset(path, params.position)
    if off is None:
        return None
    res = s.lint(path) if s.indexed else None
    found = H.hover(s, path, off, res.findings if res else [])
    if found is None:
        return None
    md, (a, b) = found
    return T.Hover(contents=C.markup(md, ls.markdown), range=C.range_of(ls.lines(path), a, b, ls.enc))


# ---------------------------------------------------------------- code actions and commands


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(code_action_kinds=A.KINDS))
@guarded("textDocument/codeAction", lambda: [], bounded=True)
def code_action(ls: ConvexLanguageServer, params: T.CodeActionParams):
    return A.code_actions(ls, params)


@server.command(A.SHOW_DOCS_COMMAND)
async def show_documentation(ls: ConvexLanguageServer, *args):
    return await A.show_documentation(ls, *args)


@server.command(A.APPLY_EDIT_COMMAND)
def apply_edit_command(ls: ConvexLanguageServer, *args):
    return A.apply_edit_command(ls, *args)


# ---------------------------------------------------------------- completion and navigation


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=CP.TRIGGERS))
@guarded("textDocument/completion", lambda: T.CompletionList(is_incomplete=False, items=[]), bounded=True)
def completion(ls: ConvexLanguageServer, params: T.CompletionParams):
    return CP.completion(ls, params)


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
@guarded("textDocument/definition", indexed=True)
def definition(ls: ConvexLanguageServer, params: T.DefinitionParams):
    return R.definition(ls, params)


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
@guarded("textDocument/references", lambda: [], indexed=True)
def references(ls: ConvexLanguageServer, params: T.ReferenceParams):
    return R.references(ls, params)


@server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded("textDocument/prepareRename", indexed=True)
def prepare_rename(ls: ConvexLanguageServer, params: T.PrepareRenameParams):
    return R.prepare_rename(ls, params)


@server.feature(T.TEXT_DOCUMENT_RENAME, T.RenameOptions(prepare_provider=True))
@guarded("textDocument/rename", indexed=True)
def rename(ls: ConvexLanguageServer, params: T.RenameParams):
    return R.rename(ls, params)


# ---------------------------------------------------------------- from the workspace reference graph


@server.feature(T.TEXT_DOCUMENT_CODE_LENS, T.CodeLensOptions(resolve_provider=True))
@guarded("textDocument/codeLens", lambda: [], indexed=True)
def code_lens(ls: ConvexLanguageServer, params: T.CodeLensParams):
    return CL.code_lenses(ls, params)


@server.feature(T.CODE_LENS_RESOLVE)
@guarded("codeLens/resolve", indexed=True)
def code_lens_resolve(ls: ConvexLanguageServer, params: T.CodeLens):
    return CL.resolve(ls, params)


@server.command(CL.SHOW_REFERENCES_COMMAND)
async def show_references(ls: ConvexLanguageServer, *args):
    return await CL.show_references(ls, *args)


@server.feature(T.WORKSPACE_SYMBOL)
@guarded("workspace/symbol", lambda: [], indexed=True)
def workspace_symbol(ls: ConvexLanguageServer, params: T.WorkspaceSymbolParams):
    return SY.workspace_symbols(ls, params)


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded("textDocument/documentSymbol", lambda: [], indexed=True)
def document_symbol(ls: ConvexLanguageServer, params: T.DocumentSymbolParams):
    return SY.document_symbols(ls, params)


@server.feature(T.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
@guarded("textDocument/prepareCallHierarchy", indexed=True)
def prepare_call_hierarchy(ls: ConvexLanguageServer, params: T.CallHierarchyPrepareParams):
    return CH.prepare(ls, params)


@server.feature(T.CALL_HIERARCHY_INCOMING_CALLS)
@guarded("callHierarchy/incomingCalls", lambda: [], indexed=True)
def incoming_calls(ls: ConvexLanguageServer, params: T.CallHierarchyIncomingCallsParams):
    return CH.incoming(ls, params)


@server.feature(T.CALL_HIERARCHY_OUTGOING_CALLS)
@guarded("callHierarchy/outgoingCalls", lambda: [], indexed=True)
def outgoing_calls(ls: ConvexLanguageServer, params: T.CallHierarchyOutgoingCallsParams):
    return CH.outgoing(ls, params)


# ---------------------------------------------------------------- debugging


DOCUMENT_TEXT = "convexLsp/documentText"


@server.feature(DOCUMENT_TEXT)
def document_text(ls: ConvexLanguageServer, params):
    return DOC.document_text(ls, params)


# ---------------------------------------------------------------- entry points


def main(argv: Optional[list[str]] = None, tcp: Optional[str] = None) -> int:
    """Run the server on stdio (default) or on `tcp` ("HOST:PORT")."""
    import argparse

    ap = argparse.ArgumentParser(prog="convex-lsp serve")
    ap.add_argument("--tcp", metavar="HOST:PORT")
    ap.add_argument("--stdio", action="store_true")
    args = ap.parse_args([] if argv is None else argv)
    tcp = tcp or args.tcp
    logging.basicConfig(level=os.environ.get("CONVEX_LSP_LOG", "WARNING").upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if tcp:
        host, _, port = str(tcp).rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    server.stop_background()
    end_process(server.exit_code)
    return server.exit_code  # (not reached)


start = main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
