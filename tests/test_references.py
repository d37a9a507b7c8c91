"""The workspace reference graph (analysis/references.py): discovery beyond the functions folder,
extraction from client code, tests and scripts, and the query API the editor features use."""

from __future__ import annotations

import os

import pytest

from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.references import FunctionRef, IndexRef, TableRef

from .graph_fixture import APP
from .ruletester import write_project


@pytest.fixture()
def app(tmp_path):
    root = write_project(tmp_path, APP)
    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    return root, an, ws.functions_dirs[0].path


def _rel(root, refs):
    return [(os.path.relpath(r.file, root), r.root, r.kind) for r in refs]


def test_discovery_reads_client_tests_scripts_not_build_output_or_ignored(app):
    root, an, _ = app
    rel = {os.path.relpath(p, root) for p in an.index.facts}
    assert {"src/App.tsx", "src/lib/server.ts", "tests/tasks.test.ts", "scripts/seed.mjs"} <= rel
    for never in ("dist/assets/index.js", "node_modules/lib/index.js", "ignored-out/x.ts", "src/secret.local.ts"):
        assert never not in rel
    client = an.index.facts[os.path.join(root, "src/App.tsx")]
    assert client.refs_only and client.registrations == []


def test_function_references_from_every_kind_of_file(app):
    root, an, fd = app
    idx = an.index
    assert _rel(root, idx.function_references(fd, ("tasks", "list"))) == [("src/App.tsx", "api", "client-hook")]
    assert _rel(root, idx.function_references(fd, ("tasks", "touch"))) == [
        ("convex/tasks.ts", "api", "scheduler"), ("tests/tasks.test.ts", "api", "test")]
    assert _rel(root, idx.function_references(fd, ("messages", "list"))) == [
        ("convex/messages.ts", "api", "scheduler"), ("src/lib/server.ts", "api", "client-call")]
    # a string reference from a JavaScript script
    assert _rel(root, idx.function_references(fd, ("messages", "send"))) == [("scripts/seed.mjs", "string", "client-call")]
    assert idx.function_references(fd, ("tasks", "forgotten")) == []
    # the archive reference in build output / node_modules / ignored files does not count
    assert _rel(root, idx.function_references(fd, ("tasks", "archive"))) == [("convex/tasks.ts", "api", "run")]


def test_segment_spans_cover_each_written_segment(app):
    root, an, fd = app
    (ref,) = an.index.function_references(fd, ("tasks", "list"))
    data = open(ref.file, "rb").read()
    assert [data[s.start:s.end] for s in ref.segment_spans] == [b"tasks", b"list"]
    assert data[ref.span.start:ref.span.end] == b"api.tasks.list"
    (sref,) = an.index.function_references(fd, ("messages", "send"))
    sdata = open(sref.file, "rb").read()
    assert sdata[sref.span.start:sref.span.end] == b"messages:send"
    assert [sdata[s.start:s.end] for s in sref.segment_spans] == [b"messages", b"send"]


def test_table_and_index_references_across_the_workspace(app):
    root, an, fd = app
    ix = an.index.index_references(fd, "tasks", "by_owner")
    assert [os.path.relpath(r.file, root) for r in ix] == ["convex/tasks.ts", "tests/tasks.test.ts"]
    assert all(isinstance(r, IndexRef) and r.method == "withIndex" for r in ix)
    tables = an.index.table_references(fd, "tasks")
    assert ("src/App.tsx", "Id") in [(os.path.relpath(r.file, root), r.how) for r in tables]
    assert an.index.index_references(fd, "tasks", "by_done") == []


def test_reference_at_in_client_file_and_function_at(app):
    root, an, fd = app
    path = os.path.join(root, "src/App.tsx")
    data = open(path, "rb").read()
    at = an.index.reference_at(path, data.index(b"tasks.add") + 2)
    assert isinstance(at, FunctionRef) and at.api_path == ("tasks", "add")
    tat = an.index.reference_at(path, data.index(b'"tasks"') + 1)
    assert isinstance(tat, TableRef) and tat.table == "tasks"
    assert an.index.reference_at(path, 0) is None
    tasks = os.path.join(root, "convex/tasks.ts")
    tdata = open(tasks, "rb").read()
    info = an.index.function_at(tasks, tdata.index(b"ctx.db.insert"))
    assert info is not None and info.api_path == ("tasks", "add")
    assert an.index.function_at(tasks, 0) is None
    out = an.index.outgoing_references(fd, ("tasks", "add"))
    assert [(r.root, r.api_path, r.kind) for r in out] == [
        ("api", ("tasks", "touch"), "scheduler"), ("internal", ("tasks", "cleanup"), "scheduler")]


def test_functions_dir_for_reference_through_alias_and_relative_paths(app):
    root, an, fd = app
    assert an.index.functions_dir_for_reference(os.path.join(root, "src/App.tsx")) == fd  # tsconfig alias
    assert an.index.functions_dir_for_reference(os.path.join(root, "src/lib/server.ts")) == fd


def test_incremental_update_touches_only_that_file(app):
    root, an, fd = app
    path = os.path.join(root, "src/App.tsx")
    before = an.index.function_references(fd, ("tasks", "list"))
    assert before
    changed = an.load(path, b'import { api } from "../convex/_generated/api";\nuseQuery(api.tasks.forgotten);\n')
    assert "refs" in changed
    assert an.index.function_references(fd, ("tasks", "list")) == []
    assert _rel(root, an.index.function_references(fd, ("tasks", "forgotten"))) == [("src/App.tsx", "api", "client-hook")]
    # same references, moved: no view changes
    changed = an.load(path, b'import { api } from "../convex/_generated/api";\n\n\nuseQuery(api.tasks.forgotten);\n')
    assert "refs" not in changed
    an.forget(path)
    assert an.index.function_references(fd, ("tasks", "forgotten")) == []


def test_prefilter_skips_the_parse_of_files_without_references(tmp_path):
    root = write_project(tmp_path, {**APP, "src/util.ts": "export const add = (a: number, b: number) => a + b;\n"})
    an = Analyzer(discover([root]))
    an.load_all()
    model = an.models[os.path.join(root, "src/util.ts")]
    assert model.src.tree is None and model.facts.refs_only


def test_kinds_and_string_references(tmp_path):
    files = dict(APP)
    files["src/hooks.tsx"] = """
        import { useQuery, usePaginatedQuery } from "convex/react";
        import { fetchQuery } from "convex/nextjs";
        import { makeFunctionReference, anyApi } from "convex/server";
        import { api } from "../convex/_generated/api";
        import type { FunctionReturnType } from "convex/server";

        type Tasks = FunctionReturnType<typeof api.tasks.list>;
        export const a = () => useQuery("tasks:list", { owner: "x" });
        export const b = () => usePaginatedQuery(api.messages.list, {}, { initialNumItems: 5 });
        export const c = () => fetchQuery(api.tasks.list, { owner: "y" });
        export const d = makeFunctionReference<"query">("tasks:archive");
        export const e = anyApi.messages.send;
        export const notARef = useQuery("just words");
    """
    root = write_project(tmp_path, files)
    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    fd = ws.functions_dirs[0].path
    hooks = [r for r in an.index.function_references(fd, ("tasks", "list")) if r.file.endswith("hooks.tsx")]
    assert sorted((r.root, r.kind) for r in hooks) == [("api", "client-call"), ("api", "type"), ("string", "client-hook")]
    assert [(r.root, r.kind) for r in an.index.function_references(fd, ("messages", "list"))
            if r.file.endswith("hooks.tsx")] == [("api", "client-hook")]
    assert [r.root for r in an.index.function_references(fd, ("tasks", "archive"))
            if r.file.endswith("hooks.tsx")] == ["string"]
    assert [r.root for r in an.index.function_references(fd, ("messages", "send"))
            if r.file.endswith("hooks.tsx")] == ["string"]
    fns, _, _ = an.index.references_in(os.path.join(root, "src/hooks.tsx"))
    assert not any("just words" in ".".join(r.api_path) for r in fns)


def test_relationship_helpers_are_index_references(tmp_path):
    files = dict(APP)
    files["convex/model.ts"] = """
        import { getManyFrom, getOneFromOrThrow } from "convex-helpers/server/relationships";
        import type { QueryCtx } from "./_generated/server";
        export async function ownedBy(ctx: QueryCtx, owner: string) {
          const one = await getOneFromOrThrow(ctx.db, "messages", "author", owner);
          return await getManyFrom(ctx.db, "tasks", "by_done", true, "done");
        }
    """
    root = write_project(tmp_path, files)
    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    fd = ws.functions_dirs[0].path
    assert [r.method for r in an.index.index_references(fd, "tasks", "by_done")] == ["getManyFrom"]
    assert sorted(r.method for r in an.index.index_references(fd, "messages", "author")) == [
        "getManyFrom", "getOneFromOrThrow", "withIndex", "withIndex"]


def test_monorepo_client_package_is_read(tmp_path):
    files = {
        "package.json": '{"name": "mono", "private": true, "workspaces": ["apps/*", "packages/*"]}',
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n  - packages/*\n",
        "packages/backend/package.json": '{"name": "@mono/backend", "dependencies": {"convex": "^1.25.0"}}',
        "packages/backend/convex/tasks.ts": """
            import { query } from "./_generated/server";
            export const list = query({ args: {}, handler: async () => [] });
        """,
        "apps/web/package.json": '{"name": "web"}',
        "apps/web/src/page.tsx": """
            import { useQuery } from "convex/react";
            import { api } from "@mono/backend/convex/_generated/api";
            export const P = () => useQuery(api.tasks.list);
        """,
    }
    root = os.path.realpath(write_project(tmp_path, files))
    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    fd = ws.functions_dirs[0].path
    refs = an.index.function_references(fd, ("tasks", "list"))
    assert [os.path.relpath(r.file, root) for r in refs] == ["apps/web/src/page.tsx"]
    assert ws.outer_monorepos == []
    # the backend package alone: the monorepo above is noted (not read), with a warning
    ws = discover([os.path.join(root, "packages/backend")])
    assert ws.outer_monorepos == [root]
    assert any("monorepo" in w for w in ws.warnings)


def test_gitignore_reader(tmp_path):
    from convex_lsp.analysis.ignore import folder_spec, ignored_by

    r = str(tmp_path)
    (tmp_path / ".gitignore").write_text(
        "# build\n/out\nlogs/\n*.local.ts\n!keep.local.ts\nsrc/**/gen/\n\\#hash.ts\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / ".gitignore").write_text("*.ts\n!x.local.ts\n")
    chain = [(r, folder_spec(r))]
    j = os.path.join
    assert ignored_by(chain, j(r, "out"), True) and not ignored_by(chain, j(r, "src/out"), True)  # anchored
    assert ignored_by(chain, j(r, "a/logs"), True) and not ignored_by(chain, j(r, "a/logs"), False)  # folders only
    assert ignored_by(chain, j(r, "src/x.local.ts"), False) and not ignored_by(chain, j(r, "src/keep.local.ts"), False)
    assert ignored_by(chain, j(r, "src/gen"), True) and ignored_by(chain, j(r, "src/a/b/gen"), True)
    assert ignored_by(chain, j(r, "#hash.ts"), False) and not ignored_by(chain, j(r, "src/x.ts"), False)
    nested = chain + [(j(r, "pkg"), folder_spec(j(r, "pkg")))]
    assert ignored_by(nested, j(r, "pkg/a.ts"), False) and not ignored_by(nested, j(r, "a.ts"), False)
    # the deeper file decides: it re-includes what the top one ignores
    assert ignored_by(chain, j(r, "pkg/x.local.ts"), False) and not ignored_by(nested, j(r, "pkg/x.local.ts"), False)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".gitignore").write_text("# only a comment\n\n")
    assert folder_spec(j(r, "empty")) is None and folder_spec(j(r, "missing")) is None


def test_javascript_functions_files_are_linted_like_typescript(tmp_path):
    from convex_lsp.analysis.config import Config

    root = write_project(tmp_path, {
        "convex/legacy.js": """
            import { query } from "./_generated/server";
            export const all = query({ args: {}, handler: async (ctx) => ctx.db.query("tasks").collect() });
        """,
        "convex/view.jsx": "export const Badge = ({ n }) => <span className=\"b\">{n}</span>;\n",
        "convex/old.cjs": "const { query } = require(\"./_generated/server\");\nmodule.exports = { query };\n",
    })
    ws = discover([root])
    an = Analyzer(ws, Config(root=root))
    paths = an.load_all()
    by_name = {os.path.basename(p): p for p in paths}
    assert {"legacy.js", "view.jsx", "old.cjs"} <= set(by_name)
    for name in ("legacy.js", "view.jsx", "old.cjs"):
        assert an.models[by_name[name]].errors == [], name  # the tsx grammar reads JavaScript and JSX
    codes = {f.code for f in an.lint(by_name["legacy.js"])}
    assert {"CVX101", "CVX202"} <= codes  # missing returns validator, unbounded collect
