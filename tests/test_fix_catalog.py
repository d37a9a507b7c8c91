"""Before/after text for the rest of the catalog's fixes, the suppression actions and the
fix-library plumbing (apply_edits, unified_diff, fix_files)."""

from __future__ import annotations

import os

import pytest

from convex_lsp.analysis.registry import Finding, TextEdit
from convex_lsp.quickfixes import apply_edits, fix_files, fixes_for, suppression_fixes, unified_diff
from tests.test_fix_showcase import HEAD, d, findings_of, fixed, load


def one(tmp_path, files, code, path="convex/jobs.ts", nth=0, unsafe_ok=True):
    root, an = load(tmp_path, files)
    fs = findings_of(an, code)
    assert len(fs) > nth, f"no {code} finding in {[f.code for p in an.models for f in an.lint(p)]}"
    fx = fixes_for(fs[nth], an)
    assert fx, f"no fix for {code}"
    return fixed(root, an, fx[0])[path], fx[0]


def test_cvx102_args(tmp_path):
    code = HEAD + 'export const f = query({\n  returns: v.null(),\n  handler: async (ctx) => null,\n});\n'
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX102")
    assert fx.applicability == "safe"
    assert out == code.replace("  returns:", "  args: {},\n  returns:")


def test_cvx102_no_fix_when_handler_reads_args(tmp_path):
    code = HEAD + 'export const f = query({\n  returns: v.null(),\n  handler: async (ctx, a) => null,\n});\n'
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    assert [fixes_for(f, an) for f in findings_of(an, "CVX102")] == [[]]


def test_cvx103_bare_to_object_keeps_body(tmp_path):
    code = HEAD + 'export const f = mutation(async (ctx) => {\n  await ctx.db.query("jobs").first();\n});\n'
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX103")
    assert fx.applicability == "safe"
    assert out == HEAD + ('export const f = mutation({\n  args: {},\n  returns: v.null(),\n  handler: async (ctx) => {\n'
                          '  await ctx.db.query("jobs").first();\n  return null;\n},\n});\n')


def test_cvx103_bare_handler_returning_a_value(tmp_path):
    # the handler returns a document: no `returns` is guessed, the body is kept byte for byte
    code = HEAD + 'export const f = query(async (ctx) => {\n  return await ctx.db.query("jobs").first();\n});\n'
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX103")
    assert fx.applicability == "safe"
    assert out == HEAD + ('export const f = query({\n  args: {},\n  handler: async (ctx) => {\n'
                          '  return await ctx.db.query("jobs").first();\n},\n});\n')


def test_cvx104_return_null(tmp_path):
    code = HEAD + d("""
        export const f = mutation({
          args: { id: v.id("jobs") },
          returns: v.null(),
          handler: async (ctx, { id }) => {
            if (id) {
              return null;
            } else {
              await ctx.db.delete(id);
            }
          },
        });
    """)
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX104")
    assert out == code.replace("      await ctx.db.delete(id);\n    }\n", "      await ctx.db.delete(id);\n    }\n    return null;\n")


def test_cvx105_bigint(tmp_path):
    code = HEAD + 'export const f = query({ args: { n: v.bigint() }, returns: v.null(), handler: async () => null });\n'
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX105")
    assert out == code.replace("v.bigint()", "v.int64()")


def test_cvx901_removes_whole_line_or_trailing_comment(tmp_path):
    code = HEAD + d("""
        export const f = query({
          args: {},
          returns: v.null(),
          handler: async () => {
            // convex-lsp-disable-next-line no-query-filter
            const x = 1; // convex-lsp-disable-line unbounded-collect
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    path = os.path.join(root, "convex", "jobs.ts")
    rep = fix_files(an, [path])
    assert rep.applied["CVX901"] == 2
    assert rep.contents[path].decode() == code.replace("    // convex-lsp-disable-next-line no-query-filter\n", "") \
        .replace(" // convex-lsp-disable-line unbounded-collect", "")


def test_cvx503_and_cvx501(tmp_path):
    http = d("""
        "use node";

        import { httpRouter } from "convex/server";
        const http = httpRouter();
        export default http;
    """)
    node = d("""
        // signs payloads
        import { createHmac } from "crypto";
        export function sign(s: string) { return createHmac("sha256", "k").update(s).digest("hex"); }
    """)
    out, _ = one(tmp_path, {"convex/http.ts": http, "convex/sign.ts": node}, "CVX503", path="convex/http.ts")
    assert out == http.replace('"use node";\n\n', "")
    out, _ = one(tmp_path, {"convex/http.ts": http, "convex/sign.ts": node}, "CVX501", path="convex/sign.ts")
    assert out == node.replace("import {", '"use node";\n\nimport {', 1)


def test_cvx307_await(tmp_path):
    code = HEAD + d("""
        export const f = mutation({
          args: { id: v.id("jobs") },
          returns: v.null(),
          handler: async (ctx, args) => {
            ctx.db.delete(args.id);
            return null;
          },
        });
    """)
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX307")
    assert fx.applicability == "safe"
    assert out == code.replace("    ctx.db.delete", "    await ctx.db.delete")


def test_cvx202_take(tmp_path):
    code = HEAD + 'export const f = query({ args: {}, returns: v.null(), handler: async (ctx) => {\n  await ctx.db.query("jobs").collect();\n  return null;\n} });\n'
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX202")
    assert fx.applicability == "unsafe"
    assert out == code.replace(".collect()", ".take(100)")


def test_cvx201_filter_to_with_index(tmp_path):
    code = HEAD + d("""
        export const f = query({
          args: { userId: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db
              .query("jobs")
              .filter((q) => q.and(q.eq(q.field("status"), "done"), q.eq(args.userId, q.field("userId"))))
              .take(10);
            return null;
          },
        });
    """)
    out, fx = one(tmp_path, {"convex/jobs.ts": code}, "CVX201")
    assert fx.applicability == "unsafe"
    assert out == code.replace(
        '.filter((q) => q.and(q.eq(q.field("status"), "done"), q.eq(args.userId, q.field("userId"))))',
        '.withIndex("by_userId_and_status", (q) => q.eq("userId", args.userId).eq("status", "done"))')


def test_cvx201_no_index_prefix_no_fix(tmp_path):
    code = HEAD + d("""
        export const f = query({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.db.query("jobs").filter((q) => q.eq(q.field("result"), "x")).take(10);
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    assert all(fixes_for(f, an) == [] for f in findings_of(an, "CVX201"))


TYPOS = HEAD + d("""
    export const f = query({
      args: {},
      returns: v.null(),
      handler: async (ctx) => {
        await ctx.db.query("job").take(1);
        await ctx.db.query("jobs").withIndex("by_userid_and_status").take(1);
        return null;
      },
    });
""")


def test_cvx206_cvx208_did_you_mean(tmp_path):
    out, fx = one(tmp_path, {"convex/jobs.ts": TYPOS}, "CVX208")
    assert fx.applicability == "unsafe" and out == TYPOS.replace('query("job")', 'query("jobs")')
    out, fx = one(tmp_path, {"convex/jobs.ts": TYPOS}, "CVX206")
    assert out == TYPOS.replace("by_userid_and_status", "by_userId_and_status")


def test_cvx205_remove_and_repoint(tmp_path):
    schema = d("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";

        export default defineSchema({
          jobs: defineTable({ userId: v.string(), status: v.string() })
            .index("by_userId", ["userId"])
            .index("by_userId_and_status", ["userId", "status"]),
        });
    """)
    code = HEAD + d("""
        export const f = query({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.db.query("jobs").withIndex("by_userId", (q) => q.eq("userId", "u")).take(1);
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/schema.ts": schema, "convex/jobs.ts": code})
    fs = findings_of(an, "CVX205")
    assert len(fs) == 1
    fx = fixes_for(fs[0], an)[0]
    out = fixed(root, an, fx)
    assert out["convex/schema.ts"] == schema.replace('    .index("by_userId", ["userId"])\n', "")
    assert out["convex/jobs.ts"] == code.replace('withIndex("by_userId"', 'withIndex("by_userId_and_status"')


def test_cvx106_string_to_id(tmp_path):
    code = HEAD + d("""
        import { Id } from "./_generated/dataModel";
        export const f = query({
          args: { jobId: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.get(args.jobId as Id<"jobs">);
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    fs = findings_of(an, "CVX106")
    if not fs:  # the rule may want more evidence; exercise the fix on a made-up finding
        path = os.path.join(root, "convex", "jobs.ts")
        s = an.models[path].src.data.index(b"v.string()")
        fs = [Finding("CVX106", "string-id-validator", path, s, s + 10, "")]
    out = fixed(root, an, fixes_for(fs[0], an)[0])
    assert out["convex/jobs.ts"] == code.replace("jobId: v.string()", 'jobId: v.id("jobs")')


def test_cvx401_and_cvx402(tmp_path):
    sched = d("""
        import { mutation, internalMutation } from "./_generated/server";
        import { api, internal } from "./_generated/api";
        import { v } from "convex/values";

        export const kick = mutation({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.scheduler.runAfter(0, api.sched.work, {});
            await ctx.scheduler.runAfter(0, internal.sched.cleanpu, {});
            return null;
          },
        });

        export const work = mutation({ args: {}, returns: v.null(), handler: async () => null });
        export const cleanup = internalMutation({ args: {}, returns: v.null(), handler: async () => null });
    """)
    root, an = load(tmp_path, {"convex/sched.ts": sched})
    fs = findings_of(an, "CVX401")
    assert len(fs) == 1
    fx = fixes_for(fs[0], an)[0]
    assert fx.applicability == "unsafe"
    out = fixed(root, an, fx)["convex/sched.ts"]
    assert out == sched.replace("api.sched.work", "internal.sched.work") \
        .replace("export const work = mutation(", "export const work = internalMutation(") \
        .replace("import { api, internal }", "import { internal }")
    fs = findings_of(an, "CVX402")
    assert len(fs) == 1
    out = fixed(root, an, fixes_for(fs[0], an)[0])["convex/sched.ts"]
    assert out == sched.replace("internal.sched.cleanpu", "internal.sched.cleanup")


# ------------------------------------------------------------------ suppressions
def test_suppression_line_and_file(tmp_path):
    code = HEAD + d("""
        export const f = query({
          args: { n: v.bigint() },
          returns: v.null(),
          handler: async () => null,
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    f = findings_of(an, "CVX105")[0]
    line, whole = suppression_fixes(f, an)
    assert line.title == "Disable deprecated-bigint-validator for this line"
    assert line.applicability == "unsafe"
    after = fixed(root, an, line)["convex/jobs.ts"]
    assert after == code.replace("  args: { n", "  // convex-lsp-disable-next-line deprecated-bigint-validator\n  args: { n")
    assert fixed(root, an, whole)["convex/jobs.ts"] == "/* convex-lsp-disable deprecated-bigint-validator */\n" + code
    # applying either one silences the finding
    path = f.path
    for fx in (line, whole):
        an.load(path, apply_edits(an.models[path].src.data, fx.edits))
        assert not [x for x in an.lint(path) if x.code in ("CVX105", "CVX901")]
        an.load(path, code.encode())


def test_suppression_merges_into_existing_comments(tmp_path):
    code = "/* convex-lsp-disable missing-args-validator */\n" + HEAD + d("""
        export const f = query({
          // convex-lsp-disable-next-line unbounded-collect
          args: { n: v.bigint() },
          returns: v.null(),
          handler: async () => null,
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    f = findings_of(an, "CVX105")[0]
    line, whole = suppression_fixes(f, an)
    assert fixed(root, an, line)["convex/jobs.ts"] == code.replace(
        "next-line unbounded-collect", "next-line unbounded-collect, deprecated-bigint-validator")
    assert fixed(root, an, whole)["convex/jobs.ts"] == code.replace(
        "disable missing-args-validator */", "disable missing-args-validator, deprecated-bigint-validator */")


# ------------------------------------------------------------------ plumbing
def test_apply_edits_and_diff():
    data = b"abcdef"
    out = apply_edits(data, [TextEdit("p", 4, 5, "E"), TextEdit("p", 0, 0, ">"), TextEdit("p", 1, 3, "")])
    assert out == b">adEf"
    with pytest.raises(ValueError):
        apply_edits(data, [TextEdit("p", 0, 3, ""), TextEdit("p", 2, 4, "")])
    diff = unified_diff(b"a\nb\n", b"a\nc\n", "convex/x.ts")
    assert diff.splitlines()[:2] == ["--- a/convex/x.ts", "+++ b/convex/x.ts"]
    assert "-b" in diff and "+c" in diff


def test_fix_files_safe_only_by_default(tmp_path):
    code = HEAD + d("""
        export const f = query({
          args: {},
          returns: v.null(),
          handler: async (ctx) => {
            await ctx.db.query("jobs").collect();
            return null;
          },
        });
    """)
    root, an = load(tmp_path, {"convex/jobs.ts": code})
    path = os.path.join(root, "convex", "jobs.ts")
    assert fix_files(an, [path]).total == 0
    rep = fix_files(an, [path], unsafe=True)
    assert rep.applied == {"CVX202": 1}
    assert rep.changed() == {path: code.replace(".collect()", ".take(100)").encode()}
    assert "+    await ctx.db.query(\"jobs\").take(100);" in rep.diff()
