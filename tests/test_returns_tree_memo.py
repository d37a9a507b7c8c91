"""Every Inferer of one model shares its tree-only answers (`_TreeMemo`: identifiers by name, own
returns, conditions), kept in the model's per-parse store: the fact extractor's, CVX113's and
CVX101's fix. Sharing must change nothing: findings and fixes equal those of fresh memos, each
handler's inferred shape equals a fresh Inferer's whatever ran first, and a re-parsed tree never
sees another tree's memo."""

from __future__ import annotations

import pytest

from convex_lsp.analysis import returns_infer as ri
from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import file_cache
from tests.ruletester import first_fixes, lint_files
from tests.test_returns_deferred import HELPERS

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  users: defineTable({ name: v.string(), email: v.optional(v.string()) }),
  messages: defineTable({ body: v.string(), n: v.number(), author: v.id("users") }).index("by_n", ["n"]),
});
"""

MODEL = HELPERS  # helpers calling each other, an ERROR node, non-ASCII (test_returns_deferred's)

FUNCTIONS = """
import { query, mutation, internalMutation, internalQuery } from "./_generated/server";
import { v } from "convex/values";
import { ping, pong, latest, userOrNull } from "./helpers";

// «Grüße»: the same helpers from here, in another order
async function local(db, id) {
  const u = await db.get(id);
  if (u === null) return again(db, id);
  return { name: u.name, note: "ünïcode ✓" };
}
async function again(db, id) { return id ? local(db, id) : null; }

export const one = query({
  args: { id: v.id("users") },
  returns: v.object({ name: v.string() }),
  handler: async ({ db }, { id }) => {
    const u = await db.get(id);
    return u;
  },
});
export const two = query({
  args: { id: v.id("users") },
  returns: v.object({ name: v.string(), note: v.string() }),
  handler: async ({ db }, args) => local(db, args.id),
});
export const three = query({
  args: { n: v.number() },
  returns: v.array(v.object({ body: v.string() })),
  handler: async (c, { n }) => latest(c, n),
});
export const four = query({
  args: { id: v.id("users") },
  returns: v.string(),
  handler: async (ctx, { id }) => {
    if (id) { return pong(ctx, id); }
    return userOrNull(ctx, id);
  },
});
export const broken = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => { const x = { a: 1, b: ( }; return "ä"; },
});
export const five = internalMutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const id = await ctx.db.insert("messages", { body, n: 1, author: body as any });
    return { id, body, state: "neu" };
  },
});
export const six = internalQuery({
  args: {},
  handler: async (ctx) => (await ctx.db.query("users").collect()).map((u) => ({ n: u.name, ß: 1 })),
});
"""

FILES = {"convex/schema.ts": SCHEMA, "convex/helpers.ts": MODEL, "convex/things.ts": FUNCTIONS}


@pytest.fixture
def fresh_memos(monkeypatch):
    """Each Inferer with a memo of its own (as before the memo was shared)."""
    def use():
        monkeypatch.setattr(ri, "_tree_memo", lambda model: ri._TreeMemo())
    return use


def _findings(root):
    return sorted((f.code, f.path, f.srow, f.scol, f.message)
                  for f in lint_files(root, FILES, select=["CVX113", "CVX101"]))


def test_findings_and_fixes_equal_fresh_memos(tmp_path, fresh_memos):
    shared = _findings(tmp_path / "a")
    shared_fixes = first_fixes(tmp_path / "b", FILES, "convex/things.ts", "CVX101")
    fresh_memos()
    fresh = _findings(tmp_path / "c")
    fresh_fixes = first_fixes(tmp_path / "d", FILES, "convex/things.ts", "CVX101")
    assert [c for c, *_ in shared].count("CVX113") >= 2, shared  # the comparison compares something
    assert [c for c, *_ in shared].count("CVX101") >= 2, shared
    assert any(fx is not None for fx in shared_fixes), shared_fixes
    assert shared == fresh
    assert shared_fixes == fresh_fixes


def _model(data: bytes, path: str = "/w/convex/things.ts") -> FileModel:
    memo: dict = {}
    with file_cache(memo):
        return FileModel(SourceFile.from_bytes(path, data), "/w/convex", "things", memo=memo)


def _handler_shapes(inf, model):
    out = []
    for reg in model.registrations:
        hr = inf.function_returns(reg.handler) if reg.handler is not None else None
        out.append(None if hr is None else (hr.falls_off, [(s.node.start_byte, s.shape) for s in hr.sites]))
    return out


@pytest.mark.parametrize("first", ["extract", "forward", "backward"])
def test_a_second_inferer_on_a_used_memo_infers_as_a_fresh_one(first):
    data = FUNCTIONS.encode()
    want_model = _model(data)
    with file_cache(want_model.memo):
        want = _handler_shapes(ri.Inferer(want_model), want_model)
    assert any(w is not None and w[1] for w in want)

    model = _model(data)
    with file_cache(model.memo):
        warm = ri.Inferer(model)
        if first == "extract":
            ri.eager_summary(model)
        else:
            helpers = [n for n in model.root.named_children if n.type == "function_declaration"]
            for fn in helpers if first == "forward" else helpers[::-1]:
                warm.helper_shape(fn)
            _handler_shapes(warm, model)
        second = ri.Inferer(model)
        assert second._tree is warm._tree and second._tree.returns  # shared, and already filled
        assert _handler_shapes(second, model) == [
            None if w is None else (w[0], w[1]) for w in want]


def test_a_reparsed_tree_gets_a_memo_of_its_own():
    a = _model(FUNCTIONS.encode())
    b = _model(FUNCTIONS.replace("ünïcode", "unicode").encode())
    with file_cache(a.memo):
        ta = ri.Inferer(a)._tree
        _handler_shapes(ri.Inferer(a), a)
    with file_cache(b.memo):
        tb = ri.Inferer(b)._tree
    assert ta is not tb and ta.returns and not tb.returns


# a declaration's shape is kept (Inferer._declared) only when worked out with no recursion cut and no
# expression too deep, and given again to questions asked no deeper: a use deep in a nested literal
# (past the depth limit) before or after a plain use, a value calling recursive helpers, the same
# constant read from a helper and from handlers
NEST = "{ a: " * 9 + "{ x: d }" + " }" * 9  # `d` read at depth 10: `top` in its value at 12, top's value at 13
DECLS = f"""
import {{ query }} from "./_generated/server";
const top = {{ kind: "top", n: 1 }};
async function ping(ctx, id) {{ const u = await ctx.db.get(id); return u ? pong(ctx, id) : {{ top }}; }}
async function pong(ctx, id) {{ const again = await ping(ctx, id); return again ?? top; }}
export const deepFirst = query({{
  args: {{}},
  handler: async (ctx, args) => {{
    const d = {{ k: 1, t: top }};
    if (args.x) {{ return {NEST}; }}
    return d;
  }},
}});
export const plainFirst = query({{
  args: {{}},
  handler: async (ctx, args) => {{
    const d = {{ k: 1, t: top }};
    if (args.x) {{ return d; }}
    return {NEST};
  }},
}});
export const cycle = query({{
  args: {{}},
  handler: async (ctx, {{ id }}) => {{
    const p = await ping(ctx, id);
    const q = await pong(ctx, id);
    return {{ p, q, again: p, top }};
  }},
}});
"""


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_a_kept_declaration_shape_is_the_one_worked_out_again(order, monkeypatch):
    def ask(inf, model):
        regs = list(model.registrations)
        helpers = [n for n in model.root.named_children if n.type == "function_declaration"]
        if order == "backward":
            regs, helpers = regs[::-1], helpers[::-1]
        shapes = [inf.helper_shape(fn) for fn in helpers]
        for reg in regs:
            hr = inf.function_returns(reg.handler)
            shapes.append((hr.falls_off, [s.shape for s in hr.sites]))
        return shapes

    model = _model(DECLS.encode())
    with file_cache(model.memo):
        inf = ri.Inferer(model)
        kept = ask(inf, model)
        assert inf._declared_memo and inf.deep and inf.cuts  # the cases are met
    monkeypatch.setattr(ri.Inferer, "_declared", lambda self, decl, name, use, depth: self._declared_now(decl, name, depth))
    model = _model(DECLS.encode())
    with file_cache(model.memo):
        again = ask(ri.Inferer(model), model)
    assert kept == again
    assert any(s.kind == "object" and any(f.name == "k" for f in s.fields) for _, sites in kept[2:] for s in sites)
