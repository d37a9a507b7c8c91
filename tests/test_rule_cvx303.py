import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

CASES = [
    valid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const importAll = internalAction({
          args: {},
          handler: async (ctx, { items }: any) => {
            // for (const item of items) ctx.runMutation(...) would be slow
            await ctx.runMutation(internal.items.insertBatch, { items });
            for (const item of items) console.log(item);
          },
        });
    """, files=BASE, name="one call outside a loop"),
    valid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const drain = internalAction({
          args: {},
          handler: async (ctx) => {
            let cursor: string | null = null;
            while (true) {
              const page = await ctx.runQuery(internal.items.page, { cursor });
              if (page.isDone) break;
              cursor = page.continueCursor;
            }
            for (const batch of chunks) {
              await ctx.runMutation(internal.items.insertBatch, { items: batch });
            }
            for (let attempt = 0; attempt < 3; attempt++) {
              try { await ctx.runMutation(internal.items.flaky, {}); break; } catch (e) {}
            }
            for (const table of ["a", "b"]) {
              await ctx.runMutation(internal.items.clear, { table });
            }
          },
        });
    """, files=BASE, name="paging, pre-chunked batches, retries, literal lists"),
    valid("""
        import { mutation } from "./functions";
        import { components } from "./_generated/api";
        export const bump = mutation({
          args: {},
          handler: async (ctx, { ids }: any) => {
            for (const id of ids) await ctx.runMutation(components.counter.inc, { id });
          },
        });
    """, files=BASE, name="not an action (CVX310 territory)"),
    valid("""
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const one = action({
          args: {},
          handler: async (ctx, { items }: any) => {
            const ps = items.map((i: any) => i.id);
            const all = await Promise.all([ctx.runQuery(internal.a.b, {}), ctx.runQuery(internal.a.c, {})]);
            return [ps, all];
          },
        });
    """, files=BASE, name="fixed Promise.all of two calls"),
    invalid("""
        import { authedAction } from "./functions";
        import { internal } from "./_generated/api";
        export const importAll = authedAction({
          args: {},
          handler: async (context, { items }: any) => {
            for (const item of items) {
              await context.runMutation(internal.items.process, { item });
            }
            for (let i = 0; i < items.length; i++) {
              await context.runAction(internal.items.enrich, { item: items[i] });
            }
          },
        });
    """, [7, 10], files=BASE, name="for-of and counted for in a custom action", message="loop"),
    invalid("""
        import { internalAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const fanOut = internalAction({
          args: {},
          handler: async (ctx, { ids }: any) => {
            ids.forEach(async (id: string) => {
              await ctx.runMutation(internal.items.touch, { id });
            });
            const docs = await Promise.all(ids.map((id: string) => ctx.runQuery(internal.items.get, { id })));
            return docs;
          },
        });
    """, [7, 9], files=BASE, name="forEach and Promise.all(map)"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_run_in_loop(tmp_path, case):
    run_case(tmp_path, "run-in-loop", case)


CHUNK_CASES = [
    valid("""
        import { v } from "convex/values";
        import { internal } from "./_generated/api";
        import { internalAction } from "./_generated/server";
        const SIZE = 100;
        export const importRows = internalAction({
          args: { url: v.string() },
          handler: async (ctx, { url }) => {
            const rows: string[] = (await (await fetch(url)).text()).split("\\n");
            for (let i = 0; i < rows.length; i += SIZE) {
              await ctx.runMutation(internal.rows.insertMany, { rows: rows.slice(i, i + SIZE) });
            }
            for (let start = 0; start < rows.length; start = start + 250) {
              await ctx.runMutation(internal.rows.insertMany, { rows: rows.slice(start, start + 250) });
            }
            return null;
          },
        });
    """, name="pre-chunked batch loops: the remedy itself"),
    valid("""
        import { internal } from "./_generated/api";
        import { internalAction } from "./_generated/server";
        export const sync = internalAction({
          args: {},
          handler: async (ctx) => {
            const ids: string[] = await ctx.runQuery(internal.rows.pendingIds, {});
            for (let i = 0; i < ids.length; i++) {
              await ctx.runMutation(internal.rows.markMany, { ids: ids.slice(i, i + 50) });
            }
            return null;
          },
        });
    """, name="slices at the counter"),
    invalid("""
        import { internal } from "./_generated/api";
        import { internalAction } from "./_generated/server";
        export const sync = internalAction({
          args: {},
          handler: async (ctx) => {
            const ids: string[] = await ctx.runQuery(internal.rows.pendingIds, {});
            for (let i = 0; i < ids.length; i++) {
              await ctx.runMutation(internal.rows.mark, { id: ids[i] });
            }
            return null;
          },
        });
    """, [8], name="one item per iteration is still a loop"),
]


@pytest.mark.parametrize("case", CHUNK_CASES, ids=repr)
def test_run_in_loop_chunks(tmp_path, case):
    run_case(tmp_path, "run-in-loop", case)
