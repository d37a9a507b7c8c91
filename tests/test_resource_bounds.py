"""Resource bounds of the server: a request running past its time bound (setting
`convexLsp.requestTimeoutMs`, env CONVEX_LSP_REQUEST_TIMEOUT, default 5 s) is stopped and
answered with a RequestFailed error instead of blocking the queue; `$/cancelRequest` cancels
a waiting request. CONVEX_LSP_SLOW=<handler> makes a handler spin (a test hook)."""

from __future__ import annotations

import os
import time

from tests import fuzz_server as F
from tests.lsp_helpers import MESSAGES, project

REQUEST_FAILED, REQUEST_CANCELLED = -32803, -32800


def _start(tmp_path, slow: str = "", timeout_ms=500):
    root = project(tmp_path)
    env = dict(os.environ, CONVEX_LSP_SLOW=slow, CONVEX_LSP_JOBS="0")
    c = F.RpcClient(cwd=root, env=env)
    opts = {"convexLsp": {"debounce": 0, **({"requestTimeoutMs": timeout_ms} if timeout_ms is not None else {})}}
    c.initialize(root, options=opts)
    u = F.path_uri(os.path.join(root, "convex/messages.ts"))
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                       "text": MESSAGES}})
    return c, u


def test_slow_request_is_stopped_and_the_server_keeps_serving(tmp_path):
    c, u = _start(tmp_path, slow="textDocument/hover")
    try:
        before = F.diag_key(c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"])
        t0 = time.monotonic()
        rid, ev, box = c.request_async("textDocument/hover", {"textDocument": {"uri": u},
                                                              "position": {"line": 4, "character": 15}})
        # queued behind the slow hover: answered once the bound stops it
        held = c.result("convexLsp/documentText", {"textDocument": {"uri": u}}, timeout=10)
        msg = c.wait(rid, ev, box, "hover", 10)
        took = time.monotonic() - t0
        assert msg["error"]["code"] == REQUEST_FAILED and "took longer" in msg["error"]["message"], msg
        assert took < 5, took
        assert held["text"] == MESSAGES
        # still consistent and serving: edits apply, diagnostics come back the same
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "\n"}]})
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 3}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}, "text": ""}]})
        assert c.result("convexLsp/documentText", {"textDocument": {"uri": u}})["text"] == MESSAGES
        after = F.diag_key(c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"])
        assert after == before
        comp = c.result("textDocument/completion", {"textDocument": {"uri": u},
                                                    "position": {"line": 8, "character": 15}})
        assert {i["label"] for i in comp["items"]} == {"messages", "users"}
        assert any("took longer" in m["message"] for m in c.log_messages)
        assert c.alive()
    finally:
        c.close()


def test_slow_pull_diagnostic_is_stopped(tmp_path):
    c, u = _start(tmp_path, slow="textDocument/diagnostic", timeout_ms=300)
    try:
        t0 = time.monotonic()
        msg = c.request("textDocument/diagnostic", {"textDocument": {"uri": u}}, timeout=10)
        assert msg["error"]["code"] == REQUEST_FAILED and time.monotonic() - t0 < 5
        h = c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": 4, "character": 15}})
        assert "CVX101" in h["result"]["contents"]["value"]
    finally:
        c.close()


def test_bound_can_be_turned_off_and_bad_values_are_reported(tmp_path):
    c, u = _start(tmp_path, timeout_ms="soon")
    try:
        assert any("requestTimeoutMs" in m["message"] for m in c.shown) or \
            _wait_shown(c, "requestTimeoutMs")
        assert "result" in c.request("textDocument/hover", {"textDocument": {"uri": u},
                                                            "position": {"line": 4, "character": 15}})
    finally:
        c.close()


def _wait_shown(c, text: str) -> bool:
    end = time.monotonic() + 5
    while time.monotonic() < end:
        if any(text in m["message"] for m in c.shown):
            return True
        time.sleep(0.05)
    return False


def test_cancel_request_answers_a_waiting_request(tmp_path):
    c, u = _start(tmp_path)
    try:
        first = c.result("workspace/diagnostic", {"previousResultIds": []})
        ids = [{"uri": i["uri"], "value": i["resultId"]} for i in first["items"]]
        assert ids
        # nothing changed: the server holds this request (up to 30 s) until something does
        rid, ev, box = c.request_async("workspace/diagnostic", {"previousResultIds": ids})
        time.sleep(0.3)
        assert not box
        t0 = time.monotonic()
        c.notify("$/cancelRequest", {"id": rid})
        msg = c.wait(rid, ev, box, "workspace/diagnostic", 10)
        assert msg["error"]["code"] == REQUEST_CANCELLED, msg
        assert time.monotonic() - t0 < 3
        assert c.result("convexLsp/documentText", {"textDocument": {"uri": u}})["text"] == MESSAGES
    finally:
        c.close()


def test_notification_futures_are_not_kept():
    """pygls 2.1 kept the future (and, through its generator, the params) of every didOpen/
    didChange/didClose for ever: about 4 kB per keystroke. The server's protocol drops them."""
    from convex_lsp.server.lsp import server

    proto = server.protocol

    def inner(x):
        return x

    def gen(params):
        got = yield inner, (params,), None
        return got

    before = len(proto._request_futures)
    for i in range(200):
        proto._execute_handler(f"notification-{i}", gen, callback=lambda f: None, args=(i,))
    assert len(proto._request_futures) == before
