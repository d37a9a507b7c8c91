"""Indexing the workspace in the background: after `initialized`, after a project reload.
Files are parsed in worker processes (or a thread), or their facts read from the persistent
cache; the facts are fed to the session's index on the loop thread, with
`window/workDoneProgress`. The functions folders of open documents are indexed first, and an
open document is diagnosed as soon as its own folder (schema included) is indexed; the rest
follows in the background, and every open document is diagnosed again once all is indexed."""

from __future__ import annotations

import asyncio
import collections
import gc
import time
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types as T

from .diagnostics import everything_changed, folder_indexed
from .session import Session, cpu_count, worker_count
from .workers import scan, start_pool, stop_pool, wait_for_open_folders

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

BATCH = 25


def start_indexing(ls: "ConvexLanguageServer") -> None:
    """(Re-)index the workspace in the background, cancelling an indexing under way."""
    if ls._index_task is not None and not ls._index_task.done():
        ls._index_task.cancel()
    ls._index_task = asyncio.ensure_future(index_workspace(ls))


async def index_workspace(ls: "ConvexLanguageServer") -> None:
    """Parse every workspace file in worker processes (or a background thread); feed facts to the
    index here. The open documents' folders are also scanned right away in this process
    (`_Run.help_open_folders`): the workers take a while to start, and the facts of a folder read
    from the persistent cache cost less here than a worker's start-up."""
    s = ls.session
    ls.ready.clear()
    ls.ready_dirs = set()
    t0 = time.perf_counter()
    paths = _open_folders_first(s, list(s.load_list))  # (the queue re-checks as documents open)
    run = _Run(ls, paths)
    ls._indexing = run
    if ls.progress and paths:
        run.progress = asyncio.ensure_future(run.start_progress())
    loop = asyncio.get_running_loop()
    queue = run.queue
    jobs = worker_count(len(paths))
    pool, ls._pool = ls._pool, None
    if pool is not None and pool[1] != jobs:
        stop_pool(pool[0])
        pool = None
    run.pool = pool[0] if pool is not None else None
    try:
        if jobs:
            run.local = True
            in_flight: dict = {}
            started = False  # a worker has answered (until then, they are starting: small chunks of
            # other folders first; an open folder's chunk given to them now may be taken back by
            # this process, `_Run.steal`, so that an open folder never waits for a worker's start-up)
            try:
                if wait_for_open_folders(jobs):
                    started = await run.open_folders_first(jobs, in_flight)
                run.help_open_folders()
                if run.pool is None:
                    run.pool = start_pool(jobs, workspace=s.workspace)
                pool = run.pool
                ls.info(f"convex-lsp: indexing the other folders in {jobs} worker processes")
                size = max(BATCH, min(200, len(paths) // (jobs * 4) or BATCH))
                while queue or in_flight:
                    # a few chunks per worker at a time, so that a folder opened meanwhile goes next
                    while queue and len(in_flight) < jobs * 2:
                        chunk = queue.take(size if started else BATCH, open_folders=started)
                        if not chunk:
                            chunk = queue.take(BATCH)  # only open folders are left
                        if not chunk:
                            break
                        fut = scan(pool, s.workspace, chunk)
                        in_flight[fut] = chunk
                        if not started:
                            run.early[id(fut)] = chunk
                    if not in_flight:
                        break
                    done_futs, _ = await asyncio.wait(list(in_flight), return_when=asyncio.FIRST_COMPLETED)
                    for fut in done_futs:
                        started = True
                        if not run.answered(fut, in_flight):
                            return
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as e:  # no processes here (sandbox, broken pool): use a thread
                ls.log_error("indexing in worker processes", e)
                jobs = 0
                for chunk in in_flight.values():
                    queue.put_back(chunk)
            run.local = False
            if run.helper is not None:
                await run.helper  # its last chunk
            if run.writer is not None:
                await run.writer  # the open folders' cache entries are written (`_help`)
        if not jobs or queue:  # no workers, or files the helper put back when it was stopped
            while queue:
                chunk = queue.take(BATCH)
                items = await loop.run_in_executor(ls.thread_pool, lambda c=chunk: list(s.scan(c)))
                if ls.session is not s:
                    return  # the project was reloaded meanwhile
                run.ingest(items, chunk)
    finally:
        run.local = False
        if run.helper is not None and not run.helper.done():
            run.helper.cancel()
        if getattr(ls, "_indexing", None) is run:
            ls._indexing = None
        if run.pool is not None:
            stop_pool(run.pool)
            run.pool = None
        run.ended = True
        if run.token is not None:
            ls.work_done_progress.end(run.token, T.WorkDoneProgressEnd(message="indexed"))
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


LOCAL_BATCH = 10
WRITE_BATCH = 25
WORKER_OPEN_BATCH = 20  # an open folder's chunk for the one worker helping with it
OPEN_GRACE_S = 0.3  # how long a small machine's indexing waits for a first document to open


class _Run:
    """One indexing of the workspace: the files left (`_Queue`), per folder how many, progress."""

    def __init__(self, ls: "ConvexLanguageServer", paths: list[str]):
        self.ls = ls
        self.s = ls.session
        self.total = len(paths)
        self.queue = _Queue(self.s, paths)
        self.left = collections.Counter(_folder(self.s, p) for p in paths)
        self.token = None
        self.done = 0
        self.last = 0.0
        self.local = False  # worker processes index: this process helps with the open folders
        self.helper: "asyncio.Task | None" = None
        self.pending = set(paths)  # not in the index yet
        self.early: dict = {}  # chunks given to workers that had not answered yet
        self.stolen: set = set()  # files of those that this process scans too
        self.opened = asyncio.Event()  # a document was opened during this indexing
        self.deferred: list = []  # cache entries of the open folders, written once they are indexed
        self.writer: "asyncio.Task | None" = None
        self.pool = None  # the worker processes (also stopped by `stop_background` at shutdown)
        self.progress: "asyncio.Task | None" = None  # creating the progress token (`start_progress`)
        self.ended = False

    def ingest(self, items, chunk: list[str]) -> None:
        """Loop thread: scanned facts into the index, progress, folders done (a file scanned
        twice, see `steal`, counts once: the first answer wins)."""
        pending = self.pending
        chunk = [p for p in chunk if p in pending]
        if not chunk:
            return
        pending.difference_update(chunk)
        fresh = set(chunk)
        self.s.add_scanned(it for it in items if it[0] in fresh)
        self.done += len(chunk)
        now = time.perf_counter()
        if self.token is not None and now - self.last > 0.2:
            self.last = now
            self.ls.work_done_progress.report(self.token, T.WorkDoneProgressReport(
                message=f"{self.done}/{self.total} files", percentage=int(100 * self.done / self.total)))
        _count_down(self.ls, self.left, chunk)

    def answered(self, fut, in_flight: dict) -> bool:
        """A worker's chunk came back: its facts into the index. False when the session was
        replaced meanwhile (nothing indexed then)."""
        items = fut.result()  # (a broken pool raises: the chunk stays in `in_flight`, put back)
        chunk = in_flight.pop(fut)
        self.early.pop(id(fut), None)
        if self.ls.session is not self.s:
            return False
        self.ingest(items, chunk)
        return True

    def help_open_folders(self) -> None:
        """Scan what is left of the open documents' folders in this process too (a thread), in
        small chunks, alongside the worker processes (started, if needed)."""
        if self.local and (self.helper is None or self.helper.done()) and (self.queue.open_left() or self.early):
            self.helper = asyncio.ensure_future(self._help())

    async def start_progress(self) -> None:
        """`window/workDoneProgress`: the token is created while indexing starts (its creation
        waits for the client's answer); reports begin once it is."""
        ls = self.ls
        token = f"convex-lsp-index-{uuid.uuid4().hex[:8]}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, T.WorkDoneProgressBegin(
                title="convex-lsp", message=f"indexing {self.total} files",
                percentage=int(100 * self.done / self.total), cancellable=False))
            if self.ended:  # indexed meanwhile
                ls.work_done_progress.end(token, T.WorkDoneProgressEnd(message="indexed"))
            else:
                self.token = token
        except asyncio.CancelledError:
            raise
        except Exception as e:
            ls.log_error("starting progress", e)

    async def open_folders_first(self, jobs: int, in_flight: dict) -> bool:
        """Where the workers would take every core (`workers.wait_for_open_folders`): the open
        documents' folders are indexed before any other, by this process (a thread) and by
        workers on the other cores (one on 2 cores; the first started at `initialize`, each
        ~0.2 s CPU), and their documents diagnosed; the remaining workers start with the other
        folders' chunks afterwards. Editors open a document right after `initialized`: when none
        is open yet, wait for one a moment. Returns whether a worker has answered; their chunks
        still under way (all taken back by this process by then, `steal`) are left in `in_flight`."""
        if not self.s.documents:
            try:
                await asyncio.wait_for(self.opened.wait(), OPEN_GRACE_S)
            except asyncio.TimeoutError:
                return False
        s, queue = self.s, self.queue
        if self.pool is None:  # (one is started at `initialize`: the pool adds the others on demand)
            self.pool = start_pool(jobs, warm=0, workspace=s.workspace)
        helpers = max(1, min(jobs, cpu_count() - 1))  # the cores this process leaves free
        self.help_open_folders()
        answered = False
        mine: set = set()  # the helpers' chunks under way
        while self.helper is not None and not self.helper.done():
            while len(mine) < helpers:
                chunk = queue.take_open(WORKER_OPEN_BATCH)
                if not chunk:
                    break
                fut = scan(self.pool, s.workspace, chunk)
                in_flight[fut] = chunk
                self.early[id(fut)] = chunk
                mine.add(fut)
            await asyncio.wait([*mine, self.helper], return_when=asyncio.FIRST_COMPLETED)
            for fut in [f for f in mine if f.done()]:
                mine.discard(fut)
                answered = True
                if not self.answered(fut, in_flight):
                    return answered
        await asyncio.sleep(0)  # the diagnostics scheduled by the last chunk (`call_soon`) go first
        return answered

    async def _help(self) -> None:
        loop = asyncio.get_running_loop()
        s = self.s
        try:
            while self.local and self.ls.session is s:
                chunk = self.queue.take_open(LOCAL_BATCH) or self.steal(LOCAL_BATCH)
                if not chunk:
                    break
                stop = lambda: not self.local or self.ls.session is not s  # noqa: E731
                items = await loop.run_in_executor(
                    self.ls.thread_pool, lambda c=chunk: list(s.scan(c, stop, self.deferred)))
                if self.ls.session is not s:
                    return
                if len(items) < len(chunk) and stop():
                    # stopped part-way: the workers failed (their files are indexed in a thread
                    # next) or the indexing ended. What was scanned counts, the rest goes back
                    # to the queue (it was taken from there: lost, a folder looked incomplete)
                    got = {p for p, _, _ in items}
                    self.ingest(items, [p for p in chunk if p in got])
                    self.queue.put_back([p for p in chunk if p not in got])
                    return
                self.ingest(items, chunk)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the workers index the rest
            self.ls.log_error("indexing the open folders", e)
        if self.deferred and (self.writer is None or self.writer.done()):
            self.writer = asyncio.ensure_future(self._write_deferred())

    async def _write_deferred(self) -> None:
        """The cache entries of what `_help` scanned (held back so that the open folders are
        indexed sooner), written in a thread once their documents are diagnosed."""
        await asyncio.sleep(0)  # the diagnostics scheduled by the last chunk go first
        while self.deferred:
            # a few at a time: a server told to exit waits for the one batch under way
            entries, self.deferred = self.deferred[:WRITE_BATCH], self.deferred[WRITE_BATCH:]
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self.ls.thread_pool, Session.write_deferred, entries)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the cache is an optimisation
                self.ls.log_error("writing the cache", e)


    def steal(self, size: int) -> list[str]:
        """Files of the open folders given to worker processes still starting (a warm start
        reads a folder's facts from the cache faster than a worker starts): scanned here too."""
        wanted = {_folder(self.s, p) for p in self.s.documents}
        out: list[str] = []
        for chunk in list(self.early.values()):
            for p in chunk:
                if p in self.pending and p not in self.stolen and _folder(self.s, p) in wanted:
                    self.stolen.add(p)
                    out.append(p)
                    if len(out) >= size:
                        return out
        return out


def open_folder_first(ls: "ConvexLanguageServer") -> None:
    """A document was opened while indexing: its folder goes next (also in this process)."""
    run = getattr(ls, "_indexing", None)
    if run is not None:
        run.opened.set()
        run.help_open_folders()


def _folder(s, path: str):
    d = s.workspace.dir_for(path)
    return d.path if d is not None else None


def _open_folders_first(s, paths: list[str]) -> list[str]:
    """The files of the open documents' functions folders first (their schema first of all)."""
    wanted = {_folder(s, p) for p in s.documents} - {None}
    if not wanted:
        return paths
    first = [p for p in paths if _folder(s, p) in wanted]
    first.sort(key=lambda p: not p.endswith(("/schema.ts", "\\schema.ts")))
    return first + [p for p in paths if _folder(s, p) not in wanted]


class _Queue:
    """The files still to index, by functions folder: the folders of open documents first (in
    small chunks, their schema first), then the rest in the plan's order."""

    def __init__(self, s, paths: list[str]):
        self.s = s
        self.by_folder: dict = collections.OrderedDict()
        for p in paths:
            self.by_folder.setdefault(_folder(s, p), collections.deque()).append(p)
        self.n = len(paths)

    def __bool__(self) -> bool:
        return self.n > 0

    def take(self, size: int, open_folders: bool = True) -> list[str]:
        """The next chunk: of an open document's folder first (unless `open_folders` is False:
        then of other folders only, [] when only open ones are left)."""
        if open_folders:
            got = self.take_open(min(size, BATCH))
            if got:
                return got
        wanted = {_folder(self.s, p) for p in self.s.documents}
        for d, q in self.by_folder.items():
            if q and (open_folders or d not in wanted):
                return self._pop(d, q, size)
        return []

    def open_left(self) -> bool:
        return any(self.by_folder.get(_folder(self.s, p)) for p in self.s.documents)

    def take_open(self, size: int) -> list[str]:
        """Files of the open documents' folders only ([] when none is left)."""
        for p in self.s.documents:
            d = _folder(self.s, p)
            q = self.by_folder.get(d)
            if q:
                return self._pop(d, q, size)
        return []

    def _pop(self, d, q, size: int) -> list[str]:
        out = [q.popleft() for _ in range(min(size, len(q)))]
        self.n -= len(out)
        return out

    def put_back(self, chunk: list[str]) -> None:
        for p in reversed(chunk):
            self.by_folder.setdefault(_folder(self.s, p), collections.deque()).appendleft(p)
            self.n += 1


def _count_down(ls: "ConvexLanguageServer", left: collections.Counter, done: list[str]) -> None:
    """Files of each folder still to index; a folder done: diagnose its open documents."""
    s = ls.session
    for p in done:
        d = _folder(s, p)
        left[d] -= 1
        if left[d] <= 0 and d is not None and d not in ls.ready_dirs:
            ls.ready_dirs.add(d)
            folder_indexed(ls, d)


def reload_project(ls: "ConvexLanguageServer") -> None:
    s = ls.session
    s.reload_project()
    for msg in s.messages:
        ls.show_error(msg)
    s.messages.clear()
    for p in list(s.documents):
        s.refresh(p)
    start_indexing(ls)
