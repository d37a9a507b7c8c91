"""`Rule.needs_registrations`: the engine does not run such a rule on a file that registers no
function, and every rule so marked indeed finds nothing in such files."""

from __future__ import annotations

import os

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer, FileContext, raw_findings
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.registry import Rule, all_rules
from tests.ruletester import write_project

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  posts: defineTable({ authorId: v.string(), body: v.any(), n: v.int64() }).index("by_author", ["authorId"]),
});
"""

# helpers that do everything the registration rules look for, outside any registered function
HELPERS = """
"use node";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { MutationCtx, ActionCtx, QueryCtx } from "./_generated/server";

export const postArgs = { authorId: v.string(), body: v.any() };

export async function writeAll(ctx: MutationCtx, ids: string[]) {
  for (const id of ids) {
    await ctx.runMutation(internal.posts.touch, { id });
    await ctx.db.patch(id as any, { n: BigInt(Date.now()) });
  }
  const page = await ctx.db.query("posts").paginate({ numItems: 10, cursor: null });
  await fetch("https://example.com/hook");
  return page;
}

export async function readMany(ctx: ActionCtx, ids: string[]) {
  const a = await ctx.runQuery(internal.posts.get, { id: ids[0] });
  const b = await ctx.runQuery(internal.posts.get, { id: ids[1] });
  await ctx.runAction(internal.posts.other, {});
  return [a, b, Math.random()];
}

export const handler = async ({ db }: QueryCtx, { authorId }: { authorId: string }) => {
  const rows = await db.query("posts").withIndex("by_author", (q) => q.eq("authorId", authorId)).collect();
  if (rows.length) return rows;
};
"""

HTTP = """
import { httpRouter } from "convex/server";
const http = httpRouter();
export default http;
"""


def _project(tmp_path):
    root = write_project(tmp_path, {"convex/schema.ts": SCHEMA, "convex/helpers.ts": HELPERS,
                                    "convex/http.ts": HTTP})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    return root, an


def test_marked_rules_find_nothing_in_files_without_registrations(tmp_path):
    root, an = _project(tmp_path)
    marked = [r for r in all_rules() if r.needs_registrations]
    assert len(marked) >= 20
    checked = 0
    for rel in ("convex/schema.ts", "convex/helpers.ts", "convex/http.ts"):
        model = an.models[os.path.join(root, rel)]
        assert model.src.error is None and not model.registrations
        for rule in marked:
            ctx = FileContext(model, an.index, rule, None, an.config)
            rule.check(ctx)  # (run directly: the engine would skip it)
            assert ctx.findings == [], (rule.code, rel)
            checked += 1
    assert checked == 3 * len(marked)
    # the unmarked rules still see these files
    found = {f.code for rel in ("convex/helpers.ts",) for f in an.lint(os.path.join(root, rel))}
    assert found  # (CVX5xx "use node", CVX31x fetch, ...: something about the helpers)


def test_engine_skips_marked_rule_only_where_nothing_is_registered(tmp_path):
    root, an = _project(tmp_path)
    write_project(tmp_path, {"convex/posts.ts": """
        import { query } from "./_generated/server";
        export const list = query({ args: {}, handler: async (ctx) => ctx.db.query("posts").take(5) });
    """})
    posts = os.path.join(root, "convex", "posts.ts")
    an.load(posts)
    seen: list[str] = []

    def check(ctx):
        seen.append(os.path.basename(ctx.path))
        ctx.report((0, 1), "here")

    marked = Rule(code="CVX999", name="test-marked", severity="warning", spec="§0", summary="", why="", bad="",
                  good="", check=check, needs_registrations=True)
    plain = Rule(code="CVX998", name="test-plain", severity="warning", spec="§0", summary="", why="", bad="",
                 good="", check=check)
    helpers = an.models[os.path.join(root, "convex", "helpers.ts")]
    got = raw_findings(helpers, an.index, an.config, [(marked, "warning"), (plain, "warning")])
    assert [f.code for f in got] == ["CVX998"] and seen == ["helpers.ts"]
    seen.clear()
    got = raw_findings(an.models[posts], an.index, an.config, [(marked, "warning"), (plain, "warning")])
    assert [f.code for f in got] == ["CVX999", "CVX998"] and seen == ["posts.ts", "posts.ts"]
