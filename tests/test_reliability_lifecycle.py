"""Protocol lifecycle (issue 17, item 5), against the live server on stdio: requests after
`shutdown`, `exit` with and without `shutdown`, `shutdown` at once after `initialize`, and the
worker processes of a server killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import time

import pytest

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


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_exit_when_the_server_is_killed(tmp_path):
    root, c = started(tmp_path, env={"CONVEX_LSP_JOBS": "2"})
    try:
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while time.monotonic() < deadline:
            workers = [p for p in _children(c.pid) if _running(p)]
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert workers, "no worker processes started"
        os.kill(c.pid, signal.SIGKILL)
        c.proc.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(p) for p in workers):
            time.sleep(0.2)
        left = [p for p in workers if _running(p)]
        for p in left:  # leave nothing behind whatever the outcome
            os.kill(p, signal.SIGKILL)
        assert left == []  # they ran for ever
    finally:
        c.close()
