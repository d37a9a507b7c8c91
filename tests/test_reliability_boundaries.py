"""Boundaries (issue 17, item 4): `functions-dir` confined to the workspace, discovery that stops
at the workspace, no outside file left in the server's index, folders deleted and renamed."""

from __future__ import annotations

import json
import os
import shutil

from convex_lsp.server import cli, runner
from convex_lsp.server.session import Session
from tests.ruletester import write_project

GOOD = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const list = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), false)).take(10),
});
"""
# CVX901's safe fix removes the unused suppression
FIXABLE = GOOD.replace("export const list", "// convex-lsp-disable-next-line CVX105\nexport const list")


def check(capsys, *args) -> tuple[int, list, str]:
    code = cli.main(["check", "--output-format", "json", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else []), err


def test_functions_dir_outside_the_workspace_is_ignored(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {
        "proj/package.json": "{}",
        "proj/convex/good.ts": GOOD,
        "proj/convex-lsp.toml": 'functions-dir = "../outside/convex"\n',
        "outside/convex/x.ts": FIXABLE,
    })
    monkeypatch.chdir(tmp_path / "proj")
    code, found, err = check(capsys, "--fix", "--unsafe-fixes", ".")
    assert (tmp_path / "outside/convex/x.ts").read_text() == FIXABLE  # was rewritten
    assert "functions-dir points outside the workspace (../outside/convex); ignored" in err
    assert [f["filename"] for f in found] == ["convex/good.ts"]


def test_functions_dir_inside_the_workspace_still_works(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {
        "proj/package.json": "{}",
        "proj/convex-lsp.toml": 'functions-dir = "backend/fns"\n',
        "proj/backend/fns/good.ts": GOOD,
    })
    monkeypatch.chdir(tmp_path / "proj")
    code, found, err = check(capsys, ".")
    assert code == 1 and [f["filename"] for f in found] == ["backend/fns/good.ts"]


def stray_home(tmp_path) -> str:
    """A home folder with a stray package.json, a project without one, and a project beside it."""
    write_project(tmp_path, {
        "home/package.json": '{"name": "stray"}',
        "home/proj/convex/good.ts": GOOD,
        "home/other/package.json": "{}",
        "home/other/convex/elsewhere.ts": GOOD,
    })
    return str(tmp_path / "home/proj")


def test_a_stray_ancestor_package_json_does_not_hide_the_project(tmp_path, monkeypatch, capsys):
    proj = stray_home(tmp_path)
    monkeypatch.chdir(proj)
    code, found, err = check(capsys, ".")
    assert code == 1, err  # was exit 0: nothing checked
    assert [f["filename"] for f in found] == ["convex/good.ts"]


def test_a_stray_ancestor_package_json_does_not_pull_in_the_trees_beside(tmp_path):
    proj = stray_home(tmp_path)
    plan = runner.prepare([proj])
    assert plan.workspace.roots == [os.path.realpath(proj)]
    assert [os.path.relpath(p, proj) for p in plan.load] == ["convex/good.ts"]


def test_a_subfolder_of_the_functions_folder_still_sees_the_project(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {"package.json": "{}", "convex/schema.ts": "export default 1;\n",
                             "convex/model/good.ts": GOOD.replace("./_generated", "../_generated")})
    plan = runner.prepare([str(tmp_path / "convex/model")])
    assert sorted(os.path.relpath(p, tmp_path) for p in plan.load) == ["convex/model/good.ts", "convex/schema.ts"]
    assert [os.path.relpath(p, tmp_path) for p in plan.targets] == ["convex/model/good.ts"]


# ------------------------------------------------------------------ the server's index


def session(tmp_path, files) -> tuple[str, Session]:
    root = write_project(tmp_path / "ws", {"package.json": "{}", **files})
    s = Session([root])
    s.add_scanned(s.scan())
    return root, s


def rel_index(s: Session, root: str) -> list[str]:
    return sorted(os.path.relpath(p, root) for p in s.analyzer.index.facts)


def test_an_outside_file_opened_and_closed_leaves_the_index(tmp_path):
    root, s = session(tmp_path, {"convex/good.ts": GOOD})
    outside = tmp_path / "elsewhere/convex/stray.ts"
    outside.parent.mkdir(parents=True)
    outside.write_text(GOOD)
    path = os.path.realpath(outside)
    s.open("file://" + path, path, 1, GOOD)
    s.close(path)
    assert path not in s.analyzer.index.facts
    assert rel_index(s, root) == ["convex/good.ts"]


def test_a_deleted_folder_leaves_the_index(tmp_path):
    root, s = session(tmp_path, {"convex/good.ts": GOOD, "convex/sub/a.ts": GOOD, "convex/sub/deep/b.ts": GOOD})
    assert rel_index(s, root) == ["convex/good.ts", "convex/sub/a.ts", "convex/sub/deep/b.ts"]
    shutil.rmtree(os.path.join(root, "convex/sub"))
    assert s.disk_changed(os.path.join(root, "convex/sub"), deleted=True) >= {"api"}
    assert rel_index(s, root) == ["convex/good.ts"]


def test_a_renamed_folder_is_followed(tmp_path):
    root, s = session(tmp_path, {"convex/good.ts": GOOD, "convex/sub/a.ts": GOOD})
    os.rename(os.path.join(root, "convex/sub"), os.path.join(root, "convex/moved"))
    s.disk_changed(os.path.join(root, "convex/sub"), deleted=True)
    s.disk_changed(os.path.join(root, "convex/moved"), deleted=False)
    assert rel_index(s, root) == ["convex/good.ts", "convex/moved/a.ts"]
