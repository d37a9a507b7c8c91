"""The convex-lsp language server (pygls): thin protocol handlers over `session.Session`.

    convex-lsp serve            # stdio
    convex-lsp serve --tcp 127.0.0.1:2087
    python -m convex_lsp.server.lsp [--tcp HOST:PORT]

Diagnostics are pushed (debounced) to clients without pull support and pulled
(`textDocument/diagnostic`, `workspace/diagnostic`) by clients that declare it. The
workspace is indexed in the background after `initialized`; diagnostics wait for it.
Every handler is guarded: an exception is logged to the client and an empty result
returned (set CONVEX_LSP_FAULT=<handler>[,<handler>] to inject a fault, for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from convex_lsp.analysis import __version__
from convex_lsp.analysis.registry import get_rule
from convex_lsp.analysis.source import LineIndex

from . import convert as C
from . import hover as H
from . import navigation as N
from .session import Session, facts_of, quickfixes, scan_chunk, warm_up, worker_count

log = logging.getLogger("convex_lsp.server")

FIX_ALL_KIND = "source.fixAll.convex-lsp"
CONFIG_FILES = {"convex.json", "convex-lsp.toml", ".convex-lsp.toml", "package.json"}
WATCH_GLOBS = ["**/*.ts", "**/*.tsx", "**/convex.json", "**/convex-lsp.toml", "**/.convex-lsp.toml",
               "**/package.json"]
BATCH = 25


class _Unanswerable:
    """What `_Protocol.structure_message` hands pygls for a request it already answered
    with an error: pygls drops messages whose `jsonrpc` is not "2.0"."""

    jsonrpc = "invalid params: answered"


class _Protocol(LanguageServerProtocol):
    """pygls raises out of `json.loads` when a request's params do not deserialize (a
    position past 2**31, a missing field), so the id is lost and the client waits forever.
    Answer such a request with the error instead."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as e:
            if isinstance(data, dict) and "method" in data and "id" in data and "jsonrpc" in data:
                err = e.to_response_error()
                err.message = f"{data.get('method')}: invalid params ({e.__cause__ or e})"[:2000]
                self._send_response(data["id"], error=err)
                return _Unanswerable()
            raise

    # Open documents live in `Session` (bytes + tree). pygls keeps a second copy of each in its
    # own workspace and re-splits it into lines on every change; nothing here reads that copy.
    @lsp_method(T.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: T.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(T.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: T.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(T.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: T.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def send_json_text(self, body: str) -> None:
        """Send a message already serialised (ASCII JSON text), framed as `_send_data` frames it:
        publishDiagnostics carries hundreds of diagnostics on every keystroke, most of them
        serialised on an earlier one (`convert.publish_body`)."""
        if self.writer is None:
            return
        if self._include_headers:
            body = (f"Content-Length: {len(body)}\r\n"
                    f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n") + body
        res = self.writer.write(body.encode(self.CHARSET))
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def _execute_handler(self, msg_id, handler, *args, **kwargs):
        """pygls 2.1 files the future of a generator handler (its own didOpen/didChange/
        didClose, which then call ours) under a fresh uuid in `_request_futures` and never
        removes it: every notification leaked its future and, through the generator, its
        params (the change's text). Drop each entry once its future is done."""
        super()._execute_handler(msg_id, handler, *args, **kwargs)
        fut = self._request_futures.get(msg_id)
        if fut is not None:
            def forget(f, msg_id=msg_id):
                if self._request_futures.get(msg_id) is f:
                    del self._request_futures[msg_id]
            fut.add_done_callback(forget)


class _PipeReader:
    """stdin read by the event loop itself (asyncio pipe transport): pygls' reader hands every
    header line and body to a thread and back. Where stdin is not a pipe (a file, a terminal),
    pygls' reader is used."""

    def __init__(self, stdin, executor):
        self._stdin = stdin
        self._executor = executor
        self._reader: Optional[asyncio.StreamReader] = None
        self._fallback = None

    async def _ready(self):
        if self._reader is None and self._fallback is None:
            loop = asyncio.get_running_loop()
            try:
                reader = asyncio.StreamReader(limit=1 << 30)
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._stdin)
                self._reader = reader
            except Exception:  # not a pipe (a file, some Windows consoles): read in a thread
                from pygls.io_ import StdinAsyncReader

                self._fallback = StdinAsyncReader(self._stdin, self._executor)
        return self._reader or self._fallback

    async def readline(self) -> bytes:
        return await (await self._ready()).readline()

    async def readexactly(self, n: int) -> bytes:
        r = await self._ready()
        if r is self._fallback:
            return await r.readexactly(n)
        try:
            return await r.readexactly(n)
        except asyncio.IncompleteReadError as e:  # the client went away mid-message
            return e.partial


class ConvexLanguageServer(LanguageServer):
    def _start_io_async(self, stdin=None, stdout=None):
        """pygls' stdio loop (pygls.server.JsonRPCServer._start_io_async) with `_PipeReader`."""
        from threading import Event

        from pygls.io_ import StdoutWriter, run_async

        self._stop_event = Event()
        reader = _PipeReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(run_async(stop_event=self._stop_event, reader=reader, protocol=self.protocol,
                                  logger=log, error_handler=self.report_server_error))
        except BrokenPipeError:
            log.error("Connection to the client is lost! Shutting down the server.")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def __init__(self) -> None:
        super().__init__("convex-lsp", __version__, protocol_cls=_Protocol)
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
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._full_timers: dict[str, asyncio.TimerHandle] = {}  # idle re-analysis of incrementally linted files
        # path -> what the client last got: "<result id>@<version>" (push) or the result id (pull)
        self._reported: dict[str, str] = {}
        self._ready: Optional[asyncio.Event] = None
        self._changed: Optional[asyncio.Event] = None
        self._index_task: Optional[asyncio.Task] = None
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

    def versions(self) -> dict[str, Optional[int]]:
        return {p: d.version for p, d in self.session.documents.items()}


server = ConvexLanguageServer()


def _faults() -> set[str]:
    return {s.strip() for s in os.environ.get("CONVEX_LSP_FAULT", "").split(",") if s.strip()}


# ---------------------------------------------------------------- request time bound


class RequestTimeout(BaseException):
    """Raised inside a request handler that ran past the bound (a BaseException, so that the
    analysis' `except Exception` guards do not swallow it)."""


REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed


def _env_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get("CONVEX_LSP_REQUEST_TIMEOUT", "5")))
    except ValueError:
        return 5.0


class Watchdog:
    """Bounds the time a request handler runs on the event-loop thread (where pygls runs
    them, one at a time: a slow one blocks every later message). Past `seconds`, a thread
    raises `RequestTimeout` in the loop thread (PyThreadState_SetAsyncExc) while the handler
    still runs; the handler answers with a RequestFailed error and the session drops its
    incremental state. Only requests are bounded, never notifications (didChange must not be
    cut short). `seconds` <= 0 disables it; CONVEX_LSP_REQUEST_TIMEOUT (seconds) or the
    `convexLsp.requestTimeoutMs` setting change it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._active: Optional[tuple] = None  # (token, name, deadline, thread id)
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.fired = 0

    @contextlib.contextmanager
    def bound(self, name: str):
        if self.seconds <= 0:
            yield
            return
        token = object()
        with self._lock:
            self._active = (token, name, time.monotonic() + self.seconds, threading.get_ident())
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="convex-lsp-watchdog", daemon=True)
                self._thread.start()
        self._wake.set()
        try:
            yield
        finally:
            with self._lock:
                mine = self._active is not None and self._active[0] is token
                if mine:
                    self._active = None
            if not mine:
                # the watchdog fired for this request: if the handler finished just as it fired, the
                # exception may still be pending; clear it so it cannot surface in pygls' loop
                import ctypes

                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)

    def _run(self) -> None:
        import ctypes

        while True:
            self._wake.wait()
            time.sleep(0.02)
            with self._lock:
                act = self._active
                if act is None:
                    self._wake.clear()
                    continue
                if time.monotonic() < act[2]:
                    continue
                self._active = None  # once per request
                self.fired += 1
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(act[3]), ctypes.py_object(RequestTimeout))


WATCHDOG = Watchdog(_env_timeout())


def _take_server_settings(raw: Any) -> tuple[Any, list[str]]:
    """Apply and remove the settings that belong to lsp.py (`requestTimeoutMs`, the request
    time bound); returns the rest for `Session.update_settings`, and error messages."""
    if not isinstance(raw, dict):
        return raw, []
    nested = isinstance(raw.get("convexLsp"), dict)
    inner = dict(raw["convexLsp"] if nested else raw)
    errors = []
    for key in ("requestTimeoutMs", "request-timeout-ms"):
        if key in inner:
            value = inner.pop(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                WATCHDOG.seconds = value / 1000
            else:
                errors.append(f"convexLsp.{key}: expected a number of milliseconds >= 0 (0: no bound)")
    return ({**raw, "convexLsp": inner} if nested else inner), errors


def _timed_out(ls: "ConvexLanguageServer", name: str):
    """After an interrupted request: forget incremental state (a tree or cache may have been
    left half-updated), re-lint, and answer the request with an error."""
    s = ls.session
    if s is not None:
        for d in s.documents.values():
            d.tree = None
            d.dirty = True
        s._lint_cache.clear()
        s.facts_gen += 1
    msg = f"convex-lsp: {name} took longer than {WATCHDOG.seconds:g} s and was stopped"
    log.warning(msg)
    try:
        ls.window_log_message(T.LogMessageParams(type=T.MessageType.Warning, message=msg))
    except Exception:
        pass
    raise JsonRpcException(message=msg, code=REQUEST_FAILED)


def _slow(name: str) -> None:
    """Test hook: CONVEX_LSP_SLOW=<handler>[,...] makes a handler spin for 60 s."""
    if name in {x.strip() for x in os.environ.get("CONVEX_LSP_SLOW", "").split(",")}:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(0.01)


def guarded(name: str, default: Callable[[], Any] = lambda: None, bounded: bool = False):
    """Never let one handler's exception reach pygls (or kill the server). `bounded`: a
    synchronous request handler stopped by the watchdog past its time bound."""

    def deco(fn):
        if asyncio.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def awrapper(ls, params):
                try:
                    if name in _faults():
                        raise RuntimeError(f"injected fault in {name}")
                    return await fn(ls, params)
                except (JsonRpcException, asyncio.CancelledError):
                    raise
                except Exception as e:
                    ls.log_error(name, e)
                    return default()
            return awrapper

        @functools.wraps(fn)
        def wrapper(ls, params):
            try:
                try:
                    if name in _faults():
                        raise RuntimeError(f"injected fault in {name}")
                    with (WATCHDOG.bound(name) if bounded else contextlib.nullcontext()):
                        _slow(name)
                        return fn(ls, params)
                except JsonRpcException:
                    raise
                except Exception as e:
                    ls.log_error(name, e)
                    return default()
            except RequestTimeout:
                _timed_out(ls, name)
        return wrapper

    return deco


def _cap(obj, dotted: str):
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


# ---------------------------------------------------------------- lifecycle


@server.feature(T.INITIALIZE)
@guarded("initialize")
def initialize(ls: ConvexLanguageServer, params: T.InitializeParams):
    caps = params.capabilities
    ls.enc = C.line_encoding(ls.workspace.position_encoding)
    ls.pull = _cap(caps, "text_document.diagnostic") is not None
    ls.refresh_support = bool(_cap(caps, "workspace.diagnostics.refresh_support"))
    fmts = _cap(caps, "text_document.hover.content_format") or []
    ls.markdown = (not fmts) or T.MarkupKind.Markdown in fmts
    ls.document_changes = bool(_cap(caps, "workspace.workspace_edit.document_changes"))
    ls.code_action_literals = _cap(caps, "text_document.code_action.code_action_literal_support") is not None
    ls.progress = bool(_cap(caps, "window.work_done_progress"))
    ls.dynamic_watch = bool(_cap(caps, "workspace.did_change_watched_files.dynamic_registration"))
    ls.config_pull = bool(_cap(caps, "workspace.configuration"))
    ls.show_document = bool(_cap(caps, "window.show_document.support"))
    roots = [C.uri_to_path(f.uri) for f in (params.workspace_folders or [])]
    if not roots and params.root_uri:
        roots = [C.uri_to_path(params.root_uri)]
    if not roots and params.root_path:
        roots = [params.root_path]
    ls.session = Session(roots or [os.getcwd()])
    jobs = worker_count(len(ls.session.load_list))
    if jobs:
        try:
            ls._pool = (start_pool(jobs), jobs)
        except Exception as e:  # no processes here: index_workspace scans in a thread
            ls.log_error("starting indexing workers", e)
    options, errors = _take_server_settings(params.initialization_options)
    errors = errors + ls.session.update_settings(options)
    ls.session.messages.extend(errors)


@server.feature(T.INITIALIZED)
@guarded("initialized")
async def initialized(ls: ConvexLanguageServer, params: T.InitializedParams):
    s = ls.session
    for msg in s.messages:
        ls.show_error(msg)
    s.messages.clear()
    if ls.dynamic_watch:
        try:
            await ls.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
                id="convex-lsp-watch", method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=T.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[T.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]))]))
        except Exception as e:
            ls.info(f"convex-lsp: the client refused file watchers ({e}); changes outside the editor are not seen")
    ls._index_task = asyncio.ensure_future(index_workspace(ls))


def start_pool(jobs: int):
    """Worker processes for indexing, started at once (they import the analysis while the
    server answers `initialize`)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: this process has threads (stdin reader, scanner)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"))
    with _workers_skip_main_module():
        for _ in range(jobs):
            pool.submit(warm_up)
    return pool


@contextlib.contextmanager
def _workers_skip_main_module():
    """A spawned worker re-imports the parent's `__main__` (this module, or the `convex-lsp`
    script): pygls and lsprotocol, ~0.45 s per worker before it scans anything. `scan_chunk`
    needs none of it; while the pool starts its processes, hide where `__main__` came from."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    try:
        main.__spec__ = None
        main.__dict__.pop("__file__", None)
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


async def index_workspace(ls: ConvexLanguageServer) -> None:
    """Parse every workspace file in a background thread; feed facts to the index here."""
    s = ls.session
    ls.ready.clear()
    t0 = time.perf_counter()
    paths = list(s.load_list)
    token = None
    if ls.progress and paths:
        token = f"convex-lsp-index-{uuid.uuid4().hex[:8]}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, T.WorkDoneProgressBegin(
                title="convex-lsp", message=f"indexing {len(paths)} files", percentage=0, cancellable=False))
        except Exception as e:
            ls.log_error("starting progress", e)
            token = None
    loop = asyncio.get_running_loop()
    changed: set[str] = set()
    done = 0
    last = 0.0

    def progressed(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.perf_counter()
        if token is not None and now - last > 0.2:
            last = now
            ls.work_done_progress.report(token, T.WorkDoneProgressReport(
                message=f"{done}/{len(paths)} files", percentage=int(100 * done / len(paths))))

    jobs = worker_count(len(paths))
    pool, ls._pool = ls._pool, None
    if pool is not None and pool[1] != jobs:
        pool[0].shutdown(wait=False, cancel_futures=True)
        pool = None
    pool = pool[0] if pool is not None else None
    scanned: set[str] = set()
    try:
        if jobs:
            if pool is None:
                pool = start_pool(jobs)
            size = max(BATCH, min(200, len(paths) // (jobs * 4) or BATCH))
            with _workers_skip_main_module():
                futs = [loop.run_in_executor(pool, scan_chunk, s.workspace, paths[i:i + size])
                        for i in range(0, len(paths), size)]
            try:
                for fut in asyncio.as_completed(futs):
                    items = await fut
                    if ls.session is not s:
                        return
                    changed |= s.add_scanned(items)
                    progressed(len(items))
                    for p, _, _ in items:
                        scanned.add(p)
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as e:  # no processes here (sandbox, broken pool): use a thread
                ls.log_error("indexing in worker processes", e)
                jobs = 0
        if not jobs:
            rest = [p for p in paths if p not in scanned]
            for i in range(0, len(rest), BATCH):
                chunk = rest[i:i + BATCH]
                items = await loop.run_in_executor(ls.thread_pool, lambda c=chunk: list(s.scan(c)))
                if ls.session is not s:
                    return  # the project was reloaded meanwhile
                changed |= s.add_scanned(items)
                progressed(len(chunk))
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if token is not None:
            ls.work_done_progress.end(token, T.WorkDoneProgressEnd(message="indexed"))
    s.indexed = True
    # the index lives as long as the session: move it out of the cyclic collector's sight, so
    # the full collections that typing triggers do not walk the facts of every workspace file
    # (measured: keystroke latency on a 3,000-line file down by a few ms, the first lint faster).
    # Unfrozen first: after a project reload, the previous session's cycles are garbage now.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    ls.index_seconds = time.perf_counter() - t0
    ls.info(f"convex-lsp: indexed {len(paths)} files in {ls.index_seconds:.2f}s")
    ls.ready.set()
    everything_changed(ls)


@server.feature(T.SHUTDOWN)
@guarded("shutdown")
def shutdown(ls: ConvexLanguageServer, params):
    for timers in (ls._timers, ls._full_timers):
        for h in timers.values():
            h.cancel()
        timers.clear()
    if ls._index_task is not None and not ls._index_task.done():
        ls._index_task.cancel()
    if ls._pool is not None:  # started at initialize, never used
        ls._pool[0].shutdown(wait=False, cancel_futures=True)
        ls._pool = None
    if ls._analysis_pool:
        ls._analysis_pool.shutdown(wait=False, cancel_futures=True)
        ls._analysis_pool = None


# ---------------------------------------------------------------- diagnostics


def schedule(ls: ConvexLanguageServer, path: str, delay: Optional[float] = None) -> None:
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


def _fire(ls: ConvexLanguageServer, path: str) -> None:
    ls._timers.pop(path, None)
    try:
        s = ls.session
        if path not in s.documents:
            return
        if not ls.ready.is_set():
            s.refresh(path)  # indexing: keep the index current, diagnostics come after it
        elif ls.pull:
            s.lint(path)  # cached for the client's pull; notices schema/api changes now
        else:
            publish(ls, path)  # lints statement by statement when only functions changed
        after_lint(ls, path)
    except Exception as e:
        ls.log_error("diagnostics", e)


def _sync_index(ls: ConvexLanguageServer) -> None:
    """Bring the index up to date with every open document (see `Session.sync_index`); other
    documents are diagnosed again if a view changed."""
    s = ls.session
    s.sync_index()
    if s.take_views() & {"schema", "api"}:
        views_changed(ls)


def after_lint(ls: ConvexLanguageServer, path: str) -> None:
    """Tell other documents about index changes; re-analyse an incrementally linted file whole
    once the editor is idle (its facts reach the index then)."""
    s = ls.session
    views = s.take_views()
    if views & {"schema", "api"}:
        views_changed(ls, exclude=path)
    if s.needs_full_analysis(path) and path not in ls._full_timers:
        ls._full_timers[path] = asyncio.get_event_loop().call_later(
            s.settings.full_delay_ms / 1000, _full_analysis, ls, path)


def _full_analysis(ls: ConvexLanguageServer, path: str) -> None:
    ls._full_timers.pop(path, None)
    if path in ls._full_jobs:  # one in flight (for older text): look again later
        ls._full_timers[path] = asyncio.get_event_loop().call_later(
            ls.session.settings.full_delay_ms / 1000 or 0.05, _full_analysis, ls, path)
        return
    task = asyncio.ensure_future(_analyse_whole(ls, path))
    ls._full_jobs[path] = task
    task.add_done_callback(lambda _t, p=path: ls._full_jobs.pop(p, None))


async def _analyse_whole(ls: ConvexLanguageServer, path: str) -> None:
    """The facts of an incrementally linted file, computed in a worker process (the editor
    keeps its keystrokes: the loop thread does not parse or extract the whole file), then put
    into the index. When the file's api or schema view changed, other files and this one are
    linted again."""
    try:
        s = ls.session
        data = s.facts_job(path)
        if data is None:
            return
        facts = await _off_loop(ls, facts_of, s.workspace, path, data)
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


async def _off_loop(ls: ConvexLanguageServer, fn, *args):
    """Run `fn(*args)` in the analysis worker process (started on first use, kept), or in a
    thread where there are no processes or one core."""
    loop = asyncio.get_running_loop()
    if ls._analysis_pool is None and worker_count(10**6, min_files=0) > 0:
        try:
            ls._analysis_pool = start_pool(1)
        except Exception as e:
            ls.log_error("starting the analysis worker", e)
            ls._analysis_pool = False
    if ls._analysis_pool:
        try:
            with _workers_skip_main_module():
                fut = loop.run_in_executor(ls._analysis_pool, fn, *args)
            return await fut
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as e:  # a broken pool: threads from now on
            ls.log_error("analysis worker", e)
            ls._analysis_pool.shutdown(wait=False, cancel_futures=True)
            ls._analysis_pool = False
    return await loop.run_in_executor(ls.thread_pool, fn, *args)


def publish(ls: ConvexLanguageServer, path: str) -> None:
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


def views_changed(ls: ConvexLanguageServer, exclude: Optional[str] = None) -> None:
    """The schema or the api changed: every other open document may have new findings."""
    ls.changed.set()
    if not ls.ready.is_set():
        return
    if ls.pull:
        if ls.refresh_support:
            ls.workspace_diagnostic_refresh(None)
        return
    for p in list(ls.session.documents):
        if p != exclude:
            schedule(ls, p, delay=0.0 if exclude is None else None)


def everything_changed(ls: ConvexLanguageServer) -> None:
    views_changed(ls)


def _doc_report(ls, res, previous: Optional[str]):
    if previous is not None and previous == res.result_id:
        return T.RelatedUnchangedDocumentDiagnosticReport(result_id=res.result_id)
    lines = LineIndex(res.data)
    return T.RelatedFullDocumentDiagnosticReport(
        items=[C.diagnostic(f, lines, ls.enc, res.version) for f in res.findings], result_id=res.result_id)


@server.feature(T.TEXT_DOCUMENT_DIAGNOSTIC, T.DiagnosticOptions(
    identifier="convex-lsp", inter_file_dependencies=True, workspace_diagnostics=True))
@guarded("textDocument/diagnostic", lambda: T.RelatedFullDocumentDiagnosticReport(items=[]))
async def document_diagnostic(ls: ConvexLanguageServer, params: T.DocumentDiagnosticParams):
    await ls.ready.wait()
    try:
        with WATCHDOG.bound("textDocument/diagnostic"):
            _slow("textDocument/diagnostic")
            s = ls.session
            path = C.uri_to_path(params.text_document.uri)
            res = s.lint(path)
            after_lint(ls, path)
            if res is None:
                return T.RelatedFullDocumentDiagnosticReport(items=[])
            if path in s.documents:
                ls._reported[path] = res.result_id
            return _doc_report(ls, res, params.previous_result_id)
    except RequestTimeout:
        _timed_out(ls, "textDocument/diagnostic")


@server.feature(T.WORKSPACE_DIAGNOSTIC)
@guarded("workspace/diagnostic", lambda: T.WorkspaceDiagnosticReport(items=[]))
async def workspace_diagnostic(ls: ConvexLanguageServer, params: T.WorkspaceDiagnosticParams):
    await ls.ready.wait()
    _sync_index(ls)  # files on disk are linted against the open documents' current facts
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


# ---------------------------------------------------------------- sync


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


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
@guarded("textDocument/didOpen")
def did_open(ls: ConvexLanguageServer, params: T.DidOpenTextDocumentParams):
    td = params.text_document
    path = C.uri_to_path(td.uri)
    ls.session.open(td.uri, path, td.version, _text(td.text))
    views = ls.session.take_views()
    if views & {"schema", "api"}:
        views_changed(ls, exclude=path)
    schedule(ls, path, delay=0.0)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
@guarded("textDocument/didChange")
def did_change(ls: ConvexLanguageServer, params: T.DidChangeTextDocumentParams):
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


@server.feature(T.TEXT_DOCUMENT_DID_SAVE, T.SaveOptions(include_text=False))
@guarded("textDocument/didSave")
def did_save(ls: ConvexLanguageServer, params: T.DidSaveTextDocumentParams):
    path = C.uri_to_path(params.text_document.uri)
    doc = ls.session.documents.get(path)
    if doc is not None and params.text is not None and _utf8(params.text) != doc.data:
        doc.set_text(_utf8(params.text))
        schedule(ls, path)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
@guarded("textDocument/didClose")
def did_close(ls: ConvexLanguageServer, params: T.DidCloseTextDocumentParams):
    path = C.uri_to_path(params.text_document.uri)
    t = ls._timers.pop(path, None)
    if t is not None:
        t.cancel()
    idle = ls._full_timers.pop(path, None)
    if idle is not None:
        idle.cancel()
    ls._reported.pop(path, None)
    views = ls.session.close(path)
    if not ls.pull:
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))
    if views & {"schema", "api"}:
        views_changed(ls)


@server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded("workspace/didChangeWatchedFiles")
def did_change_watched_files(ls: ConvexLanguageServer, params: T.DidChangeWatchedFilesParams):
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


def reload_project(ls: ConvexLanguageServer) -> None:
    s = ls.session
    s.reload_project()
    for msg in s.messages:
        ls.show_error(msg)
    s.messages.clear()
    for p in list(s.documents):
        s.refresh(p)
    if ls._index_task is not None and not ls._index_task.done():
        ls._index_task.cancel()
    ls._index_task = asyncio.ensure_future(index_workspace(ls))


@server.feature(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded("workspace/didChangeConfiguration")
async def did_change_configuration(ls: ConvexLanguageServer, params: T.DidChangeConfigurationParams):
    settings = params.settings
    if not (isinstance(settings, dict) and "convexLsp" in settings) and ls.config_pull:
        got = await ls.workspace_configuration_async(T.ConfigurationParams(items=[
            T.ConfigurationItem(section="convexLsp")]))
        settings = got[0] if got else None
    settings, errors = _take_server_settings(settings)
    errors = errors + ls.session.update_settings(settings)
    for e in errors:
        ls.show_error(e)
    views_changed(ls)


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
    lines = ls.lines(path)
    return T.Hover(contents=C.markup(md, ls.markdown), range=C.range_of(lines, a, b, ls.enc))


# ---------------------------------------------------------------- code actions


def _wanted(only: Optional[list], kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(str(o) + ".") for o in only)


class _Edits:
    def __init__(self, edits):
        self.edits = edits


def _edit(ls: ConvexLanguageServer, fixes) -> T.WorkspaceEdit:
    return C.workspace_edit(C.group_edits(fixes), ls.lines, ls.versions(), ls.enc, ls.document_changes)


def _findings_for(ls: ConvexLanguageServer, path: str, diag: T.Diagnostic, current) -> list:
    """The finding behind a diagnostic: from its data when the buffer has not changed since,
    else by matching the current findings."""
    data = diag.data if isinstance(diag.data, dict) else None
    doc = ls.session.documents.get(path)
    if data is not None and doc is not None and data.get("version") == doc.version:
        # the text is the one the diagnostic was made for: its range and data are current
        lines = doc.lines()
        f = C.finding_from_data(data, path, C.offset_of(lines, diag.range.start, ls.enc),
                                C.offset_of(lines, diag.range.end, ls.enc))
        if f is not None:
            f.message = diag.message
            return [f]
    if current is None:
        return []
    lines = LineIndex(current.data)
    a = C.offset_of(lines, diag.range.start, ls.enc)
    b = C.offset_of(lines, diag.range.end, ls.enc)
    code = data.get("code") if data else None
    return [f for f in current.findings if (f.code == code or f.name == diag.code) and f.start == a and f.end == b]


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(
    code_action_kinds=[T.CodeActionKind.QuickFix, T.CodeActionKind.SourceFixAll, FIX_ALL_KIND]))
@guarded("textDocument/codeAction", lambda: [], bounded=True)
def code_action(ls: ConvexLanguageServer, params: T.CodeActionParams):
    s = ls.session
    qf = quickfixes()
    if qf is None:
        return []
    path = C.uri_to_path(params.text_document.uri)
    only = params.context.only
    out: list[T.CodeAction] = []
    current = s.lint(path)
    ours = any(d.source == C.SOURCE for d in params.context.diagnostics)
    # without `only` (a lightbulb request on every cursor move) "fix all" comes with our diagnostics
    want_fix_all = _wanted(only, FIX_ALL_KIND) and (bool(only) or ours)
    if (ours and _wanted(only, T.CodeActionKind.QuickFix)) or want_fix_all:
        # fixes read the current models and the index (an incremental lint leaves them behind; a
        # multi-file fix edits other documents at their offsets)
        _sync_index(ls)
        s.model(path)
    if _wanted(only, T.CodeActionKind.QuickFix):
        for diag in params.context.diagnostics:
            if diag.source != C.SOURCE:
                continue
            for f in _findings_for(ls, path, diag, current):
                preferred_done = False
                for fx in qf.fixes_for(f, s.analyzer):
                    prefer = fx.applicability == "safe" and not preferred_done
                    preferred_done |= prefer
                    out.append(T.CodeAction(title=fx.title, kind=T.CodeActionKind.QuickFix, diagnostics=[diag],
                                            is_preferred=prefer or None, edit=_edit(ls, [fx])))
                sup = getattr(qf, "suppression_fixes", None)
                if sup is not None:
                    for fx in sup(f, s.analyzer) or []:
                        out.append(T.CodeAction(title=fx.title, kind=T.CodeActionKind.QuickFix,
                                                diagnostics=[diag], edit=_edit(ls, [fx])))
        out.extend(_documentation_actions(params.context.diagnostics))
    if want_fix_all and current is not None:
        edits = fix_all(s, qf, current.findings)
        if edits:
            out.append(T.CodeAction(title="convex-lsp: apply all safe fixes", kind=FIX_ALL_KIND,
                                    edit=C.workspace_edit(C.group_edits([_Edits(edits)]), ls.lines, ls.versions(),
                                                          ls.enc, ls.document_changes)))
    if not ls.code_action_literals:
        # LSP: a client without code-action literals understands only commands; executing one
        # sends the edit back with workspace/applyEdit
        conv = ls.protocol._converter
        return [T.Command(title=a.title, command=APPLY_EDIT_COMMAND, arguments=[conv.unstructure(a.edit)])
                if a.edit is not None else a.command for a in out if a.edit is not None or a.command is not None]
    return out


APPLY_EDIT_COMMAND = "convex-lsp.applyEdit"
SHOW_DOCS_COMMAND = "convex-lsp.showDocumentation"


def _documentation_actions(diagnostics) -> list:
    """"Show documentation for <rule>", once per rule among our diagnostics (last, as ESLint's)."""
    out = []
    seen: set[str] = set()
    for diag in diagnostics:
        if diag.source != C.SOURCE:
            continue
        data = diag.data if isinstance(diag.data, dict) else {}
        rule = get_rule(str(data.get("code") or diag.code or ""))
        if rule is None or not rule.url or rule.code in seen:
            continue
        seen.add(rule.code)
        title = f"Show documentation for {rule.name}"
        out.append(T.CodeAction(title=title, kind=T.CodeActionKind.QuickFix, diagnostics=[diag],
                                command=T.Command(title=title, command=SHOW_DOCS_COMMAND, arguments=[rule.code])))
    return out


@server.command(SHOW_DOCS_COMMAND)
async def show_documentation(ls: ConvexLanguageServer, *args):
    """Open a rule's documentation: `window/showDocument` (external) where the client has it,
    else a message with the address. The argument is a rule code or name, never a URL."""
    try:
        raw = args[0] if args else None
        if isinstance(raw, (list, tuple)) and raw:
            raw = raw[0]
        rule = get_rule(str(raw)) if isinstance(raw, str) else None
        if rule is None or not rule.url:
            ls.show_error(f"convex-lsp: no documentation for {raw!r}")
            return None
        if ls.show_document:
            res = await ls.window_show_document_async(T.ShowDocumentParams(uri=rule.url, external=True))
            if res is not None and res.success:
                return None
        ls.window_show_message(T.ShowMessageParams(
            type=T.MessageType.Info, message=f"convex-lsp: {rule.code} {rule.name}: {rule.url}"))
    except Exception as e:
        ls.log_error("workspace/executeCommand", e)
    return None


@server.command(APPLY_EDIT_COMMAND)
def apply_edit_command(ls: ConvexLanguageServer, *args):
    """The command behind each code action for clients without code-action literals."""
    try:
        raw = args[0] if args else None
        if isinstance(raw, (list, tuple)) and raw and not isinstance(raw, dict):
            raw = raw[0]
        edit = raw if isinstance(raw, T.WorkspaceEdit) else ls.protocol._converter.structure(raw, T.WorkspaceEdit)
        ls.workspace_apply_edit(T.ApplyWorkspaceEditParams(edit=edit, label="convex-lsp quick fix"))
    except Exception as e:  # never let a malformed command reach pygls
        ls.log_error("workspace/executeCommand", e)
    return None


def fix_all(s: Session, qf, findings) -> list:
    """One safe fix per finding, skipping fixes that overlap one already taken; an edit
    identical to a taken one (the same import two fixes add) is shared, not repeated."""
    taken: list = []
    keys: set = set()
    overlap = getattr(qf, "edits_overlap", None) or (
        lambda e, c: e.path == c.path and (e.start == c.start or (e.start < c.end and c.start < e.end)))
    for f in findings:
        for fx in qf.fixes_for(f, s.analyzer):
            if fx.applicability != "safe":
                continue
            new = [e for e in fx.edits if (e.path, e.start, e.end, e.new_text) not in keys]
            if any(overlap(e, c) for e in new for c in taken):
                break
            taken.extend(new)
            keys.update((e.path, e.start, e.end, e.new_text) for e in new)
            break
    return taken


# ---------------------------------------------------------------- completion and navigation


KIND = {"table": T.CompletionItemKind.Struct, "index": T.CompletionItemKind.Reference,
        "field": T.CompletionItemKind.Field}


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=['"', "'"]))
@guarded("textDocument/completion", lambda: T.CompletionList(is_incomplete=False, items=[]), bounded=True)
def completion(ls: ConvexLanguageServer, params: T.CompletionParams):
    s = ls.session
    path = C.uri_to_path(params.text_document.uri)
    off = ls.offset(path, params.position)
    if off is None:
        return T.CompletionList(is_incomplete=False, items=[])
    items = []
    lines = ls.lines(path)
    for c in N.completions(s, path, off):
        rng = C.range_of(lines, c.replace_start, off, ls.enc)
        items.append(T.CompletionItem(label=c.label, kind=KIND.get(c.kind), detail=c.detail,
                                      sort_text=c.sort or None,
                                      text_edit=T.TextEdit(range=rng, new_text=c.label)))
    return T.CompletionList(is_incomplete=False, items=items)


def _location(ls: ConvexLanguageServer, t: N.Target) -> Optional[T.Location]:
    lines = ls.lines(t.path)
    if lines is None:
        return None
    return T.Location(uri=C.path_to_uri(t.path), range=C.range_of(lines, t.start, t.end, ls.enc))


def _cross_file_position(ls: ConvexLanguageServer, params) -> tuple[str, Optional[int]]:
    """(path, byte offset) of a request whose answer spans files: the index is brought up to
    date with the other open documents first (their offsets and names)."""
    _sync_index(ls)
    path = C.uri_to_path(params.text_document.uri)
    return path, ls.offset(path, params.position)


def _index_name_at(ls: ConvexLanguageServer, params):
    """(path, the index name under the cursor or None) for references and renames."""
    path, off = _cross_file_position(ls, params)
    return path, (N.index_at(ls.session, path, off) if off is not None else None)


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
@guarded("textDocument/definition", bounded=True)
def definition(ls: ConvexLanguageServer, params: T.DefinitionParams):
    path, off = _cross_file_position(ls, params)
    if off is None:
        return None
    t = N.definition(ls.session, path, off)
    return _location(ls, t) if t is not None else None


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
@guarded("textDocument/references", lambda: [], bounded=True)
def references(ls: ConvexLanguageServer, params: T.ReferenceParams):
    _, at = _index_name_at(ls, params)
    if at is None:
        return []
    out = [_location(ls, t) for t in N.index_references(ls.session, at, params.context.include_declaration)]
    return [x for x in out if x is not None]


@server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded("textDocument/prepareRename", bounded=True)
def prepare_rename(ls: ConvexLanguageServer, params: T.PrepareRenameParams):
    path, at = _index_name_at(ls, params)
    if at is None:
        return None  # only index names can be renamed
    lines = ls.lines(path)
    return T.PrepareRenamePlaceholder(range=C.range_of(lines, at.span.start, at.span.end, ls.enc),
                                      placeholder=at.name)


@server.feature(T.TEXT_DOCUMENT_RENAME, T.RenameOptions(prepare_provider=True))
@guarded("textDocument/rename", bounded=True)
def rename(ls: ConvexLanguageServer, params: T.RenameParams):
    _, at = _index_name_at(ls, params)
    if at is None:
        raise JsonRpcInvalidParams("convex-lsp renames index names only (in the schema or a withIndex call)")
    try:
        targets = N.rename_index(ls.session, at, params.new_name)
    except N.RenameRefused as e:
        raise JsonRpcInvalidParams(str(e)) from None
    from convex_lsp.analysis.registry import TextEdit

    edits: dict[str, list] = {}
    for t in targets:
        edits.setdefault(t.path, []).append(TextEdit(t.path, t.start, t.end, params.new_name))
    return C.workspace_edit(edits, ls.lines, ls.versions(), ls.enc, ls.document_changes)


# ---------------------------------------------------------------- debugging


DOCUMENT_TEXT = "convexLsp/documentText"


@server.feature(DOCUMENT_TEXT)
def document_text(ls: ConvexLanguageServer, params):
    """Debugging aid (the fuzzer's consistency check): the text and version of an open
    document as the server holds it, or null when it is not open. Reads only."""
    td = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
    u = getattr(td, "uri", None) if td is not None else getattr(params, "uri", None)
    if not isinstance(u, str) or ls.session is None:
        raise JsonRpcInvalidParams("expected {textDocument: {uri}}")
    doc = ls.session.documents.get(C.uri_to_path(u))
    if doc is None:
        return None
    return {"uri": doc.uri, "version": doc.version, "text": doc.data.decode("utf-8", errors="surrogateescape")}


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
    return 0


start = main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
