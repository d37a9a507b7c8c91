import pytest

from tests.ruletester import invalid, run_case, valid

EMAILS = """
import { action, internalAction } from "./_generated/server";
import { v } from "convex/values";
export const send = action({ args: { to: v.string() }, returns: v.null(), handler: async () => null });
export const sendInternal = internalAction({ args: { to: v.string() }, returns: v.null(), handler: async () => null });
"""
STEMS = """
import { internalMutation, mutation } from "../_generated/server";
export const split = mutation({ args: {}, handler: async () => null });
export const splitInternal = internalMutation({ args: {}, handler: async () => null });
"""

CASES = [
    valid("""
        import { mutation } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const signup = mutation({
          args: {},
          handler: async (ctx) => {
            // api.emails.send would be public: use internal
            await ctx.scheduler.runAfter(0, internal.emails.sendInternal, { to: "a@b.c" });
            await ctx.runMutation(internal.audio.stems.splitInternal, {});
            return null;
          },
        });
    """, files={"convex/emails.ts": EMAILS, "convex/audio/stems.ts": STEMS}, name="internal references"),
    valid("""
        import { useQuery } from "convex/react";
        import { api } from "./_generated/api";
        export function useEmails() { return useQuery(api.emails.send as any); }
        const label = "ctx.scheduler.runAfter(0, api.emails.send)";
    """, files={"convex/emails.ts": EMAILS}, name="api outside a scheduling call, strings"),
    invalid("""
        import { mutation } from "./_generated/server";
        import { api } from "./_generated/api";
        export const signup = mutation({
          args: {},
          handler: async (context) => {
            await context.scheduler.runAfter(0, api.emails.send, { to: "a@b.c" });
            await context.scheduler.runAt(Date.now() + 1000, api.emails.send, { to: "a@b.c" });
            return null;
          },
        });
    """, [6, 7], files={"convex/emails.ts": EMAILS}, name="renamed ctx, runAfter and runAt"),
    invalid("""
        import { action } from "./_generated/server";
        import { api as API } from "./_generated/api";
        export const run = action({
          args: {},
          handler: async ({ runMutation, scheduler }) => {
            await runMutation(API.audio.stems.split, {});
            await scheduler.runAfter(0, API.audio.stems.split, {});
            return null;
          },
        });
    """, [6, 7], files={"convex/audio/stems.ts": STEMS}, name="destructured ctx, nested module, aliased api"),
    invalid("""
        import { cronJobs } from "convex/server";
        import { api, internal } from "./_generated/api";
        const crons = cronJobs();
        crons.interval("send digest", { hours: 1 }, api.emails.send, { to: "x@y.z" });
        crons.interval("send internal", { hours: 1 }, internal.emails.sendInternal, { to: "x@y.z" });
        export default crons;
    """, [4], files={"convex/emails.ts": EMAILS}, filename="convex/crons.ts", name="cron job"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_public_function_scheduled(tmp_path, case):
    run_case(tmp_path, "public-function-scheduled", case)


def test_data_for_fix(tmp_path):
    from tests.ruletester import lint_files
    code = """
import { mutation } from "./_generated/server";
import { api } from "./_generated/api";
export const m = mutation({ args: {}, handler: async (ctx) => { await ctx.scheduler.runAfter(0, api.emails.send, {}); } });
"""
    fs = lint_files(tmp_path, {"convex/emails.ts": EMAILS, "convex/m.ts": code}, select=["CVX401"])
    assert len(fs) == 1
    d = fs[0].data
    src = code.lstrip("\n").encode()
    assert src[d["api_start"]:d["api_end"]] == b"api"
    assert d["path"] == ["emails", "send"] and d["internal_local"] is None
    assert d["target_file"].endswith("emails.ts")


COMPONENT_FILES = {
    "src/component/convex.config.ts": 'import { defineComponent } from "convex/server";\nexport default defineComponent("mailer");\n',
    "src/component/schema.ts": 'import { defineSchema } from "convex/server";\nexport default defineSchema({});\n',
    "src/component/lib.ts": """
        import { v } from "convex/values";
        import { action, mutation } from "./_generated/server";
        export const send = action({ args: { to: v.string() }, returns: v.null(), handler: async () => null });
        export const enqueue = mutation({ args: { to: v.string() }, returns: v.null(), handler: async () => null });
    """,
}
COMPONENT_CODE = """
    import { v } from "convex/values";
    import { api } from "./_generated/api";
    import { mutation } from "./_generated/server";
    export const queue = mutation({
      args: { to: v.string() },
      returns: v.null(),
      handler: async (ctx, { to }) => {
        await ctx.scheduler.runAfter(0, api.lib.send, { to });
        return null;
      },
    });
"""

COMPONENT_CASES = [
    valid(COMPONENT_CODE, files=COMPONENT_FILES, filename="src/component/queue.ts",
          name="a component scheduling its own api.*"),
    invalid(COMPONENT_CODE, [8], files={"convex/lib.ts": COMPONENT_FILES["src/component/lib.ts"]},
            filename="convex/queue.ts", name="the same code in an application"),
]


@pytest.mark.parametrize("case", COMPONENT_CASES, ids=repr)
def test_public_function_scheduled_components(tmp_path, case):
    run_case(tmp_path, "public-function-scheduled", case)
