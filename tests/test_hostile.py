"""Hostile inputs not covered by test_robustness.py: huge files and lines, a schema of 1,000
tables, symlink loops and escapes, permission errors, a file deleted while being indexed,
convex.json pointing outside the workspace, broken configuration files in the server.

The linter exits 2 with a message only for the user's mistakes (a bad option or config key),
else reports what it could analyse; the server logs, shows a message where the user must act,
and keeps serving."""

from __future__ import annotations

import builtins
import json
import os
import time

import pytest

from convex_lsp.analysis.project import discover
from convex_lsp.analysis.source import MAX_FILE_BYTES
from convex_lsp.server import cli
from tests import fuzz_server as F
from tests.ruletester import lint_files, write_project

GOOD = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const list = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), false)).take(10),
});
"""
GOOD_FINDING = ("CVX201", 6, 48)


def by_file(findings):
    out = {}
    for f in findings:
        out.setdefault(f.path, []).append((f.code, f.srow + 1, f.scol + 1))
    return out


def run_check(capsys, *args) -> tuple[int, list, str]:
    """`convex-lsp check --output-format json ARGS` in-process: (exit code, findings, stderr)."""
    code = cli.main(["check", "--output-format", "json", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else []), err


# ------------------------------------------------------------------ size


def test_100k_line_file_under_the_limit_is_analysed(tmp_path):
    body = "".join(f"const c{i} = {i % 10};\n" for i in range(100_000))
    assert len(body) < MAX_FILE_BYTES
    t0 = time.monotonic()
    found = by_file(lint_files(tmp_path, {"convex/big.ts": GOOD + body, "convex/good.ts": GOOD}))
    assert time.monotonic() - t0 < 60
    assert found["convex/big.ts"] == [GOOD_FINDING]
    assert found["convex/good.ts"] == [GOOD_FINDING]


def test_100k_line_file_over_the_limit_is_cvx902(tmp_path):
    body = "".join(f"export const constant_number_{i} = {i};\n" for i in range(100_000))
    assert len(body) > MAX_FILE_BYTES
    found = by_file(lint_files(tmp_path, {"convex/big.ts": GOOD + body, "convex/good.ts": GOOD}))
    assert found["convex/big.ts"] == [("CVX902", 1, 1)]
    assert found["convex/good.ts"] == [GOOD_FINDING]


def test_one_line_of_1_mb(tmp_path):
    line = 'export const blob = "' + "x" * (1 << 20) + '"; ' + GOOD.replace("\n", " ") + "\n"
    t0 = time.monotonic()
    found = by_file(lint_files(tmp_path, {"convex/wide.ts": line, "convex/good.ts": GOOD}))
    assert time.monotonic() - t0 < 60
    assert [c for c, _, _ in found["convex/wide.ts"]] == ["CVX201"]
    assert found["convex/wide.ts"][0][1] == 1
    assert found["convex/good.ts"] == [GOOD_FINDING]


def test_server_on_a_1_mb_line_and_a_100k_line_buffer(tmp_path):
    wide = 'export const blob = "' + "😀" * (1 << 18) + '"; ' + GOOD.replace("\n", " ") + "\n"
    tall = GOOD + "".join(f"const c{i} = {i % 10};\n" for i in range(100_000))
    root = write_project(tmp_path, {"convex/wide.ts": wide, "convex/tall.ts": tall})
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        for name, text in (("wide", wide), ("tall", tall)):
            u = F.path_uri(os.path.join(root, f"convex/{name}.ts"))
            c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                               "text": text}})
            items = c.result("textDocument/diagnostic", {"textDocument": {"uri": u}}, timeout=60)["items"]
            assert [d["data"]["code"] for d in items] == ["CVX201"]
            t0 = time.monotonic()
            for pos in ({"line": 0, "character": 300_000}, {"line": 50_000, "character": 5},
                        {"line": 0, "character": 2**31 - 1}):
                assert "result" in c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": pos})
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 400_000}, "end": {"line": 0, "character": 400_001}},
                 "text": "y"}]})
            c.result("textDocument/diagnostic", {"textDocument": {"uri": u}}, timeout=60)
            assert time.monotonic() - t0 < 30
    finally:
        c.close()


def test_schema_with_1000_tables(tmp_path):
    tables = "".join(f'  t{i}: defineTable({{ a: v.string(), b: v.number() }}).index("by_a", ["a"]),\n'
                     for i in range(1000))
    schema = ('import { defineSchema, defineTable } from "convex/server";\nimport { v } from "convex/values";\n'
              f"export default defineSchema({{\n{tables}}});\n")
    use = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const ok = query({ args: {}, returns: v.any(), handler: async (ctx) =>
  ctx.db.query("t999").withIndex("by_a", (q) => q.eq("a", "x")).take(1) });
export const bad = query({ args: {}, returns: v.any(), handler: async (ctx) =>
  ctx.db.query("t500").withIndex("by_nothing").take(1) });
"""
    t0 = time.monotonic()
    found = lint_files(tmp_path, {"convex/schema.ts": schema, "convex/use.ts": use})
    assert time.monotonic() - t0 < 60
    use_codes = sorted((f.code, f.srow + 1) for f in found if f.path == "convex/use.ts")
    assert ("CVX206", 6) in use_codes and not [c for c in use_codes if c[1] == 4]


# ------------------------------------------------------------------ file system


def test_symlink_loops_under_the_functions_folder(tmp_path, capsys):
    root = write_project(tmp_path, {"convex/good.ts": GOOD, "convex/sub/inner.ts": GOOD})
    os.symlink(os.path.join(root, "convex"), os.path.join(root, "convex", "loop"))
    os.symlink("..", os.path.join(root, "convex", "sub", "up"))
    os.symlink(os.path.join(root, "convex", "self.ts"), os.path.join(root, "convex", "self.ts"))  # a -> a
    os.symlink("b.ts", os.path.join(root, "convex", "a.ts"))
    os.symlink("a.ts", os.path.join(root, "convex", "b.ts"))
    t0 = time.monotonic()
    code, findings, err = run_check(capsys, root)
    assert time.monotonic() - t0 < 30
    assert code == 1, err
    files = sorted({f["filename"] for f in findings if f["code"] == "CVX201"})
    assert [os.path.relpath(os.path.join(os.getcwd(), p), root) for p in files] == \
        ["convex/good.ts", "convex/sub/inner.ts"]


def test_symlink_to_a_file_outside_the_root_is_not_read(tmp_path, monkeypatch, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.ts"
    secret.write_text(GOOD)
    root = write_project(tmp_path / "ws", {"convex/good.ts": GOOD})
    os.symlink(str(secret), os.path.join(root, "convex", "leak.ts"))
    os.symlink(str(outside), os.path.join(root, "convex", "leakdir"))
    opened = _record_opens(monkeypatch)
    code, findings, err = run_check(capsys, root)
    assert code == 1
    assert not [p for p in opened if os.path.realpath(p).startswith(str(outside))], opened
    assert "leak.ts" in err and "outside the workspace" in err
    assert {os.path.basename(f["filename"]) for f in findings} == {"good.ts"}


def _record_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def rec_open(file, *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)):
            opened.append(os.fsdecode(file))
        return real_open(file, *a, **k)

    def rec_os_open(path, *a, **k):
        opened.append(os.fsdecode(path))
        return real_os_open(path, *a, **k)

    monkeypatch.setattr(builtins, "open", rec_open)
    monkeypatch.setattr(os, "open", rec_os_open)
    return opened


def _deny(monkeypatch, denied_file: str = "", denied_dir: str = "") -> None:
    """Permission denied on one file (open) and one folder (listing), as for a non-root user
    (the tests run as root in CI, where chmod 000 changes nothing)."""
    real_open, real_scandir, real_listdir = builtins.open, os.scandir, os.listdir

    def no(path):
        p = os.path.realpath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else ""
        return (denied_file and p == os.path.realpath(denied_file)) or \
            (denied_dir and (p == os.path.realpath(denied_dir) or p.startswith(os.path.realpath(denied_dir) + os.sep)))

    def open_(file, *a, **k):
        if no(file):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_open(file, *a, **k)

    def scandir(path="."):
        if no(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    def listdir(path="."):
        if no(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_listdir(path)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)


def test_unreadable_file_and_folder(tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path, {"convex/good.ts": GOOD, "convex/secret.ts": GOOD,
                                    "convex/private/hidden.ts": GOOD})
    _deny(monkeypatch, os.path.join(root, "convex/secret.ts"), os.path.join(root, "convex/private"))
    code, findings, err = run_check(capsys, root)
    assert code == 1, err  # not a usage error: what could be read is reported
    got = {(os.path.basename(f["filename"]), f["code"]) for f in findings}
    assert got == {("good.ts", "CVX201"), ("secret.ts", "CVX902")}, findings
    msg = next(f["message"] for f in findings if f["code"] == "CVX902")
    assert "ermission denied" in msg


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_and_folder_for_real(tmp_path, capsys):
    root = write_project(tmp_path, {"convex/good.ts": GOOD, "convex/secret.ts": GOOD,
                                    "convex/private/hidden.ts": GOOD})
    os.chmod(os.path.join(root, "convex/secret.ts"), 0)
    os.chmod(os.path.join(root, "convex/private"), 0)
    try:
        code, findings, err = run_check(capsys, root)
    finally:
        os.chmod(os.path.join(root, "convex/private"), 0o755)
        os.chmod(os.path.join(root, "convex/secret.ts"), 0o644)
    assert code == 1
    got = {(os.path.basename(f["filename"]), f["code"]) for f in findings}
    assert got == {("good.ts", "CVX201"), ("secret.ts", "CVX902")}


def test_file_deleted_while_being_indexed(tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path, {"convex/good.ts": GOOD, "convex/gone.ts": GOOD})
    gone = os.path.realpath(os.path.join(root, "convex/gone.ts"))
    real_open = builtins.open

    def open_(file, *a, **k):  # listed, sized, then deleted just before it is opened
        if isinstance(file, str) and os.path.realpath(file) == gone and os.path.exists(gone):
            os.unlink(gone)
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", open_)
    code, findings, err = run_check(capsys, root)
    assert code == 1, err
    got = {(os.path.basename(f["filename"]), f["code"]) for f in findings}
    assert ("good.ts", "CVX201") in got
    assert got <= {("good.ts", "CVX201"), ("gone.ts", "CVX902")}


def test_file_deleted_while_the_server_indexes(tmp_path, monkeypatch):
    from convex_lsp.server.session import Session

    root = write_project(tmp_path, {"convex/good.ts": GOOD, "convex/gone.ts": GOOD})
    s = Session([root])
    os.unlink(os.path.join(root, "convex/gone.ts"))
    s.add_scanned(s.scan())
    good = os.path.realpath(os.path.join(root, "convex/good.ts"))
    s.open("file://" + good, good, 1, GOOD)
    assert [f.code for f in s.lint(good).findings] == ["CVX201"]
    assert s.disk_changed(os.path.realpath(os.path.join(root, "convex/gone.ts")), True) is not None


def test_convex_json_functions_outside_the_workspace(tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path / "a" / "b", {"convex.json": '{"functions": "../../etc"}',
                                                "convex/good.ts": GOOD})
    os.makedirs(tmp_path / "etc")
    (tmp_path / "etc" / "passwd.ts").write_text(GOOD)
    opened = _record_opens(monkeypatch)
    code, findings, err = run_check(capsys, root)
    assert not [p for p in opened if "/etc" in p], opened
    assert "convex.json" in err and "outside the workspace" in err
    assert {os.path.basename(f["filename"]) for f in findings} <= {"good.ts"}
    assert code == 2 and "no Convex project found" in err  # nothing left to lint: an error, with the reason
    ws = discover([root])
    assert all(d.path.startswith(os.path.realpath(root)) for d in ws.functions_dirs)


def test_convex_json_functions_absolute_etc(tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path, {"convex.json": '{"functions": "/etc"}', "convex/good.ts": GOOD})
    opened = _record_opens(monkeypatch)
    code, findings, err = run_check(capsys, root)
    assert not [p for p in opened if p.startswith("/etc")], opened
    assert "outside the workspace" in err
    assert code == 2 and "no Convex project found" in err


@pytest.mark.parametrize("name,content", [
    ("convex-lsp.toml", "select = [\n"),  # not TOML
    ("convex-lsp.toml", "[severity]\nno-such-rule = 'error'\n"),
    ("convex-lsp.toml", "\x00\xff binary"),
])
def test_broken_config_in_the_cli_is_exit_2(tmp_path, capsys, name, content):
    root = write_project(tmp_path, {name: content, "convex/good.ts": GOOD})
    code, findings, err = run_check(capsys, root)
    assert code == 2 and name in err


@pytest.mark.parametrize("name,content", [
    ("convex-lsp.toml", "select = [\n"),
    ("convex-lsp.toml", "[severity]\nno-such-rule = 'error'\n"),
    ("convex.json", "{ not json"),
])
def test_broken_config_in_the_server(tmp_path, name, content):
    """showMessage naming the file, diagnostics on defaults, and a fix on disk is picked up."""
    root = write_project(tmp_path, {name: content, "convex/good.ts": GOOD})
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        u = F.path_uri(os.path.join(root, "convex/good.ts"))
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": GOOD}})
        items = c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"]
        assert [d["data"]["code"] for d in items] == ["CVX201"]
        if name != "convex.json":  # an unparseable convex.json falls back to convex/ silently
            assert any(m["type"] == 1 and name in m["message"] for m in c.shown), c.shown
        # the user fixes the file: the server reloads it
        with open(os.path.join(root, name), "w") as fh:
            fh.write('ignore = ["CVX201"]\n' if name.endswith(".toml") else '{"functions": "convex"}')
        c.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": F.path_uri(os.path.join(root, name)), "type": 2}]})
        deadline = time.monotonic() + 20
        want = [] if name.endswith(".toml") else ["CVX201"]
        while True:
            items = c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"]
            if [d["data"]["code"] for d in items] == want or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert [d["data"]["code"] for d in items] == want
        assert c.alive()
    finally:
        c.close()


def test_lone_cr_line_ends_count_as_lines(tmp_path):
    """Old-Mac line ends: rows agree with editors (and the LSP), which end a line at "\\r"."""
    from convex_lsp.analysis.source import LineIndex

    li = LineIndex(b"a\rb\r\nc\nd\r")
    assert li.starts == [0, 2, 5, 7, 9]
    assert li.position(3) == (1, 1) and li.offset(2, 0) == 5 and li.line_bytes(1) == b"b"
    code = GOOD.replace("\n", "\r")
    found = by_file(lint_files(tmp_path, {"convex/mac.ts": code}))
    assert found["convex/mac.ts"] == [GOOD_FINDING]
