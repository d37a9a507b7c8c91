import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid

POSTS_MODEL = """
import type { QueryCtx } from "../_generated/server";
import type { PaginationOptions } from "convex/server";

export async function pinnedPage(qc: QueryCtx, opts: PaginationOptions) {
  return qc.db.query("posts").withIndex("by_pinned", (q) => q.eq("pinned", true)).paginate(opts);
}

export async function pinned(qc: QueryCtx, n: number) {
  return qc.db.query("posts").withIndex("by_pinned", (q) => q.eq("pinned", true)).take(n);
}

export const pageOf = async (qc: QueryCtx, opts: PaginationOptions, search?: string) => {
  if (search) {
    return qc.db.query("posts").withSearchIndex("search_body", (q) => q.search("body", search)).paginate(opts);
  }
  return qc.db.query("posts").order("desc").paginate(opts);
};

// calls another helper that paginates: two pages
export async function both(qc: QueryCtx, opts: PaginationOptions) {
  const a = await pageOf(qc, opts);
  const b = await pinnedPage(qc, opts);
  return [a, b];
}
"""
FILES = {"convex/model/posts.ts": POSTS_MODEL, "convex/functions.ts": FUNCTIONS_TS}
HEAD = """
import { query, mutation } from "./_generated/server";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import * as Posts from "./model/posts";
import { pinnedPage, pageOf } from "./model/posts";
"""

CASES = [
    valid(HEAD + """
export const feed = query({
  args: { paginationOpts: paginationOptsValidator, search: v.optional(v.string()) },
  handler: async (ctx, { paginationOpts, search }) => {
    const pins = await Posts.pinned(ctx, 5);
    const page = search
      ? await ctx.db.query("posts").withSearchIndex("search_body", (q) => q.search("body", search)).paginate(paginationOpts)
      : await ctx.db.query("posts").order("desc").paginate(paginationOpts);
    return { ...page, pins };
  },
});
export const byAuthor = query({
  args: { paginationOpts: paginationOptsValidator, authorId: v.optional(v.id("users")) },
  handler: async ({ db }, args) => {
    if (args.authorId) {
      return await db.query("posts").withIndex("by_author", (q) => q.eq("authorId", args.authorId!)).paginate(args.paginationOpts);
    }
    return await pageOf({ db } as any, args.paginationOpts);
  },
});
export const other = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => pinnedPage(ctx, paginationOpts),
});
""", files=FILES, filename="convex/posts.ts", name="branches, early return, one helper, take()"),
    valid(HEAD + """
import { paginator } from "convex-helpers/server/pagination";
import schema from "./schema";
export const merged = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const a = await paginator(ctx.db, schema).query("posts").paginate(paginationOpts);
    const b = await paginator(ctx.db, schema).query("comments").paginate(paginationOpts);
    // ctx.db.query("posts").paginate(x) twice in a comment: ctx.db.query("posts").paginate(x)
    return [a, b];
  },
});
""", files=FILES, filename="convex/posts.ts", name="convex-helpers paginator is not a paginated query"),
    invalid(HEAD + """
export const feed = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const posts = await ctx.db.query("posts").order("desc").paginate(paginationOpts);
    const pins = await Posts.pinnedPage(ctx, paginationOpts);
    return { posts, pins };
  },
});
""", [11], files=FILES, filename="convex/posts.ts", message="second paginated query", name="helper via namespace import"),
    invalid(HEAD + """
import { authedQuery } from "./functions";
export const twice = authedQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (c, args) => {
    return await Posts.both(c, args.paginationOpts);
  },
});
export const looped = mutation({
  args: { paginationOpts: paginationOptsValidator, ids: v.array(v.id("users")) },
  handler: async (ctx, args) => {
    return await Promise.all(args.ids.map((id) =>
      ctx.db.query("posts").withIndex("by_author", (q) => q.eq("authorId", id)).paginate(args.paginationOpts)));
  },
});
""", [11, 18], files=FILES, filename="convex/posts.ts", name="helper running two, paginate in map"),
    invalid(HEAD + """
async function viaBoth(c: any, opts: any) { return await Posts.both(c, opts); }
async function deep1(c: any, opts: any) { return deep2(c, opts); }
async function deep2(c: any, opts: any) { return viaBoth(c, opts); }
export const deep = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => deep1(ctx, paginationOpts),
});
""", [12], files=FILES, filename="convex/posts.ts", message="can run 2 paginated queries",
            name="local helpers reaching a model helper that runs two"),
    valid(HEAD + """
async function idleA(c: any, n: number): Promise<any> { return n ? idleB(c, n - 1) : Posts.pinned(c, 1); }
async function idleB(c: any, n: number): Promise<any> { return idleA(c, n); }
export const loops = query({
  args: { paginationOpts: paginationOptsValidator, n: v.number() },
  handler: async (ctx, { paginationOpts, n }) => {
    for (const x of [1, 2]) { await idleA(ctx, n); }
    return await ctx.db.query("posts").paginate(paginationOpts);
  },
});
""", files=FILES, filename="convex/posts.ts", name="helpers calling each other in a loop, none paginating"),
    invalid("""
import { query } from "./_generated/server";
import { paginationOptsValidator } from "convex/server";
export const entsFeed = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const mine = await ctx.table("posts").paginate(paginationOpts);
    const theirs = await ctx.table("users").getX("u1" as any).edge("followers").paginate(paginationOpts);
    return [mine, theirs];
  },
});
""", [7], filename="convex/ents.ts", name="Ents tables"),
]

# Files whose summaries hold no `.paginate()` (no `paginate` in their bytes) are not read unless a file
# they import or re-export from may hold one (`_Resolver._may_paginate`): chains through such files.
RELAY = {
    "convex/model/relay.ts": """
import * as Posts from "./posts";
import { pinned } from "./posts";
export async function twice(ctx: any, opts: any) { return [await Posts.pinnedPage(ctx, opts), await hop(ctx, opts)]; }
async function hop(ctx: any, opts: any) { return Posts.pageOf(ctx, opts); }
export async function calm(ctx: any) { return pinned(ctx, 3); }
""",
    "convex/model/index.ts": 'export * from "./relay";\nexport { pinnedPage as page } from "./posts";\n',
    "convex/model/plain.ts": 'import { fmt } from "./fmt";\nexport async function label(ctx: any, id: any) { return fmt(await ctx.db.get(id)); }\n',
    "convex/model/fmt.ts": "export function fmt(x: any) { return String(x); }\n",
    "convex/model/double.ts": 'import { page } from "./index";\n'
                              "export async function double(ctx: any, o: any) { return [await page(ctx, o), await page(ctx, o)]; }\n",
}
RELAY_HEAD = """
import { query } from "./_generated/server";
import { paginationOptsValidator } from "convex/server";
import { twice, calm } from "./model/relay";
import * as Model from "./model/index";
import { label } from "./model/plain";
import { double } from "./model/double";
"""


def _relay_query(call: str) -> str:
    return RELAY_HEAD + """
export const q = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => %s,
});
""" % call


RELAY_CASES = [
    invalid(_relay_query("twice(ctx, paginationOpts)"), [10], files={**FILES, **RELAY}, filename="convex/relay.ts", message="can run 2 paginated queries",
            name="a file without paginate calling one that has it"),
    invalid(RELAY_HEAD + """
export const b = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const first = await Model.page(ctx, paginationOpts);
    return [first, await Model.twice(ctx, paginationOpts)];
  },
});
""", [12], files={**FILES, **RELAY}, filename="convex/relay.ts", message="second paginated query",
            name="through export * and export { x as y } from"),
    invalid(_relay_query("double(ctx, paginationOpts)"), [10], files={**FILES, **RELAY}, filename="convex/relay.ts", message="can run 2 paginated queries",
            name="a helper importing what a file only re-exports"),
    valid(RELAY_HEAD + """
export const c = query({
  args: { paginationOpts: paginationOptsValidator, id: v.id("posts") },
  handler: async (ctx, { paginationOpts, id }) => {
    const pins = await calm(ctx);
    const shown = await label(ctx, id);
    return { page: await ctx.db.query("posts").paginate(paginationOpts), pins, shown };
  },
});
""".replace('import { query }', 'import { v } from "convex/values";\nimport { query }'), files={**FILES, **RELAY},
          filename="convex/relay.ts", name="helpers reaching no second page"),
]


@pytest.mark.parametrize("case", CASES + RELAY_CASES, ids=repr)
def test_multiple_paginate(tmp_path, case):
    run_case(tmp_path, "multiple-paginate", case)


@pytest.mark.parametrize("case", RELAY_CASES, ids=repr)
def test_multiple_paginate_with_deferred_summaries(tmp_path, case):
    """As `check` runs: other files' summaries worked out when read (analysis/deferred.py)."""
    from convex_lsp.analysis import deferred

    with deferred.enabled():
        run_case(tmp_path, "multiple-paginate", case)


def test_summaries_of_files_reaching_no_paginate_are_not_worked_out(tmp_path):
    from convex_lsp.analysis import deferred
    from tests.ruletester import lint_files

    code = RELAY_HEAD + """
export const c = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => [await label(ctx, "x"), await ctx.db.query("posts").paginate(paginationOpts)],
});
"""
    settled = []
    real = deferred.Pending._work_out

    def spy(pending):
        settled.append(pending.path.rsplit("/", 1)[-1])
        return real(pending)

    with deferred.enabled():
        deferred.Pending._work_out = spy
        try:
            assert not lint_files(tmp_path, {**FILES, **RELAY, "convex/relay.ts": code}, select=["CVX214"])
        finally:
            deferred.Pending._work_out = real
    assert "plain.ts" not in settled and "fmt.ts" not in settled
