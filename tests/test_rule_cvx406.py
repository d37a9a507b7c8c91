import pytest

from convex_lsp.analysis.config import Config
from tests.ruletester import invalid, run_case, valid

JOBS = """
    import { internalMutation, internalAction, mutation } from "./_generated/server";
    import { internal } from "./_generated/api";

    export const cleanup = internalMutation({ args: {}, handler: async () => null });

    export const sendDigest = internalAction({ args: {}, handler: async () => null });

    // public: an outside client may call it
    export const publicOne = mutation({ args: {}, handler: async () => null });
"""

CASES = [
    valid(JOBS, files={
        "convex/crons.ts": """
            import { cronJobs } from "convex/server";
            import { internal } from "./_generated/api";
            const crons = cronJobs();
            crons.daily("cleanup", { hourUTC: 3, minuteUTC: 17 }, internal.jobs.cleanup);
            export default crons;
        """,
        "convex/mail.ts": """
            import { mutation } from "./_generated/server";
            import { makeFunctionReference } from "convex/server";
            export const trigger = mutation({
              args: {},
              handler: async (ctx) => {
                await ctx.scheduler.runAfter(0, makeFunctionReference<"action">("jobs:sendDigest"), {});
              },
            });
        """}, filename="convex/jobs.ts", name="reached by a cron and by a string reference"),
    valid(JOBS, files={"tests/jobs.test.ts": """
        import { convexTest } from "convex-test";
        import { internal } from "../convex/_generated/api";
        test("jobs", async () => {
          const t = convexTest();
          await t.mutation(internal.jobs.cleanup, {});
          await t.action(internal.jobs.sendDigest, {});
        });
    """}, filename="convex/jobs.ts", name="reached from a test outside the functions folder"),
    valid(JOBS, files={"convex/admin.ts": """
        import { action } from "./_generated/server";
        import { internal } from "./_generated/api";
        const all = internal.jobs;
        export const runAll = action({
          args: {},
          handler: async (ctx) => { for (const k of ["cleanup", "sendDigest"] as const) await ctx.runMutation((all as any)[k], {}); },
        });
    """}, filename="convex/jobs.ts", name="the module passed around and indexed dynamically"),
    valid(JOBS, files={"package.json": """
        {"name": "app", "dependencies": {"convex": "^1.25.0"},
         "scripts": {"cleanup": "npx convex run jobs:cleanup", "digest": "convex run --prod jobs:sendDigest"}}
    """}, filename="convex/jobs.ts", name="run by package.json scripts"),
    valid(JOBS.replace("./_generated", "./_generated"), files={
        "packages/backend/package.json": '{"name": "backend", "dependencies": {"convex": "^1.25.0"}}',
        "package.json": '{"name": "monorepo", "private": true, "workspaces": ["packages/*"]}',
        "README.md": """
            # Setup
            ```sh
            cd packages/backend && bunx convex run jobs:cleanup | bunx convex env set X
            npx convex run --prod jobs:sendDigest '{}'
            ```
        """}, filename="packages/backend/convex/jobs.ts", name="run by the commands the monorepo's README gives"),
    invalid(JOBS, [6], files={"convex/README.md": "Run `npx convex run jobs:cleanup` after a deploy.\n",
                              "convex/lib/NOTES.md": "npx convex run jobs:sendDigest\n"},
            filename="convex/jobs.ts", message="is never referenced",
            name="the functions folder's README counts, a sub-folder's notes do not"),
    invalid(JOBS, [4, 6], filename="convex/jobs.ts", message="is never referenced", name="nothing references them"),
    invalid(JOBS, [4, 6], files={
        "convex/convex.config.ts": """
            import { defineApp } from "convex/server";
            import ratelimits from "./ratelimits/convex.config";
            const app = defineApp();
            app.use(ratelimits);
            export default app;
        """,
        "convex/ratelimits/convex.config.ts": """
            import { defineComponent } from "convex/server";
            export default defineComponent("ratelimits");
        """,
        "convex/ratelimits/limits.ts": """
            import { mutation } from "./_generated/server";
            export const take = mutation({ args: {}, handler: async () => null });
        """,
    }, filename="convex/jobs.ts", message="is never referenced",
       name="a local component inside the functions folder does not hide the app's unused functions"),
    valid("""
        import { internalMutation, internalQuery } from "./_generated/server";
        /**
         * Hard reset: a manual escape hatch if the loop ever wedges.
         */
        export const forceReset = internalMutation({ args: {}, handler: async () => null });
        // run from the dashboard when debugging
        // (shows the queue)
        export const queue = internalQuery({ args: {}, handler: async () => [] });
    """, filename="convex/ops.ts", name="comments say they are run by hand"),
    invalid("""
        import { internalMutation } from "./_generated/server";
        // Marks the job done.
        export const markDone = internalMutation({ args: {}, handler: async () => null });
    """, [3], filename="convex/ops.ts", name="a comment that says nothing about running it"),
    invalid("""
        import { internalMutation, mutation } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const step = internalMutation({
          args: {},
          handler: async (ctx) => { await ctx.scheduler.runAfter(1000, internal.loop.step, {}); },
        });
        export const start = mutation({
          args: {},
          handler: async (ctx) => { await ctx.scheduler.runAfter(0, internal.loop.step, {}); },
        });
        export const orphan = internalMutation({ args: {}, handler: async () => null });
    """, [11], filename="convex/loop.ts", name="same-file references count; the orphan does not"),
    invalid(JOBS, [4, ("convex/more.js", 3)], files={"src/App.jsx": """
        import { api } from "../convex/_generated/api";
        // client code names the action only in a comment: internal.jobs.cleanup
        export const x = api.jobs.publicOne;
    """, "convex/more.js": """
        import { internalMutation } from "./_generated/server";
        import { internal } from "./_generated/api";
        export const go = internalMutation({ args: {}, handler: async (ctx) => ctx.scheduler.runAfter(0, internal.jobs.sendDigest, {}) });
    """}, filename="convex/jobs.ts", name="sendDigest reached from a JavaScript functions file, itself unused"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unused_function(tmp_path, case):
    run_case(tmp_path, "unused-function", case)


def test_keep_list(tmp_path):
    case = valid(JOBS, filename="convex/jobs.ts")
    case.config = Config(root=str(tmp_path), keep=["jobs.cleanup", "jobs:send*"])
    run_case(tmp_path, "unused-function", case)
