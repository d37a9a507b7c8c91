"use node"; // CVX503: http.ts runs in the default runtime

import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { internal } from "./_generated/api";

const http = httpRouter(); // CVX505: never exported as default

http.route({
  path: "/jobs/purge",
  method: "POST",
  handler: httpAction(async (ctx, req) => {
    if (req.headers.get("authorization") !== `Bearer ${process.env.PURGE_TOKEN}`) {
      return new Response("Unauthorized", { status: 401 });
    }
    await ctx.runMutation(internal.scheduling_demo.purgeDeleted, {});
    return new Response(null, { status: 204 });
  }),
});

export { http };
