#!/usr/bin/env python3
"""Latency of the language server, driven over stdio like an editor.

    python bench/lsp_latency.py [--files 2000] [--edits 40] [--corpus ~/.cache/convex-lsp/corpus] [--workdir DIR]

Builds a workspace of about `--files` TypeScript files in one functions folder (copies of
the corpus's .ts files when the corpus exists, else generated Convex modules), a schema,
a ~3,000-line Convex module and a ~100-line one, then reports:

- start-up to fully indexed: from sending `initialize` to the server's "indexed" log message;
- didChange -> publishDiagnostics (debounce 0) for each edit on the big and the small file:
  median and p95 over `--edits` sequential edits (each waits for its diagnostics), taken when
  the client has read and JSON-decoded the message, and again when pygls has also turned it
  into lsprotocol objects (a cost of this Python client, ~5 ms for 300 diagnostics);
  the edits insert a space at the start of a line spread over the file, one after the other
  with no pause: the idle whole-file analysis (`fullAnalysisDelayMs`) does not run between them;
- the server's peak RSS (VmHWM of the server process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import time

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol

RAW_ARRIVALS: dict[tuple[str, int], float] = {}


class _TimingProtocol(LanguageServerProtocol):
    """Notes when a publishDiagnostics message has been read and JSON-decoded, before pygls
    turns it into lsprotocol objects (cattrs, in Python: ~5 ms for 300 diagnostics, a cost of
    this test client that an editor's native JSON parser does not have)."""

    def structure_message(self, data):
        if isinstance(data, dict) and data.get("method") == "textDocument/publishDiagnostics":
            params = data.get("params") or {}
            RAW_ARRIVALS.setdefault((params.get("uri"), params.get("version")), time.perf_counter())
        return super().structure_message(data)

SCHEMA = """import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  messages: defineTable({ channel: v.string(), author: v.string(), body: v.string() })
    .index("by_channel", ["channel"])
    .index("by_channel_and_author", ["channel", "author"]),
  users: defineTable({ name: v.string(), email: v.string() }).index("by_email", ["email"]),
  counters: defineTable({ name: v.string(), value: v.number() }),
});
"""

BLOCK = """
export const list{i} = query({{
  args: {{ channel: v.string() }},
  handler: async (ctx, args) => {{
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_channel", (q) => q.eq("channel", args.channel))
      .take(20);
    return rows.map((r) => r.body);
  }},
}});

export const all{i} = query({{
  args: {{}},
  returns: v.array(v.any()),
  handler: async (ctx) => {{
    return await ctx.db.query("messages").filter((q) => q.eq(q.field("author"), "x")).collect();
  }},
}});

export const add{i} = mutation({{
  args: {{ channel: v.string(), body: v.string() }},
  returns: v.null(),
  handler: async (ctx, args) => {{
    await ctx.db.insert("messages", {{ channel: args.channel, author: "me", body: args.body }});
    await ctx.scheduler.runAfter(0, internal.big.bump{i}, {{}});
    return null;
  }},
}});

export const bump{i} = internalMutation({{
  args: {{}},
  returns: v.null(),
  handler: async (ctx) => {{
    const c = await ctx.db.query("counters").first();
    if (c) await ctx.db.patch(c._id, {{ value: c.value + 1 }});
    return null;
  }},
}});
"""

HEADER = """import { query, mutation, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { v } from "convex/values";
"""


def module(blocks: int, name: str) -> str:
    return HEADER + "".join(BLOCK.format(i=i).replace("internal.big.", f"internal.{name}.") for i in range(blocks))


def build_workspace(root: str, n_files: int, corpus: str) -> tuple[str, str, int]:
    if os.path.isdir(root):
        shutil.rmtree(root)
    fdir = os.path.join(root, "convex")
    os.makedirs(os.path.join(fdir, "_generated"))
    with open(os.path.join(root, "package.json"), "w") as fh:
        fh.write('{"name": "bench", "dependencies": {"convex": "^1.25.0"}}')
    with open(os.path.join(fdir, "schema.ts"), "w") as fh:
        fh.write(SCHEMA)
    sources = []
    if os.path.isdir(corpus):
        for dp, dn, fn in os.walk(corpus):
            dn[:] = [d for d in dn if d not in ("node_modules", "_generated")]
            for f in fn:
                if f.endswith(".ts") and not f.endswith(".d.ts") and f != "schema.ts":
                    sources.append(os.path.join(dp, f))
    sources.sort()
    count = 0
    copy = 0
    while count < n_files - 3:
        if sources:
            for src in sources:
                if count >= n_files - 3:
                    break
                rel = os.path.relpath(src, corpus).replace(os.sep, "_").replace("-", "_").replace(".", "_")[:-3]
                dst = os.path.join(fdir, f"c{copy}", rel + ".ts")
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
                count += 1
        else:
            dst = os.path.join(fdir, f"g{copy}", f"m{count}.ts")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w") as fh:
                fh.write(module(2, f"g{copy}/m{count}"))
            count += 1
        copy += 1
    big = module(0, "big")
    i = 0
    while big.count("\n") < 3000:
        big += BLOCK.format(i=i)
        i += 1
    with open(os.path.join(fdir, "big.ts"), "w") as fh:
        fh.write(big)
    small = module(2, "small")
    with open(os.path.join(fdir, "small.ts"), "w") as fh:
        fh.write(small)
    return os.path.join(fdir, "big.ts"), os.path.join(fdir, "small.ts"), count + 3


def _hwm(pid: int):
    """Peak resident set size of a process, in MB (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


async def stop_server(client) -> None:
    """shutdown + exit, wait for the process, close the client."""
    await client.shutdown_async(None)
    client.exit(None)
    try:
        await asyncio.wait_for(client._server.wait(), 10)
    except Exception:
        pass
    await client.stop()


async def run(args) -> None:
    root = os.path.realpath(args.workdir)
    t_build = time.perf_counter()
    big_path, small_path, n = build_workspace(root, args.files, args.corpus)
    print(f"workspace: {n} files under {root} (built in {time.perf_counter() - t_build:.1f}s)")
    with open(big_path) as fh:
        big_text = fh.read()
    with open(small_path) as fh:
        small_text = fh.read()
    print(f"big file: {big_text.count(chr(10))} lines; small file: {small_text.count(chr(10))} lines")

    client = LanguageClient("bench", "0", protocol_cls=_TimingProtocol)
    indexed = asyncio.get_running_loop().create_future()
    waiting: dict[tuple[str, int], asyncio.Future] = {}
    arrivals: dict[tuple[str, int], float] = {}

    server_said: list[str] = []

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def log_message(params: T.LogMessageParams):
        if "indexed" in params.message and not indexed.done():
            server_said.append(params.message)
            indexed.set_result(time.perf_counter())

    @client.feature(T.WINDOW_SHOW_MESSAGE)
    def show_message(params):
        print("server says:", params.message)

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: T.PublishDiagnosticsParams):
        key = (params.uri, params.version)
        arrivals[key] = time.perf_counter()
        fut = waiting.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(len(params.diagnostics))

    @client.feature(T.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def progress_create(params):
        return None

    @client.feature(T.PROGRESS)
    def progress(params):
        return None

    await client.start_io(*(os.environ["BENCH_SERVER_CMD"].split() if os.environ.get("BENCH_SERVER_CMD") else [sys.executable, "-m", "convex_lsp.server.lsp"]))
    pid = client._server.pid
    caps = T.ClientCapabilities(window=T.WindowClientCapabilities(work_done_progress=True),
                                general=T.GeneralClientCapabilities(position_encodings=[T.PositionEncodingKind.Utf16]))
    t0 = time.perf_counter()
    await client.initialize_async(T.InitializeParams(
        capabilities=caps, root_uri="file://" + root,
        workspace_folders=[T.WorkspaceFolder(uri="file://" + root, name="bench")],
        initialization_options={"convexLsp": {"debounce": 0}}))
    client.initialized(T.InitializedParams())
    t_idx = await asyncio.wait_for(indexed, 600)
    startup = t_idx - t0

    results = {}
    for label, path, text in (("~3,000-line file", big_path, big_text), ("~100-line file", small_path, small_text)):
        uri = "file://" + path
        fut = asyncio.get_running_loop().create_future()
        waiting[(uri, 1)] = fut
        t = time.perf_counter()
        client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
            uri=uri, language_id="typescript", version=1, text=text)))
        ndiag = await asyncio.wait_for(fut, 60)
        first = time.perf_counter() - t
        lines = text.split("\n")
        times = []
        raw_times = []
        for k in range(args.edits):
            if args.pause_ms and k:
                await asyncio.sleep(args.pause_ms / 1000)
            version = k + 2
            row = (k * 37) % (len(lines) - 5) + 3
            fut = asyncio.get_running_loop().create_future()
            waiting[(uri, version)] = fut
            t = time.perf_counter()
            client.text_document_did_change(T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[T.TextDocumentContentChangePartial(
                    range=T.Range(start=T.Position(line=row, character=0), end=T.Position(line=row, character=0)),
                    text=" ")]))
            await asyncio.wait_for(fut, 60)
            times.append((time.perf_counter() - t) * 1000)
            raw_times.append((RAW_ARRIVALS[(uri, version)] - t) * 1000)
        results[label] = (first * 1000, statistics.median(raw_times), pct(raw_times, 95), ndiag,
                          statistics.median(times), pct(times, 95))

    rss = _hwm(pid)
    children = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                children += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    worker_rss = [r for r in (_hwm(c) for c in children) if r is not None]
    await stop_server(client)

    print()
    print(f"start-up to fully indexed ({n} files): {startup:.2f} s from sending initialize (the server process "
          f"was just started: its imports are included); the server's own count from the start of indexing: "
          f"{server_said[0].split(' in ')[-1] if server_said else '?'}")
    for label, (first, med, p95, nd, hmed, hp95) in results.items():
        print(f"{label}: didOpen->diagnostics {first:.0f} ms ({nd} diagnostics); "
              f"didChange->publishDiagnostics (message read and JSON-decoded) median {med:.1f} ms, "
              f"p95 {p95:.1f} ms over {args.edits} edits; to the pygls client's handler (after its cattrs "
              f"decoding) median {hmed:.1f} ms, p95 {hp95:.1f} ms")
    if rss is not None:
        print(f"server peak RSS: {rss:.0f} MB" + (
            f"; its worker processes alive at the end: {', '.join(f'{r:.0f} MB' for r in worker_rss)} (peak RSS each)"
            if worker_rss else ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--corpus", default=os.path.join(os.path.expanduser("~"), ".cache", "convex-lsp", "corpus"))
    ap.add_argument("--workdir", default="/tmp/convex-lsp-bench-ws")
    ap.add_argument("--pause-ms", type=float, default=0,
                    help="wait this long before each edit (e.g. 420: the idle whole-file analysis, 400 ms after "
                         "the last edit, has just begun when the next edit arrives)")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
