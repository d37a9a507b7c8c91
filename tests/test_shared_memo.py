"""The per-file machinery rules stand on gives the answers of a plain walk of the tree, only cheaper:
node text and member chains memoised per file, the enclosing functions found from the file's
function index, calls found by callee name. Every node of real-looking sources (syntax errors,
non-ASCII text, classes, generators, nested arrows) is checked against the walk."""

from __future__ import annotations

import gc
import os

from convex_lsp.analysis import convex as cx
from convex_lsp.analysis import syntax
from convex_lsp.analysis.engine import build_model
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.source import SourceFile

from .ruletester import write_project

SOURCES = {
    "convex/tasks.ts": """\
import { query, mutation, internalMutation } from "./_generated/server";
import { v } from "convex/values";

export const list = query({
  args: { done: v.optional(v.boolean()) },
  handler: async (ctx, { done }) => {
    const rows = await ctx.db.query("tasks").withIndex("by_done", (q) => q.eq("done", done ?? false)).collect();
    return rows.map((r) => ({ ...r, label: r.text.toUpperCase() }));
  },
});

function helper(db: DatabaseReader, id) {
  const f = function inner(x) { return x.y?.z; };
  return db.get(id).then(f);
}

export const add = mutation(async ({ db }, { text }: { text: string }) => {
  await db.insert("tasks", { text, done: false });
});

class Repo {
  constructor(private ctx: QueryCtx) {}
  *ids() { yield* this.ctx.db.query("tasks").collect(); }
  async get(id) { return this.ctx.db.get(id); }
}

export const later = internalMutation({ handler: async (c) => { const { db } = c; await db.delete(x); } })
""",
    "convex/broken.ts": """\
import { query } from "./_generated/server";
export const q = query({
  handler: async (ctx) => {
    const a = ctx.db.query("t").filter((q) => q.eq(q.field("x"), 1)
    if (a) { return () => ctx.db.get(
  },
});
const f = (x) => (y) => x + y
f(1)(2)
;(f as any)(3);
(await import("x")).run!(4)
""",
    "convex/unicode.ts": """\
// été — 日本語 😀
import { query } from "./_generated/server";
export const greet = query({ handler: async (ctx) => { const s = "héllo 😀"; return `${s} ${ctx.auth}`; } });
const arrow = async () => { await Promise.all([1, 2].map(async (n) => n * 2)); };
""",
}


def _models(tmp_path):
    root = write_project(tmp_path, SOURCES)
    ws = discover([root])
    models = [build_model(str(tmp_path / rel), None, ws) for rel in SOURCES]
    assert all(not m.facts.refs_only and m.src.tree is not None for m in models)
    return models


def _all_nodes(root):
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _walked_functions(node):
    out, cur = [], node.parent
    while cur is not None:
        if cur.type in syntax.FUNCTION_TYPES:
            out.append(cur)
        cur = cur.parent
    return tuple(out)


def test_enclosing_functions_from_the_index_match_the_walk(tmp_path):
    checked = 0
    for model in _models(tmp_path):
        assert cx._FUNCTION_INDEX in model.memo
        nodes = _all_nodes(model.root)
        with cx.file_cache(model.memo):
            for n in nodes:  # every node, anonymous, ERROR and MISSING ones included
                assert cx.enclosing_functions(n) == _walked_functions(n), (model.path, n.type, n.start_byte)
                checked += 1
            for n in reversed(nodes):  # memoised answers too
                assert cx.enclosing_functions(n) == _walked_functions(n)
    assert checked > 500


def test_nodes_of_another_tree_get_their_own_answers(tmp_path):
    """A tree parsed on the side while a file is linted (a validator's text, say) is no node of
    the file: the memo and the function index must not answer for it from the file's nodes, even
    after such trees are freed and their memory used again."""
    model = _models(tmp_path)[0]
    with cx.file_cache(model.memo):
        for round_ in range(30):
            code = f"const k{round_} = (a) => a.b{round_}.c; v.object({{ x: v.string() }});".encode()
            other = SourceFile.from_bytes("/side.ts", code).tree
            for n in _all_nodes(other.root_node):
                assert syntax.text(n) == n.text.decode()
                assert cx.enclosing_functions(n) == _walked_functions(n)
                if n.type == "member_expression":
                    assert syntax.member_chain(n) == syntax._member_chain(n)
            del other, n
            gc.collect()


def test_text_and_member_chain_are_memoised_per_file(tmp_path):
    model = _models(tmp_path)[2]  # non-ASCII text
    members = [n for n in _all_nodes(model.root) if n.type == "member_expression"]
    assert members
    with cx.file_cache(model.memo):
        for n in _all_nodes(model.root):
            assert syntax.text(n) == n.text.decode("utf-8") == syntax.text(n)
        for n in members:
            chain = syntax.member_chain(n)
            assert chain == syntax._member_chain(n)
            if chain is not None:
                chain.append("changed")  # a caller's copy: the memo keeps its own
                assert syntax.member_chain(n) == syntax._member_chain(n)
    assert '"héllo 😀"' in model.memo[syntax._TEXTS].values()


def test_calls_named_is_the_calls_filtered_by_callee(tmp_path):
    models = _models(tmp_path)
    for model in models:
        names = model.callee_names()
        assert names
        for name in names:
            assert model.calls_named(name) == [c for c in model.calls if syntax.callee_name(c) == name]
        several = sorted(names)[:3]
        assert model.calls_named(*several) == [c for c in model.calls if syntax.callee_name(c) in several]
        # a wrapped callee is not named (rules/_calls.py adds those calls where a rule looks through it)
        assert not any(c.child_by_field_name("function").type in ("parenthesized_expression", "non_null_expression")
                       for c in model.calls_named(*names))
        assert model.calls_named("noSuchCallee") == []


def test_index_views_and_module_resolution_follow_the_files(tmp_path):
    """A file set once changes every view; set again, only what its facts changed (the signature of
    the first facts is worked out then); relative imports resolve to the files indexed at the time
    of the question (answers are remembered until a file is added or removed)."""
    from convex_lsp.analysis.facts import ExportFact, FileFacts, ImportFact
    from convex_lsp.analysis.index import WorkspaceIndex

    ix = WorkspaceIndex()
    a = os.path.join(str(tmp_path), "convex", "a.ts")
    b = os.path.join(str(tmp_path), "convex", "lib", "b.ts")
    fa = FileFacts(path=a, functions_dir=None, module=None, imports=[ImportFact("f", "f", "./lib/b", False)])
    assert ix.set_facts(a, fa) == {"schema", "api", "refs"}
    assert ix.resolve_module(a, "./lib/b") is None
    assert ix.set_facts(b, FileFacts(path=b, functions_dir=None, module=None)) == {"schema", "api", "refs"}
    assert ix.resolve_module(a, "./lib/b") == b
    assert ix.resolve_module(a, "./lib/b.js") == b
    same = FileFacts(path=a, functions_dir=None, module=None, imports=[ImportFact("f", "f", "./lib/b", False)])
    assert ix.set_facts(a, same) == set()
    more = FileFacts(path=a, functions_dir=None, module=None, imports=list(same.imports),
                     exports=[ExportFact("g", "g")])
    assert ix.set_facts(a, more) == {"api"}
    ix.remove(b)
    assert ix.resolve_module(a, "./lib/b") is None
