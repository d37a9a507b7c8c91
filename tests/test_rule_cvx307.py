import pytest

from tests.ruletester import invalid, lint_files, run_case, valid
from tests.runtime_fixtures import BASE

MODEL_TASKS = """
import type { MutationCtx } from "../_generated/server";
import { internal } from "../_generated/api";

export async function archive(ctx: MutationCtx, id: any) {
  ctx.db.patch(id, { done: true });
  await ctx.scheduler.runAfter(0, internal.tasks.cleanup, { id });
}
"""

CASES = [
    valid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        export const ok = mutation({
          args: {},
          handler: async (ctx, { ids }: any) => {
            await ctx.db.insert("tasks", { title: "a", done: false });
            const id = ctx.db.insert("tasks", { title: "b", done: false });
            const p = [ctx.db.get(ids[0])];
            await Promise.all(ids.map((i: any) => ctx.db.delete(i)));
            void ctx.scheduler.runAfter(0, internal.tasks.cleanup, {});
            ctx.storage.delete(ids[1]).catch(() => {});
            ctx.db.patch(ids[2], {}).then(() => null);
            await Promise.all([ctx.db.get(ids[3]), ctx.db.query("tasks").take(3)]);
            ctx.db.normalizeId("tasks", "x");
            for (const i of ids) await ctx.db.delete(i);
            ids.forEach((i: any) => console.log(i));
            // ctx.db.insert("tasks", {}) in a comment
            return await id;
          },
        });
        export const viaReturn = mutation({ args: {}, handler: (ctx) => ctx.db.insert("tasks", { title: "", done: false }) });
        export const viaReturn2 = mutation({
          args: {},
          handler: (ctx) => { return ctx.runMutation(internal.tasks.x, {}); },
        });
    """, files=BASE, name="awaited, assigned, collected, void, chained, returned, sync"),
    valid("""
        import { db } from "./lib/dexie";
        export function clearLocal(id: string) {
          db.delete(id);
          db.get(id);
        }
    """, files=BASE, name="a module-level db that is not a Convex ctx"),
    invalid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        export const bad = mutation({
          args: {},
          handler: async (context, { id }: any) => {
            context.db.patch(id, { done: true });
            context.scheduler.runAfter(0, internal.tasks.cleanup, { id });
            context.db.query("tasks").collect();
            (context.runMutation(internal.tasks.x, {}));
          },
        });
    """, [6, 7, 8, 9], files=BASE, name="bare statements with a renamed ctx", message="await"),
    invalid("""
        import { internalMutation } from "./_generated/server";
        export const wipe = internalMutation({
          args: {},
          handler: async ({ db, storage }, { ids, files }: any) => {
            ids.forEach(async (id: any) => {
              await db.delete(id);
            });
            files.forEach((f: any) => storage.delete(f));
            db.insert("tasks", { title: "", done: false });
          },
        });
    """, [5, 8, 9], files=BASE, name="async forEach, expression forEach, destructured db"),
    invalid("""
        import { mutation } from "./functions";
        import { archive } from "./model/tasks";
        export const done = mutation({ args: {}, handler: async (ctx, { id }: any) => { await archive(ctx, id); } });
    """, [("convex/model/tasks.ts", 5)], files={**BASE, "convex/model/tasks.ts": MODEL_TASKS},
        name="model helper typed MutationCtx"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_floating_promise(tmp_path, case):
    run_case(tmp_path, "floating-promise", case)


def test_floating_promise_fix_data(tmp_path):
    code = """import { mutation } from "./functions";
export const bad = mutation({
  args: {},
  handler: async (ctx, { id }: any) => {
    ctx.db.patch(id, { done: true });
  },
});
"""
    files = {**BASE, "convex/example.ts": code}
    found = [f for f in lint_files(tmp_path, files, select=["floating-promise"]) if f.code == "CVX307"]
    assert len(found) == 1
    off = found[0].data["await_offset"]
    assert code.encode()[off:].startswith(b"ctx.db.patch(")
    assert found[0].data["in_async"] is True


HELPER_CASES = [
    invalid("""
        import { v } from "convex/values";
        import { mutation, type MutationCtx } from "./_generated/server";
        async function logEvent(ctx: MutationCtx, kind: string) {
          await ctx.db.insert("events", { kind, at: Date.now() });
        }
        const touch = async ({ db }: MutationCtx, id: any) => {
          await db.patch(id, { touchedAt: Date.now() });
        };
        export const rename = mutation({
          args: { id: v.id("docs"), title: v.string() },
          returns: v.null(),
          handler: async (ctx, { id, title }) => {
            await ctx.db.patch(id, { title });
            logEvent(ctx, "rename");
            touch(ctx, id);
            return null;
          },
        });
    """, [14, 15], name="un-awaited local async helpers that write through ctx"),
    valid("""
        import { v } from "convex/values";
        import { mutation, type MutationCtx } from "./_generated/server";
        async function logEvent(ctx: MutationCtx, kind: string) {
          await ctx.db.insert("events", { kind, at: Date.now() });
        }
        async function readTitle(ctx: MutationCtx, id: any) {
          return (await ctx.db.get(id))?.title;
        }
        async function notify(url: string) {
          await fetch(url, { method: "POST" });
        }
        export const rename = mutation({
          args: { id: v.id("docs"), title: v.string() },
          returns: v.null(),
          handler: async (ctx, { id, title }) => {
            await logEvent(ctx, "rename");
            readTitle(ctx, id);
            void logEvent(ctx, "renamed");
            const pending = logEvent(ctx, "x");
            await pending;
            return null;
          },
        });
    """, name="awaited, void-ed or kept; a helper that only reads"),
]


@pytest.mark.parametrize("case", HELPER_CASES, ids=repr)
def test_floating_writing_helper(tmp_path, case):
    run_case(tmp_path, "floating-promise", case)
