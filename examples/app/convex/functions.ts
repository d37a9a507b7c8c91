// Custom builders used across the app (see §9.4 of the spec).
import { customMutation, customQuery, customCtx } from "convex-helpers/server/customFunctions";
import { mutation as rawMutation, query as rawQuery } from "./_generated/server";

export const authedQuery = customQuery(rawQuery, {
  args: {},
  input: async (ctx, args) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new Error("Unauthorized");
    return { ctx: { ...ctx, identity }, args };
  },
});

// A plain re-export that runs no auth check.
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
export const query = rawQuery;
