import pytest

from tests.ruletester import invalid, run_case, valid

JOBS = """
import { internalAction, internalMutation } from "./_generated/server";
import { mutation } from "./functions";
export const process = internalAction({ args: {}, handler: async () => null });
export const mark = mutation({ args: {}, handler: async () => null });
export function plainHelper() { return 1; }
"""
FUNCTIONS = """
import { customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { mutation as raw } from "./_generated/server";
export const mutation = customMutation(raw, customCtx(async () => ({})));
"""
FILES = {"convex/jobs.ts": JOBS, "convex/functions.ts": FUNCTIONS}

CASES = [
    valid("""
        import { internalMutation } from "./_generated/server";
        import { internal } from "./_generated/api";
        import { plainHelper } from "./jobs";
        export const start = internalMutation({
          args: { fn: v.string() },
          handler: async (ctx, args) => {
            await ctx.scheduler.runAfter(0, internal.jobs.process, {});
            await ctx.runMutation(args.fn as any, {});  // a function handle
            const handle = args.fn;
            await ctx.scheduler.runAfter(0, handle as any, {});
            plainHelper();
            return null;
          },
        });
    """, files=FILES, name="references and handles"),
    valid("""
        import { internalMutation } from "./_generated/server";
        export const start = internalMutation({
          args: {},
          handler: async (ctx) => {
            const run = async (process: any) => ctx.scheduler.runAfter(0, process, {});
            return null;
          },
        });
    """, files=FILES, name="a parameter shadowing the name"),
    invalid("""
        import { internalMutation } from "./_generated/server";
        import { process, mark } from "./jobs";
        import * as Jobs from "./jobs";
        export const local = internalMutation({ args: {}, handler: async () => null });
        export const start = internalMutation({
          args: {},
          handler: async (ctx) => {
            await ctx.scheduler.runAfter(0, process, {});
            await ctx.runMutation(mark, {});
            await ctx.runMutation(local, {});
            await ctx.runMutation(Jobs.mark, {});
            return null;
          },
        });
    """, [8, 9, 10, 11], files=FILES, name="imported, custom builder, local, namespace"),
    invalid("""
        import { cronJobs } from "convex/server";
        import { process } from "./jobs";
        const crons = cronJobs();
        crons.interval("process", { minutes: 5 }, process, {});
        export default crons;
    """, [4], files=FILES, filename="convex/crons.ts", name="cron"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_direct_function_reference(tmp_path, case):
    run_case(tmp_path, "direct-function-reference", case)
