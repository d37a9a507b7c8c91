"""Fix convergence through the language server: for every file of examples/app (and the
small corpus piece when present), every code action the server offers for each diagnostic is
applied on its own, as an editor would (textDocument/codeAction, the WorkspaceEdit applied
client-side, didChange), then undone. After each: the edit is well-formed (versions match,
no overlapping edits), the server holds exactly the edited text, every edited file parses
without new ERROR nodes, and the targeted diagnostic is gone."""

from __future__ import annotations

import collections
import os

import pytest

from convex_lsp.analysis.source import SourceFile
from convex_lsp.analysis.syntax import error_ranges
from tests import fuzz_server as F

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(os.path.dirname(HERE), "examples", "app")
CORPUS = os.environ.get("CONVEX_LSP_CORPUS") or os.path.join(os.path.expanduser("~"), ".cache", "convex-lsp",
                                                             "corpus")
SMALL = ["sharded-counter-0.2.1", "action-retrier-0.3.1", "crons-0.2.2", "rate-limiter-0.4.0"]


def _errors(path: str, text: str) -> int:
    src = SourceFile.from_bytes(path, text.encode("utf-8"))
    return len(error_ranges(src.tree.root_node)) if src.tree is not None else 0


def _workspaces():
    out = [pytest.param([EXAMPLE], id="examples-app")]
    small = [os.path.join(CORPUS, n, "package") for n in SMALL if os.path.isdir(os.path.join(CORPUS, n, "package"))]
    out.append(pytest.param(small, id="corpus-small", marks=pytest.mark.skipif(
        not small, reason="corpus absent (python3 bench/corpus.py --small)")))
    return out


class Editor:
    def __init__(self, client: F.RpcClient):
        self.c = client
        self.texts: dict[str, str] = {}  # uri -> client text
        self.versions: dict[str, int] = {}

    def open(self, path: str) -> str:
        u = F.path_uri(path)
        if u not in self.texts:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            self.texts[u] = text
            self.versions[u] = 1
            self.c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript",
                                                                    "version": 1, "text": text}})
        return u

    def set(self, u: str, text: str) -> None:
        self.versions[u] += 1
        self.texts[u] = text
        self.c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": self.versions[u]},
                                                 "contentChanges": [{"text": text}]})

    def pull(self, u: str) -> list:
        return self.c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"]


def _path(u: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(u).path)


@pytest.mark.parametrize("sources", _workspaces())
def test_each_code_action_applied_alone_converges(tmp_path, sources):
    for i, src in enumerate(sources):
        F.copy_tree(src, str(tmp_path / "ws" / f"p{i}"))
    root = str(tmp_path / "ws")
    files = F.source_files(root)
    assert files
    c = F.RpcClient(cwd=root)
    ed = Editor(c)
    applied = collections.Counter()
    try:
        c.initialize(root)
        for path in files:
            u = ed.open(path)
            original = ed.texts[u]
            diags = ed.pull(u)
            for d in diags:
                def actions():
                    got = c.result("textDocument/codeAction", {
                        "textDocument": {"uri": u}, "range": d["range"],
                        "context": {"diagnostics": [d], "only": ["quickfix"]}}) or []
                    docs = [a for a in got if a.get("title", "").startswith("Show documentation for ")]
                    assert len(docs) == 1 and docs[0]["command"]["arguments"] == [d["data"]["code"]], got
                    return [a for a in got if a not in docs]  # the edits

                n_actions = len(actions())
                for k in range(n_actions):
                    acts = actions()  # asked again at the current version, as an editor would
                    assert len(acts) == n_actions
                    act = acts[k]
                    assert act["kind"] == "quickfix" and act.get("edit"), act
                    by_uri = F.workspace_edit_by_uri(act["edit"])
                    for dc in act["edit"].get("documentChanges") or []:
                        du = dc["textDocument"]["uri"]
                        if du in ed.versions:
                            assert dc["textDocument"]["version"] == ed.versions[du], (act["title"], dc)
                    saved = {}
                    for eu, edits in by_uri.items():
                        eu_path = _path(eu)
                        assert os.path.realpath(eu_path).startswith(os.path.realpath(root) + os.sep), eu
                        ed.open(eu_path)
                        before = ed.texts[eu]
                        starts = F.line_starts(before)
                        spans = sorted((F.offset(before, e["range"]["start"], "utf-16", starts),
                                        F.offset(before, e["range"]["end"], "utf-16", starts)) for e in edits)
                        for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
                            assert b1 <= a2 and not (a1 == b1 == a2 == b2), f"overlapping edits in {act['title']}"
                        after = F.apply_edits(before, edits)
                        saved[eu] = before
                        ed.set(eu, after)
                        held = c.result("convexLsp/documentText", {"textDocument": {"uri": eu}})
                        assert held["text"] == after
                        assert _errors(eu_path, after) <= _errors(eu_path, before), \
                            f"{act['title']}: new syntax errors in {eu_path}:\n{after}"
                    left = ed.pull(u)
                    key = (d["code"], d["message"])
                    n_before = sum((x["code"], x["message"]) == key for x in diags)
                    n_after = sum((x["code"], x["message"]) == key for x in left)
                    assert n_after < n_before, \
                        f"{os.path.relpath(path, root)}: `{act['title']}` left {d['code']}: {d['message']}"
                    applied[d["data"]["code"]] += 1
                    for eu, before in saved.items():  # undo
                        ed.set(eu, before)
                    assert c.result("convexLsp/documentText", {"textDocument": {"uri": u}})["text"] == original
            assert F.diag_key(ed.pull(u)) == F.diag_key(diags)  # the undo gives the same diagnostics back
    finally:
        c.close()
    print(sum(applied.values()), "actions applied:", dict(applied))
    assert sum(applied.values()) > 0
