"""The two showcase fixes: CVX101 (returns validator) and CVX204 (index rename everywhere).

Each case runs the real linter on a small project, takes the finding, applies its fix and
compares the resulting text exactly."""

from __future__ import annotations

import os
import textwrap

import pytest

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.registry import Finding
from convex_lsp.quickfixes import apply_edits, fixes_for, index_rename_blocker
from tests.ruletester import write_project

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  jobs: defineTable({
    userId: v.string(),
    status: v.union(v.literal("queued"), v.literal("done")),
    result: v.optional(v.string()),
  })
    .index("byStatus", ["status"])
    .index("by_userId_and_status", ["userId", "status"]),
  tasks: defineTable({ status: v.string() }).index("byStatus", ["status"]),
});
"""


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def load(tmp_path, files: dict[str, str]):
    files = {"convex/schema.ts": SCHEMA, **files}
    root = write_project(tmp_path, files)
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    return root, an


def findings_of(an, code: str):
    out = []
    for p in sorted(an.models):
        out.extend(f for f in an.lint(p) if f.code == code)
    return out


def fixed(root, an, fix) -> dict[str, str]:
    """file (relative) -> text after applying `fix`."""
    by: dict[str, list] = {}
    for e in fix.edits:
        by.setdefault(e.path, []).append(e)
    return {os.path.relpath(p, root).replace(os.sep, "/"): apply_edits(an.models[p].src.data, es).decode()
            for p, es in by.items()}


def only_fix(tmp_path, files, code, nth=0):
    root, an = load(tmp_path, files)
    fs = findings_of(an, code)
    assert len(fs) > nth, f"no {code} finding"
    fx = fixes_for(fs[nth], an)
    return root, an, fx


# ------------------------------------------------------------------ CVX101
HEAD = 'import { mutation, query } from "./_generated/server";\nimport { v } from "convex/values";\n\n'


def test_cvx101_after_args_multiline_adds_return_null(tmp_path):
    code = HEAD + d("""
        export const enqueue = mutation({
          args: { userId: v.string() },
          handler: async (ctx, args) => {
            await ctx.db.insert("jobs", { userId: args.userId, status: "queued" });
          },
        });
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert [(f.title, f.applicability) for f in fx] == [("Add `returns: v.null()`", "safe")]
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == HEAD + d("""
        export const enqueue = mutation({
          args: { userId: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.insert("jobs", { userId: args.userId, status: "queued" });
            return null;
          },
        });
    """)


def test_cvx101_one_line_object_and_missing_import_merged(tmp_path):
    code = d("""
        import { mutation } from "./_generated/server";
        import { ConvexError } from "convex/values";

        export const touch = mutation({ args: {}, handler: async (ctx) => { await ctx.db.query("jobs").first(); } });
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == d("""
        import { mutation } from "./_generated/server";
        import { ConvexError, v } from "convex/values";

        export const touch = mutation({ args: {}, returns: v.null(), handler: async (ctx) => { await ctx.db.query("jobs").first(); return null; } });
    """)


def test_cvx101_no_args_no_import_no_trailing_commas_returns_rewritten(tmp_path):
    code = d("""
        import { query } from "./_generated/server"

        export const check = query({
          handler: async (ctx) => {
            if (Math.random() > 0.5) {
              return
            }
            await ctx.db.query("jobs").first()
          }
        })
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == d("""
        import { query } from "./_generated/server"
        import { v } from "convex/values"

        export const check = query({
          returns: v.null(),
          handler: async (ctx) => {
            if (Math.random() > 0.5) {
              return null
            }
            await ctx.db.query("jobs").first()
            return null
          }
        })
    """)


def test_cvx101_args_last_without_trailing_comma(tmp_path):
    code = HEAD + d("""
        export const f = query({
          handler: async (ctx) => {
            throw new Error("nope");
          },
          args: {}
        });
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == HEAD + d("""
        export const f = query({
          handler: async (ctx) => {
            throw new Error("nope");
          },
          args: {},
          returns: v.null()
        });
    """)


def test_cvx101_insert_id_is_unsafe_v_id(tmp_path):
    code = HEAD + d("""
        export const create = mutation({
          args: { userId: v.string() },
          handler: async (ctx, args) => {
            return await ctx.db.insert("jobs", { userId: args.userId, status: "queued" });
          },
        });
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert [f.applicability for f in fx] == ["unsafe"]
    assert "v.null()" not in fx[0].title
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == HEAD + d("""
        export const create = mutation({
          args: { userId: v.string() },
          returns: v.id("jobs"),
          handler: async (ctx, args) => {
            return await ctx.db.insert("jobs", { userId: args.userId, status: "queued" });
          },
        });
    """)


# laid out over lines like the code around it (catalog revision 2): the one-line form would be 160 columns
DOC = """v.union(
    v.object({
      userId: v.string(),
      status: v.union(v.literal("queued"), v.literal("done")),
      result: v.optional(v.string()),
      _id: v.id("jobs"),
      _creationTime: v.number(),
    }),
    v.null(),
  )"""


@pytest.mark.parametrize("handler", [
    "async (ctx, args) => {\n    return ctx.db.get(args.jobId);\n  }",
    "async (ctx, { jobId }) => {\n    return await ctx.db.get(jobId);\n  }",
    "async (ctx, args) => ctx.db.get(args.jobId)",
])
def test_cvx101_db_get_is_doc_or_null_from_schema(tmp_path, handler):
    code = HEAD + f'export const get = query({{\n  args: {{ jobId: v.id("jobs") }},\n  handler: {handler},\n}});\n'
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert [f.applicability for f in fx] == ["unsafe"]
    want = code.replace('  handler:', f"  returns: {DOC},\n  handler:")
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == want


@pytest.mark.parametrize("value,validator", [('"ok"', "v.string()"), ("42", "v.number()"), ("false", "v.boolean()")])
def test_cvx101_literals(tmp_path, value, validator):
    code = HEAD + f"export const f = query({{\n  args: {{}},\n  handler: async () => {{\n    return {value};\n  }},\n}});\n"
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert [f.applicability for f in fx] == ["unsafe"]
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == code.replace("  args: {},", f"  args: {{}},\n  returns: {validator},")


def test_cvx101_unknown_value_no_fix(tmp_path):
    code = 'import { score } from "scoring";\n' + HEAD + d("""
        export const f = query({
          args: {},
          handler: async (ctx) => {
            const rows = await ctx.db.query("jobs").take(3);
            return rows.map((r) => score(r));
          },
        });
        export const g = query({
          args: { id: v.string() },
          handler: async (ctx, args) => ctx.db.get(args.id as any),
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    for f in findings_of(an, "CVX101"):
        assert fixes_for(f, an) == []


def test_cvx101_two_functions_converge_with_one_import(tmp_path):
    from convex_lsp.quickfixes import fix_files

    code = d("""
        import { mutation } from "./_generated/server";

        export const a = mutation({
          args: {},
          handler: async (ctx) => {
            await ctx.db.query("jobs").first();
          },
        });

        export const b = mutation({
          args: {},
          handler: async (ctx) => {},
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    path = os.path.join(root, "convex", "jobs.ts")
    rep = fix_files(an, [path])
    assert rep.applied["CVX101"] == 2 and not rep.failures
    assert rep.contents[path].decode() == d("""
        import { mutation } from "./_generated/server";
        import { v } from "convex/values";

        export const a = mutation({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.db.query("jobs").first();
            return null;
          },
        });

        export const b = mutation({
          args: {},
          returns: v.null(),
          handler: async (ctx) => { return null; },
        });
    """)
    assert fix_files(an, [path]).total == 0


# ------------------------------------------------------------------ CVX204
USES = d("""
    import { query } from "./_generated/server";
    import { v } from "convex/values";

    export const queued = query({
      args: {},
      returns: v.null(),
      handler: async (ctx) => {
        await ctx.db.query("jobs").withIndex("byStatus", (q) => q.eq("status", "queued")).take(5);
        await ctx.db.query("tasks").withIndex("byStatus", (q) => q.eq("status", "x")).take(5);
        return null;
      },
    });
""")
HELPER = d("""
    import { QueryCtx } from "../_generated/server";

    export async function done(ctx: QueryCtx) {
      return await ctx.db.query("jobs").withIndex("byStatus", (q) => q.eq("status", "done")).take(1);
    }
""")


def test_cvx204_renames_schema_and_every_use_on_that_table(tmp_path):
    root, an = load(tmp_path, {"convex/jobs.ts": USES, "convex/model/jobs.ts": HELPER})
    fs = [f for f in findings_of(an, "CVX204") if "`jobs`" in f.message]
    assert len(fs) == 1
    fx = fixes_for(fs[0], an)
    assert [(f.title, f.applicability) for f in fx] == [("Rename index to `by_status` and 2 `withIndex` uses", "safe")]
    out = fixed(root, an, fx[0])
    assert set(out) == {"convex/schema.ts", "convex/jobs.ts", "convex/model/jobs.ts"}
    assert out["convex/schema.ts"] == d(SCHEMA).replace('.index("byStatus", ["status"])\n', '.index("by_status", ["status"])\n')
    assert 'tasks: defineTable({ status: v.string() }).index("byStatus", ["status"])' in out["convex/schema.ts"]
    assert out["convex/jobs.ts"] == USES.replace('query("jobs").withIndex("byStatus"', 'query("jobs").withIndex("by_status"')
    assert out["convex/model/jobs.ts"] == HELPER.replace('"byStatus"', '"by_status"')


def test_cvx204_collision_blocks_the_fix(tmp_path):
    schema = SCHEMA.replace('.index("by_userId_and_status", ["userId", "status"])',
                            '.index("by_status", ["userId", "status"])')
    root = write_project(tmp_path, {"convex/schema.ts": schema, "convex/jobs.ts": USES})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    # the rule itself stays silent on a colliding name; a finding made up at that index gets no fix
    spath = os.path.join(root, "convex", "schema.ts")
    ix = an.index.schema_for(spath).index("jobs", "byStatus")
    fake = Finding(code="CVX204", name="index-name-fields", path=spath, start=ix.span.start, end=ix.span.end,
                   message="", data={"table": "jobs"})
    assert fixes_for(fake, an) == []
    schema_model = an.index.schema_for(spath)
    assert index_rename_blocker("jobs", "by_status", schema_model) == "table `jobs` already has an index named `by_status`"
    assert index_rename_blocker("tasks", "by_status", schema_model) is None


def test_cvx101_map_over_documents_keeps_the_schema_literal_union(tmp_path):
    code = HEAD + d("""
        export const statuses = query({
          args: {},
          handler: async (ctx) => {
            const rows = await ctx.db.query("jobs").take(3);
            return rows.map((r) => r.status);
          },
        });
    """)
    root, an, fx = only_fix(tmp_path, {"convex/jobs.ts": code}, "CVX101")
    assert [f.applicability for f in fx] == ["unsafe"]
    assert fixed(root, an, fx[0])["convex/jobs.ts"] == code.replace(
        "  args: {},", '  args: {},\n  returns: v.array(v.union(v.literal("queued"), v.literal("done"))),')
