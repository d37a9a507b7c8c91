"""A seeded quick run of the live-server edit fuzzer (tests/fuzz_server.py): 1,000+ random
edits of examples/app's files with interleaved requests; the server must stay alive, answer
every request, hold the client's text after every step, and give back the original
diagnostics once every edit is undone. The long run is bench/fuzz_server.py."""

from __future__ import annotations

import os
import time

import pytest

from tests import fuzz_server as F

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "app")


@pytest.mark.parametrize("seed,enc,edits", [(20240601, "utf-16", 1000), (7, "utf-8", 300)])
def test_fuzz_edits_keep_server_consistent(tmp_path, seed, enc, edits):
    root = F.copy_tree(APP, str(tmp_path / "app"))
    files = F.source_files(root)
    assert len(files) >= 10
    t0 = time.perf_counter()
    st = F.run(root, files, edits, seed, enc=enc, per_session=100)
    took = time.perf_counter() - t0
    assert st.edits == edits
    assert st.crashes == 0 and st.handler_errors == 0
    assert st.requests > edits  # every step asked something, and every request was answered
    assert st.undo_checks >= 2 * (edits // 100)
    assert took < 60, f"{edits} edits took {took:.0f}s"


def test_invalid_params_get_an_error_not_silence(tmp_path):
    """pygls drops a request whose params do not deserialize: the server answers it."""
    root = F.copy_tree(APP, str(tmp_path / "app"))
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        path = os.path.join(root, "convex", "messages.ts")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        u = F.path_uri(path)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": text}})
        for params in ({"textDocument": {"uri": u}, "position": {"line": 2**31, "character": 0}},
                       {"textDocument": {"uri": u}, "position": {"line": -1, "character": 0}},
                       {"textDocument": {"uri": u}}):
            msg = c.request("textDocument/hover", params, timeout=10)
            assert msg["error"]["code"] == -32602, msg
        assert c.request("no/such/method", {}, timeout=10)["error"]["code"] == -32601
        # past the end of a line / of the file: clamped, answered
        for pos in ({"line": 3, "character": 2**31 - 1}, {"line": 10**6, "character": 0}):
            assert "result" in c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos})
        held = c.result("convexLsp/documentText", {"textDocument": {"uri": u}})
        assert held["text"] == text and held["version"] == 1
        assert c.result("convexLsp/documentText", {"textDocument": {"uri": u + "x"}}) is None
    finally:
        c.close()


def test_lone_cr_ends_a_line_like_in_the_editor(tmp_path):
    """LSP positions count "\\r" alone as a line end; an edit after one lands where the client means."""
    root = F.copy_tree(APP, str(tmp_path / "app"))
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        u = F.path_uri(os.path.join(root, "convex", "messages.ts"))
        text = "const a = 1;\rconst b = 2;\r\nconst c = 3;\n"
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": text}})
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": 6}, "end": {"line": 1, "character": 7}}, "text": "B"},
            {"range": {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 7}}, "text": "C"}]})
        held = c.result("convexLsp/documentText", {"textDocument": {"uri": u}})
        assert held["text"] == "const a = 1;\rconst B = 2;\r\nconst C = 3;\n"
    finally:
        c.close()


def _send_raw(c: F.RpcClient, msg: dict) -> None:
    import json

    body = json.dumps(msg).encode("ascii")  # lone surrogates as "\ud83d" escapes
    c.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.proc.stdin.flush()


def test_lone_surrogates_from_the_client(tmp_path):
    """JSON may carry half an emoji; the change used to be dropped (UnicodeEncodeError), the
    buffer then drifting from the editor's. Each lone surrogate is held as U+FFFD (the same
    UTF-16 length), and later edits land where the client means."""
    root = F.copy_tree(APP, str(tmp_path / "app"))
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        u = F.path_uri(os.path.join(root, "convex", "messages.ts"))
        _send_raw(c, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": u, "languageId": "typescript", "version": 1, "text": "const \udc00a = 1;\n"}}})
        _send_raw(c, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": u, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 6}}, "text": "\ud83d"},
                {"range": {"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 9}}, "text": "b"}]}})
        held = c.result("convexLsp/documentText", {"textDocument": {"uri": u}})
        assert held == {"uri": u, "version": 2, "text": "const \ufffd\ufffdab = 1;\n"}
        assert "result" in c.request("textDocument/diagnostic", {"textDocument": {"uri": u}})
        assert not [m for m in c.log_messages if m["type"] == 1]
    finally:
        c.close()


def test_odd_document_uris(tmp_path):
    """Documents that are not workspace files (untitled:, other schemes, outside the root, a
    folder) are served from their buffer, without errors."""
    root = F.copy_tree(APP, str(tmp_path / "app"))
    with open(os.path.join(root, "convex", "messages.ts"), encoding="utf-8") as fh:
        text = fh.read()
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        for u in ["untitled:Untitled-1", "file:///etc/passwd", F.path_uri(root) + "/convex/new%20file%25.ts",
                  "git:" + root + "/convex/messages.ts?ref=HEAD", F.path_uri(root) + "/convex/../../../x.ts",
                  "file://", F.path_uri(root) + "/convex/"]:
            c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                               "text": text}})
            for m, extra in [("textDocument/diagnostic", {}),
                             ("textDocument/hover", {"position": {"line": 4, "character": 15}}),
                             ("textDocument/completion", {"position": {"line": 8, "character": 15}}),
                             ("textDocument/definition", {"position": {"line": 9, "character": 20}}),
                             ("textDocument/references", {"position": {"line": 9, "character": 20},
                                                          "context": {"includeDeclaration": True}}),
                             ("textDocument/codeAction", {"range": {"start": {"line": 4, "character": 0},
                                                                    "end": {"line": 4, "character": 5}},
                                                          "context": {"diagnostics": []}})]:
                msg = c.request(m, {"textDocument": {"uri": u}, **extra})
                assert "result" in msg, (u, m, msg)
            assert c.result("convexLsp/documentText", {"textDocument": {"uri": u}})["text"] == text
            c.notify("textDocument/didClose", {"textDocument": {"uri": u}})
        assert not [m for m in c.log_messages if m["type"] == 1], c.log_messages
        assert c.alive()
    finally:
        c.close()
