"""The model's shortcuts answer what the plain ways answer, on realistic code with ERROR nodes and
non-ASCII text: template strings read without their children, the callee index's per-call
answers, the pagination calls found through the callee index."""

from __future__ import annotations

import textwrap

import pytest

from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.rules import multiple_paginate as mp
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import callee_name, file_cache, string_value, text

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
        const page = await ctx.db.query("messages").order("desc").paginate(paginationOpts);
        const other = await ctx.table("users").paginate(paginationOpts);
        const lib = await paginator(ctx.db, schema).query("x").paginate(paginationOpts);
        (ctx.db.get)(`id-${page.continueCursor}`);
        Model.helper(ctx)!.paginate?.(paginationOpts);
        return [page, other, lib, `é${plain}`];
      },
    });
    export const broken = mutation({ handler: async (ctx) => { ctx.db.insert("t", { a: `x ${ }); } });
    function paginate(x) { return x; }
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


def _all(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def test_the_code_has_what_the_test_needs(model):
    assert model.root.has_error
    templates = [n for n in _all(model.root) if n.type == "template_string"]
    assert any("\\${" in text(t) for t in templates) and len(templates) >= 6


def test_template_strings_read_as_the_children_say(model):
    for node in _all(model.root):
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
    paths = [str(base / p) for p in ("a", "a/b/f.ts", "link/b/f.ts", "link", "a/fl.ts", "a/dangling", "a/loop",
                                     "link/b/../b/f.ts", "a/./b", "missing/x.ts", ".hidden/x", "a/b/")]
    paths += ["/", "relative/x.ts", str(base) + "//a"]
    _REAL_DIRS.clear()
    for _ in range(2):  # cold, then from the memo
        for p in paths:
            assert real_path(p) == os.path.realpath(p), p
