"""Editor features built on the workspace reference graph, over stdio (pytest-lsp): references,
definition and rename for functions from client code and tests, table and index references,
code lenses, workspace and document symbols, call hierarchy. The app is written here: a
backend (`convex/`), a React client (`src/App.tsx`) and a test (`convex/tasks.test.ts`)."""

from __future__ import annotations

import os

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import GENERATED_SERVER, SERVER_COMMAND, stop_session, apply_text_edits, open_doc, read, uri, wait_diagnostics
from tests.ruletester import write_project
from tests.test_server import make_client

GENERATED_API = """
import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as tasks from "../tasks.js";
declare const fullApi: ApiFromModules<{ tasks: typeof tasks }>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
"""

APP = {
    "convex/_generated/api.d.ts": GENERATED_API,
    "convex/_generated/server.d.ts": GENERATED_SERVER,
    "convex/schema.ts": """
        import { defineSchema, defineTable } from "convex/server";
        import { v } from "convex/values";

        export default defineSchema({
          tasks: defineTable({ owner: v.string(), text: v.string() }).index("by_owner", ["owner"]),
          notes: defineTable({ task: v.id("tasks"), body: v.string() }),
        });
    """,
    "convex/tasks.ts": """
        import { v } from "convex/values";
        import { query, mutation, internalMutation } from "./_generated/server";
        import { internal } from "./_generated/api";

        export const list = query({
          args: { owner: v.string() },
          returns: v.any(),
          handler: async (ctx, { owner }) => {
            return await ctx.db.query("tasks").withIndex("by_owner", (q) => q.eq("owner", owner)).collect();
          },
        });

        export const add = mutation({
          args: { owner: v.string(), text: v.string() },
          returns: v.null(),
          handler: async (ctx, args) => {
            await ctx.db.insert("tasks", args);
            await ctx.scheduler.runAfter(0, internal.tasks.cleanup, {});
            return null;
          },
        });

        export const cleanup = internalMutation({
          args: {},
          returns: v.null(),
          handler: async () => null,
        });
    """,
    "convex/crons.ts": """
        import { cronJobs } from "convex/server";
        import { internal } from "./_generated/api";

        const crons = cronJobs();
        crons.interval("clean up", { hours: 1 }, internal.tasks.cleanup, {});
        export default crons;
    """,
    "convex/tasks.test.ts": """
        import { convexTest } from "convex-test";
        import { api } from "./_generated/api";
        import schema from "./schema";

        test("list", async () => {
          const t = convexTest(schema);
          expect(await t.query(api.tasks.list, { owner: "a" })).toEqual([]);
          await t.run(async (ctx) => ctx.db.query("tasks").withIndex("by_owner").collect());
        });
    """,
    "scripts/seed.ts": """
        import { ConvexHttpClient } from "convex/browser";
        import { makeFunctionReference } from "convex/server";

        const client = new ConvexHttpClient(process.env.CONVEX_URL!);
        await client.mutation(makeFunctionReference<"mutation">("tasks:add"), { owner: "a", text: "seed" });
    """,
    "src/App.tsx": """
        import { useMutation, useQuery } from "convex/react";
        import { api } from "../convex/_generated/api";

        export function App({ owner }: { owner: string }) {
          const tasks = useQuery(api.tasks.list, { owner });
          const add = useMutation(api.tasks.add);
          return <ul onClick={() => add({ owner, text: "x" })}>{tasks?.length}</ul>;
        }
    """,
}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


async def _start(client, tmp_path, spec="visual-studio-code") -> str:
    """`spec`: a pytest-lsp client name, or capabilities."""
    root = write_project(tmp_path, APP)
    folder = T.WorkspaceFolder(uri="file://" + os.path.realpath(root), name="app")
    await client.initialize_session(T.InitializeParams(
        capabilities=pytest_lsp.client_capabilities(spec) if isinstance(spec, str) else spec, root_uri=folder.uri, workspace_folders=[folder],
        initialization_options={"convexLsp": {"debounce": 0}}))
    return root


def _pos(text: str, needle: str, nth: int = 0, into: int = 0) -> T.Position:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += into
    return T.Position(line=text.count("\n", 0, i), character=i - (text.rfind("\n", 0, i) + 1))


def _at(root: str, rel: str, needle: str, nth: int = 0, into: int = 0):
    return T.TextDocumentIdentifier(uri=uri(root, rel)), _pos(read(root, rel), needle, nth, into)


def _where(root: str, locs) -> list[tuple[str, str]]:
    """(file, the text each location covers)."""
    out = []
    for loc in locs:
        text = read(root, os.path.relpath(loc.uri[len("file://"):], os.path.realpath(root)))
        lines = text.split("\n")
        s, e = loc.range.start, loc.range.end
        assert s.line == e.line
        out.append((os.path.relpath(loc.uri[len("file://"):], os.path.realpath(root)),
                    lines[s.line][s.character:e.character]))
    return sorted(out)


async def test_function_references_and_definition_from_client_code(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "src/App.tsx")
    td, pos = _at(root, "src/App.tsx", "api.tasks.list", into=len("api.tasks."))
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=True)))
    assert _where(root, locs) == [("convex/tasks.test.ts", "api.tasks.list"), ("convex/tasks.ts", "list"),
                                  ("src/App.tsx", "api.tasks.list")]
    # definition lands on the registration, not in _generated/api.d.ts
    got = await client.text_document_definition_async(T.DefinitionParams(text_document=td, position=pos))
    got = got[0] if isinstance(got, list) else got
    assert _where(root, [got]) == [("convex/tasks.ts", "list")]
    text = read(root, "convex/tasks.ts")
    assert got.range.start == _pos(text, "list = query")


async def test_definition_and_references_from_a_test_file(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    u = open_doc(client, root, "convex/tasks.test.ts")
    td, pos = _at(root, "convex/tasks.test.ts", "api.tasks.list", into=len("api.tas"))
    got = await client.text_document_definition_async(T.DefinitionParams(text_document=td, position=pos))
    got = got[0] if isinstance(got, list) else got
    assert _where(root, [got]) == [("convex/tasks.ts", "list")]
    # index references from the test: the schema, the backend and the test itself
    td, pos = _at(root, "convex/tasks.test.ts", "by_owner", into=2)
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=True)))
    assert sorted(f for f, _ in _where(root, locs)) == ["convex/schema.ts", "convex/tasks.test.ts", "convex/tasks.ts"]
    assert {t for _, t in _where(root, locs)} == {"by_owner"}
    # a test file is read for references, never linted
    await wait_diagnostics(client, u, lambda ds: len(ds) == 0)


async def test_function_references_exclude_declaration(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "convex/tasks.ts")
    td, pos = _at(root, "convex/tasks.ts", "cleanup = internalMutation")
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=False)))
    assert _where(root, locs) == [("convex/crons.ts", "internal.tasks.cleanup"),
                                  ("convex/tasks.ts", "internal.tasks.cleanup")]


async def test_rename_function_everywhere(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "src/App.tsx")
    td, pos = _at(root, "src/App.tsx", "api.tasks.list", into=len("api.tasks.l"))
    prep = await client.text_document_prepare_rename_async(T.PrepareRenameParams(text_document=td, position=pos))
    assert prep.placeholder == "list"
    edit = await client.text_document_rename_async(T.RenameParams(text_document=td, position=pos, new_name="listMine"))
    changes = edit.changes or {dc.text_document.uri: dc.edits for dc in edit.document_changes}
    assert set(changes) == {uri(root, f) for f in ("convex/tasks.ts", "src/App.tsx", "convex/tasks.test.ts")}
    after = {f: apply_text_edits(read(root, f), changes[uri(root, f)])
             for f in ("convex/tasks.ts", "src/App.tsx", "convex/tasks.test.ts")}
    assert "export const listMine = query({" in after["convex/tasks.ts"]
    assert "useQuery(api.tasks.listMine, { owner })" in after["src/App.tsx"]
    assert "t.query(api.tasks.listMine," in after["convex/tasks.test.ts"]
    assert "api.tasks.list," not in after["src/App.tsx"] + after["convex/tasks.test.ts"]


@pytest.mark.parametrize("new_name,reason", [("other.list", "another module"), ("add", "already exists"),
                                              ("2list", "not a valid")])
async def test_rename_function_refused_with_a_reason(client: LanguageClient, tmp_path, new_name, reason):
    root = await _start(client, tmp_path)
    open_doc(client, root, "convex/tasks.ts")
    td, pos = _at(root, "convex/tasks.ts", "list = query")
    with pytest.raises(Exception, match=reason):
        await client.text_document_rename_async(T.RenameParams(text_document=td, position=pos, new_name=new_name))


async def test_rename_refused_on_a_module_segment(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "src/App.tsx")
    td, pos = _at(root, "src/App.tsx", "api.tasks.list", into=len("api.ta"))
    with pytest.raises(Exception, match="module"):
        await client.text_document_prepare_rename_async(T.PrepareRenameParams(text_document=td, position=pos))


async def test_table_references(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "convex/tasks.ts")
    td, pos = _at(root, "convex/tasks.ts", 'query("tasks")', into=len('query("t'))
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=True)))
    where = _where(root, locs)
    assert ("convex/tasks.ts", "tasks") in where and ("convex/tasks.test.ts", "tasks") in where
    assert [f for f, _ in where].count("convex/tasks.ts") == 2  # query and insert
    assert [f for f, _ in where].count("convex/schema.ts") == 2  # the table and v.id("tasks")
    with pytest.raises(Exception, match="does not rename tables"):
        await client.text_document_prepare_rename_async(T.PrepareRenameParams(text_document=td, position=pos))


async def test_code_lens_resolves_lazily(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    u = open_doc(client, root, "convex/tasks.ts")
    lenses = await client.text_document_code_lens_async(T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=u)))
    text = read(root, "convex/tasks.ts")
    assert [ln.range.start for ln in lenses] == [_pos(text, "list = "), _pos(text, "add = "), _pos(text, "cleanup = ")]
    assert all(ln.command is None for ln in lenses)  # counted on resolve only
    titles = []
    for ln in lenses:
        got = await client.code_lens_resolve_async(ln)
        titles.append(got.command.title)
        if not got.command.title.startswith("0 "):
            assert got.command.command == "convex-lsp.showReferences"
            assert got.command.arguments[0] == u and got.command.arguments[2]
    assert titles == ["2 references · 1 client · 1 test", "2 references · 2 clients",
                      "2 references · scheduled by 1 · cron"]


async def test_workspace_symbols(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    got = await client.workspace_symbol_async(T.WorkspaceSymbolParams(query="tasks.list"))
    fn = [s for s in got if s.name == "tasks.list"]
    assert len(fn) == 1 and fn[0].kind == T.SymbolKind.Function and fn[0].container_name == "public query"
    assert _where(root, [fn[0].location]) == [("convex/tasks.ts", "list")]
    names = {s.name: s for s in await client.workspace_symbol_async(T.WorkspaceSymbolParams(query=""))}
    assert {"tasks.list", "tasks.add", "tasks.cleanup", "tasks", "notes", "tasks.by_owner"} <= set(names)
    assert names["tasks.cleanup"].container_name == "internal mutation"
    assert names["tasks.by_owner"].kind == T.SymbolKind.Key
    assert names["tasks"].kind == T.SymbolKind.Struct


async def test_document_symbols(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    u = open_doc(client, root, "convex/tasks.ts")
    got = await client.text_document_document_symbol_async(T.DocumentSymbolParams(
        text_document=T.TextDocumentIdentifier(uri=u)))
    assert [(s.name, s.detail.split(" · ")[0]) for s in got] == [
        ("list", "public query"), ("add", "public mutation"), ("cleanup", "internal mutation")]
    su = open_doc(client, root, "convex/schema.ts")
    got = await client.text_document_document_symbol_async(T.DocumentSymbolParams(
        text_document=T.TextDocumentIdentifier(uri=su)))
    assert [s.name for s in got] == ["tasks", "notes"]
    assert [c.name for c in got[0].children] == ["by_owner"]
    cu = open_doc(client, root, "src/App.tsx")
    assert await client.text_document_document_symbol_async(T.DocumentSymbolParams(
        text_document=T.TextDocumentIdentifier(uri=cu))) == []


async def test_call_hierarchy(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    open_doc(client, root, "convex/tasks.ts")
    td, pos = _at(root, "convex/tasks.ts", "cleanup = internalMutation")
    items = await client.text_document_prepare_call_hierarchy_async(T.CallHierarchyPrepareParams(
        text_document=td, position=pos))
    assert [i.name for i in items] == ["tasks.cleanup"]
    calls = await client.call_hierarchy_incoming_calls_async(T.CallHierarchyIncomingCallsParams(item=items[0]))
    got = sorted((c.from_.name, c.from_.kind) for c in calls)
    assert got == [("convex/crons.ts", T.SymbolKind.File), ("tasks.add", T.SymbolKind.Function)]
    # outgoing from `add`: what its handler schedules
    td, pos = _at(root, "convex/tasks.ts", "add = mutation")
    add = (await client.text_document_prepare_call_hierarchy_async(T.CallHierarchyPrepareParams(
        text_document=td, position=pos)))[0]
    out = await client.call_hierarchy_outgoing_calls_async(T.CallHierarchyOutgoingCallsParams(item=add))
    assert [c.to.name for c in out] == ["tasks.cleanup"]
    # incoming of `list`, asked from the client file: the client and the test, as files
    td, pos = _at(root, "src/App.tsx", "api.tasks.list", into=len("api.tasks.li"))
    open_doc(client, root, "src/App.tsx")
    lst = (await client.text_document_prepare_call_hierarchy_async(T.CallHierarchyPrepareParams(
        text_document=td, position=pos)))[0]
    calls = await client.call_hierarchy_incoming_calls_async(T.CallHierarchyIncomingCallsParams(item=lst))
    assert sorted((c.from_.name, c.from_.detail) for c in calls) == [
        ("convex/tasks.test.ts", "test"), ("src/App.tsx", "client")]


async def test_references_follow_edits_of_a_client_file_and_lenses_are_refreshed(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    u = open_doc(client, root, "src/App.tsx")
    td, pos = _at(root, "convex/tasks.ts", "cleanup = internalMutation")
    before = client.code_lens_refresh_count
    text = read(root, "src/App.tsx").replace("useMutation(api.tasks.add)",
                                             "useMutation(api.tasks.add);\n  const c = useMutation(api.tasks.cleanup)")
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=u, version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=False)))
    assert ("src/App.tsx", "api.tasks.cleanup") in [
        (os.path.relpath(x.uri[len("file://"):], os.path.realpath(root)),
         text.split("\n")[x.range.start.line][x.range.start.character:x.range.end.character])
        for x in locs if x.uri == u]
    lenses = await client.text_document_code_lens_async(T.CodeLensParams(
        text_document=T.TextDocumentIdentifier(uri=uri(root, "convex/tasks.ts"))))
    got = await client.code_lens_resolve_async(lenses[2])
    assert got.command.title == "3 references · 1 client · scheduled by 1 · cron"
    # VS Code declares workspace.codeLens.refreshSupport: it is told to ask again
    assert client.code_lens_refresh_count > before


@pytest.mark.parametrize("spec", ["neovim@v0.11.0", "helix"])
async def test_lens_command_run_on_the_server(client: LanguageClient, tmp_path, spec):
    """Clients that send the lens' command back to the server: one location is opened where the
    client can show documents (Neovim), else listed in a message like several are (Helix)."""
    from tests.test_server_clients import helix_like

    root = await _start(client, tmp_path, helix_like() if spec == "helix" else spec)
    u = open_doc(client, root, "convex/tasks.ts")
    lenses = await client.text_document_code_lens_async(T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=u)))
    two = await client.code_lens_resolve_async(lenses[0])  # `list`: the client and the test
    await client.workspace_execute_command_async(T.ExecuteCommandParams(
        command=two.command.command, arguments=two.command.arguments))
    listed = client.messages[-1].message
    assert "src/App.tsx:5:" in listed and "convex/tasks.test.ts:7:" in listed
    u0, p0, locations = two.command.arguments
    app = [x for x in locations if x["uri"] == uri(root, "src/App.tsx")]
    await client.workspace_execute_command_async(T.ExecuteCommandParams(
        command=two.command.command, arguments=[u0, p0, app]))  # one location
    if spec != "helix":
        shown = client.shown_documents[-1]
        assert shown.uri == uri(root, "src/App.tsx") and shown.selection.start.line == 4
    else:
        assert client.messages[-1].message.count("\n") == 1 and "src/App.tsx:5:" in client.messages[-1].message


async def test_client_file_changed_on_disk_is_read_again(client: LanguageClient, tmp_path):
    """A client file edited outside the editor (a checkout, a formatter): its references follow
    (`workspace/didChangeWatchedFiles`), though it is never linted."""
    root = await _start(client, tmp_path)
    td, pos = _at(root, "convex/tasks.ts", "cleanup = internalMutation")
    path = os.path.join(root, "src", "Admin.tsx")
    with open(path, "w") as fh:
        fh.write('import { useMutation } from "convex/react";\nimport { api } from "../convex/_generated/api";\n'
                 'export const Admin = () => useMutation(api.tasks.cleanup);\n')
    os.makedirs(os.path.join(root, "dist"))
    with open(os.path.join(root, "dist", "app.js"), "w") as fh:  # build output: never read
        fh.write('import { api } from "../convex/_generated/api";\nuseMutation(api.tasks.cleanup);\n')
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(root, "src/Admin.tsx"), type=T.FileChangeType.Created),
        T.FileEvent(uri=uri(root, "dist/app.js"), type=T.FileChangeType.Created)]))
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=False)))
    assert ("src/Admin.tsx", "api.tasks.cleanup") in _where(root, locs)
    assert "dist/app.js" not in [f for f, _ in _where(root, locs)]
    os.remove(path)
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(root, "src/Admin.tsx"), type=T.FileChangeType.Deleted)]))
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=False)))
    assert "src/Admin.tsx" not in [f for f, _ in _where(root, locs)]


async def test_string_reference_definition_references_and_rename(client: LanguageClient, tmp_path):
    root = await _start(client, tmp_path)
    su = open_doc(client, root, "scripts/seed.ts")
    td, pos = _at(root, "scripts/seed.ts", '"tasks:add"', into=len('"tasks:a'))
    got = await client.text_document_definition_async(T.DefinitionParams(text_document=td, position=pos))
    got = got[0] if isinstance(got, list) else got
    assert _where(root, [got]) == [("convex/tasks.ts", "add")]
    locs = await client.text_document_references_async(T.ReferenceParams(
        text_document=td, position=pos, context=T.ReferenceContext(include_declaration=False)))
    assert sorted(f for f, _ in _where(root, locs)) == ["scripts/seed.ts", "src/App.tsx"]
    edit = await client.text_document_rename_async(T.RenameParams(text_document=td, position=pos, new_name="create"))
    changes = edit.changes or {dc.text_document.uri: dc.edits for dc in edit.document_changes}
    assert '"tasks:create"' in apply_text_edits(read(root, "scripts/seed.ts"), changes[su])
    assert "useMutation(api.tasks.create)" in apply_text_edits(read(root, "src/App.tsx"), changes[uri(root, "src/App.tsx")])
    assert "export const create = mutation({" in apply_text_edits(read(root, "convex/tasks.ts"),
                                                                  changes[uri(root, "convex/tasks.ts")])


async def test_hover_in_client_code(client: LanguageClient, tmp_path):
    """`api.tasks.list` in a React component: the function's kind, visibility and validators."""
    root = await _start(client, tmp_path)
    u = open_doc(client, root, "src/App.tsx")
    await wait_diagnostics(client, u, lambda ds: len(ds) == 0)  # indexed (and never linted)
    td, pos = _at(root, "src/App.tsx", "api.tasks.list", into=len("api.tasks.l"))
    h = await client.text_document_hover_async(T.HoverParams(text_document=td, position=pos))
    assert h is not None and "query" in h.contents.value and "convex/tasks.ts" in h.contents.value
    assert "owner: v.string()" in h.contents.value
