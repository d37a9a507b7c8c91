import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

HEAD = """
import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";
import { internal } from "./_generated/api";
const http = httpRouter();
"""

CASES = [
    valid(HEAD + """
        http.route({
          path: "/webhooks/stripe",
          method: "POST",
          handler: httpAction(async (ctx, req) => {
            const signature = req.headers.get("stripe-signature");
            if (!signature) return new Response("missing signature", { status: 401 });
            await ctx.runMutation(internal.billing.record, { signature, body: await req.text() });
            return new Response(null, { status: 200 });
          }),
        });
        export default http;
    """, filename="convex/http.ts", name="signature header read first"),
    valid(HEAD + """
        import { Webhook } from "svix";
        http.route({
          path: "/clerk",
          method: "POST",
          handler: httpAction(async (ctx, request) => {
            const payload = await request.text();
            const event = await validateRequest(request);
            await ctx.runMutation(internal.users.upsert, { event, payload });
            return new Response(null);
          }),
        });
        export default http;
    """, filename="convex/http.ts", name="verification helper called before the write"),
    valid("""
        import { httpAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const ping = httpAction(async (ctx) => {
          const n = await ctx.runQuery(internal.stats.count, {});
          return new Response(String(n));
        });
        export const save = httpAction(async (ctx, req) => {
          const identity = await ctx.auth.getUserIdentity();
          if (!identity) return new Response("unauthorized", { status: 401 });
          await ctx.runMutation(internal.notes.save, { text: await req.text() });
          return new Response(null);
        });
    """, filename="convex/routes.ts", name="read-only route; route that checks ctx.auth"),
    invalid(HEAD + """
        http.route({
          path: "/webhooks/payments",
          method: "POST",
          handler: httpAction(async (ctx, req) => {
            const event = await req.json();
            await ctx.runMutation(internal.billing.record, { event });
            const sig = req.headers.get("x-signature");  // too late: the write already happened
            return new Response(sig);
          }),
        });
        export default http;
    """, [11], filename="convex/http.ts", name="write before any header is read"),
    invalid("""
        import { httpAction as route } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const track = route(async (c, request) => {
          const { name } = await request.json();
          await c.runMutation(internal.events.log, { name });
          return new Response(null, { status: 204 });
        });
    """, [5], filename="convex/events.ts", name="aliased httpAction, renamed ctx"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_http_route_without_auth(tmp_path, case):
    run_case(tmp_path, "http-route-without-auth", case)


def test_off_by_default(tmp_path):
    code = """
        import { httpAction } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const track = httpAction(async (ctx, req) => {
          await ctx.runMutation(internal.events.log, { body: await req.text() });
          return new Response(null);
        });
    """
    assert not [f for f in lint_files(tmp_path, {"convex/events.ts": code}) if f.code == "CVX703"]
