import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        import { v } from "convex/values";
        export const all = v.object({
          a: v.string(), b: v.number(), c: v.float64(), d: v.int64(), e: v.bigint(), f: v.boolean(),
          g: v.null(), h: v.id("users"), i: v.array(v.any()), j: v.record(v.string(), v.bytes()),
          k: v.union(v.literal("x"), v.literal(1)), l: v.optional(v.nullable(v.string())),
          m: v.commitTs(),
        });
        export const o = v.string().describe;
    """, name="every real member; methods on validators"),
    valid("""
        import { v } from "convex/values";
        const pairs = [[1, 2]].map((v) => v.map((x) => x * 2));
        for (const v of new Set<number>()) console.log(v.set);
        // v.map() is not supported
    """, name="a local `v` shadows the import"),
    valid("""
        import { z as v } from "zod";
        export const s = v.set(v.string());
    """, name="`v` from another package"),
    invalid("""
        import { v } from "convex/values";
        import { mutation } from "./functions";
        export const save = mutation({
          args: { tags: v.set(v.string()), byKey: v.map(v.string(), v.number()) },
          returns: v.null(),
          handler: async (ctx, args) => null,
        });
    """, [4, 4], name="v.set and v.map"),
    invalid("""
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({ events: defineTable({ at: v.date(), n: v.integer() }) });
    """, [3, 3], filename="convex/schema.ts", name="schema: v.date, v.integer"),
    invalid("""
        import { v as cv } from "convex/values";
        export const shape = cv.object({ name: cv.strin() });
    """, [2], name="typo under an alias", message="did you mean `v.string`"),
    # the file's bytes are read before the tree (validators_util.v_member_names): what they cannot
    # settle, or a member next to names that are no members (`env.KEY`), must still be reported
    invalid("""
        import { v } from "convex/values";
        import { query } from "@convex-dev/x/server";
        const key = process.env.KEY ?? "dev/x";
        export const tags = v.array(v.string()), seen = v.set(v.string());
    """, [4], name="env.KEY and dev/ beside an unknown member"),
    invalid("""
        import { v } from "convex/values";
        export const s = v.array(v /* one */ .set(v.string()));
    """, [2], name="a comment before the dot"),
    invalid("""
        import { v } from "convex/values";
        export const s = v.array(v.\\u0073et(v.string()));
    """, [2], name="an escape in the member's name"),
    invalid("""
        import { v } from "convex/values";
        export const s = v.array(v.setté(v.string()));
    """, [2], filename="convex/names.js", name="a non-ASCII member name, JS file"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unsupported_validator(tmp_path, case):
    run_case(tmp_path, "unsupported-validator", case)


def test_range(tmp_path):
    code = 'import { v } from "convex/values";\nexport const x = v.object({ s: v.set(v.string()) });\n'
    [f] = lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX108"])
    assert code.encode()[f.start:f.end] == b"v.set(v.string())"
    assert f.data["member"] == "set"


def _pkg(version: str) -> dict:
    return {"package.json": '{"name": "app", "dependencies": {"convex": "%s"}}' % version}


FN_HANDLE = """
    import { v } from "convex/values";
    import { internalMutation } from "./_generated/server";
    export const enqueue = internalMutation({
      args: { onComplete: v.function({ fnType: "mutation" }), note: v.nullable(v.string()) },
      returns: v.null(),
      handler: async (ctx, args) => null,
    });
"""
COMMIT_TS = """
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({ queue: defineTable({ ts: v.commitTs(), tag: v.string() }) });
"""
METHODS = """
    import { v } from "convex/values";
    const task = v.object({ title: v.string(), done: v.boolean(), ownerId: v.id("users") });
    export const draft = task.omit("ownerId");
    export const patch = v.object({ title: v.string(), done: v.boolean() }).partial();
    export const maybeTitle = v.string().optional();
"""

VERSION_CASES = [
    valid(FN_HANDLE, files=_pkg("1.49.0"), name="v.function at 1.49.0"),
    invalid(FN_HANDLE, [4], files=_pkg("1.48.2"), name="v.function just below 1.49", message="1.49.0"),
    valid(FN_HANDLE, files=_pkg("^1.40.0"), name="a range that admits 1.49: silent"),
    valid(FN_HANDLE, files={"package.json": '{"name": "app"}'}, name="unknown version: the newest"),
    invalid(FN_HANDLE, [4], files={**_pkg("^1.40.0"),
                                   "pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
                                                     "      convex:\n        specifier: ^1.40.0\n        version: 1.41.0(react@19.0.0)\n"},
            name="the pnpm lockfile pins 1.41: v.function is too new"),
    invalid(FN_HANDLE, [4, 4], files=_pkg("1.29.1"), name="v.nullable just below 1.29.2"),
    invalid(FN_HANDLE, [4], files=_pkg("1.29.2"), name="v.nullable at 1.29.2 (v.function still too new)"),
    valid(COMMIT_TS, files=_pkg("1.43.0"), filename="convex/schema.ts", name="v.commitTs at 1.43.0"),
    invalid(COMMIT_TS, [3], files=_pkg("~1.42.3"), filename="convex/schema.ts", name="v.commitTs below 1.43"),
    valid(METHODS, files=_pkg("1.46.0"), name=".optional()/.omit()/.partial() at 1.46.0"),
    invalid(METHODS, [5], files=_pkg("1.45.1"), name=".optional() just below 1.46", message=".optional()"),
    invalid(METHODS, [4, 5], files=_pkg("1.28.2"), name=".partial() and .optional() below 1.29"),
    valid(METHODS, files={**_pkg("^1.20.0"), "node_modules/convex/package.json": '{"version": "1.47.1"}'},
          name="the installed package wins"),
]


@pytest.mark.parametrize("case", VERSION_CASES, ids=repr)
def test_unsupported_validator_by_version(tmp_path, case):
    run_case(tmp_path, "unsupported-validator", case)
