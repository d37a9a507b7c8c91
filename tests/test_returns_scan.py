"""The shortcuts that make the return inference and the pagination paths cheap answer exactly what
the plain walks answer: nodes found from their bytes (analysis/byte_scan.py), a read's tests found
through its first name, path summaries that skip the subtrees holding no event."""

from __future__ import annotations

import textwrap

import pytest

from convex_lsp.analysis import byte_scan, paths_util
from convex_lsp.analysis import convex as cx
from convex_lsp.analysis import returns_infer as ri
from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import FUNCTION_TYPES, file_cache, returns_of, text

CODE = textwrap.dedent("""
    import { query } from "./_generated/server";
    // return ids; if (ids) { return id }
    export async function load(ctx, ids: string[], id, opts) {
      const returnValue = "return id";
      if (!ids) return null;
      if (opts.kind === "a" && id.length > 2) {
        return ids.map((x) => { if (x.done) { return x; } return null; });
      }
      class Box { get() { return id; } }
      const pick = function () { return opts?.deep.value ? ids : []; };
      for (const i of ids) { if (typeof i === "string") { continue; } }
      switch (opts.mode) { case "x": return this.cache; default: break; }
      do { id = id + 1; } while (id < 3 || opts.more);
      const shorthand = { id, ids };
      const f = function () { return 1; } || opts;
      return returnValue ? { ...shorthand, idx: ids[0] } : id ?? undefined;
    }
    export const list = query({
      args: {},
      handler: async (ctx, { id }) => (id && id.kind === "x" ? ctx.db.get(id) : null),
    });
""")


# tokens next to other words and characters: the byte checks made before asking the tree must keep
# every node the tree has there (broken code too: a name right after a number or a regex's flags)
EDGES = textwrap.dedent("""
    const é = 1, args$ = 2, $args = 3, _return = 4;
    export function edge(args, doc, x) {
      const undo = doc?.diff ?? args; const switcher = { doc, args };
      if (x ?.5 : 7) { return 1args; }
      const r = /a/gargs; const n = 0x1fargs + 123nargs + 1.5eargs;
      while (éargs || argsé || args\u00a0&& doc) { do { x = x?.y ? args : doc; } while (doc && !x); }
      switch (args) { case "return args": return undo; default: return $args?.x ?? _return; }
      return (args) ? args$ : (doc ? 1 : 2);
    }
""")


def _model(code: str) -> FileModel:
    return FileModel(SourceFile.from_bytes("/w/convex/x.ts", code.encode()), "/w/convex", "x")


@pytest.fixture(scope="module")
def model():
    return _model(CODE)


@pytest.fixture(scope="module")
def edges():
    return _model(EDGES)


def _all(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.named_children)


def _functions(model):
    return [n for n in _all(model.root) if n.type in FUNCTION_TYPES]


def test_own_returns_are_the_returns_a_walk_finds(model, edges):
    assert _own_returns_checked(edges) == 1
    assert _own_returns_checked(model) >= 4  # the outer function, the callback, the method, `pick`


def _own_returns_checked(model) -> int:
    checked = 0
    for fn in _functions(model):
        body = fn.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            continue
        want = [n.id for n in returns_of(body)]
        assert [n.id for n in byte_scan.own_returns(body, model.src.data)] == want
        with file_cache(model.memo):  # asking convex's function index (a body without `class`)
            assert [n.id for n in byte_scan.own_returns(body, model.src.data, cx.innermost_function)] == want
        checked += bool(want)
    return checked


def test_identifiers_named_are_the_identifiers_a_query_finds(model, edges):
    assert {"id", "ids", "opts", "returnValue", "x"} <= _identifiers_compared(model)
    names = _identifiers_compared(edges)
    assert {"args", "doc", "args$", "$args", "é"} <= names
    assert len(byte_scan.identifiers_named(edges.root, edges.src.data, "args")) >= 8
    assert byte_scan.identifiers_named(model.root, model.src.data, "") is None


def _identifiers_compared(model) -> set:
    names = {text(n) for n in _all(model.root) if n.type in ("identifier", "shorthand_property_identifier")}
    for name in names | {"return", "idx", "nothing", "args", "gargs", "fargs", "1"}:
        got = byte_scan.identifiers_named(model.root, model.src.data, name)
        assert [n.id for n in got] == [n.id for n in ri._identifier_nodes(model.root, model.path, name)], name
    return names


def _tests_something(n) -> bool:
    """What `_tested_parts` reads anything from: a binary expression only with `&&`/`||`."""
    return n.type != "binary_expression" or text(n.child_by_field_name("operator")) in ("&&", "||")


def test_condition_nodes_are_the_nodes_starting_in_the_function(model, edges):
    assert _conditions_compared(model)  # `function () {…} || opts` starts with the function it holds
    assert not _conditions_compared(edges)


def _conditions_compared(model) -> bool:
    types = ri._COND_TYPES
    everything = [n for n in _all(model.root) if n.type in types and _tests_something(n)]
    seen_outside = False
    for fn in _functions(model):
        want = {n.id for n in everything if fn.start_byte <= n.start_byte < fn.end_byte}
        got = byte_scan.condition_nodes(fn, model.src.data, types)
        assert {n.id for n in got if _tests_something(n)} == want
        assert len({n.id for n in got}) == len(got)
        seen_outside |= any(n.end_byte > fn.end_byte for n in got)
    return seen_outside


def _slow_tested(inf, node, read):
    heads = ri._heads(read) if "." in read else ()
    for fn in ri.cx.enclosing_functions(node):
        tested, tested_heads = ri._tested_reads(inf._conditions(fn), {})
        if read in tested or read in tested_heads or any(h in tested for h in heads):
            return True
    return False


def test_a_read_is_tested_exactly_when_the_full_set_of_tested_reads_says_so(model):
    inf = ri.Inferer(model)
    answers = set()
    for n in _all(model.root):
        if n.type == "identifier":
            read = text(n)
        elif n.type == "member_expression":
            read = text(n).replace("?.", ".")
        else:
            continue
        if not ri.cx.enclosing_functions(n):
            continue
        got = inf._tested(n, read)
        assert got == _slow_tested(inf, n, read), (read, n.start_byte)
        answers.add(got)
    assert answers == {True, False}


# where a name is bound: declarations before the use (a comment, a string or an earlier use holding
# the name too; a declarator after the use in the same statement), parameters (a default or a type
# naming it), a function's own name, `for … of`, switch cases, class bodies, nested blocks
BINDINGS = textwrap.dedent("""
    import { helper } from "./helper";
    // total doc
    const total = 1; /* doc */ let doc = helper(total);
    export function outer(args, { id, opts: { deep } } = { id: args }, n: typeof doc = 2) {
      let a = b, b = a + n;
      const note = "doc id args"; // doc
      if (args) { const doc = args.doc; return [doc, id, deep, note]; }
      for (const item of args.items) { const got = item ?? doc; }
      for (const key in args) { key; }
      switch (args.kind) { case doc: const inner = id; return inner; default: { let x = outer; return x; } }
      class C { doc = doc; m() { return this.doc ?? total; } }
      const f = (doc) => ({ doc, total, args }), g = function named(y) { return named(y) + y; };
      function outer2() { return outer2; }
      return { a, b, f, g, C, total };
    }
""")


def _slow_binding(model, ident, name):
    """Inferer._binding as a plain walk up: every statement before the use, every parameter."""
    cur, parent = ident, ident.parent
    while parent is not None:
        if parent.type in ("statement_block", "program", "switch_case", "switch_default", "class_body"):
            for stmt in parent.named_children:
                if stmt.start_byte >= ident.start_byte:
                    break
                d = ri._declarator_of(stmt, name)
                if d is not None:
                    return ("decl", d.id, None)
        elif parent.type in FUNCTION_TYPES:
            for p in ri.function_params(parent):
                if name in ri._pattern_names(ri.param_pattern(p)):
                    return ("param", parent.id, p.id)
            if parent.type == "function_declaration" and text(parent.child_by_field_name("name")) == name:
                return None
        elif parent.type == "for_in_statement":
            left = parent.child_by_field_name("left")
            if left is not None and name in ri._pattern_names(left) and cur.id != left.id \
                    and any(c.type == "of" for c in parent.children):
                return ("forof", parent.id, None)
        cur, parent = parent, parent.parent
    return None


def test_a_binding_found_from_the_bytes_is_the_one_a_plain_walk_finds(model, edges):
    kinds = set()
    for m in (model, edges, _model(BINDINGS)):
        inf = ri.Inferer(m)
        for n in _all(m.root):
            if n.type not in ("identifier", "shorthand_property_identifier"):
                continue
            got = inf._binding(n, text(n))
            got = None if got is None else (got[0], got[1].id, got[2].id if got[2] is not None else None)
            assert got == _slow_binding(m, n, text(n)), (text(n), n.start_byte)
            kinds.add(got[0] if got is not None else None)
    assert kinds == {"decl", "param", "forof", None}


def test_a_summary_skipping_the_idle_subtrees_evaluates_the_same(model):
    calls = {c.id for c in model.calls if text(c.child_by_field_name("function")) in ("ids.map", "ctx.db.get")}

    def classify(call):
        return ("call", text(call.child_by_field_name("function"))) if call.id in calls else None

    events = sorted(c.start_byte for c in model.calls if c.id in calls)
    exits = [i for i in range(len(model.src.data)) if model.src.data.startswith((b"return", b"throw"), i)]
    compared = 0
    for fn in _functions(model):
        full = paths_util.summarize_function(fn, classify)
        lo, hi = fn.start_byte, fn.end_byte
        marks = sorted([s for s in events if lo <= s < hi] + [s for s in exits if lo <= s < hi])
        pruned = paths_util.summarize_function(fn, classify, marks)
        for counts in ({"ids.map": 1, "ctx.db.get": 1}, {"ids.map": 2, "ctx.db.get": 0}, {}):
            def count(name, counts=counts):
                return counts.get(name, 0)
            assert paths_util.worst(pruned, count) == paths_util.worst(full, count)
        compared += full != paths_util._EMPTY
    assert compared >= 2


PAGINATE_CODE = textwrap.dedent("""
    import * as Posts from "./model/posts";
    import { pageOf, other as renamed } from "./model/posts";
    import type * as Types from "./types";
    import def from "./model/default";
    import { fromPackage } from "some-package";
    import { query } from "./_generated/server";
    async function local(ctx) { return await pageOf(ctx); }
    function idle(x) { return x + 1; }
    export const feed = query({
      args: {},
      handler: async (ctx, args) => {
        await (await Posts).pinned(ctx);
        await (Posts as any).page(ctx);
        await Posts!.page(ctx);
        await (Posts).page?.(ctx);
        await Posts.deep.page(ctx);
        await (pageOf)(ctx);
        await pageOf?.(ctx);
        await renamed(ctx); await Types.f(); await def(ctx); await def.x(ctx);
        await fromPackage(ctx); await local(ctx); await idle(1);
        const pageOfs = [pageOf]; const s = "pageOf(ctx)"; // pageOf(ctx)
        return await ctx.db.query("posts").paginate(args.paginationOpts);
      },
    });
""")


def test_paginate_events_are_the_calls_a_plain_loop_classifies():
    from convex_lsp.analysis.indexes_util import dot_span
    from convex_lsp.analysis.rules import multiple_paginate as mp
    from convex_lsp.analysis.syntax import member_chain

    m = FileModel(SourceFile.from_bytes("/w/convex/feed.ts", PAGINATE_CODE.encode()), "/w/convex", "feed")
    pag = mp.paginate_calls(m)
    imports = {}
    for imp in m.facts.imports:
        imports.setdefault(imp.local, imp)
    found = []
    for call in m.calls:  # the plain loop: every call of the file
        fn = call.child_by_field_name("function")
        if call.id in pag:
            found.append((call, ("leaf",) + dot_span(fn, call)))
        elif fn.type in ("identifier", "member_expression"):
            chain = [text(fn)] if fn.type == "identifier" else member_chain(fn)
            name = ".".join(chain) if chain and len(chain) <= 2 else None
            if name is not None and mp._followable(name, m.facts.helpers, imports.get):
                found.append((call, ("call", name)))
    idle = mp._idle_helpers(m.helper_nodes, found)
    want = {c.id: k for c, k in found if k[0] == "leaf" or k[1] not in idle}
    classify, starts, kinds = mp._classifier(m)
    assert {c.id: classify(c) for c in m.calls if classify(c) is not None} == want
    assert starts == sorted(c.start_byte for c in m.calls if c.id in want)
    assert kinds == [want[c.id] for c in sorted((c for c in m.calls if c.id in want), key=lambda c: c.start_byte)]
    names = sorted(k[1] for k in want.values() if k[0] == "call")
    # not `(pageOf)(…)`, `Posts.deep.page(…)`, a default or package import, nor the idle helper
    assert names == ["Posts.page", "Posts.page", "Posts.page", "Posts.pinned", "Types.f", "local", "pageOf",
                     "pageOf", "query", "renamed"]
    assert sum(k[0] == "leaf" for k in want.values()) == 1
