#!/usr/bin/env python3
"""Latency of the editor features built on the workspace reference graph, over stdio.

    python bench/lsp_graph.py [--files 2000] [--requests 40] [--workdir DIR]

Generates a workspace of `--files` files: a functions folder of modules (four registrations
each, scheduling and running one another) and client components, each calling a few
functions through `useQuery(api.mod.fn)`/`useMutation`, plus tests. After the server has
indexed it (its "indexed" log message), it reports the median and p95 of:

- `textDocument/references` on a function, asked from a client file (answers span the workspace);
- `textDocument/codeLens` on a functions module, then `codeLens/resolve` of each of its lenses;
- `workspace/symbol` for a partial api path;
- `callHierarchy/incomingCalls` of a function.
Each request is sent after the previous answer (no pipelining); the files asked about vary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import time

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient

SCHEMA = """import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  items: defineTable({ owner: v.string(), n: v.number() }).index("by_owner", ["owner"]),
});
"""

GEN_SERVER = "".join(f"export declare const {b}: any;\n" for b in (
    "query", "mutation", "action", "internalQuery", "internalMutation", "internalAction"))
GEN_API = "export declare const api: any;\nexport declare const internal: any;\n"

MODULE = """import {{ query, mutation, internalMutation }} from "./_generated/server";
import {{ api, internal }} from "./_generated/api";
import {{ v }} from "convex/values";

export const list = query({{
  args: {{ owner: v.string() }},
  returns: v.any(),
  handler: async (ctx, {{ owner }}) => ctx.db.query("items").withIndex("by_owner", (q) => q.eq("owner", owner)).take(10),
}});

export const add = mutation({{
  args: {{ owner: v.string() }},
  returns: v.null(),
  handler: async (ctx, {{ owner }}) => {{
    await ctx.db.insert("items", {{ owner, n: 0 }});
    await ctx.scheduler.runAfter(0, internal.{other}.bump, {{}});
    return null;
  }},
}});

export const bump = internalMutation({{
  args: {{}},
  returns: v.null(),
  handler: async (ctx) => {{
    await ctx.runQuery(api.{other}.list, {{ owner: "x" }});
    return null;
  }},
}});

export const stats = query({{ args: {{}}, returns: v.any(), handler: async () => null }});
"""

CLIENT = """import {{ useMutation, useQuery }} from "convex/react";
import {{ api }} from "../convex/_generated/api";

export function View{i}() {{
  const a = useQuery(api.{m1}.list, {{ owner: "me" }});
  const b = useQuery(api.{m2}.stats);
  const add = useMutation(api.{m3}.add);
  return <div onClick={{() => add({{ owner: "me" }})}}>{{String(a)}}{{String(b)}}</div>;
}}
"""

TEST = """import {{ convexTest }} from "convex-test";
import {{ api }} from "./_generated/api";

test("m{i}", async () => {{
  const t = convexTest();
  await t.query(api.m{i}.list, {{ owner: "a" }});
}});
"""


def build(root: str, n_files: int, seed: int = 7) -> tuple[int, int]:
    if os.path.isdir(root):
        shutil.rmtree(root)
    fdir = os.path.join(root, "convex")
    os.makedirs(os.path.join(fdir, "_generated"))
    os.makedirs(os.path.join(root, "src"))
    files = {"package.json": '{"name": "bench", "dependencies": {"convex": "^1.25.0"}}',
             "convex/schema.ts": SCHEMA, "convex/_generated/server.d.ts": GEN_SERVER,
             "convex/_generated/api.d.ts": GEN_API}
    modules = max(2, n_files // 4)
    tests = max(1, n_files // 20)
    clients = max(1, n_files - modules - tests - 2)
    rnd = random.Random(seed)
    for i in range(modules):
        files[f"convex/m{i}.ts"] = MODULE.format(other=f"m{(i + 1) % modules}")
    for i in range(tests):
        files[f"convex/m{i}.test.ts"] = TEST.format(i=i)
    for i in range(clients):
        m1, m2, m3 = (f"m{rnd.randrange(modules)}" for _ in range(3))
        files[f"src/View{i}.tsx"] = CLIENT.format(i=i, m1=m1, m2=m2, m3=m3)
    for rel, text in files.items():
        with open(os.path.join(root, rel), "w") as fh:
            fh.write(text)
    return modules, clients


def pos_of(text: str, needle: str, into: int = 0) -> T.Position:
    i = text.index(needle) + into
    return T.Position(line=text.count("\n", 0, i), character=i - (text.rfind("\n", 0, i) + 1))


def summary(label: str, xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"{label}: median {statistics.median(xs) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(xs)})"


async def run(args) -> None:
    root = os.path.realpath(args.workdir)
    modules, clients = build(root, args.files)
    print(f"workspace: {args.files} files ({modules} modules, {clients} client files) under {root}")
    client = LanguageClient("bench", "0")
    indexed = asyncio.get_running_loop().create_future()

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def log_message(params: T.LogMessageParams):
        if "indexed" in params.message and not indexed.done():
            indexed.set_result(time.perf_counter())

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params):
        return None

    await client.start_io(sys.executable, "-m", "convex_lsp.server.lsp")
    await client.initialize_async(T.InitializeParams(
        capabilities=T.ClientCapabilities(), root_uri="file://" + root,
        workspace_folders=[T.WorkspaceFolder(uri="file://" + root, name="bench")],
        initialization_options={"convexLsp": {"debounce": 0}}))
    t0 = time.perf_counter()
    client.initialized(T.InitializedParams())
    await asyncio.wait_for(indexed, 900)
    print(f"indexed in {time.perf_counter() - t0:.2f} s")

    refs, lens, resolve, symbols, incoming = [], [], [], [], []
    counts = []
    for k in range(args.requests):
        rel = f"src/View{k % clients}.tsx"
        path = os.path.join(root, rel)
        with open(path) as fh:
            text = fh.read()
        uri = "file://" + path
        client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
            uri=uri, language_id="typescriptreact", version=1, text=text)))
        at = pos_of(text, ".list", into=2)
        t = time.perf_counter()
        got = await client.text_document_references_async(T.ReferenceParams(
            text_document=T.TextDocumentIdentifier(uri=uri), position=at,
            context=T.ReferenceContext(include_declaration=True)))
        refs.append(time.perf_counter() - t)
        counts.append(len(got or []))
        murl = "file://" + os.path.join(root, "convex", f"m{k % modules}.ts")
        t = time.perf_counter()
        ls = await client.text_document_code_lens_async(T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=murl)))
        lens.append(time.perf_counter() - t)
        for x in ls or []:
            t = time.perf_counter()
            await client.code_lens_resolve_async(x)
            resolve.append(time.perf_counter() - t)
        t = time.perf_counter()
        await client.workspace_symbol_async(T.WorkspaceSymbolParams(query=f"m{k % modules}.li"))
        symbols.append(time.perf_counter() - t)
        t = time.perf_counter()
        items = await client.text_document_prepare_call_hierarchy_async(T.CallHierarchyPrepareParams(
            text_document=T.TextDocumentIdentifier(uri=uri), position=at))
        if items:
            await client.call_hierarchy_incoming_calls_async(T.CallHierarchyIncomingCallsParams(item=items[0]))
        incoming.append(time.perf_counter() - t)
        client.text_document_did_close(T.DidCloseTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=uri)))
    print(f"references per request: median {statistics.median(counts):.0f} locations")
    for label, xs in (("textDocument/references (from a client file)", refs), ("textDocument/codeLens", lens),
                      ("codeLens/resolve", resolve), ("workspace/symbol", symbols),
                      ("prepareCallHierarchy + incomingCalls", incoming)):
        print(summary(label, xs))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--workdir", default="/tmp/convex-lsp-bench-graph")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
