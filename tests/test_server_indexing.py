"""Indexing order (server/indexing.py): the open documents' functions folders first, scanned in
the server process too while the worker processes start, so that an opened file's diagnostics
never wait for a worker's start-up nor for chunks of other folders."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient

from convex_lsp.server import indexing
from tests.lsp_helpers import SERVER_COMMAND, SCHEMA, MESSAGES, GENERATED_SERVER, read, start, uri, wait_diagnostics


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
    ls = SimpleNamespace(session=s)
    # starting workers get other folders only; the open one is left to this process
    first = q.take(ls, 200, open_folders=False)
    assert first and all(p.startswith("/w/a/") for p in first)
    assert q.take(ls, 200, open_folders=False) == []  # only the open folder is left
    assert q.open_left(ls)
    got = []
    while True:
        chunk = q.take_open(ls, indexing.LOCAL_BATCH)
        if not chunk:
            break
        assert len(chunk) <= indexing.LOCAL_BATCH and all(p.startswith("/w/b/") for p in chunk)
        got += chunk
    assert sorted(got) == sorted(p for p in paths if p.startswith("/w/b/"))
    assert not q and not q.open_left(ls)


def test_workers_that_answered_take_the_open_folder_first():
    folders = {"/w/a": 30, "/w/b": 30}
    paths = [f"{d}/f{i}.ts" for d, n in folders.items() for i in range(n)]
    s = _session(folders, ["/w/b/f3.ts"])
    q = indexing._Queue(s, paths)
    chunk = q.take(SimpleNamespace(session=s), 200)
    assert len(chunk) == indexing.BATCH and all(p.startswith("/w/b/") for p in chunk)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND,
                                              server_env={**os.environ, "CONVEX_LSP_JOBS": "2"}))
async def workers_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


FILLER = """import {{ query }} from "./_generated/server";
export const f{i} = query({{ args: {{}}, handler: async (ctx) => {{ return await ctx.db.query("messages").collect(); }} }});
"""


async def test_an_opened_file_in_a_many_project_workspace_gets_the_findings_of_check(workers_client, tmp_path):
    """Worker processes index (CONVEX_LSP_JOBS=2), this process scans the open folder meanwhile:
    the opened file's first diagnostics are those of a whole-workspace `check` (but for the rules
    that wait for the whole index), and all of them once everything is indexed."""
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
    await start(workers_client, root, "neovim@v0.9.1", options={"convexLsp": {"debounce": 0}})
    u = uri(root, "app2/convex/messages.ts")
    workers_client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=u, language_id="typescript", version=1, text=read(root, "app2/convex/messages.ts"))))
    ds = await wait_diagnostics(workers_client, u, timeout=60)
    for _ in range(1200):
        if any("indexed" in m.message for m in workers_client.log_messages):
            break
        await asyncio.sleep(0.1)

    target = os.path.realpath(os.path.join(root, "app2", "convex", "messages.ts"))
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
    await wait_diagnostics(workers_client, u, lambda ds: got(ds) == want, timeout=30)


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
    early = run.queue.take(ls, indexing.BATCH)  # only the open folder: given to a starting worker
    run.early[1] = early
    assert not run.queue
    stolen = run.steal(5)
    assert stolen == early[:5] and run.steal(100) == early[5:] and run.steal(100) == []
    monkeypatch.setattr(indexing, "_count_down", lambda *a: None)  # (folders done: not under test here)
    run.ingest([(p, None, None) for p in stolen], stolen)
    run.ingest([(p, None, None) for p in early], early)  # the worker's answer: only the rest is new
    assert sorted(added) == sorted(paths) and len(added) == len(set(added)) and not run.pending
