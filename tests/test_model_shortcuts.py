"""The model's shortcuts answer what the plain ways answer, on realistic code with ERROR nodes and
non-ASCII text: template strings read without their children, the callee index's per-call
answers, the pagination calls found through the callee index."""

from __future__ import annotations

import textwrap

import pytest

from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.rules import multiple_paginate as mp
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import callee_name, file_cache, string_value, text, walk

CODE = textwrap.dedent("""
    import { query, mutation } from "./_generated/server";
    import * as Model from "./model";
    import { paginationOptsValidator } from "convex/server";

    const greeting = `Grüße, ${"welt"}!`;
    const plain = `naïve ünïcode ✓`;
    const escaped = `not \\${a} substitution`;
    const nested = `${`inner ${1}`} and \\` tick`;
    export const list = query({
      args: { paginationOpts: paginationOptsValidator },
      handler: async (ctx, { paginationOpts }) => {
        const who = await ctx.auth.getUserIdentity();
        const page = await ctx.db.query("messages").order("desc").paginate(paginationOpts);
        const other = await ctx.table("users").paginate(paginationOpts);
        const lib = await paginator(ctx.db, schema).query("x").paginate(paginationOpts);
        (ctx.db.get)(`id-${page.continueCursor}`);
        Model.helper(ctx)!.paginate?.(paginationOpts);
        return [page, other, lib, `é${plain}`];
      },
    });
    export const broken = mutation({ handler: async (ctx) => { ctx.db.insert("t", { a: `x ${ }); } });
    function paginate(x) { return this.x.y(x) && requireUser(x); }
    paginate(`ø`);
    new Date().getTime();
    (() => 1)();
    a[b](c)`tagged ${d}`;
""")


@pytest.fixture(scope="module")
def model():
    memo: dict = {}
    with file_cache(memo):
        return FileModel(SourceFile.from_bytes("/w/convex/x.ts", CODE.encode()), "/w/convex", "x", memo=memo)


def test_the_code_has_what_the_test_needs(model):
    assert model.root.has_error
    templates = [n for n in walk(model.root) if n.type == "template_string"]
    assert any("\\${" in text(t) for t in templates) and len(templates) >= 6


def test_template_strings_read_as_the_children_say(model):
    for node in walk(model.root):
        if node.type != "template_string":
            continue
        slow = None if any(c.type == "template_substitution" for c in node.named_children) else text(node)[1:-1]
        assert string_value(node) == slow, text(node)


def test_raw_callees_are_what_callee_name_reads(model):
    raw = model.raw_callees()
    assert len(raw) == len(model.calls) > 10
    for call, got in zip(model.calls, raw):
        fn = call.child_by_field_name("function")
        name = callee_name(call)
        if got is None:
            assert name is None
            continue
        assert got[1] == name and got[2].id == fn.id and got[0] == (fn.type == "identifier")


def test_pagination_calls_are_the_ones_a_walk_of_every_call_finds(model):
    with file_cache(model.memo):
        got = mp.paginate_calls(model)
        slow = {c.terminal.call.id for c in model.query_chains if c.terminal is not None and c.terminal.method == "paginate"}
        for call in model.calls:
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "member_expression" or text(fn.child_by_field_name("property")) != "paginate":
                continue
            if call.id not in slow and mp._ents_root(fn.child_by_field_name("object")):
                slow.add(call.id)
    assert got == slow and len(got) == 2


def test_real_path_is_os_realpath(tmp_path):
    import os

    from convex_lsp.analysis.project import _REAL_DIRS, real_path

    base = tmp_path / "wörk"
    (base / "a" / "b").mkdir(parents=True)
    (base / "a" / "b" / "f.ts").write_text("x")
    (base / "link").symlink_to(base / "a")
    (base / "a" / "fl.ts").symlink_to(base / "a" / "b" / "f.ts")
    (base / "a" / "dangling").symlink_to(base / "nowhere")
    (base / "a" / "loop").symlink_to(base / "a" / "loop")
    (base / ".hid").mkdir()
    (base / ".hid" / "ln").symlink_to(base / "a")
    paths = [str(base / p) for p in ("a", "a/b/f.ts", "link/b/f.ts", "link", "a/fl.ts", "a/dangling", "a/loop",
                                     "link/b/../b/f.ts", "a/./b", "missing/x.ts", ".hidden/x", "a/b/",
                                     ".hid/ln/b/f.ts", ".hid/ln/..", ".hid/ln/../link", "a/b/.", "..x/y")]
    paths += ["/", "relative/x.ts", str(base) + "//a"]
    _REAL_DIRS.clear()
    for _ in range(2):  # cold, then from the memo
        for p in paths:
            assert real_path(p) == os.path.realpath(p), p


IMPORTS = textwrap.dedent("""
    import type { A } from "./a";
    import "./side-effect";
    import x, { type B, c as d, "e-f" as g } from "./x";
    import * as ns from "./ns";
    import { type Only } from "./types";
    import défaut, * as tout from "./ünïcode";
    declare module "m" { import { nested } from "./nested"; }
    import { broken from "./broken";
    function f() { import { swallowed } from "./swallowed"; }
    import {} from "./empty";
    export const z = 1;
""")


def _import_rows(stmts):
    return [(s.node.id, s.source, s.source_node.id, s.type_only, s.side_effect, s.locals,
             [(b.local, b.imported, b.source, b.type_only) for b in s.bindings]) for s in stmts]


@pytest.mark.parametrize("path", ["/w/convex/i.ts", "/w/convex/i.js", "/w/src/i.tsx"])
def test_import_statements_made_with_the_imports_facts_are_the_ones_a_walk_finds(path):
    from convex_lsp.analysis import model as model_mod
    from convex_lsp.analysis.rules import _refs

    refs_only = "/convex/" not in path
    memo: dict = {}
    with file_cache(memo):
        model = FileModel(SourceFile.from_bytes(path, IMPORTS.encode()), None if refs_only else "/w/convex",
                          None if refs_only else "i", refs_only=refs_only, memo=memo)
        assert model.root.has_error
        got = _refs.import_statements(model.root)
        assert got is model_mod.top_level_imports(model.root)  # (the model's answer, memoised)
    slow = model_mod.top_level_imports(model.root)  # (no memo: read again)
    assert got is not slow and _import_rows(got) == _import_rows(slow)
    # the facts: every import statement's bindings, in document order (nested ones too, but in a
    # reference-only file: its top-level ones only)
    every = [model_mod.read_import(n) for n in (model.root.named_children if refs_only else walk(model.root))
             if n.type == "import_statement"]
    facts = [(f.local, f.imported, f.source, f.type_only) for f in model.facts.imports]
    assert facts == [(b.local, b.imported, b.source, b.type_only) for s in every if s is not None for b in s.bindings]
    by_source = {s.source: s for s in slow}
    assert by_source["./x"].locals == ["x", "d", "g"] and by_source["./x"].type_only is False
    assert [(b.local, b.imported, b.type_only) for b in by_source["./x"].bindings] == \
        [("x", "default", False), ("B", "B", True), ("d", "c", False), ("g", "e-f", False)]
    assert by_source["./a"].type_only and by_source["./a"].locals == [] and by_source["./types"].type_only
    assert by_source["./side-effect"].side_effect and by_source["./empty"].type_only is False
    assert by_source["./ünïcode"].locals == ["défaut", "tout"]
    assert "./nested" not in by_source and (("nested", "nested", "./nested", False) in facts) != refs_only


TEXTS = {
    "/w/convex/t.ts": CODE,
    "/w/convex/plain.ts": "export const a = query({ handler: async (ctx) => ctx.db.get(`x`) });\n",
    "/w/convex/t.js": "// ünï\nexport default async function f(ctx) { return ctx.runQuery('a/b:c', { é: 1 }) }\n<div>{x}</div>;\n",
}


@pytest.mark.parametrize("path", sorted(TEXTS))
def test_the_models_text_reader_reads_what_node_text_says(path):
    data = TEXTS[path].encode()
    memo: dict = {}
    with file_cache(memo):
        model = FileModel(SourceFile.from_bytes(path, data), "/w/convex", "t", memo=memo)
    nodes = list(walk(model.root))
    assert len(nodes) > 40 and model.root.has_error == path.endswith("t.ts")
    assert data.isascii() == path.endswith("plain.ts")
    for node in nodes:  # twice: read, then memoised
        assert model.text_of(node) == node.text.decode("utf-8", "replace"), node
    for node in nodes:
        assert model.text_of(node) == node.text.decode("utf-8", "replace"), node
    assert model.text_of(None) == ""
    with file_cache(model.memo):  # one memo: `text` answers what the reader stored
        assert all(text(n) == model.text_of(n) for n in nodes)


STRING_REFS = textwrap.dedent("""
    import { makeFunctionReference as ref } from "convex/server";
    import { cronJobs } from "convex/server";
    const crons = cronJobs();
    crons.interval("tick", { minutes: 1 }, "jobs:tick");
    export const run = action({ handler: async (ctx) => {
      await ctx.runQuery("messages/list:all", {});
      await ctx.scheduler.runAfter(0, "émoji/x:y", {});
      ctx.runMutation(`a/b:c`);
      useQuery("a:b"); convex.query("c:d"); fetchQuery("e:f"); foo("g:h"); x.bar("i:j");
      ref("k/l:m"); ctx.run(
    }});
    const h = httpAction(async (ctx) => ctx.runAction("n:o"));
""")


@pytest.mark.parametrize("path", ["/w/convex/s.ts", "/w/convex/s.js", "/w/app/s.tsx"])
def test_string_references_found_through_the_role_names_are_those_of_every_call(path, monkeypatch):
    from convex_lsp.analysis import refs_extract

    refs_only = "/convex/" not in path

    def refs():
        memo: dict = {}
        with file_cache(memo):
            m = FileModel(SourceFile.from_bytes(path, STRING_REFS.encode()), None if refs_only else "/w/convex",
                          None if refs_only else "s", refs_only=refs_only, memo=memo)
        return [(r.root, r.path, r.kind, r.context, r.span.start) for r in m.facts.api_refs]

    got = refs()
    monkeypatch.setattr(refs_extract, "_role_name", lambda name: True)  # every call asked
    assert got == refs() and len(got) >= 7


IMPORT_VARIANTS = [
    'import x from "y";', "import x from 'y'", 'import {a, b as c,} from "./z";', 'import * as ns from "q";',
    'import "side";', "import './side'", 'import x, * as y from "z";', 'import x, {} from "z";', 'import {} from "z";',
    'import from from "x";', 'import { from } from "x";', 'import { as } from "x";', 'import { as as as } from "x";',
    'import type from "x";', 'import typeof from "x";', 'import {type A} from "x";', 'import { type as B } from "x";',
    'import { type } from "x";', 'import type { A, B } from "x";', 'import type X from "x";', 'import * as type from "x";',
    'import x from "y" /* c */;', 'import /* c */ x from "y";', 'import { a, // c\n b } from "y";',
    'import { a,, b } from "x";', 'import x {a} from "y";', 'import x,{a}from"y"', 'import\n  x,\n  {\n a as b\n }\nfrom\n"y"',
    'import { "e-f" as g } from "x";', 'import { default as d } from "x";', 'import { if } from "x";',
    'import x from "y" with { type: "json" };', 'import x from "y" assert { type: "json" };',
    'import x = require("y");', 'import { a as } from "x";', 'import { a from "x";', 'import défaut from "./ü";',
    'import x from "./ü";', 'import { $a, _b as $c } from "x";', 'import x from "a\\"b";', "import x, y from 'z';",
    'import * as ns, { a } from "x";', 'import {a} , x from "y";', 'import x from `y`;', 'import {a}\nfrom "y"\n',
    # type-only imports and specifiers
    'import type { A, B as C } from "x";', 'import type * as N from "x";', 'import type {} from "x";',
    'import { a, type B, type C as D } from "x";', 'import { type A, type B } from "x";', 'import type { type A } from "x";',
    'import X, { type A } from "x";', 'import type X, { A } from "x";', 'import { type A as type } from "x";',
    'import {type\nA} from "x";', 'import type\n{ A } from "x";', 'import type from from "x";', 'import { type as as B } from "x";',
    'import { typeof A } from "x";', 'import type, { A } from "x";', 'import type * as type from "x";', 'import {type as} from "x";',
    'import { type A as as } from "x";', 'import typeX from "x";', 'import type$ from "x";', 'import type  {A,} from "x";',
]


def _statements_of(path: str, variants: list[str], node_type: str):
    """(spelling, file bytes, node) for every `node_type` node of each spelling, parsed as `path`
    between a non-ASCII comment and an export."""
    for code in variants:
        data = ("// ü\n" + code + "\nexport const q = 1;\n").encode()
        for node in walk(SourceFile.from_bytes(path, data).tree.root_node):
            if node.type == node_type:
                yield code, data, node


@pytest.mark.parametrize("path", ["/w/convex/v.ts", "/w/convex/v.js", "/w/convex/v.tsx"])
def test_imports_read_from_the_bytes_are_what_their_nodes_say(path):
    from convex_lsp.analysis import model as model_mod

    read = 0
    for code, data, node in _statements_of(path, IMPORT_VARIANTS, "import_statement"):
        fast = model_mod.read_import(node, text, data)
        slow = model_mod.read_import(node)
        assert (fast is None) == (slow is None), code
        if fast is None:
            continue
        read += model_mod._read_plain_import(node, data) is not None and not node.has_error
        assert _import_rows([fast]) == _import_rows([slow]), code
    assert read >= 30  # (the fast way was taken, type-only imports included)
    data = b'import type { A, B as C } from "x"; import { a, type B as D } from "y";'
    stmts = [n for n in SourceFile.from_bytes(path, data).tree.root_node.named_children]
    assert [model_mod._read_plain_import(n, data).type_only for n in stmts] == [True, False]


@pytest.mark.parametrize("data", [b"", b"a", b"ab\ncd\n\nef", b"x\r\ny\rz\n", "é\nü x\n".encode(), b"\n\n\n"])
def test_line_index_positions_are_two_positions(data):
    from convex_lsp.analysis.source import LineIndex

    lines = LineIndex(data)
    offsets = range(-2, len(data) + 3)
    for start in offsets:
        for end in offsets:
            assert lines.positions(start, end) == lines.position(start) + lines.position(end), (start, end)


def test_test_paths_told_by_their_words_as_by_the_pattern():
    from convex_lsp.analysis.refs_extract import TEST_PATH_RE, is_test_path

    paths = ["/w/convex/a.test.ts", "/w/convex/a.spec.tsx", "/w/__tests__/x.ts", "/w/__mocks__/m.js", "/w/tests/x.ts",
             "/w/test/x.ts", "/w/e2e/x.ts", "/w/cypress/x.ts", "/w/playwright/x.ts", "/w/vitest.setup.ts",
             "/w/jest.setup.mjs", "/w/test.setup.cjs", "/w/convex/latest.ts", "/w/contest/x.ts", "/w/convex/a.ts",
             "/w/src/spectacle.tsx", "/w/tests", "/w/x.test.tsx.bak", "/w/ü/tests/x.ts",
             "/w/__x__/y.ts", "/w/jestx/setup.ts"]
    assert [is_test_path(p) for p in paths] == [TEST_PATH_RE.search(p) is not None for p in paths]
    assert sum(map(is_test_path, paths)) >= 12


CALLS = textwrap.dedent("""
    class K extends B { m() { super.f(); this.g(); this.#h?.(); } }
    export function helper(ctx, a) {
      this.f(); super.f(); null.f(); undefined.f(); true.f(); false.f(); import.meta.f(); new.target.f();
      arguments.f(); async.f(); get.f(); type.f(); NaN.f(); $x.f(); _y.g(); a?.f(); (a).f(); a . f(); a./*c*/f();
      a.#f(); ü.f(); a[0].f(); a.b.f(); f(); ctx.db.get(a); requireUser(ctx); a.f`t`; (a.f)(); a!.f(); a.f<T>();
      a.
    }
    export const arrow = async (ctx) => { await ctx.runQuery(x.y); z.w(); this.v(); super.u(); };
""")


@pytest.mark.parametrize("path", ["/w/convex/c.ts", "/w/convex/c.js", "/w/convex/c.tsx"])
def test_helpers_plain_calls_are_what_their_nodes_spell(path):
    from convex_lsp.analysis.syntax import unwrap

    memo: dict = {}
    with file_cache(memo):
        model = FileModel(SourceFile.from_bytes(path, CALLS.encode()), "/w/convex", "c", memo=memo)

    def slow(fn):
        out = []
        for call in model.calls_within(fn):
            f = call.child_by_field_name("function")
            if f is not None and f.type == "identifier":
                out.append(text(f))
            elif f is not None and f.type == "member_expression" and f.child_by_field_name("property") is not None:
                prop = f.child_by_field_name("property")
                obj = unwrap(f.child_by_field_name("object"))
                if obj is not None and obj.type in ("identifier", "this") \
                        and prop.type in ("property_identifier", "private_property_identifier"):
                    out.append(text(obj) + "." + text(prop))
        return tuple(out)

    assert model.root.has_error and set(model.helper_nodes) == {"helper", "arrow"}
    for name, fn in model.helper_nodes.items():
        assert model.facts.helpers[name].calls == slow(fn), name
    assert {"this.f", "arguments.f", "async.f", "ü.f", "a.f", "a.#f"} <= set(model.facts.helpers["helper"].calls)


@pytest.mark.parametrize("path", sorted(TEXTS) + ["/w/convex/t.tsx"])
def test_field_ids_find_what_field_names_find(path):
    from convex_lsp.analysis.model import Fields, fields_of
    from convex_lsp.analysis.source import kind_for_path

    data = (TEXTS.get(path) or CODE + CALLS + IMPORTS).encode()
    root = SourceFile.from_bytes(path, data).tree.root_node
    F = fields_of(kind_for_path(path))
    found = 0
    for node in walk(root):
        for name in Fields.__slots__:
            slow = node.child_by_field_name(name)
            fast = node.child_by_field_id(getattr(F, name))
            assert (fast is None) == (slow is None) and (slow is None or fast.id == slow.id), (node, name)
            found += slow is not None
    assert found >= 10


EXPORT_VARIANTS = [
    "export default x;", "export default function f() {}", "export default class {}", "export default async () => 1;",
    "export /* c */ default x;", "export\ndefault x;", "export const x = 1;", "export { a as default };",
    'export * as default from "x";', "export default{ a: 1 }", "@dec export default class A {}", "@dec\nexport class B {}",
    'export { default } from "x";', 'export { default as y } from "x";', "export function defaultX() {}",
    "export const defaultValue = 1;", "export default$;", "export = x;", "export as namespace N;",
    "export declare const x: number;", 'export type { A } from "x";', "export default interface I {}", "export defaultx;",
    "export{a}", "export  default(x)", "export default/* c */x;", "export\t// c\ndefault x;", "export default",
    "export default;", 'export * from "x";', "export let default_ = 1, b = 2;", "export enum E { A }",
]


@pytest.mark.parametrize("path", ["/w/convex/e.ts", "/w/convex/e.js", "/w/convex/e.tsx"])
def test_export_default_read_from_the_bytes_is_what_the_children_say(path):
    from convex_lsp.analysis.model import _export_default

    plain = 0
    for code, data, stmt in _statements_of(path, EXPORT_VARIANTS, "export_statement"):
        slow = any(c.type == "default" for c in stmt.children)
        assert _export_default(stmt, data) == slow, code
        plain += data.startswith(b"export", stmt.start_byte) and not stmt.has_error
    assert plain >= 40  # (the variants', and the export after each)


def test_calls_named_with_callees_are_calls_named_with_their_entries(model):
    names = ("query", "get", "paginate", "getUserIdentity", "helper", "table", "nothing")
    got = model.calls_named_with_callees(*names)
    assert [c.id for c, _ in got] == [c.id for c in model.calls_named(*names)] and len(got) >= 5
    raw = model.raw_callees()
    index = {c.id: i for i, c in enumerate(model.calls)}
    for call, entry in got:
        assert entry is raw[index[call.id]] and entry[1] in names
    assert [c.id for c, _ in model.calls_named_with_callees("paginate")] == [c.id for c in model.calls_named("paginate")]


BRANCHES = textwrap.dedent("""
    // if (commented) { a ? b : c }
    export const f = mutation({ handler: async (ctx, { id }) => {
      const existing = await ctx.db.get(id);
      const s = "if (x) y ? z : w";  const r = /if ?/;  const t = `if ${ok ? 1 : 2}`;
      const notify = obj?.iffy ?? gift; type T<X> = X extends string ? "a" : "b";
      function opt(a?: number) { if (a) return a ? 1 : (b ? 2 : 3); else if (!a) { return; } }
      if (existing) { existing.n > 1 ? go() : stop(); } else { <div>if ? else</div>; }
      return existing ?? (done ? 1 : 2);
    } });
    if (broken { x ? : ; }
""")


@pytest.mark.parametrize("path", ["/w/convex/b.ts", "/w/convex/b.tsx"])
def test_nodes_between_found_from_their_keywords_are_the_ones_a_query_finds(path):
    memo: dict = {}
    with file_cache(memo):
        m = FileModel(SourceFile.from_bytes(path, BRANCHES.encode()), "/w/convex", "b", memo=memo)
        types = ("if_statement", "ternary_expression")
        every = m.nodes_of_type(*types)
        assert len(every) >= 8
        ranges = [(n.start_byte + d, n.end_byte - e) for n in walk(m.root) if n.is_named
                  for d, e in ((0, 0), (1, 0), (0, 1))]
        for lo, hi in ranges:
            want = [n.id for n in every if lo <= n.start_byte and n.end_byte <= hi]
            for ts_ in (types, types[:1], types[1:]):
                got = [n.id for n in m.nodes_of_type_between(lo, hi, *ts_)]
                assert got == [i for i, n in zip(want, (x for x in every if lo <= x.start_byte and x.end_byte <= hi))
                               if n.type in ts_], (lo, hi, ts_)
        # a type it cannot find from the bytes: the query's nodes, filtered
        call = m.calls[0]
        assert [n.id for n in m.nodes_of_type_between(call.start_byte, call.end_byte, "member_expression")] == \
            [n.id for n in m.nodes_of_type("member_expression") if call.start_byte <= n.start_byte
             and n.end_byte <= call.end_byte]


MEMBERS = textwrap.dedent("""
    import { v } from "convex/values";
    // v.comment and ctx.db in a comment; "v.string()" in a string
    export const a = v.object({ x: v.string(), y: v?.int64(), z: v
      .number(), w: v /* c */ . any(), dv: dev.v, vv: vv.x, $v: $v.y, v$: v$.z, p: (v).x, n: v!.y });
    export const h = action({ handler: async (ctx) => {
      const { db } = ctx; ctx.db.get(x); (ctx).db.query("t"); ctx?.db; ctx.dbx; ctx["db"]; db.db.db;
      const e = process.env.KEY + process.env["OTHER"] + process.envy + env.env;
      type T = typeof ctx.db.get; 0x1fv.x; /a/gv.y; 123ndb.db;
    } });
    const broken = v.object({ x: v. , y: ctx.db.
""")


@pytest.mark.parametrize("path", ["/w/convex/m.ts", "/w/convex/m.tsx", "/w/convex/m.js"])
def test_members_found_from_their_names_are_the_ones_a_query_finds(path):
    memo: dict = {}
    with file_cache(memo):
        m = FileModel(SourceFile.from_bytes(path, MEMBERS.encode()), "/w/convex", "m", memo=memo)
        every = m.nodes_of_type("member_expression")  # (not captured by the main query: one of its own)
        assert len(every) >= 25

        def on(names):
            return [n.id for n in every if n.child_by_field_name("object") is not None
                    and n.child_by_field_name("object").type == "identifier"
                    and text(n.child_by_field_name("object")) in names]

        def named(prop, within):
            return [n.id for n in every if (within is None or within.start_byte <= n.start_byte
                                            and n.end_byte <= within.end_byte and n.id != within.id)
                    and any(c.type == "property_identifier" and text(c) == prop for c in n.children)]

        for names in ({"v"}, {"ctx"}, {"v", "ctx", "dev"}, {"process"}, {"$v", "v$"}, {"nothing"}):
            assert [n.id for n in m.members_on(names)] == on(names), names
        assert len(m.members_on({"v"})) >= 6
        scopes = [None] + [n for n in walk(m.root) if n.type in ("arrow_function", "object", "call_expression", "member_expression")]
        for prop in ("db", "env", "get", "x", "nothing"):
            for within in scopes:
                assert [n.id for n in m.members_named(prop, within)] == named(prop, within), (prop, within)
        assert len(m.members_named("db")) >= 5


COMMENTS = textwrap.dedent("""
    // first /* not nested */
    /** doc */ import { v } from "convex/values"; /* a *//* b */// c
    const url = "http://x.y/*z*/"; const re = /\\/\\/[/*]/g; const t = `// ${/* in */ a} /* no */`;
    const d = a / b /*c*/ / e; <div>// text {/* jsx */}</div>;
    const broken = { x: // open
""")


@pytest.mark.parametrize("path", ["/w/convex/c.ts", "/w/convex/c.tsx", "/w/convex/c.js"])
def test_comments_found_from_their_openers_are_the_ones_a_query_finds(path):
    import tree_sitter as ts
    from convex_lsp.analysis.source import kind_for_path, language

    src = SourceFile.from_bytes(path, COMMENTS.encode())
    memo: dict = {}
    with file_cache(memo):
        m = FileModel(src, "/w/convex", "c", memo=memo)
        query = ts.Query(language(kind_for_path(path)), "(comment) @c")
        want = sorted(ts.QueryCursor(query).captures(src.tree.root_node).get("c", []), key=lambda n: n.start_byte)
        assert len(want) >= 7
        assert [n.id for n in m.comments] == [n.id for n in want]
        assert m.comments is m.comments  # (found once)
    assert FileModel(SourceFile.unparsed("/w/convex/u.ts", b"// x")).comments == []


def test_imports_read_again_from_the_same_words_are_new_and_equal(monkeypatch):
    from convex_lsp.analysis import model as model_mod

    code = 'import x, { type B, c as d } from "./x";\nimport "./side";\nimport { a as } from "./bad";\n'
    monkeypatch.setattr(model_mod, "_PLAIN_READS", {})
    monkeypatch.setattr(model_mod, "_PLAIN_READS_MAX", 2)
    reads = []
    for path in ("/w/convex/a.ts", "/w/convex/b.ts", "/w/convex/c.ts"):
        src = SourceFile.from_bytes(path, code.encode())
        stmts = [c for c in src.tree.root_node.named_children if c.type == "import_statement"]
        reads.append([model_mod._read_plain_import(s, src.data) for s in stmts])
        assert len(model_mod._PLAIN_READS) <= 2
    first, second = reads[0], reads[1]
    assert first[2] is None and second[2] is None  # (not plain: the nodes are read)
    for a, b in zip(first[:2], second[:2]):
        assert (a.source, a.type_only, a.side_effect, a.locals, a.bindings) == \
            (b.source, b.type_only, b.side_effect, b.locals, b.bindings)
        assert a.node.id != b.node.id and a.locals is not b.locals and a.bindings is not b.bindings
    assert [(f.local, f.imported, f.type_only) for f in first[0].bindings] == \
        [("x", "default", False), ("B", "B", True), ("d", "c", False)]
    assert first[0].locals == ["x", "d"] and first[1].side_effect
