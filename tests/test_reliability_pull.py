"""Pull diagnostics on a huge document (issue 17, item 3): after an edit, `textDocument/diagnostic`
is answered at once with the last result (linting 1.5-2 MB whole took 2-7 s per keystroke); the
lint runs after the debounce and the client is asked to pull again (workspace/diagnostic/refresh),
then gets the new findings."""

from __future__ import annotations

import os
import time

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


def test_a_huge_document_is_answered_with_the_last_result_then_refreshed(tmp_path):
    body = GOOD + "".join(f"const c{i} = {i % 10};\n" for i in range(80_000))
    assert 1.2e6 < len(body) < 2e6
    root = write_project(tmp_path, {"package.json": "{}", "convex/huge.ts": body})
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root, options={"convexLsp": {"debounce": 400}})
        u = F.path_uri(os.path.join(root, "convex/huge.ts"))
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": body}})
        first = c.result("textDocument/diagnostic", {"textDocument": {"uri": u}}, timeout=120)
        assert [d["data"]["code"] for d in first["items"]] == ["CVX201"]
        end = body.count("\n")
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": end, "character": 0}, "end": {"line": end, "character": 0}},
             "text": GOOD.split("\n", 2)[2].replace("list", "other")}]})
        second = c.result("textDocument/diagnostic", {"textDocument": {"uri": u},
                                                      "previousResultId": first["resultId"]}, timeout=120)
        # the last result, at once (it was linted inside the request before)
        assert second == {"kind": "unchanged", "resultId": first["resultId"]}
        deadline = time.monotonic() + 120
        third = second
        while third.get("kind") == "unchanged" and time.monotonic() < deadline:
            time.sleep(0.3)  # a client pulls again when told to (refresh) or on the next edit
            third = c.result("textDocument/diagnostic", {"textDocument": {"uri": u},
                                                         "previousResultId": first["resultId"]}, timeout=120)
        assert "workspace/diagnostic/refresh" in c.server_requests
        assert [d["data"]["code"] for d in third["items"]] == ["CVX201", "CVX201"]
        assert c.alive()
    finally:
        c.close()
