"""Indexing order (server/indexing.py): the open documents' functions folders first, scanned in
the server process too while the worker processes start, so that an opened file's diagnostics
never wait for a worker's start-up nor for chunks of other folders."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from convex_lsp.server import indexing
from tests.lsp_helpers import SERVER_COMMAND, stop_session, SCHEMA, MESSAGES, GENERATED_SERVER, read, start, uri, wait_diagnostics


def _session(folders: dict, open_paths: list):
    """A session stand-in: `workspace.dir_for` by the path's folder, `documents` open."""
    def dir_for(p):
        d = os.path.dirname(p)
        return SimpleNamespace(path=d) if d in folders else None
    return SimpleNamespace(workspace=SimpleNamespace(dir_for=dir_for), documents={p: None for p in open_paths})


def test_the_queue_keeps_open_folders_for_whoever_may_take_them():
    folders = {"/w/a": 30, "/w/b": 30}
    paths = [f"{d}/f{i}.ts" for d, n in folders.items() for i in range(n)]
    s = _session(folders, ["/w/b/f0.ts"])
    q = indexing._Queue(s, paths)
    # starting workers get other folders only; the open one is left to this process
    first = q.take(200, open_folders=False)
    assert first and all(p.startswith("/w/a/") for p in first)
    assert q.take(200, open_folders=False) == []  # only the open folder is left
    assert q.open_left()
    got = []
    while True:
        chunk = q.take_open(indexing.LOCAL_BATCH)
        if not chunk:
            break
        assert len(chunk) <= indexing.LOCAL_BATCH and all(p.startswith("/w/b/") for p in chunk)
        got += chunk
    assert sorted(got) == sorted(p for p in paths if p.startswith("/w/b/"))
    assert not q and not q.open_left()


def test_workers_that_answered_take_the_open_folder_first():
    folders = {"/w/a": 30, "/w/b": 30}
    paths = [f"{d}/f{i}.ts" for d, n in folders.items() for i in range(n)]
    s = _session(folders, ["/w/b/f3.ts"])
    q = indexing._Queue(s, paths)
    chunk = q.take(200)
    assert len(chunk) == indexing.BATCH and all(p.startswith("/w/b/") for p in chunk)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND,
                                              server_env={**os.environ, "CONVEX_LSP_JOBS": "2",
                                                                          "CONVEX_LSP_WORKERS_START": "at-once"}))
async def workers_client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


FILLER = """import {{ query }} from "./_generated/server";
export const f{i} = query({{ args: {{}}, handler: async (ctx) => {{ return await ctx.db.query("messages").collect(); }} }});
"""


def _four_projects(tmp_path) -> str:
    root = str(tmp_path)
    for k in range(4):
        proj = os.path.join(root, f"app{k}")
        os.makedirs(os.path.join(proj, "convex", "_generated"))
        with open(os.path.join(proj, "package.json"), "w") as fh:
            fh.write('{"dependencies": {"convex": "^1.25.0"}}')
        for rel, text in (("schema.ts", SCHEMA), ("messages.ts", MESSAGES), ("_generated/server.d.ts", GENERATED_SERVER)):
            with open(os.path.join(proj, "convex", rel), "w") as fh:
                fh.write(text)
        for i in range(40):
            with open(os.path.join(proj, "convex", f"f{i}.ts"), "w") as fh:
                fh.write(FILLER.format(i=i))
    return root


async def _opened_file_gets_the_findings_of_check(client, root: str, rel: str, failing: bool = False) -> None:
    """Open `rel`: its first diagnostics are those of a whole-workspace `check` (but for the rules
    that wait for the whole index), and all of them once everything is indexed; nothing failed
    on the way (unless `failing`: the workers are made to fail)."""
    u = uri(root, rel)
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=u, language_id="typescript", version=1, text=read(root, rel))))
    ds = await wait_diagnostics(client, u, timeout=60)
    for _ in range(1200):
        if any("indexed" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.1)

    target = os.path.realpath(os.path.join(root, rel))
    out = subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", "check", root, "--output-format", "json",
                          "--exit-zero", "--no-progress", "--no-cache"], capture_output=True, text=True, timeout=300)
    want = sorted((f["code"], f["location"]["row"] - 1, f["location"]["column"] - 1)
                  for f in json.loads(out.stdout) if os.path.realpath(f["filename"]) == target)
    assert want, out.stderr  # the file has findings (CVX406: `add` is called by no one here)

    def got(ds):
        return sorted((d.data["code"], d.range.start.line, d.range.start.character) for d in ds)

    # before the whole workspace is indexed, rules that conclude from a reference's absence
    # (CVX406 here) wait: nothing else differs
    assert set(got(ds)) <= set(want) and got(ds) == [w for w in want if w[0] != "CVX406"]
    # once everything is indexed, the document is diagnosed again: check's findings
    await wait_diagnostics(client, u, lambda ds: got(ds) == want, timeout=30)
    if not failing:
        assert not [m.message for m in client.log_messages if "failed" in m.message]


async def test_an_opened_file_in_a_many_project_workspace_gets_the_findings_of_check(workers_client, tmp_path):
    """Worker processes index (CONVEX_LSP_JOBS=2, started at `initialize`), this process scans
    the open folder meanwhile."""
    root = _four_projects(tmp_path)
    await start(workers_client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    await _opened_file_gets_the_findings_of_check(workers_client, root, "app2/convex/messages.ts")


def test_open_folder_files_given_to_starting_workers_are_taken_back_once(monkeypatch):
    """A chunk of the open folder handed to a worker that has not answered yet is scanned here
    too (`_Run.steal`); whichever answer comes first counts, the other is dropped."""
    folders = {"/w/a": 12}
    paths = [f"/w/a/f{i}.ts" for i in range(12)]
    s = _session(folders, ["/w/a/f0.ts"])
    added = []
    s.add_scanned = lambda items: added.extend(p for p, _, _ in items) or set()
    ls = SimpleNamespace(session=s, ready_dirs=set(), progress=False)
    run = indexing._Run(ls, paths)
    early = run.queue.take(indexing.BATCH)  # only the open folder: given to a starting worker
    run.early[1] = early
    assert not run.queue
    stolen = run.steal(5)
    assert stolen == early[:5] and run.steal(100) == early[5:] and run.steal(100) == []
    monkeypatch.setattr(indexing, "_count_down", lambda *a: None)  # (folders done: not under test here)
    run.ingest([(p, None, None) for p in stolen], stolen)
    run.ingest([(p, None, None) for p in early], early)  # the worker's answer: only the rest is new
    assert sorted(added) == sorted(paths) and len(added) == len(set(added)) and not run.pending


async def test_a_helper_stopped_part_way_through_a_chunk_loses_no_file(monkeypatch):
    """The workers fail while this process is scanning an open folder's chunk (`_Run._help`): the
    scan stops part-way; the files scanned are indexed and the others go back to the queue, which
    the thread that takes over empties (they were dropped: the folder then looked incomplete and
    the rules that need all of it, CVX406, stayed silent)."""
    import concurrent.futures

    folders = {"/w/a": 12}
    paths = [f"/w/a/f{i}.ts" for i in range(12)]
    s = _session(folders, ["/w/a/f0.ts"])
    added = []
    s.add_scanned = lambda items: added.extend(p for p, _, _ in items) or set()
    ls = SimpleNamespace(session=s, ready_dirs=set(), progress=False,
                         thread_pool=concurrent.futures.ThreadPoolExecutor(1))
    run = indexing._Run(ls, paths)
    monkeypatch.setattr(indexing, "_count_down", lambda *a: None)

    def scan(chunk, stop, deferred):
        for i, p in enumerate(chunk):
            if i == 3:
                run.local = False  # the workers failed meanwhile: `index_workspace` stops the helper
            if stop():
                return
            yield (p, None, None)

    s.scan = scan
    run.local = True
    await run._help()
    assert added == paths[:3]  # the first chunk's first three files, scanned before the stop
    assert sorted(run.pending) == sorted(paths[3:])
    left = []
    while run.queue:
        left += run.queue.take(indexing.BATCH)
    assert sorted(left) == sorted(paths[3:])  # the thread that takes over finds every other file
    ls.thread_pool.shutdown()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env={
    **os.environ, "CONVEX_LSP_JOBS": "2", "CONVEX_LSP_WORKERS_START": "after-open"}))
async def small_machine_client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


async def test_on_a_small_machine_other_folders_wait_for_the_open_document_s_diagnostics(small_machine_client, tmp_path):
    """Where the indexing workers would take every core (`workers.wait_for_open_folders`; forced
    here), the open document's folder is indexed first (by the server process and one worker)
    and the document diagnosed before the other folders' indexing starts: the messages arrive
    in that order; the diagnostics are those of `check`."""
    root = _four_projects(tmp_path)
    client = small_machine_client
    seen: list = []  # (method, uri or message) of every notification, in arrival order
    structure = client.protocol.structure_message

    def note(data):
        if isinstance(data, dict) and "method" in data:
            p = data.get("params") or {}
            seen.append((data["method"], p.get("uri") or p.get("message") or ""))
        return structure(data)

    client.protocol.structure_message = note
    await start(client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    await _opened_file_gets_the_findings_of_check(client, root, "app1/convex/messages.ts")
    u = uri(root, "app1/convex/messages.ts")
    others = [i for i, (m, x) in enumerate(seen) if m == "window/logMessage" and "indexing the other folders" in x]
    first = [i for i, (m, x) in enumerate(seen) if m == "textDocument/publishDiagnostics" and x == u]
    assert others and first and first[0] < others[0], seen


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env={
    **os.environ, "CONVEX_LSP_JOBS": "2", "CONVEX_LSP_WORKERS_START": "after-open",
    "CONVEX_LSP_FAULT": "indexing-worker"}))
async def failing_workers_client(lsp_client: LanguageClient):
    yield
    await stop_session(lsp_client)


async def test_workers_failing_while_the_open_folder_is_indexed_lose_no_file(failing_workers_client, tmp_path):
    """Every chunk given to a worker fails (CONVEX_LSP_FAULT=indexing-worker), the first one while
    the open folder is indexed: the server indexes everything in a thread instead, no chunk
    lost, and the opened file still gets `check`'s findings."""
    root = _four_projects(tmp_path)
    await start(failing_workers_client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    await _opened_file_gets_the_findings_of_check(failing_workers_client, root, "app3/convex/messages.ts",
                                                  failing=True)
    msgs = [m.message for m in failing_workers_client.log_messages]
    assert any("indexing in worker processes failed" in m for m in msgs), msgs
    assert any("indexed 172 files" in m for m in msgs), msgs
    # every file is in the index: the 160 filler functions of the four projects are found
    found = await failing_workers_client.workspace_symbol_async(T.WorkspaceSymbolParams(query="f"))
    names = {(s.location.uri, s.name) for s in found or [] if re.fullmatch(r"f\d+\.f\d+", s.name)}
    assert len(names) == 160, len(names)


def test_cache_entries_held_back_by_a_scan_are_those_it_would_have_written(tmp_path, monkeypatch):
    """`Session.scan(defer=...)` (the open folders, scanned before the first diagnostics) writes
    nothing to the cache; `write_deferred` then writes exactly what a plain scan writes."""
    from convex_lsp.server.session import Session

    root = _four_projects(tmp_path / "ws")
    s = Session([root])
    paths = [p for p in s.load_list if "/app0/" in p]
    assert len(paths) > 40

    def entries(d):
        out = {}
        for dirpath, _, names in os.walk(d):
            for n in names:
                with open(os.path.join(dirpath, n), "rb") as fh:
                    out[os.path.relpath(os.path.join(dirpath, n), d)] = fh.read()
        return out

    monkeypatch.setenv("CONVEX_LSP_CACHE_DIR", str(tmp_path / "plain"))
    plain = list(s.scan(paths))
    monkeypatch.setenv("CONVEX_LSP_CACHE_DIR", str(tmp_path / "held"))
    held: list = []
    late = list(s.scan(paths, defer=held))
    assert [p for p, _, _ in late] == [p for p, _, _ in plain] and len(held) == len(paths)
    assert not any(n.endswith(".json") for n in entries(tmp_path / "held"))
    Session.write_deferred(held)
    want = entries(tmp_path / "plain")
    assert want and entries(tmp_path / "held") == want


def test_an_indexing_worker_does_not_import_the_protocol_libraries():
    """A worker imports the module of its initializer (`workers.watch_parent`) and of the work it
    is given: pygls and lsprotocol (~0.4 s CPU per worker) must not come with them."""
    from convex_lsp.server import workers

    from tests._worker_probe import loaded

    pool = workers.start_pool(1)
    try:
        with workers.workers_skip_main_module():
            got = pool.submit(loaded, ["pygls", "lsprotocol", "convex_lsp.server.session"]).result(timeout=120)
        assert got == ["convex_lsp.server.session"]  # (warm_up ran there: the probe sees that worker's modules)
    finally:
        workers.stop_pool(pool)
