import pytest

from tests.ruletester import invalid, run_case, valid

USERS = """
import { query, internalMutation, mutation } from "./_generated/server";
import { authedQuery } from "./functions";
export const get = query({ args: {}, handler: async () => null });
export const createUser = internalMutation({ args: {}, handler: async () => null });
export const me = authedQuery({ args: {}, handler: async () => null });
const notExported = mutation({ args: {}, handler: async () => null });
export default mutation({ args: {}, handler: async () => null });
"""
FUNCTIONS = """
import { customQuery, customCtx } from "convex-helpers/server/customFunctions";
import { query } from "./_generated/server";
export const authedQuery = customQuery(query, customCtx(async (ctx) => ({ user: await ctx.auth.getUserIdentity() })));
"""
STEMS = """
import { internalAction } from "../_generated/server";
export const split = internalAction({ args: {}, handler: async () => null });
"""
FILES = {"convex/users.ts": USERS, "convex/functions.ts": FUNCTIONS, "convex/audio/stems.ts": STEMS}

CASES = [
    valid("""
        import { action } from "./_generated/server";
        import { api, internal } from "./_generated/api";
        export const run = action({
          args: {},
          handler: async (ctx) => {
            await ctx.runQuery(api.users.get, {});
            await ctx.runQuery(api.users.me, {});
            await ctx.runMutation(internal.users.createUser, {});
            await ctx.runMutation(api.users.default, {});
            await ctx.runAction(internal.audio.stems.split, {});
            const mod = api.audio; // a namespace, not a function
            const stems = internal.audio.stems;
            // internal.users.nope is only a comment
            return "api.users.nope";
          },
        });
    """, files=FILES, name="existing references, namespaces, default export"),
    valid("""
        import { internal } from "./_generated/api";
        export const f = () => internal.broken.fn;
    """, files={**FILES, "convex/broken.ts": b"\\xff\\xfe binary"}, name="unreadable module: silent"),
    valid("""
        import { internal } from "./_generated/api";
        export const f = () => internal.legacy.fn;
    """, files={**FILES, "convex/legacy.js": "export const fn = 1;"}, name="a .js module we do not index: silent"),
    valid("""
        import { internal } from "./_generated/api";
        export const f = () => internal.reexp.anything;
    """, files={**FILES, "convex/reexp.ts": 'export * from "some-package";'}, name="export * from a package: silent"),
    valid("""
        import { internal } from "./_generated/api";
        export const f = () => internal.pool.onComplete;
    """, files={**FILES, "convex/pool.ts": 'export const onComplete = pool.defineOnComplete({ handler: async () => {} });'},
        name="exported but not a recognised registration: silent"),
    invalid("""
        import { action } from "./_generated/server";
        import { api, internal } from "./_generated/api";
        export const run = action({
          args: {},
          handler: async (ctx) => {
            await ctx.runMutation(internal.users.creatUser, {});
            await ctx.runQuery(api.users.notExported, {});
            await ctx.runAction(internal.audio.stemz.split, {});
            await ctx.runAction(internal.audio.split, {});
            return null;
          },
        });
    """, [6, 7, 8, 9], files=FILES, name="typo, unexported, unknown module, folder as module"),
    invalid("""
        import { action } from "./_generated/server";
        import { api, internal } from "./_generated/api";
        export const run = action({
          args: {},
          handler: async (ctx) => {
            await ctx.runMutation(api.users.createUser, {});
            await ctx.runAction(api.audio.stems.split, {});
            await ctx.runQuery(internal.users.get, {});
            return null;
          },
        });
    """, [6, 7, 8], files=FILES, name="visibility mismatch"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unknown_function_reference(tmp_path, case):
    run_case(tmp_path, "unknown-function-reference", case)


def test_closest_name(tmp_path):
    from tests.ruletester import lint_files
    code = 'import { internal } from "./_generated/api";\nexport const f = () => internal.users.creatUser;\n'
    fs = lint_files(tmp_path, {**FILES, "convex/x.ts": code}, select=["CVX402"])
    assert [f.data["candidates"][0] for f in fs] == ["createUser"]
    assert "did you mean `createUser`" in fs[0].message


def test_syntax_error_in_target_module_is_silent(tmp_path):
    from tests.ruletester import lint_files
    code = 'import { internal } from "./_generated/api";\nexport const f = () => internal.half.fn;\n'
    half = 'import { internalQuery } from "./_generated/server";\nexport const other = internalQuery({ args: {}, handler: async () => { if ( } });\n'
    fs = lint_files(tmp_path, {**FILES, "convex/x.ts": code, "convex/half.ts": half}, select=["CVX402"])
    assert fs == []


TYPE_CASES = [
    invalid("""
        import type { FunctionReturnType } from "convex/server";
        import { internal } from "./_generated/api";
        export type Stems = FunctionReturnType<typeof internal.audio.stems.splt>;
    """, [3], files=FILES, name="a type position is checked; the path as written",
        message="`internal.audio.stems.splt`: module `audio/stems` exports no function `splt`"),
    valid("""
        import type { FunctionReturnType, FunctionReference } from "convex/server";
        import { api, internal } from "./_generated/api";
        export type Stems = FunctionReturnType<typeof internal.audio.stems.split>;
        export type Me = FunctionReturnType<typeof api.users.me>;
        export const ref: FunctionReference<"query"> = api.users.get;
    """, files=FILES, name="existing references in type positions"),
    invalid("""
        import { internal } from "./_generated/api";
        import { internalAction } from "./_generated/server";
        export const go = internalAction({
          args: {},
          handler: async (ctx) => {
            await ctx.runAction(
              internal.audio
                .stems.splitt, {});
            return null;
          },
        });
    """, [7], files=FILES, name="a reference over lines is shown joined",
        message="`internal.audio.stems.splitt`:"),
]


@pytest.mark.parametrize("case", TYPE_CASES, ids=repr)
def test_unknown_function_reference_types(tmp_path, case):
    run_case(tmp_path, "unknown-function-reference", case)
