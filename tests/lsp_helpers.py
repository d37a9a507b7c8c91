"""Helpers for the language-server tests: small projects and a client session over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from typing import Optional

from lsprotocol import types as T

from tests.ruletester import write_project

SERVER_COMMAND = [sys.executable, "-m", "convex_lsp.server.lsp"]

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  messages: defineTable({ channel: v.string(), author: v.string(), body: v.string() })
    .index("by_channel_and_author", ["channel", "author"]),
  users: defineTable({ name: v.string() }),
});
"""

MESSAGES = """
import { query, internalMutation } from "./_generated/server";
import { v } from "convex/values";

export const list = query({
  args: { channel: v.string() },
  handler: async (ctx, args) => {
    return await ctx.db
      .query("messages")
      .withIndex("by_channel_and_author", (q) => q.eq("channel", args.channel))
      .take(10);
  },
});

export const add = internalMutation({
  args: { channel: v.string(), body: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.insert("messages", { channel: args.channel, author: "x", body: args.body });
    return null;
  },
});
"""

GENERATED_SERVER = """
export declare const query: any;
export declare const mutation: any;
export declare const action: any;
export declare const internalQuery: any;
export declare const internalMutation: any;
export declare const internalAction: any;
export declare const httpAction: any;
"""


def project(tmp_path, extra: Optional[dict] = None) -> str:
    files = {"convex/schema.ts": SCHEMA, "convex/messages.ts": MESSAGES,
             "convex/_generated/server.d.ts": GENERATED_SERVER,
             # the test suite is what calls the internal `add` (CVX406 sees it)
             "tests/messages.test.ts": 'import { internal } from "../convex/_generated/api";\n'
                                       'test("add", async () => { await t.mutation(internal.messages.add, {}); });\n'}
    files.update(extra or {})
    return write_project(tmp_path, files)


async def stop_session(client) -> None:
    """The teardown of a pytest-lsp fixture: `shutdown` + `exit`. pytest-lsp's `shutdown_session`
    sends nothing to a server that was never initialized (a test that failed before
    `initialize`) or after a fatal error, and its teardown then waits for that server to exit:
    until the outer timeout. Such a server is told to `exit` (killed if it does not)."""
    if client.capabilities is not None and client.error is None:
        await client.shutdown_session()
        return
    proc = getattr(client, "_server", None)
    if proc is None or proc.returncode is not None:
        return
    try:
        client.exit(None)
        await asyncio.wait_for(proc.wait(), 10)
    except Exception:
        proc.kill()


def uri(root: str, rel: str) -> str:
    return "file://" + os.path.realpath(os.path.join(root, rel))


def read(root: str, rel: str) -> str:
    with open(os.path.join(root, rel), encoding="utf-8") as fh:
        return fh.read()


async def start(client, root: str, spec: str, options: Optional[dict] = None,
                encodings: Optional[list] = None, pull: bool = False) -> T.InitializeResult:
    """`pull`: declare pull diagnostics as current VS Code does (the 1.65 set predates them)."""
    import pytest_lsp

    caps = pytest_lsp.client_capabilities(spec)
    if pull:
        caps.text_document.diagnostic = T.DiagnosticClientCapabilities(dynamic_registration=True)
        caps.workspace.diagnostics = T.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    if encodings is not None:
        caps.general = caps.general or T.GeneralClientCapabilities()
        caps.general.position_encodings = encodings
    return await client.initialize_session(T.InitializeParams(
        capabilities=caps, root_uri="file://" + os.path.realpath(root),
        workspace_folders=[T.WorkspaceFolder(uri="file://" + os.path.realpath(root), name="root")],
        initialization_options=options))


def open_doc(client, root: str, rel: str, text: Optional[str] = None, version: int = 1) -> str:
    u = uri(root, rel)
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=u, language_id="typescript", version=version, text=read(root, rel) if text is None else text)))
    return u


async def wait_diagnostics(client, u: str, pred=lambda ds: True, timeout: float = 10.0):
    """Wait until pushed diagnostics for `u` satisfy `pred`."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        ds = client.diagnostics.get(u)
        if ds is not None and pred(ds):
            return ds
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"no matching diagnostics for {u}: {client.diagnostics.get(u)}")
        try:
            await asyncio.wait_for(client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), left)
        except asyncio.TimeoutError:
            pass


def apply_text_edits(text: str, edits: list[T.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP TextEdits (any order) to a string."""
    from convex_lsp.analysis.source import LineIndex

    data = text.encode("utf-8")
    lines = LineIndex(data)
    enc = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "codepoint"}[encoding]
    spans = []
    for e in edits:
        a = lines.offset(e.range.start.line, e.range.start.character, enc)
        b = lines.offset(e.range.end.line, e.range.end.character, enc)
        spans.append((a, b, e.new_text.encode("utf-8")))
    for a, b, new in sorted(spans, key=lambda t: (t[0], t[1]), reverse=True):
        data = data[:a] + new + data[b:]
    return data.decode("utf-8")


def dedent(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")
