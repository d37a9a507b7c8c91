"""The server object: pygls' language server plus what convex-lsp keeps per connection (the
session, the client's capabilities, debounce timers, what each document's client last got).
Handlers live in `lsp.py`; this module holds only state and small helpers."""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from typing import Optional

from lsprotocol import types as T

from convex_lsp.analysis import __version__
from convex_lsp.analysis.source import LineIndex

from . import convert as C
from .session import Session, worker_count
from .transport import StdioServer
from .watchdog import take_server_settings
from .workers import start_pool, stop_pool, wait_for_open_folders

log = logging.getLogger("convex_lsp.server")


def cap(obj, dotted: str):
    """A client capability by its dotted (snake_case) path, None where any part is missing."""
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


class ConvexLanguageServer(StdioServer):
    def __init__(self) -> None:
        super().__init__("convex-lsp", __version__)
        self.session: Optional[Session] = None
        self.enc = "utf-16"
        self.pull = False
        self.refresh_support = False
        self.markdown = True
        self.document_changes = False
        self.code_action_literals = True
        self.progress = False
        self.dynamic_watch = False
        self.config_pull = False
        self.show_document = False
        self.code_lens_refresh = False
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._full_timers: dict[str, asyncio.TimerHandle] = {}  # idle re-analysis of incrementally linted files
        # path -> what the client last got: "<result id>@<version>" (push) or the result id (pull)
        self._reported: dict[str, str] = {}
        # pull: the last result of each open document, and the huge ones answered with it while
        # their current version is linted after the debounce (diagnostics._answer_early)
        self._last_pull: dict[str, object] = {}
        self._pull_later: set[str] = set()
        self._ready: Optional[asyncio.Event] = None
        self.ready_dirs: set[str] = set()  # functions folders fully indexed (indexing.py)
        self._changed: Optional[asyncio.Event] = None
        self._index_task: Optional[asyncio.Task] = None
        self._indexing = None  # indexing._Run under way
        self._pool = None  # (ProcessPoolExecutor, jobs) started at initialize, used by the first indexing
        self._analysis_pool = None  # one worker process for idle whole-file analyses (False: none)
        self._full_jobs: dict[str, asyncio.Task] = {}
        self.index_seconds: Optional[float] = None

    # ------------------------------------------------------------ helpers
    @property
    def ready(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def indexed(self, timeout: float = 60.0) -> None:
        """Wait for the workspace index (requests answered from the whole workspace: a client
        asks for references or lenses as soon as it opens a file); past `timeout`, answer from
        what is indexed so far."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    @property
    def changed(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def log_error(self, where: str, exc: BaseException) -> None:
        msg = f"convex-lsp: {where} failed: {exc!r}\n" + "".join(traceback.format_exception(exc))[-4000:]
        log.error(msg)
        try:
            self.window_log_message(T.LogMessageParams(type=T.MessageType.Error, message=msg))
        except Exception:  # the connection itself may be gone
            pass

    def info(self, msg: str) -> None:
        try:
            self.window_log_message(T.LogMessageParams(type=T.MessageType.Info, message=msg))
        except Exception:
            pass

    def show_error(self, msg: str) -> None:
        self.window_show_message(T.ShowMessageParams(type=T.MessageType.Error, message=msg))

    def lines(self, path: str) -> Optional[LineIndex]:
        data = self.session.data_of(path) if self.session else None
        return LineIndex(data) if data is not None else None

    def offset(self, path: str, pos: T.Position) -> Optional[int]:
        data = self.session.data_of(path)
        if data is None:
            return None
        return LineIndex(data).offset(pos.line, pos.character, self.enc)

    def location(self, path: str, start: int, end: int) -> Optional[T.Location]:
        """The LSP location of a byte range of any file (open or on disk), or None if unreadable."""
        lines = self.lines(path)
        if lines is None:
            return None
        return T.Location(uri=C.path_to_uri(path), range=C.range_of(lines, start, end, self.enc))

    def versions(self) -> dict[str, Optional[int]]:
        return {p: d.version for p, d in self.session.documents.items()}


    # ------------------------------------------------------------ lifecycle
    def read_capabilities(self, params: T.InitializeParams) -> None:
        caps = params.capabilities
        self.enc = C.line_encoding(self.workspace.position_encoding)
        # pull only where the client can also be told to pull again (`workspace/diagnostic/refresh`):
        # Neovim 0.10-0.12 pull but cannot be refreshed, so a schema edit or a rename would leave
        # other open buffers with stale findings until edited; they get pushed diagnostics.
        self.refresh_support = bool(cap(caps, "workspace.diagnostics.refresh_support"))
        self.pull = cap(caps, "text_document.diagnostic") is not None and self.refresh_support
        fmts = cap(caps, "text_document.hover.content_format") or []
        self.markdown = (not fmts) or T.MarkupKind.Markdown in fmts
        self.document_changes = bool(cap(caps, "workspace.workspace_edit.document_changes"))
        self.code_action_literals = cap(caps, "text_document.code_action.code_action_literal_support") is not None
        self.progress = bool(cap(caps, "window.work_done_progress"))
        self.dynamic_watch = bool(cap(caps, "workspace.did_change_watched_files.dynamic_registration"))
        self.config_pull = bool(cap(caps, "workspace.configuration"))
        self.show_document = bool(cap(caps, "window.show_document.support"))
        self.code_lens_refresh = bool(cap(caps, "workspace.code_lens.refresh_support"))

    def adjust_capabilities(self, params: T.InitializeParams, caps: T.ServerCapabilities) -> None:
        if not self.pull:
            # a client told to pull would pull besides our pushes (twice the findings) and never
            # hear of cross-file changes; `textDocument/diagnostic` is still answered if asked
            caps.diagnostic_provider = None

    def open_session(self, params: T.InitializeParams) -> None:
        """The session over the client's roots; indexing workers started at once (they import
        the analysis while the server answers `initialize`), only one where they would take every
        core (`workers.wait_for_open_folders`: it helps this process with the open documents'
        folders, the others start after them); the initial settings applied."""
        roots = [C.uri_to_path(f.uri) for f in (params.workspace_folders or [])]
        if not roots and params.root_uri:
            roots = [C.uri_to_path(params.root_uri)]
        if not roots and params.root_path:
            roots = [params.root_path]
        self.session = Session(roots or [os.getcwd()])
        jobs = worker_count(len(self.session.load_list))
        if jobs:
            try:
                self._pool = (start_pool(jobs, warm=1 if wait_for_open_folders(jobs) else jobs,
                                         workspace=self.session.workspace), jobs)
            except Exception as e:  # no processes here: index_workspace scans in a thread
                self.log_error("starting indexing workers", e)
        options, errors = take_server_settings(params.initialization_options)
        errors = errors + self.session.update_settings(options)
        self.session.messages.extend(errors)

    def stop_background(self) -> None:
        """Timers, the indexing task and the worker processes (at shutdown)."""
        for timers in (self._timers, self._full_timers):
            for h in timers.values():
                h.cancel()
            timers.clear()
        if self._index_task is not None and not self._index_task.done():
            self._index_task.cancel()
        run = self._indexing
        if run is not None and run.pool is not None:  # now, not when the task sees its cancellation
            stop_pool(run.pool)
            run.pool = None
        if self._pool is not None:  # started at initialize, never used
            stop_pool(self._pool[0])
            self._pool = None
        if self._analysis_pool:
            stop_pool(self._analysis_pool)
            self._analysis_pool = None
