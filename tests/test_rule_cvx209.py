import pytest

from tests._kw_fixtures import FILES
from tests.ruletester import invalid, run_case, valid

CASES = [
    valid("""
        import { query } from "./_generated/server";
        import { getAll } from "convex-helpers/server/relationships";
        export const team = query({
          args: {},
          handler: async (ctx, { teamId, ids }) => {
            const team = await ctx.db.get(teamId);
            const members = await getAll(ctx.db, ids);
            for (const m of members) {
              // same document each time: not per item
              const owner = await ctx.db.get(teamId);
              console.log(m, owner, "ctx.db.get(m) in a string");
            }
            let cursor = null;
            while (true) {
              const page = await ctx.db.query("tasks").paginate({ numItems: 100, cursor });
              if (page.isDone) break;
              cursor = page.continueCursor;
            }
            return { team, members };
          },
        });
    """, files=FILES, name="single get, getAll, invariant read, pagination loop"),
    valid("""
        import { mutation } from "./functions";
        export const archiveAll = mutation({
          args: {},
          handler: async (ctx, { ids }) => {
            for (const id of ids) {
              const doc = await ctx.db.get(id);
              if (doc) await ctx.db.patch(id, { archived: true });
            }
          },
        });
    """, files=FILES, name="batch mutation reading what it writes"),
    invalid("""
        import { query } from "./_generated/server";
        import { asyncMap } from "convex-helpers";
        export const team = query({
          args: {},
          handler: async (ctx, { teamId }) => {
            const team = await ctx.db.get(teamId);
            const members = await Promise.all(team.memberIds.map((id) => ctx.db.get(id)));
            const more = await asyncMap(team.memberIds, async (id) => await ctx.db.get(id));
            return { team, members, more };
          },
        });
    """, [7, 8], files=FILES, name="Promise.all map and asyncMap"),
    invalid("""
        import { authedQuery } from "./functions";
        export const feed = authedQuery({
          args: {},
          handler: async ({ db }, { channelIds }) => {
            const out = [];
            for (const channelId of channelIds) {
              const latest = await db
                .query("messages")
                .withIndex("by_channelId_and_authorId", (q) => q.eq("channelId", channelId))
                .first();
              out.push(latest);
            }
            return out;
          },
        });
    """, [7], files=FILES, name="query chain per item in a for-of loop, custom builder"),
    invalid("""
        import type { QueryCtx } from "../_generated/server";
        export async function authors(ctx: QueryCtx, messages: any[]) {
          const result = [];
          for (let i = 0; i < messages.length; i++) {
            const m = messages[i];
            result.push(await ctx.db.get(m.authorId));
          }
          return result;
        }
    """, [6], files=FILES, filename="convex/model/messages.ts", name="model helper with QueryCtx, classic for"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_n_plus_one_get(tmp_path, case):
    run_case(tmp_path, "n-plus-one-get", case)


SPREAD_CASES = [
    invalid("""
        import { v } from "convex/values";
        import { query } from "./_generated/server";
        export const visibleDocs = query({
          args: { owned: v.array(v.id("docs")), shared: v.array(v.id("docs")) },
          handler: async ({ db }, { owned, shared }) => {
            const out = [];
            for (const id of [...owned, ...shared]) {
              const doc = await db.get(id);
              if (doc) out.push(doc);
            }
            return out;
          },
        });
    """, [8], files=FILES, name="a loop over a spread array literal is a loop"),
    valid("""
        import { v } from "convex/values";
        import { query } from "./_generated/server";
        export const plans = query({
          args: { a: v.id("plans"), b: v.id("plans") },
          handler: async ({ db }, { a, b }) => {
            const out = [];
            for (const id of [a, b]) out.push(await db.get(id));
            return out;
          },
        });
    """, files=FILES, name="a short literal of plain elements stays bounded"),
]


@pytest.mark.parametrize("case", SPREAD_CASES, ids=repr)
def test_n_plus_one_spread(tmp_path, case):
    run_case(tmp_path, "n-plus-one-get", case)
