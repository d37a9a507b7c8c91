#!/usr/bin/env python3
"""Time from `initialized` to the first diagnostics of an opened file, in a large workspace.

    python bench/first_diagnostics.py [--files 10000] [--projects 50] [--runs 3] [--workdir DIR] [--keep]

Builds a workspace of about `--files` TypeScript files split over `--projects` projects (each a
`package.json` and a `convex/` functions folder with a schema; the files are copies of the
corpus's, see bench/corpus.py, or generated modules), or with `--projects 1` one functions folder
(bench/lsp_latency.py's layout). Then, for each run, starts the language server, sends
`initialize` + `initialized`, opens one file of one project right away and measures:

- first diagnostics: from sending `initialized` to the `publishDiagnostics` of the opened file;
- fully indexed: from `initialized` to the server's "indexed" log message.

Cold: an empty cache folder (CONVEX_LSP_CACHE_DIR); warm: a second server start on the same,
unchanged files (the cache filled by the cold start). Runs alternate cold and warm.
`--cold-only`: cold starts only, each server stopped right after the first diagnostics (not
waiting for the whole index; its workers are starting then): also reports how long the stop
takes (`shutdown` sent to the process's end).
`--keep`: use the workspace left in `--workdir` by an earlier run with the same `--files` and
`--projects` (A/B runs of two versions on the very same files; building it takes ~15 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus  # noqa: E402
import lsp_latency  # noqa: E402


def build(root: str, n_files: int, n_projects: int, corpus_dir: str) -> str:
    """The workspace; returns the file to open (in the middle project)."""
    if n_projects <= 1:
        big, small, _ = lsp_latency.build_workspace(root, n_files, corpus_dir)
        return small
    if os.path.isdir(root):
        shutil.rmtree(root)
    per = max(3, n_files // n_projects)
    target = None
    for k in range(n_projects):
        proj = os.path.join(root, f"app{k:03d}")
        sub = os.path.join(proj, "ws")
        lsp_latency.build_workspace(sub, per, corpus_dir)
        # the builder's project is `sub`: move it up one level so each project is app<k>/
        for name in os.listdir(sub):
            shutil.move(os.path.join(sub, name), os.path.join(proj, name))
        os.rmdir(sub)
        if k == n_projects // 2:
            target = os.path.join(proj, "convex", "small.ts")
    return target


async def one_start(root: str, target: str, cache_dir: str, first_only: bool = False) -> tuple[float, float, int]:
    """(first diagnostics, fully indexed, number of diagnostics) in seconds after `initialized`;
    `first_only`: (first diagnostics, the stop right after them, number of diagnostics)."""
    env = dict(os.environ, CONVEX_LSP_CACHE_DIR=cache_dir)
    env.pop("CONVEX_LSP_NO_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    client = LanguageClient("bench", "0")
    loop = asyncio.get_running_loop()
    indexed = loop.create_future()
    first = loop.create_future()
    uri = "file://" + target

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def log_message(params: T.LogMessageParams):
        if "indexed" in params.message and not indexed.done():
            indexed.set_result(time.perf_counter())

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: T.PublishDiagnosticsParams):
        if params.uri == uri and not first.done():
            first.set_result((time.perf_counter(), len(params.diagnostics)))

    await client.start_io(sys.executable, "-m", "convex_lsp.server.lsp", env=env)
    await client.initialize_async(T.InitializeParams(
        capabilities=T.ClientCapabilities(),  # no progress reports asked for
        root_uri="file://" + root, workspace_folders=[T.WorkspaceFolder(uri="file://" + root, name="bench")],
        initialization_options={"convexLsp": {"debounce": 0}}))
    with open(target) as fh:
        text = fh.read()
    t0 = time.perf_counter()
    client.initialized(T.InitializedParams())
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id="typescript", version=1, text=text)))
    t_first, ndiag = await asyncio.wait_for(first, 900)
    if first_only:
        t_stop = time.perf_counter()
        await lsp_latency.stop_server(client)
        return t_first - t0, time.perf_counter() - t_stop, ndiag
    t_idx = await asyncio.wait_for(indexed, 900)
    await lsp_latency.stop_server(client)
    return t_first - t0, t_idx - t0, ndiag


def build_or_keep(root: str, args) -> str:
    """`build`, or with `--keep` the workspace an earlier run built with the same arguments."""
    stamp = os.path.join(root, ".bench-layout")
    layout = f"{args.files} {args.projects}"
    if args.keep and os.path.isfile(stamp):
        with open(stamp) as fh:
            layout_then, _, target = fh.read().partition("\n")
        if layout_then == layout and os.path.isfile(target):
            return target
    target = build(root, args.files, args.projects, args.corpus)
    with open(stamp, "w") as fh:
        fh.write(f"{layout}\n{target}")
    return target


async def run(args) -> None:
    root = os.path.realpath(args.workdir)
    target = build_or_keep(root, args)
    n = sum(1 for _, _, fs in os.walk(root) for f in fs if f.endswith(".ts"))
    print(f"workspace: {n} .ts files in {args.projects} project(s) under {root}; opening {target}")
    cold, warm = [], []
    if args.cold_only:
        for _ in range(args.runs):
            cache_dir = tempfile.mkdtemp(prefix="convex-lsp-bench-")
            try:
                cold.append(await one_start(root, target, cache_dir, first_only=True))
            finally:
                shutil.rmtree(cache_dir, ignore_errors=True)
        f = statistics.median(x[0] for x in cold)
        print(f"cold cache: first diagnostics {f:.2f} s after `initialized` ({cold[0][2]} diagnostics; runs: "
              f"{', '.join(f'{x[0]:.2f}' for x in cold)}); stopped right after in "
              f"{statistics.median(x[1] for x in cold):.2f} s (runs: {', '.join(f'{x[1]:.2f}' for x in cold)})")
        return
    for _ in range(args.runs):
        cache_dir = tempfile.mkdtemp(prefix="convex-lsp-bench-")
        try:
            cold.append(await one_start(root, target, cache_dir))
            warm.append(await one_start(root, target, cache_dir))
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
    for label, xs in (("cold cache", cold), ("warm cache", warm)):
        f = statistics.median(x[0] for x in xs)
        i = statistics.median(x[1] for x in xs)
        print(f"{label}: first diagnostics {f:.2f} s after `initialized` ({xs[0][2]} diagnostics; runs: "
              f"{', '.join(f'{x[0]:.2f}' for x in xs)}); fully indexed {i:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default=corpus.cache_dir())
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "convex-lsp-first-diagnostics"))
    ap.add_argument("--cold-only", action="store_true", help="cold starts stopped after the first diagnostics")
    ap.add_argument("--keep", action="store_true", help="reuse the workspace an earlier run left in --workdir")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
