"""`check`'s pipeline at scale (server/runner.py, server/linting.py): many files named on the
command line, trees let go between the facts pass and the lint pass, and the run summary of the
persistent cache. Every test compares against the plain path on the same files."""

from __future__ import annotations

import os

from convex_lsp.analysis import engine
from convex_lsp.analysis.cache import Cache
from convex_lsp.server import runner
from tests.cli_helpers import project

# a helper in another file, an index the schema lacks, a missing returns validator and a
# fixable finding (CVX101 has a fix): findings that read other files' facts and the extractors
HELPERS = """
import { QueryCtx } from "./_generated/server";
export async function latest(ctx: QueryCtx, channelId: string) {
  return await ctx.db.query("messages").withIndex("by_channelId", (q) => q.eq("channelId", channelId)).first();
}
"""

USES_HELPER = """
import { query, mutation } from "./_generated/server";
import { v } from "convex/values";
import { latest } from "./helpers";
export const last = query({
  args: { channelId: v.string() },
  handler: async (ctx, { channelId }) => {
    const m = await latest(ctx, channelId);
    return m === null ? null : m.body;
  },
});
export const add = mutation({
  args: { channelId: v.string(), body: v.string() },
  handler: async ({ db }, { channelId, body }) => {
    const all = await db.query("messages").filter((q) => q.eq(q.field("channelId"), channelId)).collect();
    for (const m of all) {
      await db.get(m._id);
    }
    await db.insert("messages", { channelId, body });
  },
});
"""


def _key(f):
    return (f.path, f.start, f.end, f.code, f.message, f.severity, repr(f.data), repr(f.fix))


def _files(tmp_path):
    return project(tmp_path / "p", {"convex/helpers.ts": HELPERS, "convex/chat.ts": USES_HELPER})


def test_trees_let_go_give_the_same_findings_without_taking_facts_twice(tmp_path, monkeypatch):
    root = _files(tmp_path)
    plan = runner.prepare([root])
    kept, _ = runner.run_serial(plan, with_fixes=True)
    assert {f.code for f in kept} >= {"CVX101", "CVX201"}
    calls: list[tuple[str, bool]] = []
    real = engine.build_model

    def counting(path, *a, **k):
        calls.append((path, k.get("known") is not None))
        return real(path, *a, **k)

    monkeypatch.setattr(engine, "build_model", counting)
    monkeypatch.setattr(runner, "KEEP_TREES_BYTES", 0)  # every tree let go after its facts
    plan = runner.prepare([root])
    released, _ = runner.run_serial(plan, with_fixes=True)
    assert [_key(f) for f in released] == [_key(f) for f in kept]
    rebuilt = [p for p, known in calls if known]
    assert rebuilt, calls  # linted files were parsed again, keeping the facts taken before
    assert len(rebuilt) == len({p for p in rebuilt})


def test_many_named_files_are_the_targets(tmp_path):
    root = _files(tmp_path)
    convex = os.path.join(root, "convex")
    named = sorted(os.path.join(convex, n) for n in os.listdir(convex) if n.endswith(".ts"))
    plan = runner.prepare(named)
    assert plan.targets == {os.path.realpath(p) for p in named}
    whole = runner.prepare([root])
    assert plan.load == whole.load  # the whole project is indexed either way
    # a folder, and a file named through `..` and through a link
    sub = runner.prepare([convex])
    assert sub.targets == {p for p in whole.targets if p.startswith(os.path.realpath(convex) + os.sep)}
    odd = os.path.join(root, "tests", "..", "convex", "chat.ts")
    link = os.path.join(str(tmp_path), "chat-link.ts")
    os.symlink(os.path.join(convex, "chat.ts"), link)
    for p in (odd, link):
        assert runner.prepare([p]).targets == {os.path.realpath(os.path.join(convex, "chat.ts"))}


def test_run_summary_answers_a_warm_run_and_follows_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVEX_LSP_CACHE_DIR", str(tmp_path / "cache"))
    root = _files(tmp_path)

    def run():
        store = Cache()
        os.makedirs(store.root, exist_ok=True)
        found, _ = runner.run_serial(runner.prepare([root]), with_fixes=True, cache=store)
        return [_key(f) for f in found], store

    def plain():
        return [_key(f) for f in runner.run_serial(runner.prepare([root]), with_fixes=True)[0]]

    cold, c1 = run()
    assert cold == plain()
    summaries = [f for _, _, fs in os.walk(c1.root) for f in fs if f.startswith("m-")]
    assert len(summaries) == 1
    reads: list[str] = []
    real_get = Cache.get

    def get(self, kind, key, raw=False):
        reads.append(kind)
        return real_get(self, kind, key, raw)

    monkeypatch.setattr(Cache, "get", get)
    warm, c2 = run()
    assert warm == cold
    assert reads == ["m"] and c2.written == 0  # one entry read, nothing written
    # an edit: the summary no longer vouches for that file; findings follow it
    chat = os.path.join(root, "convex", "chat.ts")
    with open(chat, "a") as fh:
        fh.write("\nexport const extra = query({ args: {}, handler: async () => null });\n")
    reads.clear()
    edited, _ = run()
    assert edited == plain() and edited != cold
    assert "f" in reads  # the changed file's entry (and the index's facts) were consulted
    reads.clear()
    again, c4 = run()
    assert again == edited and reads == ["m"] and c4.written == 0
