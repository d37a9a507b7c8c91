"""Text synchronisation and workspace notifications: open documents live in the session
(bytes + tree), edited in place by incremental changes; files changed on disk and settings
changes keep the index current."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from lsprotocol import types as T

from . import convert as C
from .diagnostics import schedule, views_changed
from .indexing import open_folder_first, reload_project
from .watchdog import take_server_settings

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

CONFIG_FILES = {"convex.json", "convex-lsp.toml", ".convex-lsp.toml", "package.json"}
WATCH_GLOBS = ["**/*.ts", "**/*.tsx", "**/*.js", "**/*.jsx", "**/*.mjs", "**/*.cjs", "**/convex.json",
               "**/convex-lsp.toml", "**/.convex-lsp.toml", "**/package.json"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(text: str) -> str:
    """The client's text, encodable: JSON may carry lone surrogates ("\\ud83d", half an emoji
    some editors leave behind), which UTF-8 cannot hold; each becomes U+FFFD, one UTF-16
    code unit and one code point like the surrogate, so positions still agree."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)  # JSON has already joined the valid pairs


def _utf8(text: str) -> bytes:
    return _text(text).encode("utf-8")


def did_open(ls: "ConvexLanguageServer", params: T.DidOpenTextDocumentParams):
    td = params.text_document
    path = C.uri_to_path(td.uri)
    ls.session.open(td.uri, path, td.version, _text(td.text))
    views = ls.session.take_views()
    if views & {"schema", "api"}:
        views_changed(ls, exclude=path)
    schedule(ls, path, delay=0.0)
    open_folder_first(ls)


def did_change(ls: "ConvexLanguageServer", params: T.DidChangeTextDocumentParams):
    path = C.uri_to_path(params.text_document.uri)
    doc = ls.session.documents.get(path)
    if doc is None:
        return
    for change in params.content_changes:
        rng = getattr(change, "range", None)
        if rng is None:
            doc.set_text(_utf8(change.text))
            continue
        lines = doc.lines()
        start = lines.offset(rng.start.line, rng.start.character, ls.enc)
        end = lines.offset(rng.end.line, rng.end.character, ls.enc)
        doc.replace(start, end, _utf8(change.text))
    doc.version = params.text_document.version
    idle = ls._full_timers.pop(path, None)  # typing goes on: re-analyse the whole file later
    if idle is not None:
        idle.cancel()
    schedule(ls, path)


def did_save(ls: "ConvexLanguageServer", params: T.DidSaveTextDocumentParams):
    path = C.uri_to_path(params.text_document.uri)
    doc = ls.session.documents.get(path)
    if doc is not None and params.text is not None and _utf8(params.text) != doc.data:
        doc.set_text(_utf8(params.text))
        schedule(ls, path)


def did_close(ls: "ConvexLanguageServer", params: T.DidCloseTextDocumentParams):
    path = C.uri_to_path(params.text_document.uri)
    t = ls._timers.pop(path, None)
    if t is not None:
        t.cancel()
    idle = ls._full_timers.pop(path, None)
    if idle is not None:
        idle.cancel()
    ls._reported.pop(path, None)
    ls._last_pull.pop(path, None)
    ls._pull_later.discard(path)
    views = ls.session.close(path)
    if not ls.pull:
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))
    if views & {"schema", "api"}:
        views_changed(ls)


def did_change_watched_files(ls: "ConvexLanguageServer", params: T.DidChangeWatchedFilesParams):
    s = ls.session
    views: set[str] = set()
    reload = False
    for ch in params.changes:
        path = C.uri_to_path(ch.uri)
        if os.path.basename(path) in CONFIG_FILES:
            reload = True
            continue
        views |= s.disk_changed(path, ch.type == T.FileChangeType.Deleted)
    if reload:
        reload_project(ls)
        return
    if views:
        views_changed(ls)


async def did_change_configuration(ls: "ConvexLanguageServer", params: T.DidChangeConfigurationParams):
    settings = params.settings
    if not (isinstance(settings, dict) and "convexLsp" in settings) and ls.config_pull:
        got = await ls.workspace_configuration_async(T.ConfigurationParams(items=[
            T.ConfigurationItem(section="convexLsp")]))
        settings = got[0] if got else None
    settings, errors = take_server_settings(settings)
    errors = errors + ls.session.update_settings(settings)
    for e in errors:
        ls.show_error(e)
    views_changed(ls)


async def watch_files(ls: "ConvexLanguageServer") -> None:
    """Ask the client to watch the workspace's sources and config files (dynamic registration)."""
    if not ls.dynamic_watch:
        return
    try:
        await ls.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
            id="convex-lsp-watch", method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=T.DidChangeWatchedFilesRegistrationOptions(
                watchers=[T.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]
                # folders deleted, created or renamed (their files get no events of their own)
                + [T.FileSystemWatcher(glob_pattern="**/*", kind=T.WatchKind.Create | T.WatchKind.Delete)]))]))
    except Exception as e:
        ls.info(f"convex-lsp: the client refused file watchers ({e}); changes outside the editor are not seen")


def document_text(ls: "ConvexLanguageServer", params):
    """Debugging aid (the fuzzer's consistency check): the text and version of an open
    document as the server holds it, or null when it is not open. Reads only."""
    from pygls.exceptions import JsonRpcInvalidParams

    td = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
    u = getattr(td, "uri", None) if td is not None else getattr(params, "uri", None)
    if not isinstance(u, str) or ls.session is None:
        raise JsonRpcInvalidParams("expected {textDocument: {uri}}")
    doc = ls.session.documents.get(C.uri_to_path(u))
    if doc is None:
        return None
    return {"uri": doc.uri, "version": doc.version, "text": doc.data.decode("utf-8", errors="surrogateescape")}


def did_change_workspace_folders(ls: "ConvexLanguageServer", params: T.DidChangeWorkspaceFoldersParams):
    """Roots added are indexed, roots removed dropped (with what the index knew of them): the
    project is discovered again over the new roots and re-indexed."""
    s = ls.session
    removed = {os.path.realpath(C.uri_to_path(f.uri)) for f in params.event.removed or []}
    roots = [r for r in s.roots if r not in removed]
    for f in params.event.added or []:
        r = os.path.realpath(C.uri_to_path(f.uri))
        if r not in roots:
            roots.append(r)
    roots = roots or [os.getcwd()]
    if roots == s.roots:
        return
    s.roots = roots
    reload_project(ls)
