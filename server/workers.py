"""Worker processes: the indexing pool (started at `initialize`) and the one process that
analyses a whole file once the editor is idle (`off_loop`). Spawned, never forked."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from .session import warm_up, worker_count

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer


def start_pool(jobs: int):
    """Worker processes for indexing, started at once (they import the analysis while the
    server answers `initialize`)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: this process has threads (stdin reader, scanner)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"))
    with workers_skip_main_module():
        for _ in range(jobs):
            pool.submit(warm_up)
    return pool


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


async def off_loop(ls: "ConvexLanguageServer", fn, *args):
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
            with workers_skip_main_module():
                fut = loop.run_in_executor(ls._analysis_pool, fn, *args)
            return await fut
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as e:  # a broken pool: threads from now on
            ls.log_error("analysis worker", e)
            ls._analysis_pool.shutdown(wait=False, cancel_futures=True)
            ls._analysis_pool = False
    return await loop.run_in_executor(ls.thread_pool, fn, *args)
