import pytest

from tests.ruletester import invalid, run_case, valid
from tests.runtime_fixtures import BASE

NODE_FILE = """
"use node";
import { internalAction } from "./_generated/server";
import { internal } from "./_generated/api";
import sharp from "sharp";
export const resize = internalAction({ args: {}, handler: async () => null });
export const resizeAll = internalAction({
  args: {},
  handler: async (ctx) => {
    await ctx.runAction(internal.images.resize, {});
    await ctx.runAction(internal.jobs.notify, {});
  },
});
"""

NODE_ONLY = """
"use node";
import { internalAction } from "./_generated/server";
export const resize = internalAction({ args: {}, handler: async () => null });
"""

JOBS_FILE = """
import { internalAction, internalMutation } from "./_generated/server";
export const notify = internalAction({ args: {}, handler: async () => null });
export const mark = internalMutation({ args: {}, handler: async () => null });
"""

CASES = [
    valid("""
        import { action } from "./_generated/server";
        import { internal, components } from "./_generated/api";
        export const start = action({
          args: {},
          handler: async (ctx) => {
            // ctx.runAction(internal.jobs.notify) would be wasteful
            await ctx.runAction(internal.images.resize, {});
            await ctx.runAction(components.worker.run, {});
            await ctx.runAction(internal.missing.fn, {});
            await ctx.runMutation(internal.jobs.mark, {});
          },
        });
    """, files={**BASE, "convex/images.ts": NODE_ONLY, "convex/jobs.ts": JOBS_FILE},
        name="default runtime into a use node file; components; unresolved; not runAction"),
    valid("""
        import { mutation } from "./functions";
        import { internal } from "./_generated/api";
        export const m = mutation({
          args: {},
          handler: async (ctx) => { await ctx.scheduler.runAfter(0, internal.jobs.notify, {}); },
        });
    """, files={**BASE, "convex/jobs.ts": JOBS_FILE}, name="scheduling an action is fine"),
    invalid("""
        import { authedAction } from "./functions";
        import { internal } from "./_generated/api";
        export const start = authedAction({
          args: {},
          handler: async (c) => {
            await c.runAction(internal.jobs.notify, {});
          },
        });
    """, [6], files={**BASE, "convex/jobs.ts": JOBS_FILE}, name="default to default runtime", message="same"),
    invalid("""
        export {};
    """, [("convex/images.ts", 9)], files={**BASE, "convex/images.ts": NODE_FILE, "convex/jobs.ts": JOBS_FILE},
        name="node to node flagged, node to default is not"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unnecessary_run_action(tmp_path, case):
    run_case(tmp_path, "unnecessary-run-action", case)
