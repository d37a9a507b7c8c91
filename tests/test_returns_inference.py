"""Return inference used everywhere: the CVX101 fix (exact validators, pagination, named schema
constants, zod dialect, layout), the CVX113 fix, and hover on `handler`/`returns`."""

from __future__ import annotations

import os
import textwrap

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.quickfixes import apply_edits, fixes_for
from tests.ruletester import write_project

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export const taskFields = {
  title: v.string(),
  done: v.boolean(),
};

export default defineSchema({
  tasks: defineTable(taskFields),
  notes: defineTable({ body: v.string() }),
});
"""
HEAD = 'import { query, mutation } from "./_generated/server";\nimport { v } from "convex/values";\n\n'


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def load(tmp_path, files):
    root = write_project(tmp_path, {"convex/schema.ts": SCHEMA, **files})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    return root, an


def findings(an, code):
    return [f for p in sorted(an.models) for f in an.lint(p) if f.code == code]


def applied(root, an, fx, rel):
    path = os.path.join(root, rel)
    return apply_edits(an.models[path].src.data, [e for e in fx.edits if e.path == path]).decode()


def test_cvx101_paginated_query_gets_pagination_result_validator_on_the_named_constant(tmp_path):
    code = HEAD + d("""
        export const page = query({
          args: { paginationOpts: v.any() },
          handler: async (ctx, { paginationOpts }) => {
            return await ctx.db.query("tasks").paginate(paginationOpts);
          },
        });
    """)
    root, an = load(tmp_path, {"convex/tasks.ts": code})
    [f] = findings(an, "CVX101")
    [fx] = fixes_for(f, an)
    assert fx.applicability == "unsafe"
    assert applied(root, an, fx, "convex/tasks.ts") == d("""
        import { query, mutation } from "./_generated/server";
        import { v } from "convex/values";
        import { paginationResultValidator } from "convex/server";
        import { taskFields } from "./schema";

        export const page = query({
          args: { paginationOpts: v.any() },
          returns: paginationResultValidator(v.object({
            ...taskFields,
            _id: v.id("tasks"),
            _creationTime: v.number(),
          })),
          handler: async (ctx, { paginationOpts }) => {
            return await ctx.db.query("tasks").paginate(paginationOpts);
          },
        });
    """)


def test_cvx101_object_literal_laid_out_over_lines(tmp_path):
    code = HEAD + d("""
        export const stats = query({
          args: {},
          handler: async (ctx) => {
            const notes = await ctx.db.query("notes").collect();
            const first = await ctx.db.query("notes").first();
            return { count: notes.length, bodies: notes.map((n) => n.body), firstId: first ? first._id : null, label: "notes" };
          },
        });
    """)
    root, an = load(tmp_path, {"convex/notes.ts": code})
    [f] = findings(an, "CVX101")
    [fx] = fixes_for(f, an)
    out = applied(root, an, fx, "convex/notes.ts")
    assert "  returns: v.object({\n    count: v.number(),\n    bodies: v.array(v.string()),\n" \
           "    firstId: v.union(v.id(\"notes\"), v.null()),\n    label: v.string(),\n  }),\n" in out


def test_cvx101_zod_builder_gets_z_null_or_nothing(tmp_path):
    zfns = d("""
        import { zCustomQuery } from "convex-helpers/server/zod";
        import { NoOp } from "convex-helpers/server/customFunctions";
        import { query } from "./_generated/server";
        export const zQuery = zCustomQuery(query, NoOp);
    """)
    code = d("""
        import { z } from "zod";
        import { zQuery } from "./zfns";

        export const ping = zQuery({
          args: { n: z.number() },
          handler: async (ctx, { n }) => {
            await ctx.db.query("notes").first();
          },
        });

        export const first = zQuery({
          args: {},
          handler: async (ctx) => {
            return await ctx.db.query("notes").first();
          },
        });
    """)
    root, an = load(tmp_path, {"convex/zfns.ts": zfns, "convex/notes.ts": code})
    fs = sorted(findings(an, "CVX101"), key=lambda f: f.start)
    assert len(fs) == 2
    [fx] = fixes_for(fs[0], an)
    out = applied(root, an, fx, "convex/notes.ts")
    assert "  returns: z.null(),\n" in out and "v.null()" not in out and "convex/values" not in out
    assert "await ctx.db.query(\"notes\").first();\n    return null;\n" in out
    assert fixes_for(fs[1], an) == []  # never a `v` validator in a zod builder


def test_cvx101_zod_builder_without_z_import_gets_no_fix(tmp_path):
    zfns = 'import { zCustomMutation } from "convex-helpers/server/zod";\nimport { mutation } from "./_generated/server";\n' \
           'export const zMutation = zCustomMutation(mutation, { args: {}, input: async (ctx, a) => ({ ctx, args: a }) });\n'
    code = 'import { zMutation } from "./zfns";\nexport const f = zMutation({ args: {}, handler: async (ctx) => {} });\n'
    root, an = load(tmp_path, {"convex/zfns.ts": zfns, "convex/f.ts": code})
    [f] = findings(an, "CVX101")
    assert fixes_for(f, an) == []


def test_cvx113_fix_replaces_the_validator_with_the_inferred_one(tmp_path):
    code = HEAD + d("""
        export const get = query({
          args: { id: v.id("notes") },
          returns: v.object({ body: v.string() }),
          handler: async (ctx, { id }) => {
            const note = await ctx.db.get(id);
            if (note === null) throw new Error("not found");
            return note;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/notes.ts": code})
    [f] = findings(an, "CVX113")
    assert "`_id` is in every `notes` document but not in the validator" in f.message
    [fx] = fixes_for(f, an)
    assert fx.applicability == "unsafe"
    out = applied(root, an, fx, "convex/notes.ts")
    assert 'returns: v.object({ body: v.string(), _id: v.id("notes"), _creationTime: v.number() }),' in out
    # the fixed file is clean
    root2, an2 = load(tmp_path / "again", {"convex/notes.ts": out})
    assert findings(an2, "CVX113") == []


def test_cvx113_no_fix_when_the_inference_is_incomplete(tmp_path):
    code = 'import { compute } from "lib";\n' + HEAD + d("""
        export const get = query({
          args: {},
          returns: v.object({ body: v.string() }),
          handler: async (ctx) => {
            if (Math.random() > 0.5) return compute();
            return await ctx.db.query("notes").collect();
          },
        });
    """)
    root, an = load(tmp_path, {"convex/notes.ts": code})
    [f] = findings(an, "CVX113")
    assert fixes_for(f, an) == []


def test_hover_on_handler_and_returns_shows_the_inferred_validator(tmp_path):
    from convex_lsp.server import hover as H
    from convex_lsp.server.session import Session

    code = HEAD + d("""
        export const get = query({
          args: { id: v.id("notes") },
          returns: v.object({ body: v.string() }),
          handler: async (ctx, { id }) => {
            return await ctx.db.get(id);
          },
        });
    """)
    root = write_project(tmp_path, {"convex/schema.ts": SCHEMA, "convex/notes.ts": code})
    s = Session([root])
    s.add_scanned(s.scan())
    s.indexed = True
    path = os.path.join(root, "convex", "notes.ts")
    s.open("file://" + path, path, 1, code)
    data = code.encode()
    for key in ("handler", "returns"):
        off = data.index(key.encode() + b":") + 2
        md, rng = H.hover(s, path, off, [])
        assert 'v.union(v.object({ body: v.string(), _id: v.id("notes"), _creationTime: v.number() }), v.null())' in md
        assert "rejects it" in md and "`_id` is in every `notes` document" in md
        assert data[rng[0]:rng[1]] == key.encode()


def test_cvx101_zod_args_on_an_unrecognised_builder_get_zod(tmp_path):
    """A builder the index cannot show as zod, but whose `args` are zod schemas: `z.null()`."""
    code = d("""
        import { z } from "zod";
        import { zodQueryOf } from "my-zod-kit";
        import { query } from "./_generated/server";
        const zq = zodQueryOf(query);
        export const f = query({
          args: { n: z.number() },
          handler: async (ctx) => {},
        });
    """)
    root, an = load(tmp_path, {"convex/f.ts": code})
    [f] = findings(an, "CVX101")
    [fx] = fixes_for(f, an)
    out = applied(root, an, fx, "convex/f.ts")
    assert "returns: z.null()," in out and "v.null()" not in out


def test_cvx113_fix_for_a_handler_that_only_returns_null(tmp_path):
    code = HEAD + d("""
        export const clear = mutation({
          args: { id: v.id("notes") },
          returns: v.id("notes"),
          handler: async (ctx, { id }) => {
            await ctx.db.delete(id);
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/notes.ts": code})
    [f] = findings(an, "CVX113")
    assert "can return `null` but the validator does not allow `null`" in f.message
    [fx] = fixes_for(f, an)
    assert fx.applicability == "unsafe"
    assert "  returns: v.null(),\n" in applied(root, an, fx, "convex/notes.ts")
