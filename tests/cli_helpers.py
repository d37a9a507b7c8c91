"""Shared helpers for the CLI tests: a small project with known findings, and a runner."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.ruletester import write_project

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  messages: defineTable({ channelId: v.string(), body: v.string() }).index("by_channelId", ["channelId"]),
});
"""

# CVX101 on `list` (line 4), CVX201 on the `.filter(` call (line 8)
MESSAGES = """
import { query } from "./_generated/server";
import { v } from "convex/values";
export const list = query({
  args: { channelId: v.string() },
  handler: async (ctx, { channelId }) => {
    const rows = await ctx.db.query("messages")
      .filter((q) => q.eq(q.field("channelId"), channelId))
      .take(10);
    return rows;
  },
});
"""

CLEAN = """
import { query } from "./_generated/server";
import { v } from "convex/values";
export const count = query({
  args: {},
  returns: v.null(),
  handler: async () => {
    return null;
  },
});
"""

# a test outside the functions folder: the only reader of `by_channelId` (CVX217 sees it)
CHANNEL_TEST = """
import { convexTest } from "convex-test";
import schema from "../convex/schema";
test("channel", async () => {
  const t = convexTest(schema);
  await t.run((ctx) => ctx.db.query("messages").withIndex("by_channelId", (q) => q.eq("channelId", "c")).take(1));
});
"""


def project(root, extra: dict | None = None, messages: str = MESSAGES) -> str:
    files = {"convex/schema.ts": SCHEMA, "convex/messages.ts": messages, "tests/channel.test.ts": CHANNEL_TEST}
    files.update(extra or {})
    return write_project(root, files)


def clean_project(root, extra: dict | None = None) -> str:
    files = {"convex/schema.ts": SCHEMA, "convex/clean.ts": CLEAN, "tests/channel.test.ts": CHANNEL_TEST}
    files.update(extra or {})
    return write_project(root, files)


def cli(*args: str, cwd=None, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.pop("FORCE_COLOR", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, input=input, timeout=120)
