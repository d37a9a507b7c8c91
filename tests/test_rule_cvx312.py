import pytest

from tests.ruletester import FUNCTIONS_TS, first_fixes, invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { v } from "convex/values";
        export const size = query({
          args: { fileId: v.id("_storage") },
          handler: async (ctx, { fileId }) => {
            const meta = await ctx.db.system.get("_storage", fileId);
            const storage = { getMetadata: (_id: string) => null };
            storage.getMetadata("x"); // a local object, not ctx.storage
            return meta?.size ?? null;
          },
        });
    """, name="system table read, unrelated getMetadata"),
    invalid("""
        import { authedQuery } from "./functions";
        import { v } from "convex/values";
        export const size = authedQuery({
          args: { fileId: v.id("_storage") },
          handler: async (qctx, { fileId }) => {
            const meta = await qctx.storage.getMetadata(fileId);
            return meta?.size ?? null;
          },
        });
    """, [6], files={"convex/functions.ts": FUNCTIONS_TS}, message="qctx.db.system.get(",
        name="custom builder, ctx named qctx"),
    invalid("""
        "use node";
        import { action } from "./_generated/server";
        export const probe = action({
          args: {},
          handler: async ({ storage }, args: { id: any }) => {
            return await storage.getMetadata(args.id);
          },
        });
    """, [6], name="destructured storage in an action"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_deprecated_storage_metadata(tmp_path, case):
    run_case(tmp_path, "deprecated-storage-metadata", case)


def _fix(tmp_path, code, files=None, pkg='{"dependencies": {"convex": "^1.31.2"}}'):
    files = dict(files or {}, **{"convex/files.ts": code, "package.json": pkg})
    got = first_fixes(tmp_path, files, "convex/files.ts", "CVX312")
    assert len(got) == 1
    return got[0] if got[0] else (None, None)


HEAD = """
import { query, mutation, action } from "./_generated/server";
import { v } from "convex/values";
"""


def test_safe_fix_when_only_shared_fields_are_read(tmp_path):
    app, out = _fix(tmp_path, HEAD + """
export const size = query({
  args: { fileId: v.id("_storage") },
  handler: async (ctx, { fileId }) => {
    const meta = await ctx.storage.getMetadata(fileId);
    if (!meta) return null;
    return meta.size;
  },
});
""")
    assert app == "safe"
    assert 'const meta = await ctx.db.system.get("_storage", fileId);' in out


def test_unsafe_when_the_result_escapes_or_reads_storage_id(tmp_path):
    app, out = _fix(tmp_path, HEAD + """
export const info = mutation({
  args: { fileId: v.id("_storage") },
  handler: async (ctx, args) => {
    return await ctx.storage.getMetadata(args.fileId);
  },
});
""")
    assert app == "unsafe" and 'ctx.db.system.get("_storage", args.fileId)' in out
    app, _ = _fix(tmp_path / "b", HEAD + """
export const info = mutation({
  args: { fileId: v.id("_storage") },
  handler: async (ctx, args) => {
    const m = await ctx.storage.getMetadata(args.fileId);
    return m?.storageId ?? null;
  },
});
""")
    assert app == "unsafe"


def test_no_fix_in_actions_and_old_convex_gets_the_one_argument_form(tmp_path):
    app, _ = _fix(tmp_path, HEAD + """
export const a = action({
  args: { fileId: v.id("_storage") },
  handler: async (ctx, { fileId }) => {
    const meta = await ctx.storage.getMetadata(fileId);
    return meta?.size ?? null;
  },
});
""")
    assert app is None
    app, out = _fix(tmp_path / "old", HEAD + """
export const size = query({
  args: { fileId: v.id("_storage") },
  handler: async (ctx, { fileId }) => (await ctx.storage.getMetadata(fileId))?.size ?? null,
});
""", pkg='{"dependencies": {"convex": "1.17.0"}}')
    assert "ctx.db.system.get(fileId)" in out


def test_helper_typed_query_ctx_gets_the_fix(tmp_path):
    code = """
import type { QueryCtx } from "../_generated/server";
export async function fileSize(qc: QueryCtx, id: any) {
  const meta = await qc.storage.getMetadata(id);
  return meta?.size;
}
"""
    fs = lint_files(tmp_path, {"convex/model/files.ts": code}, select=["CVX312"])
    assert len(fs) == 1 and fs[0].data.get("ctx") == "qc" and fs[0].data.get("safe") is True
