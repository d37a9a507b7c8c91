import pytest

from tests.ruletester import FUNCTIONS_TS, first_fixes, invalid, run_case, valid

HEAD = """
import { query } from "./_generated/server";
import { v } from "convex/values";
"""

CASES = [
    valid(HEAD + """
import { paginationOptsValidator } from "convex/server";
import { pageArgs } from "./lib/validators";
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const opts = { ...paginationOpts, numItems: Math.min(paginationOpts.numItems, 50) };
    return await ctx.db.query("messages").order("desc").paginate(opts);
  },
});
export const shared = query({
  args: { paginationOpts: pageArgs },
  handler: async (ctx, args) => ctx.db.query("messages").paginate(args.paginationOpts),
});
export const notPaged = query({
  args: { opts: v.object({ numItems: v.number() }) },
  handler: async (ctx, { opts }) => ctx.db.query("messages").take(opts.numItems),
});
""", name="the validator, a shared const, spread-and-clamp, no paginate"),
    invalid(HEAD + """
import { authedQuery } from "./functions";
export const list = authedQuery({
  args: {
    channel: v.string(),
    paginationOpts: v.object({ numItems: v.number(), cursor: v.union(v.string(), v.null()) }),
  },
  handler: async (qctx, args) => {
    return await qctx.db.query("messages").paginate(args.paginationOpts);
  },
});
export const raw = query({
  args: { page: v.any() },
  handler: async ({ db }, { page: p }) => db.query("messages").paginate(p),
});
""", [8, 15], files={"convex/functions.ts": FUNCTIONS_TS}, message="paginationOptsValidator",
        name="hand-written object and v.any(), custom builder, renamed destructuring"),
    invalid(HEAD + """
import { paginationOptsValidator } from "convex/server";
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, args) => {
    return await ctx.db.query("messages").paginate({
      numItems: args.paginationOpts.numItems,
      cursor: args.paginationOpts.cursor,
    });
  },
});
""", [8], message="endCursor", name="options rebuilt field by field"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_pagination_opts_validator(tmp_path, case):
    run_case(tmp_path, "pagination-opts-validator", case)


def _fixes(tmp_path, code):
    return first_fixes(tmp_path, {"convex/messages.ts": code}, "convex/messages.ts", "CVX215")


def test_validator_fix_adds_the_import(tmp_path):
    [(app, out)] = _fixes(tmp_path, HEAD + """
export const list = query({
  args: { paginationOpts: v.object({ numItems: v.number(), cursor: v.union(v.string(), v.null()) }) },
  handler: async (ctx, { paginationOpts }) => ctx.db.query("messages").paginate(paginationOpts),
});
""")
    assert app == "safe"
    assert 'import { paginationOptsValidator } from "convex/server";' in out
    assert "args: { paginationOpts: paginationOptsValidator }," in out


def test_any_is_unsafe_and_rebuilt_opts_pass_through(tmp_path):
    [(app, _)] = _fixes(tmp_path, HEAD + """
export const list = query({
  args: { paginationOpts: v.any() },
  handler: async (ctx, args) => ctx.db.query("messages").paginate(args.paginationOpts),
});
""")
    assert app == "unsafe"
    [(app, out)] = _fixes(tmp_path / "b", HEAD + """
import { paginationOptsValidator } from "convex/server";
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) =>
    ctx.db.query("messages").paginate({ numItems: Math.min(paginationOpts.numItems, 20), cursor: paginationOpts.cursor }),
});
""")
    assert app == "unsafe"
    assert ".paginate({ ...paginationOpts, numItems: Math.min(paginationOpts.numItems, 20) })" in out
