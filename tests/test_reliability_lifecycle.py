"""Protocol lifecycle (issue 17, item 5), against the live server on stdio: requests after
`shutdown`, `exit` with and without `shutdown`, `shutdown` at once after `initialize`, and the
worker processes of a server killed with SIGKILL."""

from __future__ import annotations

import os
import time

import pytest

from bench.hostile import children, running, survivors_of_sigkill
from tests import fuzz_server as F
from tests.ruletester import write_project

GOOD = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const list = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), false)).take(10),
});
"""
INVALID_REQUEST = -32600


def started(tmp_path, env=None, files=None) -> tuple[str, F.RpcClient]:
    root = write_project(tmp_path, files or {"package.json": "{}", "convex/good.ts": GOOD})
    c = F.RpcClient(cwd=root, env=dict(os.environ, **(env or {})))
    c.initialize(root)
    return root, c


def exit_code(c: F.RpcClient, timeout: float = 20) -> int:
    try:
        return c.proc.wait(timeout=timeout)
    except Exception:
        c.proc.kill()
        raise


def test_requests_after_shutdown_get_invalid_request(tmp_path):
    root, c = started(tmp_path)
    try:
        assert c.request("shutdown", None)["result"] is None
        u = F.path_uri(os.path.join(root, "convex/good.ts"))
        for method, params in (("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}}),
                               ("workspace/diagnostic", {"previousResultIds": []}),
                               ("shutdown", None)):
            resp = c.request(method, params, timeout=10)  # never answered before
            assert resp.get("error", {}).get("code") == INVALID_REQUEST, resp
        c.notify("exit", None)
        assert exit_code(c) == 0
    finally:
        c.close()


def test_exit_without_shutdown_exits_1(tmp_path):
    root, c = started(tmp_path)
    try:
        c.notify("exit", None)
        assert exit_code(c) == 1  # was 0
    finally:
        c.close()


@pytest.mark.parametrize("round_", range(3))
def test_shutdown_right_after_initialize(tmp_path, round_):
    root = write_project(tmp_path, {"package.json": "{}", **{f"convex/f{i}.ts": GOOD for i in range(60)}})
    c = F.RpcClient(cwd=root)
    try:
        rid, ev, box = c.request_async("initialize", {"processId": os.getpid(), "rootUri": F.path_uri(root),
                                                      "capabilities": {}, "workspaceFolders": None})
        c.notify("initialized", {})
        resp = c.request("shutdown", None, timeout=30)
        assert "error" not in resp, resp
        c.wait(rid, ev, box, "initialize", 30)
        c.notify("exit", None)
        assert exit_code(c) == 0
        assert "dictionary changed size" not in c.stderr()
    finally:
        c.close()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_exit_when_the_server_is_killed(tmp_path):
    root, c = started(tmp_path, env={"CONVEX_LSP_JOBS": "2"})
    try:
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while time.monotonic() < deadline:
            workers = [p for p in children(c.pid) if running(p)]
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert workers, "no worker processes started"
        assert survivors_of_sigkill(c.proc, workers) == []  # they ran for ever
    finally:
        c.close()


async def test_a_session_torn_down_before_initialize_stops_its_server():
    """A pytest-lsp test that fails before `initialize`: pytest-lsp's `shutdown_session` sends
    nothing then, and its teardown waited for the server to exit until the outer timeout.
    `lsp_helpers.stop_session` tells it to `exit`."""
    import asyncio

    from pytest_lsp import ClientServerConfig

    from tests.lsp_helpers import SERVER_COMMAND, stop_session

    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    try:
        await asyncio.wait_for(stop_session(client), 30)
        await asyncio.wait_for(client.stop(), 30)  # pytest-lsp's own teardown: returns now
        assert client._server.returncode is not None
    finally:
        if client._server.returncode is None:
            client._server.kill()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_stopped_while_its_workers_start_the_server_exits_and_leaves_none(tmp_path):
    """`shutdown` + `exit` while the indexing workers are still importing: the server exits (0)
    without waiting for them to finish starting, and no worker outlives it."""
    root = write_project(tmp_path, {"package.json": "{}", **{f"convex/f{i}.ts": GOOD for i in range(250)}})
    c = F.RpcClient(cwd=root, env=dict(os.environ, CONVEX_LSP_JOBS="2", CONVEX_LSP_WORKERS_START="at-once"))
    try:
        c.initialize(root)
        workers = [p for p in children(c.pid) if running(p)]
        assert c.request("shutdown", None, timeout=30).get("result", "x") is None
        c.notify("exit", None)
        assert exit_code(c) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(p) for p in workers):
            time.sleep(0.1)
        assert not [p for p in workers if running(p)]
    finally:
        c.close()
