"""The returns summary's deferred parts (helpers' and internal functions' return shapes, worked out
when another file first asks) equal the eager computation: with the model alive, with its tree let
go (parsed again from the file), through pickle and the cache's JSON encoding, and asked from inside
another file's lint. A file changed since it was summarised gives nothing (never a wrong shape)."""

from __future__ import annotations

import gc
import pickle
import textwrap
from pathlib import Path

import pytest

from convex_lsp.analysis import returns_infer as ri
from convex_lsp.analysis.deferred import Deferred, adopt_model
from convex_lsp.analysis.cache import encode
from convex_lsp.analysis.model import FileModel
from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import file_cache

HELPERS = textwrap.dedent("""
    import { v } from "convex/values";
    import { internalQuery, internalMutation } from "./_generated/server";
    import { Doc, Id } from "./_generated/dataModel";
    import { other } from "./other";

    // Übersicht: helpers calling each other (the order a recursion is cut in matters)
    export const status = v.union(v.literal("aktiv"), v.literal("gelöscht"));
    export async function ping(ctx, id: Id<"users">) {
      if (!id) return pong(ctx, id);
      return { kind: "ping", user: await ctx.db.get(id), label: "héllo" };
    }
    export async function pong(ctx, id) {
      return id ? ping(ctx, id) : null;
    }
    export const latest = async (ctx, n: number) =>
      (await ctx.db.query("messages").withIndex("by_n", (q) => q.eq("n", n)).order("desc").take(3))
        .map((m) => ({ body: m.body, n }));
    export function userOrNull(ctx, id: Id<"users">): Promise<Doc<"users"> | null> {
      return ctx.db.get(id);
    }
    export const broken = async (ctx) => { return { a: 1, b: ( } };
    export function viaOther(ctx) { return other(ctx); }
    function local(x) { return [x, "ünïcode"]; }
    export const wrapped = (x) => local(x);
    export const count = internalQuery({
      args: {},
      handler: async (ctx) => (await ctx.db.query("messages").collect()).length,
    });
    export const add = internalMutation({
      args: { body: v.string() },
      handler: async (ctx, { body }) => {
        const id = await ctx.db.insert("messages", { body, n: 1 });
        return { id, body, state: "neu" };
      },
    });
""")


@pytest.fixture(autouse=True)
def deferring():
    """Deferring is on in `check` runs over files on disk only (off by default: the server)."""
    from convex_lsp.analysis import deferred

    was = deferred.ENABLED
    deferred.enable()
    yield
    deferred.enable(was)


def _model(path: str, code: str) -> FileModel:
    memo: dict = {}
    with file_cache(memo):
        return FileModel(SourceFile.from_bytes(path, code.encode()), str(Path(path).parent), Path(path).stem, memo=memo)


def _summaries(path: str, code: str):
    model = _model(path, code)
    with file_cache(model.memo):
        deferred = ri.extract(model)
    eager_model = _model(path, code)
    with file_cache(eager_model.memo):
        eager = ri.eager_summary(eager_model)
    return model, deferred, eager


def test_the_code_has_what_the_test_needs():
    model, deferred, eager = _summaries("/w/convex/helpers.ts", HELPERS)
    assert model.root.has_error  # an ERROR node inside `broken`
    assert {"ping", "pong", "latest", "userOrNull", "wrapped"} <= set(eager["helpers"])
    assert set(eager["functions"]) == {"count", "add"}
    assert isinstance(deferred["helpers"], Deferred)


def test_deferred_parts_equal_the_eager_ones_with_the_model_alive():
    model, deferred, eager = _summaries("/w/convex/helpers.ts", HELPERS)
    assert deferred["consts"] == eager["consts"]
    assert dict(deferred["helpers"]) == eager["helpers"]
    assert dict(deferred["functions"]) == eager["functions"]
    assert "ping" in deferred["helpers"] and "local" not in deferred["helpers"]
    assert deferred["helpers"].get("nope") is None


def test_deferred_parts_asked_from_inside_another_files_lint():
    model, deferred, eager = _summaries("/w/convex/helpers.ts", HELPERS)
    other = _model("/w/convex/b.ts", "export const x = 1;\n")
    with file_cache(other.memo):
        got = dict(deferred["helpers"])
    assert got == eager["helpers"]


CONSTANTS = textwrap.dedent("""
    import { v } from "convex/values";
    import { query } from "./_generated/server";
    import { shared } from "./shared";
    // doc, twice, thrice and alias are declared below (a name is looked for where it is written)
    export const doc = v.object({ name: v.string(), tags: v.array(v.string()) });
    var twice = v.string();
    var twice = query({ args: {}, handler: async () => null });  // not a validator: the first one stays
    var thrice = v.number(); var thrice = v.boolean();  // the last one wins
    const spread = { ...doc.fields, extra: v.optional(v.id("users")) };
    export const extended = doc.extend({ more: v.null() }) as any;
    const alias = shared;
    const opaque = someCall();
    const plain = 3;
    export const list = query({ args: {}, returns: v.array(doc), handler: async () => [] });
    function notAConstant() { const inner = v.string(); return inner; }
""")


def test_constants_are_parsed_one_name_at_a_time():
    from convex_lsp.analysis import deferred as d

    model, deferred, eager = _summaries("/w/convex/consts.ts", CONSTANTS)
    consts = deferred["consts"]
    assert isinstance(consts, d.Keyed)
    assert list(eager["consts"]) == ["doc", "twice", "thrice", "spread", "extended", "alias"]
    for name in ["thrice", "twice", "doc", "alias", "opaque", "plain", "list", "inner", "nope", "", "shared", "v"]:
        assert (name in consts) == (name in eager["consts"]), name
        assert consts.get(name) == eager["consts"].get(name), name
        if name in eager["consts"]:
            assert consts[name] == eager["consts"][name]
        else:
            with pytest.raises(KeyError):
                consts[name]
    assert consts._pending.value is d._UNSET  # nothing worked out as a whole yet
    parsed = model.memo[ri._CONSTANTS].shapes
    assert len(parsed) == 8  # two `thrice`, two `twice`, `doc`, `alias`, `opaque`, `list`; not `spread`, `extended`
    assert list(consts.items()) == list(eager["consts"].items())  # the whole, in the file's order
    assert consts._pending.value is not d._UNSET and consts.get("spread") == eager["consts"]["spread"]


def test_constants_asked_once_the_tree_is_gone_come_from_the_file(tmp_path):
    path = tmp_path / "convex" / "consts.ts"
    path.parent.mkdir()
    path.write_bytes(CONSTANTS.encode())
    model, deferred, eager = _summaries(str(path), CONSTANTS)
    assert deferred["consts"]["twice"] == eager["consts"]["twice"]
    del model
    gc.collect()
    assert deferred["consts"]["thrice"] == eager["consts"]["thrice"] and deferred["consts"] == eager["consts"]


SHAPES = textwrap.dedent("""
    import { internalQuery } from "./_generated/server";
    import { Id } from "./_generated/dataModel";
    export async function leaf(ctx, id: Id<"users">) { return await ctx.db.get(id); }
    export async function middle(ctx, id: Id<"users">) { return { user: await leaf(ctx, id), n: 1 }; }
    export const top = async (ctx, id: Id<"users">) => [await middle(ctx, id)];
    export async function ping(ctx, id) { return id ? { pong: await pong(ctx, id) } : null; }
    export async function pong(ctx, id) { return id ? [await ping(ctx, id)] : "done"; }
    export async function deep(ctx, id: Id<"users">) {
      return { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: await leaf(ctx, id) } } } } } } } } } } } };
    }
    export async function viaPing(ctx, id) { return { p: await ping(ctx, id), t: await top(ctx, id) }; }
    export const mapped = (rows) => rows.map(middle);
    export const byName = internalQuery({ args: {}, handler: async (ctx, { id }) => ({ t: await top(ctx, id) }) });
    export const cyclic = internalQuery({ args: {}, handler: async (ctx, { id }) => pong(ctx, id) });
    export const byName = internalQuery({ args: {}, handler: async (ctx) => "second" });
""")


def _ask(summary, kind: str, name: str):
    part = summary[kind]
    return (name in part, part.get(name))


def test_helper_and_function_shapes_one_name_at_a_time():
    from convex_lsp.analysis import deferred as d

    names = [("helpers", n) for n in ["leaf", "middle", "top", "ping", "pong", "deep", "viaPing", "mapped", "nope"]]
    names += [("functions", n) for n in ["byName", "cyclic", "nope"]]
    _, _, eager = _summaries("/w/convex/shapes.ts", SHAPES)
    assert {"leaf", "middle", "top", "ping", "pong", "deep", "viaPing"} <= set(eager["helpers"])
    assert eager["functions"]["byName"].kind == "literal"  # the second registration of the name wins
    # `deep` reads `leaf` 13 levels down: the shape `leaf` was memoised with when asked before it,
    # else unknown; in the file's order `leaf` comes first
    assert "unknown" not in repr(eager["helpers"]["deep"])
    orders = [names, names[::-1], names[3:] + names[:3], [names[5]] + names, [names[4]] + names, names[9:] + names]
    for order in orders:
        model, deferred, eager = _summaries("/w/convex/shapes.ts", SHAPES)
        for kind, name in order:
            assert _ask(deferred, kind, name) == (name in eager[kind], eager[kind].get(name)), (kind, name, order[0])
    # answered alone: no recursion met, no helper too deep
    for kind, name in [("helpers", "top"), ("helpers", "mapped"), ("functions", "byName"), ("helpers", "nope")]:
        model, deferred, eager = _summaries("/w/convex/shapes.ts", SHAPES)
        assert _ask(deferred, kind, name) == (name in eager[kind], eager[kind].get(name))
        assert deferred[kind]._pending.value is d._UNSET, name
    # the rest of the file worked out with them (the order `_shapes` asks in)
    for kind, name in [("helpers", "ping"), ("helpers", "viaPing"), ("helpers", "deep"), ("functions", "cyclic")]:
        model, deferred, eager = _summaries("/w/convex/shapes.ts", SHAPES)
        assert _ask(deferred, kind, name) == (name in eager[kind], eager[kind].get(name))
        assert deferred[kind]._pending.value is not d._UNSET, name


def test_entries_asked_keep_no_model_alive():
    """A model let go is freed at once (its tree with it), entries asked or not: what answers them
    (in the model's memo) holds the model only while it answers."""
    import weakref

    model, deferred, eager = _summaries("/w/convex/shapes.ts", SHAPES)
    assert deferred["helpers"]["top"] == eager["helpers"]["top"] and "byName" in deferred["functions"]
    assert "twice" not in deferred["consts"]
    gone = weakref.ref(model)
    was = gc.isenabled()
    gc.disable()
    try:
        del model
        assert gone() is None
    finally:
        if was:
            gc.enable()


def _summarised_on_disk(tmp_path):
    """HELPERS written to a file and summarised, the model let go: (path, deferred, eager)."""
    path = tmp_path / "convex" / "helpers.ts"
    path.parent.mkdir()
    path.write_bytes(HELPERS.encode())
    model, deferred, eager = _summaries(str(path), HELPERS)
    del model
    gc.collect()
    return path, deferred, eager


def test_a_tree_let_go_is_parsed_again_from_the_file(tmp_path):
    _, deferred, eager = _summarised_on_disk(tmp_path)
    assert dict(deferred["functions"]) == eager["functions"]
    assert dict(deferred["helpers"]) == eager["helpers"]


def test_a_file_changed_since_gives_nothing(tmp_path):
    path, deferred, eager = _summarised_on_disk(tmp_path)
    path.write_bytes(HELPERS.replace("héllo", "hallo").encode())
    assert eager["helpers"] and dict(deferred["helpers"]) == {} and dict(deferred["functions"]) == {}


def test_a_model_made_again_is_adopted(tmp_path):
    model, deferred, eager = _summaries("/nowhere/convex/helpers.ts", HELPERS)  # not on disk
    del model
    gc.collect()
    again = _model("/nowhere/convex/helpers.ts", HELPERS)
    facts = again.facts
    facts.extra[ri.EXTRA_KEY] = deferred
    adopt_model(facts, again)
    assert dict(deferred["helpers"]) == eager["helpers"]


def test_pickle_and_cache_encoding_see_the_eager_summary():
    model, deferred, eager = _summaries("/w/convex/helpers.ts", HELPERS)
    back = pickle.loads(pickle.dumps(deferred))
    assert type(back["helpers"]) is dict and back == eager
    model2, deferred2, _ = _summaries("/w/convex/helpers.ts", HELPERS)  # (kept alive: not on disk)
    assert encode(deferred2) == encode(eager)
    assert repr(deferred2["helpers"]) == repr(eager["helpers"])


@pytest.mark.parametrize("code", [
    "export const a = 1;\n",
    "import { v } from 'convex/values';\nexport const s = v.string();\nfunction p() { return 1; }\n",
])
def test_files_without_helpers_or_internal_functions_carry_plain_dicts(code):
    model, deferred, eager = _summaries("/w/convex/a.ts", code)
    assert type(deferred["helpers"]) is dict and deferred == eager


def test_off_by_default_every_part_is_worked_out_at_once():
    from convex_lsp.analysis import deferred

    deferred.enable(False)
    model, summary, eager = _summaries("/w/convex/helpers.ts", HELPERS)
    assert type(summary["helpers"]) is dict and type(summary["functions"]) is dict and summary == eager


SCHEMA_SIDE = textwrap.dedent("""
    import { v } from "convex/values";
    import { defineSchema, defineTable } from "convex/server";
    import { taskFields, status } from "./model/tasks";
    import * as shared from "../shared";
    import type { Doc, Id } from "./_generated/dataModel";
    export { helper } from "./helpers";
    const fields = { ...taskFields, state: status, note: v.optional(v.string()) }; // Grüße
    export default defineSchema({ tasks: defineTable(fields).index("by_state", ["state"]), broken: ( });
    export async function link(ctx, id: Id<"tasks">, other: string, tags: string[]) {
      const task = await ctx.db.get(id);
      await ctx.db.patch(task._id, { owner: other as Id<"users"> });
      await ctx.db.insert("links", { task: task._id, by: (other as Id<"users">), kind: "naïve" });
      const rows = await ctx.db.query("links").withIndex("by_task", (q) => q.eq("task", task._id)).collect();
      return rows.map((r) => r.by as Id<"users">);
    }
    export async function pages(ctx, opts) {
      const first = await ctx.db.query("links").paginate(opts);
      if (first.isDone) return first;
      return shared.morePages(ctx, opts) ?? (await link(ctx, opts.id, "x", []));
    }
""")


@pytest.mark.parametrize("module", ["string_id_validator", "schema_import_cycle", "multiple_paginate"])
def test_deferred_rule_summaries_equal_the_eager_ones(module, tmp_path):
    import importlib

    rule = importlib.import_module(f"convex_lsp.analysis.rules.{module}")
    path = tmp_path / "convex" / "schema.ts"
    path.parent.mkdir()
    path.write_bytes(SCHEMA_SIDE.encode())
    model = _model(str(path), SCHEMA_SIDE)
    assert model.root.has_error
    with file_cache(model.memo):
        got = rule.extract(model)
    eager_model = _model(str(path), SCHEMA_SIDE)
    with file_cache(eager_model.memo):
        eager = rule.extract_now(eager_model)
    assert isinstance(got, Deferred) and eager and any(eager.values())
    other = _model("/w/convex/b.ts", "export const x = 1;\n")
    with file_cache(other.memo):  # read while another file is linted
        assert dict(got) == eager
    # the tree let go: parsed again from the file
    model2 = _model(str(path), SCHEMA_SIDE)
    with file_cache(model2.memo):
        again = rule.extract(model2)
    del model2
    gc.collect()
    assert dict(again) == eager and encode(again) == encode(eager)
    assert pickle.loads(pickle.dumps(again)) == eager


def test_a_check_run_defers_only_while_it_runs(tmp_path, capsys):
    """`check` turns deferring on for its run and back off after: a process that goes on to serve
    editor buffers (tests, an embedding tool) must keep its summaries eager."""
    from convex_lsp.analysis import deferred
    from convex_lsp.server import cli

    deferred.enable(False)
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "helpers.ts").write_text(HELPERS)
    seen = []
    real = ri.extract

    def spy(model):
        seen.append(deferred.ENABLED)
        return real(model)

    import convex_lsp.analysis.rules.returns_validator_mismatch as rule

    old = rule._extract
    rule._extract = spy
    try:
        code = cli.main(["check", "--output-format", "json", "--jobs", "1", "--no-cache", "--exit-zero", str(tmp_path)])
    finally:
        rule._extract = old
    capsys.readouterr()
    assert code == 0 and seen and all(seen) and deferred.ENABLED is False
