import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

// CVX504: Convex only serves the router exported by http.ts
const webhooks = httpRouter();

webhooks.route({
  path: "/webhooks/github",
  method: "POST",
  handler: httpAction(async () => new Response(null, { status: 200 })),
});

export default webhooks;
