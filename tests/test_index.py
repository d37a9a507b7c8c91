"""The workspace index: discovery, builder resolution across files, schema model, registry,
incremental updates."""

import os

from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from tests.ruletester import write_project

FUNCTIONS = """
import { customQuery, customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { zCustomQuery } from "convex-helpers/server/zod";
import { query, mutation as rawMutation, internalMutation as rawInternal } from "./_generated/server";
export const authedQuery = customQuery(query, {
  args: {},
  input: async (ctx, args) => {
    const user = await ctx.auth.getUserIdentity();
    if (!user) throw new Error("no");
    return { ctx: { user }, args };
  },
});
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
export const zq = zCustomQuery(query, customCtx(async () => ({})));
export const internalMutation = rawInternal;
"""

USES = """
import { authedQuery, mutation, zq } from "./functions";
import * as fns from "./functions";
import { internalMutation as im } from "./reexport";
export const a = authedQuery({ args: {}, handler: async () => null });
export const b = mutation({ args: {}, handler: async () => null });
export const c = zq({ args: {}, handler: async () => null });
export const d = im({ args: {}, handler: async () => null });
const notConvex = someFactory({ handler: 1 });
"""

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { authTables } from "@convex-dev/auth/server";
import { v } from "convex/values";
import { messageTables, users as usersTable } from "./tables/messages";
const local = defineTable({ n: v.number() }).index("by_n", ["n"]);
export default defineSchema({
  ...authTables,
  ...messageTables,
  people: usersTable,
  local,
  jobs: defineTable({ status: v.string(), ownerId: v.id("users") })
    .index("by_status", ["status"])
    .index("staged_idx", { fields: ["ownerId"], staged: true })
    .searchIndex("search_status", { searchField: "status", filterFields: ["ownerId"] }),
});
"""

TABLES = """
import { defineTable } from "convex/server";
import { v } from "convex/values";
export const users = defineTable({ name: v.string() }).index("by_name", ["name"]);
export const messageTables = {
  messages: defineTable({ body: v.string(), channel: v.string() }).index("by_channel", ["channel"]),
};
"""


def _analyzer(tmp_path, files):
    root = write_project(tmp_path, files)
    an = Analyzer(discover([root]))
    an.load_all()
    return root, an


def test_custom_builders_resolve_across_files(tmp_path):
    root, an = _analyzer(tmp_path, {
        "convex/functions.ts": FUNCTIONS,
        "convex/reexport.ts": 'export { internalMutation } from "./functions";\n',
        "convex/uses.ts": USES,
    })
    path = os.path.join(root, "convex", "uses.ts")
    idx = an.index
    a = idx.resolve_builder(path, "authedQuery")
    assert (a.kind, a.visibility, a.custom, a.authenticates) == ("query", "public", True, True)
    b = idx.resolve_builder(path, "mutation")
    assert (b.kind, b.visibility, b.custom, b.authenticates) == ("mutation", "public", True, False)
    assert idx.resolve_builder(path, "zq").kind == "query"
    d = idx.resolve_builder(path, "im")
    assert (d.kind, d.visibility) == ("mutation", "internal")
    assert idx.resolve_builder(path, "someFactory") is None
    reg = idx.registry(os.path.join(root, "convex"))
    assert set(reg) >= {("uses", "a"), ("uses", "b"), ("uses", "c"), ("uses", "d")}
    assert reg[("uses", "d")].visibility == "internal"
    assert idx.function(path, ("uses", "a")).kind == "query"
    assert ("uses", "notConvex") not in reg


def test_schema_model_resolves_spreads_refs_and_packages(tmp_path):
    root, an = _analyzer(tmp_path, {"convex/schema.ts": SCHEMA, "convex/tables/messages.ts": TABLES})
    schema = an.index.schema_for(os.path.join(root, "convex", "schema.ts"))
    assert schema is not None and not schema.open
    assert {"users", "authSessions", "messages", "people", "local", "jobs"} <= set(schema.tables)
    assert [i.name for i in schema.table("people").indexes] == ["by_name"]
    assert schema.index("messages", "by_channel").fields == ("channel",)
    jobs = schema.table("jobs")
    kinds = {i.name: (i.kind, i.staged, i.fields) for i in jobs.indexes}
    assert kinds == {"by_status": ("db", False, ("status",)), "staged_idx": ("db", True, ("ownerId",)),
                     "search_status": ("search", False, ())}
    assert schema.index("users", "email") is not None  # from @convex-dev/auth's authTables
    assert jobs.fields["ownerId"] == 'v.id("users")'


def test_unresolvable_spread_marks_schema_open(tmp_path):
    root, an = _analyzer(tmp_path, {"convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { migrationsTable } from "convex-helpers/server/migrations";
        export default defineSchema({ ...migrationsTable, t: defineTable({}) });
    """})
    schema = an.index.schema_for(os.path.join(root, "convex", "schema.ts"))
    assert schema.open and "t" in schema.tables


def test_incremental_update_reports_changed_views(tmp_path):
    root, an = _analyzer(tmp_path, {"convex/schema.ts": SCHEMA, "convex/tables/messages.ts": TABLES,
                                    "convex/functions.ts": FUNCTIONS, "convex/uses.ts": USES})
    uses = os.path.join(root, "convex", "uses.ts")
    text = open(uses, "rb").read()
    # a body-only edit changes no cross-file view
    assert an.load(uses, text.replace(b"async () => null", b"async () => { return null; }")) == set()
    # a new export changes the api view only
    assert an.load(uses, text + b"export const e = mutation({ args: {}, handler: async () => null });\n") == {"api"}
    assert ("uses", "e") in an.index.registry(os.path.join(root, "convex"))
    # renaming an index in a table file changes the schema view
    tables = os.path.join(root, "convex", "tables", "messages.ts")
    changed = an.load(tables, open(tables, "rb").read().replace(b'"by_channel"', b'"by_channel_x"'))
    assert "schema" in changed
    schema = an.index.schema_for(os.path.join(root, "convex", "schema.ts"))
    assert schema.index("messages", "by_channel_x") is not None and schema.index("messages", "by_channel") is None
    # removing a file drops its functions
    an.forget(uses)
    assert ("uses", "a") not in an.index.registry(os.path.join(root, "convex"))


def test_discovery_convex_json_components_and_monorepo(tmp_path):
    root = write_project(tmp_path, {
        "apps/web/package.json": "{}",
        "apps/web/convex.json": '{"functions": "src/backend/"}',
        "apps/web/src/backend/tasks.ts": "export const x = 1;\n",
        "apps/admin/package.json": "{}",
        "apps/admin/convex/admin.ts": "export const y = 1;\n",
        "packages/comp/package.json": "{}",
        "packages/comp/src/component/convex.config.ts":
            'import { defineComponent } from "convex/server";\nexport default defineComponent("comp");\n',
        "packages/comp/src/component/lib.ts": "export const z = 1;\n",
        "packages/comp/src/component/_generated/api.ts": "export const api = {};\n",
        "packages/comp/src/component/lib.test.ts": "export const t = 1;\n",
        "node_modules/pkg/convex/ignored.ts": "export const n = 1;\n",
        "evil/package.json": "{}",
        "evil/convex.json": '{"functions": "../../../etc"}',
    })
    ws = discover([root])
    dirs = {os.path.relpath(d.path, root): d.kind for d in ws.functions_dirs}
    assert dirs == {"apps/web/src/backend": "app", "apps/admin/convex": "app",
                    "packages/comp/src/component": "component"}
    files = sorted(os.path.relpath(p, root) for p, _ in ws.source_files())
    assert files == ["apps/admin/convex/admin.ts", "apps/web/src/backend/tasks.ts",
                     "packages/comp/src/component/convex.config.ts", "packages/comp/src/component/lib.ts"]
    assert any("outside the workspace" in w for w in ws.warnings)


def test_discovery_from_inside_the_functions_folder(tmp_path):
    root = write_project(tmp_path, {"convex/tasks.ts": "export const x = 1;\n"})
    ws = discover([os.path.join(root, "convex")])
    assert [d.path for d in ws.functions_dirs] == [os.path.realpath(os.path.join(root, "convex"))]
    assert ws.functions_dirs[0].convex_version == "^1.25.0"


def test_api_refs_and_index_uses(tmp_path):
    root, an = _analyzer(tmp_path, {
        "convex/schema.ts": SCHEMA, "convex/tables/messages.ts": TABLES,
        "convex/jobs.ts": """
            import { internal, api } from "./_generated/api";
            import { mutation } from "./_generated/server";
            export const m = mutation({
              args: {},
              handler: async ({ db, scheduler }) => {
                const rows = await db.query("jobs").withIndex("by_status", (q) => q.eq("status", "x")).take(5);
                await scheduler.runAfter(0, internal.jobs.m, {});
                const api2 = { api: 1 };  // not a reference
                return api.jobs["m"];
              },
            });
        """,
    })
    f = an.index.facts[os.path.join(root, "convex", "jobs.ts")]
    assert [(r.root, r.path, r.context) for r in f.api_refs] == [
        ("internal", ("jobs", "m"), "runAfter"), ("api", ("jobs", "m"), "")]
    assert [(u.table, u.index, u.eq_fields) for u in f.index_uses] == [("jobs", "by_status", ("status",))]
    assert [(t.table, t.how) for t in f.table_refs] == [("jobs", "query")]
