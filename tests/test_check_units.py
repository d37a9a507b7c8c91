"""`check` unit by unit (server/units.py, analysis/load_guard.py): a monorepo whose functions folders
read each other (a helper folder of one backend imported by another, a web app importing a
backend's `_generated/api` directly and through a tsconfig alias, a component inside an app's
folder, a helper outside every functions folder imported by two projects, tests, JavaScript
files). Whatever the units, the findings (fixes included) must be those of the plain path that
keeps every tree; a wrong split must be caught by the load guard, never change a finding."""

from __future__ import annotations

import os
import textwrap

import pytest

from convex_lsp.analysis.facts import FileFacts
from convex_lsp.analysis.load_guard import GuardedFacts, LoadGuard
from convex_lsp.server import runner, units
from convex_lsp.server.linting import _CacheState, lint_models, plan_analyzer, sort_findings

GEN_SERVER = """
/* eslint-disable */
/**
 * Generated utilities for implementing server-side Convex query and mutation functions.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 */
export declare const query: any;
export declare const mutation: any;
export declare const internalQuery: any;
export declare const internalMutation: any;
export declare const action: any;
"""
GEN_API = """
/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 */
export declare const api: any;
export declare const internal: any;
export declare const components: any;
"""

WORKSPACE = {
    "package.json": '{"name": "mono", "private": true, "workspaces": ["packages/*", "apps/*"]}',
    # outside every functions folder: read for references only, imported by both backends
    "shared/auth.ts": """
        export async function requireUser(ctx: any) {
          const identity = await ctx.auth.getUserIdentity();
          if (identity === null) throw new Error("Not signed in");
          return identity;
        }
    """,
    "packages/backend/package.json": '{"name": "@repo/backend", "dependencies": {"convex": "^1.25.0"}}',
    "packages/backend/convex/_generated/server.d.ts": GEN_SERVER,
    "packages/backend/convex/_generated/api.d.ts": GEN_API,
    "packages/backend/convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          tasks: defineTable({ owner: v.string(), text: v.string(), done: v.boolean() })
            .index("by_owner", ["owner"])
            .index("by_owner_done", ["owner", "done"])
            .index("by_text", ["text"]),
          users: defineTable({ name: v.string(), tokenIdentifier: v.string() }),
        });
    """,
    # a helper folder: its helper reaches the network and is called from a query here and from a
    # mutation of the other backend (external-call-in-transaction reads every file that calls it)
    "packages/backend/convex/lib/helpers.ts": """
        import { QueryCtx } from "../_generated/server";
        export async function latestTask(ctx: QueryCtx, owner: string) {
          await fetch("https://example.com/audit?owner=" + owner);
          return await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", owner)).first();
        }
        export async function countOpen(ctx: QueryCtx, owner: string) {
          const all = await ctx.db.query("tasks").filter((q) => q.eq(q.field("owner"), owner)).collect();
          return all.filter((t) => !t.done).length;
        }
    """,
    # a custom builder the other backend registers its functions with
    "packages/backend/convex/lib/builders.ts": """
        import { customQuery, customCtx } from "convex-helpers/server/customFunctions";
        import { query } from "../_generated/server";
        export const authedQuery = customQuery(query, customCtx(async (ctx) => {
          const user = await ctx.auth.getUserIdentity();
          if (user === null) throw new Error("Not signed in");
          return { user };
        }));
    """,
    "packages/backend/convex/tasks.ts": """
        import { query, mutation, internalQuery } from "./_generated/server";
        import { v } from "convex/values";
        import { requireUser } from "../../../shared/auth";
        import { latestTask } from "./lib/helpers";
        export const list = query({
          args: { owner: v.string() },
          handler: async (ctx, { owner }) => {
            await requireUser(ctx);
            return await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", owner)).collect();
          },
        });
        export const latest = query({
          args: { owner: v.string() },
          handler: async (ctx, { owner }) => latestTask(ctx, owner),
        });
        export const add = mutation({
          args: { owner: v.string(), text: v.string() },
          handler: async ({ db }, { owner, text }) => {
            const user = await db.query("users").filter((q) => q.eq(q.field("name"), owner)).first();
            await db.insert("tasks", { owner, text, done: false });
            return user;
          },
        });
        export const calledFromTests = internalQuery({
          args: {},
          handler: async (ctx) => await ctx.db.query("tasks").take(1),
        });
    """,
    "packages/backend/convex/tasks.test.ts": """
        import { convexTest } from "convex-test";
        import { internal } from "./_generated/api";
        test("reads", async () => {
          const t = convexTest();
          await t.query(internal.tasks.calledFromTests, {});
        });
    """,
    "packages/backend/convex/convex.config.ts": """
        import { defineApp } from "convex/server";
        import counter from "./components/counter/convex.config";
        const app = defineApp();
        app.use(counter);
        export default app;
    """,
    # a component inside the app's functions folder
    "packages/backend/convex/components/counter/convex.config.ts": """
        import { defineComponent } from "convex/server";
        export default defineComponent("counter");
    """,
    "packages/backend/convex/components/counter/_generated/server.d.ts": GEN_SERVER,
    "packages/backend/convex/components/counter/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({ counters: defineTable({ name: v.string(), value: v.number() }) });
    """,
    "packages/backend/convex/components/counter/lib.ts": """
        import { mutation, query } from "./_generated/server";
        import { v } from "convex/values";
        export const add = mutation({
          args: { name: v.string() },
          handler: async (ctx, { name }) => {
            const c = await ctx.db.query("counters").filter((q) => q.eq(q.field("name"), name)).first();
            if (c) await ctx.db.patch(c._id, { value: c.value + 1 });
          },
        });
        export const get = query({
          handler: async (ctx, args: any) => await ctx.db.query("counters").collect(),
        });
    """,
    "packages/admin/package.json": '{"name": "@repo/admin", "dependencies": {"convex": "^1.25.0"}}',
    "packages/admin/convex/_generated/server.d.ts": GEN_SERVER,
    "packages/admin/convex/_generated/api.d.ts": GEN_API,
    "packages/admin/convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";
        export default defineSchema({
          reports: defineTable({ week: v.string(), body: v.string() }).index("by_week", ["week"]),
        });
    """,
    # imports the other backend's helper folder (a relative import across projects)
    "packages/admin/convex/reports.ts": """
        import { mutation, query, internalQuery } from "./_generated/server";
        import { v } from "convex/values";
        import { latestTask, countOpen } from "../../backend/convex/lib/helpers";
        import { requireUser } from "../../../shared/auth";
        export const weekly = query({
          args: { week: v.string() },
          handler: async (ctx, { week }) => {
            await requireUser(ctx);
            return await ctx.db.query("reports").withIndex("by_week", (q) => q.eq("week", week)).unique();
          },
        });
        export const snapshot = mutation({
          args: { owner: v.string() },
          handler: async (ctx, { owner }) => {
            const t = await latestTask(ctx, owner);
            const open = await countOpen(ctx, owner);
            await ctx.db.insert("reports", { week: "now", body: String(open) + (t ? t.text : "") });
          },
        });
        export const neverCalled = internalQuery({
          args: {},
          handler: async (ctx) => await ctx.db.query("reports").take(10),
        });
        export const calledFromTests = internalQuery({
          args: {},
          handler: async (ctx) => await ctx.db.query("reports").take(1),
        });
    """,
    "packages/admin/convex/reports.test.ts": """
        import { convexTest } from "convex-test";
        import { internal } from "./_generated/api";
        test("reads", async () => {
          const t = convexTest();
          await t.query(internal.reports.calledFromTests, {});
        });
    """,
    "packages/admin/convex/stats.ts": """
        import { authedQuery } from "../../backend/convex/lib/builders";
        export const mine = authedQuery({
          args: {},
          handler: async (ctx) => await ctx.db.query("reports").filter((q) => q.eq(q.field("body"), "")).collect(),
        });
    """,
    # a JavaScript functions file
    "packages/admin/convex/legacy.js": """
        import { query } from "./_generated/server";
        export const old = query(async (ctx) => {
          return await ctx.db.query("reports").filter((q) => q.eq(q.field("week"), "x")).collect();
        });
        export const unusedHere = query({ args: {}, handler: async (ctx) => Date.now() });
    """,
    "apps/web/package.json": '{"name": "web", "dependencies": {"convex": "^1.25.0", "react": "^18.0.0"}}',
    "apps/web/tsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"@admin/*": ["../../packages/admin/*"]}}}',
    # client code: another package's `_generated/api`, directly and through an alias
    "apps/web/src/App.tsx": """
        import { useQuery, useMutation } from "convex/react";
        import { api } from "../../../packages/backend/convex/_generated/api";
        export function App() {
          const tasks = useQuery(api.tasks.list, { owner: "me" });
          const latest = useQuery(api.tasks.latest, { owner: "me" });
          const add = useMutation(api.tasks.add);
          return <div onClick={() => add({ owner: "me", text: "x" })}>{tasks?.length}{latest?.text}</div>;
        }
    """,
    "apps/web/src/admin.ts": """
        import { ConvexHttpClient } from "convex/browser";
        import { api } from "@admin/convex/_generated/api";
        export async function weekly(client: ConvexHttpClient) {
          await client.mutation(api.reports.snapshot, { owner: "me" });
          return await client.query(api.reports.weekly, { week: "1" });
        }
    """,
}


def _write(root, files: dict[str, str]) -> str:
    for rel, text in files.items():
        p = os.path.join(str(root), rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as fh:
            fh.write(textwrap.dedent(text).lstrip("\n"))
    return os.path.realpath(str(root))


def _key(f):
    return (f.path, f.start, f.end, f.code, f.message, f.severity, repr(f.data), repr(f.fix))


def _every_tree_kept(root: str) -> list:
    """The plain path: every file parsed and indexed, every tree kept, then the lint."""
    plan = runner.prepare([root])
    an = plan_analyzer(plan)
    found = lint_models([an.models[p] for p in plan.load], an.index, plan.config_for, plan.targets, an,
                        with_fixes=True)
    return [_key(f) for f in sort_findings(found)]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = _write(tmp_path_factory.mktemp("mono"), WORKSPACE)
    return root, _every_tree_kept(root)


def _units_run(root: str, budget: int, join: bool = True):
    plan = runner.prepare([root])
    state = _CacheState(plan, None, True)
    done = units.run_units(plan, state, True, budget, join=join)
    state.finish_load()
    out = []
    for path in plan.load:
        if path in plan.targets:
            out.extend(units.lint_file_cached(plan, path, state, True, done.pop(path, None)))
    return plan, [_key(f) for f in sort_findings(out)], state


def test_the_workspace_reads_across_folders(workspace):
    root, plain = workspace
    codes = {k[3] for k in plain}
    # findings that read other folders' files: the helper reached from the other backend's
    # mutation, references from client code and tests, the component's own folder
    assert {"CVX301", "CVX406", "CVX101"} <= codes, codes
    by_file = {os.path.relpath(k[0], root) for k in plain}
    assert {"packages/admin/convex/reports.ts", "packages/admin/convex/legacy.js", "packages/admin/convex/stats.ts",
            "packages/backend/convex/components/counter/lib.ts"} <= by_file, by_file
    unused = {k[4].split("`")[1] for k in plain if k[3] == "CVX406"}
    assert "neverCalled" in str(unused) and "calledFromTests" not in str(unused), unused


def test_units_join_folders_that_import_each_other(workspace):
    root, _ = workspace
    plan = runner.prepare([root])
    refs_only, found, _ = units.plan_units(plan)
    rel = [sorted({os.path.relpath(os.path.dirname(p), root).split("/convex")[0] for p in u}) for u in found]
    # admin imports backend's helper folder: one unit; the component lies inside backend's folder
    assert ["packages/admin", "packages/backend"] in rel, rel
    assert os.path.join(root, "apps/web/src/App.tsx") in refs_only
    assert os.path.join(root, "packages/backend/convex/tasks.test.ts") in refs_only


@pytest.mark.parametrize("budget", [10**9, 600, 0])
def test_findings_equal_every_tree_kept(workspace, budget):
    root, plain = workspace
    _, got, _ = _units_run(root, budget)
    assert got == plain


def test_units_lint_while_trees_are_held(workspace):
    root, plain = workspace
    plan = runner.prepare([root])
    state = _CacheState(plan, None, True)
    done = units.run_units(plan, state, True, 10**9)
    linted = [p for p in plan.load if p in plan.targets]
    assert set(done) == set(linted)  # nothing left for a second parse


def test_a_wrong_split_is_caught_by_the_guard(workspace, monkeypatch):
    """Folders linted one by one, the import between the backends ignored: admin's lint reads
    backend files not indexed yet; the guard throws its findings away and they are linted at the end."""
    root, plain = workspace
    reasons = []
    real = LoadGuard._taint

    def spy(self, why):
        reasons.append(why)
        real(self, why)

    monkeypatch.setattr(LoadGuard, "_taint", spy)
    plan, got, _ = _units_run(root, 10**9, join=False)
    assert got == plain
    assert any("packages/backend/convex" in r for r in reasons), reasons


def test_serial_run_and_cli_paths_agree(workspace, monkeypatch):
    root, plain = workspace
    found, _ = runner.run_serial(runner.prepare([root]), with_fixes=True)
    assert [_key(f) for f in found] == plain
    monkeypatch.setattr(runner, "KEEP_TREES_BYTES", 1)
    found, _ = runner.run_serial(runner.prepare([root]), with_fixes=True)
    assert [_key(f) for f in found] == plain


def _facts(path, fdir=None):
    return FileFacts(path=path, functions_dir=fdir, module=None)


def test_guard_reads():
    g = LoadGuard([("/a/convex/x.ts", "/a/convex", False), ("/b/convex/y.ts", "/b/convex", False),
                   ("/a/src/c.ts", None, True)])
    facts = GuardedFacts({"/a/convex/w.ts": _facts("/a/convex/w.ts", "/a/convex")}, g)
    assert facts.get("/a/convex/w.ts") is not None and not g.tainted
    assert facts.get("/nowhere.ts") is None and "/nowhere.ts" not in facts and not g.tainted
    assert "/a/convex/x.ts" not in facts and g.tainted and "x.ts" in g.reason
    g.reset()
    list(facts.items())
    assert g.tainted  # every file, while some are pending
    g.reset(closed=True)
    list(facts.values())
    assert not g.tainted  # a closed unit may scan every file
    g.references("/a/convex")
    assert g.tainted  # a client file not indexed yet may reference it
    g.indexed("/a/src/c.ts")
    g.indexed("/a/convex/x.ts")
    g.reset(closed=True)
    g.references("/a/convex")
    g.folder("/a/convex")
    assert not g.tainted
    g.folder("/b/convex")
    assert g.tainted
    g.reset(closed=True)
    g.references(None)  # components' references: any functions file
    assert g.tainted
    g.indexed("/b/convex/y.ts")
    g.reset()
    g.references(None)
    list(facts.items())
    assert not g.tainted and not g.pending


def test_relative_specifiers_found_in_the_bytes():
    src = (b'import { a } from "./a/../../x";\nimport b from \'../y\';\nconst s = `../z`;\n'
           b'export * from "./local";\nconst dot = ".";\nimport c from "..";\nx.y/../z;\n')
    # only what may leave the file's functions folder, unless that folder holds or lies inside another
    assert units._relative_specifiers(src) == {"./a/../../x", "../y", "../z"}
    assert units._relative_specifiers(src, holds=True) == {"./a/../../x", "../y", "../z", "./local"}
    assert units._relative_specifiers(src, inside=True) == {"./a/../../x", "../y", "../z", ".", ".."}
    local = b'import { a } from "./a";\nimport b from "./sub/b";\nconst c = "x./y";\n'  # no `../` at all
    assert units._relative_specifiers(local) == set()
    assert units._relative_specifiers(local, holds=True) == {"./a", "./sub/b", "x./y"}  # (from its quote)


def test_reference_roots_are_the_outermost(tmp_path):
    from convex_lsp.analysis.project import Workspace, set_reference_roots

    a, b, c = (os.path.join(str(tmp_path), p) for p in ("a", "a/b", "c"))
    ws = Workspace(roots=[b, c, a])
    set_reference_roots(ws)
    assert ws.ref_roots == [a, c]
    ws = Workspace(roots=[a, os.sep])
    set_reference_roots(ws)
    assert ws.ref_roots == [os.sep]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
@pytest.mark.parametrize("join", [True, False])
def test_units_shared_by_processes_give_the_same_findings(workspace, join):
    """Processes taking units from a shared counter; with `join=False` a unit reads files another
    process holds: the guard says no, and the main process lints it with every process's facts."""
    import multiprocessing as mp

    from convex_lsp.server import parallel

    root, plain = workspace
    plan = runner.prepare([root])
    state = _CacheState(plan, None, True)
    ur = units.UnitRunner(plan, state, True, 10**9, join=join)
    try:
        found = parallel._run_units(mp.get_context("fork"), plan, ur, 2, True, None)
    finally:
        ur.close()
    assert [_key(f) for f in sort_findings(found)] == plain


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_parallel_check_of_many_projects(tmp_path):
    from convex_lsp.server import parallel

    files = {}
    for i in range(4):
        for rel, text in WORKSPACE.items():
            if rel.startswith("packages/admin/") or rel == "shared/auth.ts":
                files[f"p{i}/{rel.replace('packages/admin/', '')}"] = text.replace("../../../shared/auth",
                                                                                  "../shared/auth")
    root = _write(tmp_path, files)
    plain = _every_tree_kept(root)
    plan = runner.prepare([root])
    assert len(units.plan_units(plan)[1]) == 4
    found = parallel.run_parallel(plan, 2, with_fixes=True)
    assert found is not None
    assert [_key(f) for f in sort_findings(found)] == plain
    assert len({k[0] for k in plain}) >= 12


def test_a_closed_unit_scans_its_own_files_only():
    g = LoadGuard([("/b/convex/y.ts", "/b/convex", False)])
    facts = GuardedFacts({p: _facts(p, "/a/convex") for p in ("/a/convex/z.ts", "/a/convex/w.ts", "/a/src/c.ts")}, g)
    facts.scope = ["/a/src/c.ts", "/a/convex/w.ts"]
    g.reset(closed=True)
    assert [p for p, _ in facts.items()] == ["/a/src/c.ts", "/a/convex/w.ts"] == list(facts)
    assert [f.path for f in facts.values()] == ["/a/src/c.ts", "/a/convex/w.ts"] and not g.tainted
    g.reset()  # not closed: the whole dict, and the guard told
    assert len(list(facts.items())) == 3 and g.tainted
