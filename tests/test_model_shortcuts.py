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
    import { broken from "./broken";
    function f() { import { nested } from "./nested"; }
    import {} from "./empty";
    export const z = 1;
""")


def test_import_statements_made_with_the_imports_facts_are_the_ones_a_walk_finds():
    from convex_lsp.analysis.rules import _refs

    memo: dict = {}
    with file_cache(memo):
        model = FileModel(SourceFile.from_bytes("/w/convex/i.ts", IMPORTS.encode()), "/w/convex", "i", memo=memo)
        assert model.root.has_error
        got = _refs.import_statements(model.root)
        slow = list(_refs._walk_imports(model.root))
    assert [(s.node.id, s.source, s.source_node.id, s.type_only, s.side_effect, s.locals) for s in got] == \
        [(s.node.id, s.source, s.source_node.id, s.type_only, s.side_effect, s.locals) for s in slow]
    assert len(got) >= 7 and any(s.side_effect for s in got) and any(s.type_only for s in got)


@pytest.mark.parametrize("path,folder", [
    ("/w/convex/a.ts", "/w/convex"), ("/w/convex/sub/b.ts", "/w/convex"), ("/w/convexx/a.ts", "/w/convex"),
    ("/w/convex", "/w/convex"), ("/w/other/a.ts", "/w/convex"), ("/w/convex/../x.ts", "/w/convex"),
    ("/w/convex//a.ts", "/w/convex"), ("/w/convex/./a.ts", "/w/convex"), ("/w/convex/a.ts", "/w/convex/"),
    ("/w/cönvex/ü.ts", "/w/cönvex"), ("/w/convex/.hidden/a.ts", "/w/convex"), ("/", "/"),
    ("/root/.cache/p/convex/a.ts", "/root/.cache/p/convex"), ("/w/convex/..a.ts", "/w/convex"),
    ("/w/convex/a/..", "/w/convex"), ("/w/convex/a/.", "/w/convex"), ("/w/.convex/a.ts", "/w/.convex/"),
])
def test_relative_inside_is_relpath_when_it_answers(path, folder):
    import os

    from convex_lsp.analysis.project import FunctionsDir, relative_inside

    got = relative_inside(path, folder)
    if got is not None:
        assert got == os.path.relpath(path, folder)
    rel = os.path.relpath(path, folder)
    want = None if rel.startswith("..") else os.path.splitext(rel)[0].replace(os.sep, "/")
    assert FunctionsDir(folder, "/w").module_of(path) == want


@pytest.mark.parametrize("data", [
    b'run("a/b:f")', b"x = 'mod:fn'", b"`a.b-c/d:_$x`", b'"a:b', b'a:b"', b'"::"', b'"a/b:1f"', b'{ a: b }',
    b'"\xc3\xa9:f"', b'"x": "y:z" ', b"", b"'a:b' + \"c\"", b'"a"' * 50 + b':f"',
])
def test_string_reference_prefilter_is_the_full_search(data):
    from convex_lsp.analysis import refs_extract as rx

    assert rx._has_string_ref(data) == (rx._STRING_REF_BYTES.search(data) is not None)


@pytest.mark.parametrize("data", [
    b"const a = 1;\n", b"", b"\xff\xfe\x00a", b"\xfe\xffab", b"ab\x00cd", b"caf\xc3\xa9", b"bad \xc3\x28 utf8",
    b"x" * 9000 + b"\x00", b"\xef\xbb\xbfconst bom = 1;",
])
def test_check_source_raises_as_decode_source(data):
    from convex_lsp.analysis.source import UnreadableFile, check_source, decode_source

    def outcome(f):
        try:
            f(data, "/w/x.ts")
            return None
        except UnreadableFile as e:
            return str(e)
    assert outcome(check_source) == outcome(decode_source)


def test_calls_facts_are_authenticates_and_plain_calls(model):
    """`FileModel._calls_facts` (one pass over the callee index) == the walk it replaced: each call's
    `callee_name` matched against AUTH_CALL_RE, and `f` / `a.f` (a two-link member chain) per call."""
    from convex_lsp.analysis import convex as cx
    from convex_lsp.analysis.syntax import FUNCTION_TYPES, callee_name, member_chain, text

    def authenticates(node):
        return any((name := callee_name(c)) and cx.AUTH_CALL_RE.match(name) for c in model.calls_within(node))

    def plain_calls(node):
        out = []
        for call in model.calls_within(node):
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "identifier":
                out.append(text(fn))
            elif fn is not None and fn.type == "member_expression":
                chain = member_chain(fn)
                if chain and len(chain) == 2:
                    out.append(".".join(chain))
        return tuple(out)

    fns = [n for n in walk(model.root) if n.type in FUNCTION_TYPES or n.type == "call_expression"]
    assert len(fns) > 10 and any(model._calls_facts(fn)[0] for fn in fns) and any(model._calls_facts(fn)[1] for fn in fns)
    for fn in fns:
        assert model._calls_facts(fn) == (bool(authenticates(fn)), plain_calls(fn))
