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
