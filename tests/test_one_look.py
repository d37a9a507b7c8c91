"""One look at the disk per `prepare` (`fs.OneLook`): discovery, the functions folders' walk and the
reference files' walk share folder listings, file tests are answered once, real paths of walked
folders come from their parents'. What they find is what plain file-system calls find: symbolic
links (inside, leaving the workspace, loops), `.gitignore`, hidden and build folders, nested
projects, FIFOs."""

from __future__ import annotations

import os
import threading

import pytest

from convex_lsp.analysis import fs
from convex_lsp.analysis.project import discover
from convex_lsp.server import reporters, runner

CODE = 'import { query } from "./_generated/server";\nexport const q = query({ args: {}, handler: async () => 1 });\n'

FILES = {
    "package.json": '{"dependencies": {"convex": "1.25.0"}}',
    ".gitignore": "ignored/\n*.gen.ts\n",
    "convex/schema.ts": 'import { defineSchema } from "convex/server";\nexport default defineSchema({});\n',
    "convex/a.ts": CODE,
    "convex/sub/b.ts": CODE,
    "convex/sub/b.test.ts": "export {};\n",
    "convex/x.gen.ts": CODE,
    "convex/ignored/c.ts": CODE,
    "convex/.hidden/h.ts": CODE,
    "convex/node_modules/m.ts": CODE,
    "convex/_generated/api.ts": "export const api = {};\n",
    "convex/_generated/api.d.ts": "export declare const api: {};\n",
    "convex/_generated/notes.md": "",
    "src/client.ts": "export const c = 1;\n",
    "src/ignored/z.ts": "export {};\n",
    "src/dist/bundle.js": "export {};\n",
    "src/.cache/k.ts": "export {};\n",
    "packages/other/package.json": "{}",
    "packages/other/convex/o.ts": CODE,
}


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ts").write_text(CODE)
    os.symlink(root / "src" / "client.ts", root / "convex" / "inside_link.ts")  # a file link inside
    os.symlink(outside / "secret.ts", root / "convex" / "leak.ts")  # a file link leaving the workspace
    os.symlink(outside / "secret.ts", root / "src" / "leak.ts")
    os.symlink(outside, root / "convex" / "leakdir")  # a folder link leaving it (never entered)
    os.symlink(root / "convex", root / "convex" / "loop")  # a loop
    os.symlink("../convex", root / "src" / "up")  # a folder link inside (not entered: walks enter no link)
    os.symlink(outside / "secret.ts", root / "convex" / "_generated" / "linked.ts")
    os.symlink(root / "nowhere.ts", root / "convex" / "dangling.ts")
    os.mkfifo(root / "convex" / "pipe.ts")
    return str(root)


def rel(root: str, paths) -> list[str]:
    return sorted(os.path.relpath(p, root) for p in paths)


def found(paths: list[str]):
    w = discover(paths)
    sources = [(p, d.path) for p, d in w.source_files()]
    return ([(d.path, d.project_root, d.kind) for d in w.functions_dirs], sources,
            w.reference_files({p for p, _ in sources}), list(w.generated_files()), list(w.warnings))


def test_the_files_found_are_those_of_plain_file_system_calls(ws):
    plain = found([ws])
    with fs.OneLook():
        shared = found([ws])
    assert shared[:3] == plain[:3]
    assert [(p, d.path) for p, d in shared[3]] == [(p, d.path) for p, d in plain[3]]
    assert shared[4] == plain[4]
    dirs, sources, refs, generated, warnings = plain
    assert rel(ws, [d for d, _, _ in dirs]) == ["convex", "packages/other/convex"]
    # (`prepare` applies the .gitignore here; the test file is left out; the links leaving are not read)
    assert rel(ws, [p for p, _ in sources]) == [
        "convex/a.ts", "convex/ignored/c.ts", "convex/inside_link.ts", "convex/schema.ts", "convex/sub/b.ts",
        "convex/x.gen.ts", "packages/other/convex/o.ts"]
    # client code, the test file; not: ignored/, hidden and build folders, links leaving the workspace
    assert rel(ws, refs) == ["convex/sub/b.test.ts", "src/client.ts"]
    assert rel(ws, [p for p, _ in generated]) == ["convex/_generated/api.d.ts", "convex/_generated/api.ts"]
    assert warnings == [f"{ws}/convex/leak.ts: symbolic link to a file outside the workspace; not read"]


def test_prepare_lists_the_same_files_and_reads_each_folder_once(ws, monkeypatch):
    listed: list[str] = []
    real_scandir = os.scandir

    def counting(path="."):
        listed.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    plan = runner.prepare([ws])
    # ignored/ and *.gen.ts left out by the .gitignore
    assert rel(ws, plan.load) == [
        "convex/_generated/api.d.ts", "convex/_generated/api.ts", "convex/a.ts", "convex/inside_link.ts",
        "convex/schema.ts", "convex/sub/b.test.ts", "convex/sub/b.ts", "packages/other/convex/o.ts", "src/client.ts"]
    assert rel(ws, plan.refs_only) == ["convex/sub/b.test.ts", "src/client.ts"]
    assert len(listed) == len(set(listed)), sorted(listed)  # discovery and both walks share the listings
    # once `prepare` is done, nothing is kept: a second one lists the folders again
    listed.clear()
    again = runner.prepare([ws])
    assert again.load == plan.load and len(listed) == len(set(listed)) > 0


def test_answers_match_os_path_and_end_with_the_block(ws):
    folder = os.path.join(ws, "convex")
    names = ["a.ts", "sub", "inside_link.ts", "leak.ts", "leakdir", "loop", "dangling.ts", "pipe.ts", "missing.ts",
             "_generated"]
    with fs.OneLook():
        before = [(n, fs.isfile(os.path.join(folder, n)), fs.isdir(os.path.join(folder, n)),
                   fs.exists(os.path.join(folder, n)), fs.islink(os.path.join(folder, n))) for n in names]
        assert fs.list_folder(folder) is fs.list_folder(folder)  # kept
        after = [(n, fs.isfile(os.path.join(folder, n)), fs.isdir(os.path.join(folder, n)),
                  fs.exists(os.path.join(folder, n)), fs.islink(os.path.join(folder, n))) for n in names]
        new = os.path.join(folder, "new.ts")
        assert not fs.isfile(new)
        with open(new, "w") as fh:
            fh.write(CODE)
        assert not fs.isfile(new)  # one look: the answer given before stands

        other: list[bool] = []  # another thread looks at the disk afresh
        t = threading.Thread(target=lambda: other.append(fs.isfile(new)))
        t.start()
        t.join()
        assert other == [True]
    plain = [(n, os.path.isfile(os.path.join(folder, n)), os.path.isdir(os.path.join(folder, n)),
              os.path.exists(os.path.join(folder, n)), os.path.islink(os.path.join(folder, n))) for n in names]
    assert before == plain and after == plain
    assert fs.isfile(new)  # the block is over: asked again
    listing = fs.list_folder(folder)
    assert "pipe.ts" not in listing.files and "leakdir" not in listing.dirs and "sub" in listing.dirs
    assert listing.links == {"inside_link.ts", "leak.ts"}


def test_real_dir_is_os_realpath(tmp_path, monkeypatch):
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "lnk").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "a" / "rel").symlink_to("../a/b/c")
    monkeypatch.chdir(tmp_path)
    memo: dict[str, str] = {}
    for head in ["", ".", "a", "a/b", "./a/b/c", "lnk/c", "a/rel", "a//b", "a/./b", str(tmp_path / "lnk"),
                 str(tmp_path / "a" / "rel"), "/", ".//a"]:
        assert runner._real_dir(head, memo) == os.path.realpath(head), head


def test_files_named_on_the_command_line(ws, monkeypatch):
    monkeypatch.chdir(ws)
    paths = ["convex/a.ts", "./convex/sub/b.ts", "convex/inside_link.ts", "convex", "src/client.ts"]
    plan = runner.prepare(paths)
    assert plan.given_files == {"convex/a.ts", "./convex/sub/b.ts", "src/client.ts"}  # regular files, no link
    assert [plan.real_paths[p] for p in paths] == [os.path.realpath(p) for p in paths]
    assert runner.skip_reason(plan, "convex/a.ts") is None
    assert runner.skip_reason(plan, "src/client.ts").startswith("outside the Convex functions folder")
    with pytest.raises(runner.UsageError, match="missing.ts: no such file or directory"):
        runner.prepare(["convex/a.ts", "convex/missing.ts"])


def test_display_path_from_a_linked_working_folder(ws, tmp_path, monkeypatch):
    via = str(tmp_path / "via")  # the working folder as named (a link), its real path `ws`
    os.symlink(ws, via)
    real = os.path.join(ws, "convex", "a.ts")
    assert reporters.display_path(real, via) == "convex/a.ts"  # under the folder's real path
    assert reporters.display_path(os.path.join(via, "convex", "a.ts"), via) == "convex/a.ts"  # under it as named
    assert reporters.display_path(ws, via) == reporters.display_path(via, via) == "."
    assert reporters.display_path(os.path.join(via, "src", "..", "convex", "a.ts"), via) == "convex/a.ts"
    outside = str(tmp_path / "outside" / "secret.ts")
    assert reporters.display_path(outside, via) == outside
    monkeypatch.chdir(via)  # (os.getcwd() gives the real path)
    assert reporters.display_path(real) == "convex/a.ts"


def test_gitignore_answers_per_folder_and_repository(tmp_path):
    """GitIgnore keeps every walked folder's repository root and a folder's chain: projects side by
    side in one repository share them; a project outside any repository uses its own root."""
    from convex_lsp.analysis.ignore import GitIgnore

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".gitignore").write_text("*.gen.ts\n")
    for name in ("a", "b"):
        (repo / "apps" / name / "convex" / "sub").mkdir(parents=True)
    (repo / "apps" / "b" / "convex" / "sub" / ".gitignore").write_text("!keep.gen.ts\nlocal.ts\n")
    lone = tmp_path / "lone"
    (lone / "convex").mkdir(parents=True)
    (lone / ".gitignore").write_text("x.ts\n")
    gi = GitIgnore()
    a, b = str(repo / "apps" / "a"), str(repo / "apps" / "b")
    asked = [
        (f"{a}/convex/x.ts", a), (f"{a}/convex/x.gen.ts", a), (f"{a}/convex/y.ts", a),
        (f"{b}/convex/sub/keep.gen.ts", b), (f"{b}/convex/sub/other.gen.ts", b), (f"{b}/convex/sub/local.ts", b),
        (f"{b}/convex/local.ts", b), (f"{lone}/convex/x.ts", str(lone)), (f"{lone}/convex/y.ts", str(lone)),
        (f"{tmp_path}/elsewhere/z.gen.ts", a),  # outside the repository: never ignored
    ]
    got = [gi.ignored(p, root) for p, root in asked] + [gi.ignored(p, root) for p, root in asked]  # (memo hits)
    want = [False, True, False, False, True, True, False, True, False, False]
    assert got == want + want
    assert gi._repo_root(a, a) == gi._repo_root(b + "/convex", b) == str(repo)
    assert gi._repo_root(str(lone), str(lone)) == str(lone)
