"""Diagnostics: pushed after a debounce (`schedule` -> `publish`) or pulled
(`document_report`, `workspace_report`); other documents re-diagnosed when the schema or the
api of the workspace changes (`views_changed`); an incrementally linted file analysed whole
in a worker once the editor is idle."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T

from convex_lsp.analysis.source import LineIndex

from . import convert as C
from .session import facts_of
from .watchdog import bounded
from .workers import off_loop

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer


def schedule(ls: "ConvexLanguageServer", path: str, delay: Optional[float] = None) -> None:
    """(Re-)start the debounce timer of one open document."""
    old = ls._timers.pop(path, None)
    if old is not None:
        old.cancel()
    loop = asyncio.get_event_loop()
    d = ls.session.settings.debounce_ms / 1000 if delay is None else delay
    if d <= 0:
        ls._timers[path] = loop.call_soon(_fire, ls, path)
    else:
        ls._timers[path] = loop.call_later(d, _fire, ls, path)


def _fire(ls: "ConvexLanguageServer", path: str) -> None:
    ls._timers.pop(path, None)
    try:
        s = ls.session
        if path not in s.documents:
            return
        if not can_diagnose(ls, path):
            s.refresh(path)  # indexing: keep the index current, diagnostics come after it
        elif ls.pull:
            res = s.lint(path)  # cached for the client's pull; notices schema/api changes now
            if path in ls._pull_later and res is not None:  # a huge document answered early
                ls._pull_later.discard(path)
                ls._last_pull[path] = res
                if ls.refresh_support:
                    ls.workspace_diagnostic_refresh(None)
        else:
            publish(ls, path)  # lints statement by statement when only functions changed
        after_lint(ls, path)
    except Exception as e:
        ls.log_error("diagnostics", e)


def can_diagnose(ls: "ConvexLanguageServer", path: str) -> bool:
    """The whole workspace is indexed, or at least the document's own functions folder."""
    if ls.ready.is_set():
        return True
    d = ls.session.workspace.dir_for(path)
    return d is not None and d.path in getattr(ls, "ready_dirs", ())


def folder_indexed(ls: "ConvexLanguageServer", folder: str) -> None:
    """Indexing: every file of `folder` is in the index; its open documents get diagnostics now
    (the whole workspace's turn comes when indexing ends)."""
    s = ls.session
    for p in list(s.documents):
        d = s.workspace.dir_for(p)
        if d is not None and d.path == folder:
            schedule(ls, p, delay=0.0)


def sync_index(ls: "ConvexLanguageServer") -> None:
    """Bring the index up to date with every open document (see `Session.sync_index`); other
    documents are diagnosed again if a view changed."""
    s = ls.session
    s.sync_index()
    if s.take_views() & {"schema", "api"}:
        views_changed(ls)


def after_lint(ls: "ConvexLanguageServer", path: str) -> None:
    """Tell other documents about index changes; re-analyse an incrementally linted file whole
    once the editor is idle (its facts reach the index then)."""
    s = ls.session
    views = s.take_views()
    if views & {"schema", "api"}:
        views_changed(ls, exclude=path)
    if s.needs_full_analysis(path) and path not in ls._full_timers:
        ls._full_timers[path] = asyncio.get_event_loop().call_later(
            s.settings.full_delay_ms / 1000, _full_analysis, ls, path)


def _full_analysis(ls: "ConvexLanguageServer", path: str) -> None:
    ls._full_timers.pop(path, None)
    if path in ls._full_jobs:  # one in flight (for older text): look again later
        ls._full_timers[path] = asyncio.get_event_loop().call_later(
            ls.session.settings.full_delay_ms / 1000 or 0.05, _full_analysis, ls, path)
        return
    task = asyncio.ensure_future(_analyse_whole(ls, path))
    ls._full_jobs[path] = task
    task.add_done_callback(lambda _t, p=path: ls._full_jobs.pop(p, None))


async def _analyse_whole(ls: "ConvexLanguageServer", path: str) -> None:
    """The facts of an incrementally linted file, computed in a worker process (the editor
    keeps its keystrokes: the loop thread does not parse or extract the whole file), then put
    into the index. When the file's api or schema view changed, other files and this one are
    linted again."""
    try:
        s = ls.session
        data = s.facts_job(path)
        if data is None:
            return
        facts = await off_loop(ls, facts_of, s.workspace, path, data)
        if ls.session is not s:
            return
        views = s.install_facts(path, data, facts)
        if views is None:
            return  # edited meanwhile: the next pause tries again
        s.take_views()
        if not views & {"schema", "api"}:
            return  # this file's findings stand; other files do not depend on what changed
        views_changed(ls, exclude=path)
        if not ls.ready.is_set():
            return
        if not ls.pull:
            publish(ls, path)
        elif ls.refresh_support:
            res = s.lint(path)
            if res is not None and ls._reported.get(path) not in (None, res.result_id):
                ls.workspace_diagnostic_refresh(None)
    except Exception as e:
        ls.log_error("full analysis", e)


def publish(ls: "ConvexLanguageServer", path: str) -> None:
    s = ls.session
    doc = s.documents.get(path)
    if doc is None:
        return
    res = s.lint(path)
    if res is None or res.version != doc.version:
        return  # stale: a newer version is scheduled
    sent = f"{res.result_id}@{res.version}"
    if ls._reported.get(path) == sent:
        return  # the client has exactly these, for this version (a re-publish after an index change)
    ls._reported[path] = sent
    ls.protocol.send_json_text(C.publish_body(doc.uri, res, ls.enc))


def views_changed(ls: "ConvexLanguageServer", exclude: Optional[str] = None) -> None:
    """The schema or the api changed: every other open document may have new findings (and the
    code lenses' counts may be stale: clients that can be told so are)."""
    ls.changed.set()
    if not ls.ready.is_set():
        return
    if ls.code_lens_refresh:
        ls.workspace_code_lens_refresh(None)
    if ls.pull:
        if ls.refresh_support:
            ls.workspace_diagnostic_refresh(None)
        return
    for p in list(ls.session.documents):
        if p != exclude:
            schedule(ls, p, delay=0.0 if exclude is None else None)


def everything_changed(ls: "ConvexLanguageServer") -> None:
    views_changed(ls)


def _doc_report(ls, res, previous: Optional[str]):
    if previous is not None and previous == res.result_id:
        return T.RelatedUnchangedDocumentDiagnosticReport(result_id=res.result_id)
    lines = LineIndex(res.data)
    return T.RelatedFullDocumentDiagnosticReport(
        items=[C.diagnostic(f, lines, ls.enc, res.version) for f in res.findings], result_id=res.result_id)


async def document_report(ls: "ConvexLanguageServer", params: T.DocumentDiagnosticParams):
    """`textDocument/diagnostic`: the document's findings, or "unchanged" for the result id the client has."""
    path = C.uri_to_path(params.text_document.uri)
    while not can_diagnose(ls, path):  # its own folder indexed is enough
        try:
            await asyncio.wait_for(asyncio.shield(ls.ready.wait()), 0.05)
        except asyncio.TimeoutError:
            pass
    with bounded(ls, "textDocument/diagnostic"):
        s = ls.session
        res = _answer_early(ls, path)
        if res is None:
            res = s.lint(path)
            after_lint(ls, path)
            if res is None:
                return T.RelatedFullDocumentDiagnosticReport(items=[])
            if path in s.documents:
                ls._last_pull[path] = res
        if path in s.documents:
            ls._reported[path] = res.result_id
        return _doc_report(ls, res, params.previous_result_id)


HUGE_DOC_BYTES = 1 << 20


def _answer_early(ls: "ConvexLanguageServer", path: str):
    """The last result of a huge open document (over 1 MB) whose current version is not linted
    yet, the lint left to the debounce timer (`_fire`, which asks the client to pull again):
    linting 1.5-2 MB whole takes seconds, and the client pulls after every keystroke. None
    where the request should lint (a small file, the first pull, the current version)."""
    doc = ls.session.documents.get(path)
    last = ls._last_pull.get(path)
    if doc is None or last is None or len(doc.data) < HUGE_DOC_BYTES or last.version == doc.version:
        return None
    ls._pull_later.add(path)
    if path not in ls._timers:
        schedule(ls, path)
    return last


async def workspace_report(ls: "ConvexLanguageServer", params: T.WorkspaceDiagnosticParams):
    """`workspace/diagnostic`: the findings of every indexed file that is not open; held while
    nothing changed (clients ask again at once)."""
    await ls.ready.wait()
    sync_index(ls)  # files on disk are linted against the open documents' current facts
    s = ls.session
    previous = {p.uri: p.value for p in (params.previous_result_ids or [])}
    for attempt in range(2):
        items = []
        any_new = False
        ls.changed.clear()
        for n, path in enumerate(sorted(s.indexed_paths())):
            if path in s.documents or s.analyzer.index.facts[path].is_generated:
                continue
            uri = C.path_to_uri(path)
            try:
                st = os.stat(path)
            except OSError:
                continue
            rid = f"{st.st_mtime_ns}-{st.st_size}-{s.analyzer.index.generation}-{s.config_gen}"
            if previous.get(uri) == rid:
                items.append(T.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, version=None, result_id=rid))
                continue
            any_new = True
            findings = s.lint_disk_file(path)
            lines = LineIndex(s.data_of(path) or b"")
            items.append(T.WorkspaceFullDocumentDiagnosticReport(
                uri=uri, version=None, result_id=rid,
                items=[C.diagnostic(f, lines, ls.enc, None) for f in findings]))
            if n % 20 == 19:
                await asyncio.sleep(0)
        if any_new or not previous or attempt == 1:
            return T.WorkspaceDiagnosticReport(items=items)
        # nothing new: hold the request until something changes (clients re-ask at once)
        try:
            await asyncio.wait_for(ls.changed.wait(), timeout=30)
        except asyncio.TimeoutError:
            return T.WorkspaceDiagnosticReport(items=items)
    return T.WorkspaceDiagnosticReport(items=[])
