"""Worker processes: the indexing pool (started at `initialize`) and the one process that
analyses a whole file once the editor is idle (`off_loop`). Spawned, never forked."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time

from .session import cpu_count, scan_chunk, set_worker_workspace, warm_up, worker_count


PARENT_POLL_S = 0.5


def watch_parent(parent_pid: int) -> None:
    """Worker initializer: exit as soon as `parent_pid` is no longer this process's parent (SIGKILL
    of the server leaves no orphan running for ever). It lives here, not with the protocol's
    lifecycle: a worker imports the module of its initializer, and pygls + lsprotocol cost ~0.4 s
    CPU per worker before it scans anything."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(0)

    if os.getppid() != parent_pid:  # already orphaned while starting
        os._exit(0)
    threading.Thread(target=watch, name="convex-lsp-parent-watch", daemon=True).start()


def start_worker(parent_pid: int, workspace) -> None:
    """Every indexing worker's initializer: `watch_parent`, and the workspace its chunks are of."""
    watch_parent(parent_pid)
    set_worker_workspace(workspace)


def wait_for_open_folders(jobs: int) -> bool:
    """Whether the indexing workers start only once the open documents' folders are indexed
    (and their documents diagnosed) by this process: where they would take every core, their
    start-up (~0.4 s CPU each) and their first chunks would halve this process's share while
    it indexes the one folder the user is looking at."""
    how = os.environ.get("CONVEX_LSP_WORKERS_START", "")  # tests: "after-open" or "at-once"
    if how in ("after-open", "at-once"):
        return how == "after-open"
    return jobs >= cpu_count()


def start_pool(jobs: int, warm: "int | None" = None, workspace=None):
    """Worker processes for indexing: `warm` of them (all by default) started at once, importing
    the analysis while the server answers `initialize`; the others start when work comes and no
    started one is free. `workspace`: given to each once (`scan`)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: this process has threads (stdin reader, scanner)
    # each worker ends itself when the server dies (`watch_parent`): no orphans after a SIGKILL
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                               initializer=start_worker, initargs=(os.getpid(), workspace))
    pool.convex_workspace = workspace
    with workers_skip_main_module():
        for _ in range(jobs if warm is None else min(warm, jobs)):
            pool.submit(warm_up)
    return pool


def scan(pool, workspace, chunk: list[str]):
    """The facts of `chunk` (`session.scan_chunk`) in a worker of `pool`: a future. The workspace
    is sent along only when the workers were not started with this one."""
    ws = None if getattr(pool, "convex_workspace", None) is workspace else workspace
    with workers_skip_main_module():
        return asyncio.get_running_loop().run_in_executor(pool, scan_chunk, ws, chunk)


def stop_pool(pool) -> None:
    """Stop a pool now: pending work cancelled and its processes ended. Waiting for them instead
    (what `shutdown` and the interpreter's exit do) makes a server stopped while its workers
    start take seconds: each must finish importing the analysis before it reads its stop."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # (`shutdown` forgets them)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.terminate()
        except Exception:  # already gone
            pass


@contextlib.contextmanager
def workers_skip_main_module():
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


async def off_loop(ls, fn, *args):
    """Run `fn(*args)` in the analysis worker process of the language server `ls` (started on
    first use, kept), or in a thread where there are no processes or one core. (`ls` is a
    `languageserver.ConvexLanguageServer`, not imported here: it imports this module.)"""
    loop = asyncio.get_running_loop()
    if ls._analysis_pool is None and worker_count(10**6, min_files=0) > 0:
        try:
            ls._analysis_pool = start_pool(1)
        except Exception as e:
            ls.log_error("starting the analysis worker", e)
            ls._analysis_pool = False
    if ls._analysis_pool:
        try:
            with workers_skip_main_module():
                fut = loop.run_in_executor(ls._analysis_pool, fn, *args)
            return await fut
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as e:  # a broken pool: threads from now on
            ls.log_error("analysis worker", e)
            stop_pool(ls._analysis_pool)
            ls._analysis_pool = False
    return await loop.run_in_executor(ls.thread_pool, fn, *args)
