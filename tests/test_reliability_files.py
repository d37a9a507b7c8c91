"""Only regular files, bounded walks, file names that are not UTF-8 (issue 17, item 2).

The hanging scenarios run in a subprocess with a timeout (and a memory cap): before the fix a
named pipe blocked `check` and the server forever, and a device node was read until memory ran
out."""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys

import pytest

from convex_lsp.analysis import fs
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


def project(tmp_path, files=None) -> str:
    return write_project(tmp_path, {"package.json": "{}", "convex/good.ts": GOOD, **(files or {})})


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))  # 2 GB: /dev/zero read whole fails fast


def run(args, cwd, timeout=60, env=None) -> subprocess.CompletedProcess:
    """`convex-lsp ARGS` in a subprocess; a hang is a failure, not a hung test run."""
    e = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **(env or {}))
    try:
        return subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", *args], cwd=cwd, env=e,
                              capture_output=True, timeout=timeout, preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`convex-lsp {' '.join(args)}` did not finish in {timeout} s")


def check_json(root) -> tuple[int, list, str]:
    p = run(["check", "--output-format", "json", "."], root)
    return p.returncode, json.loads(p.stdout or b"[]"), p.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("where", ["convex/pipe.ts", "convex/convex.config.ts", "convex/deep/pipe.tsx",
                                   "convex/.gitignore", ".gitignore"])
def test_a_named_pipe_in_the_tree_does_not_hang_check(tmp_path, where):
    root = project(tmp_path)
    os.makedirs(os.path.dirname(os.path.join(root, where)), exist_ok=True)
    os.mkfifo(os.path.join(root, where))
    code, found, err = check_json(root)
    assert code == 1, err
    assert [(f["code"], f["filename"]) for f in found] == [("CVX201", "convex/good.ts")]


def test_a_named_pipe_does_not_hang_the_server_index(tmp_path):
    root = project(tmp_path)
    os.mkfifo(os.path.join(root, "convex/pipe.ts"))
    code = ("import sys; from convex_lsp.server.session import Session; s = Session([sys.argv[1]]); "
            "s.add_scanned(s.scan()); print(sorted(p.rsplit('/', 1)[-1] for p in s.indexed_paths()))")
    e = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    try:
        p = subprocess.run([sys.executable, "-c", code, root], capture_output=True, timeout=60, env=e)
    except subprocess.TimeoutExpired:
        pytest.fail("the server's index blocked on a named pipe")
    assert p.stdout.decode().strip() == "['good.ts']", p.stderr.decode()[-2000:]


def test_a_device_node_is_never_read(tmp_path):
    root = project(tmp_path)
    try:
        os.mknod(os.path.join(root, "convex/zero.ts"), stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    code, found, err = check_json(root)
    assert code == 1, err
    assert [(f["code"], f["filename"]) for f in found] == [("CVX201", "convex/good.ts")]


def test_dev_zero_is_never_read(tmp_path):
    # in a subprocess with a memory cap: before the fix this read until memory ran out
    code = ("from convex_lsp.analysis.source import SourceFile; s = SourceFile.load('/dev/zero'); "
            "print(s.tree is None, s.error)")
    e = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    try:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=e, preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        pytest.fail("/dev/zero was read")
    assert p.stdout.decode().strip() == "True a device, not a regular file; skipped", p.stderr.decode()[-2000:]
    with pytest.raises(fs.NotRegularFile):
        fs.read_regular("/dev/zero", 10)


def test_a_1000_level_folder_chain_does_not_crash_check(tmp_path):
    root = project(tmp_path)
    deep = os.path.join(root, "convex")
    for _ in range(1000):  # os.makedirs recurses
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    with open(os.path.join(deep, "x.ts"), "w") as fh:
        fh.write(GOOD)
    code, found, err = check_json(root)
    subprocess.run(["rm", "-rf", "--", os.path.join(root, "convex", "d")])  # shutil.rmtree recurses
    assert "Traceback" not in err and code == 1, err
    assert [(f["code"], f["filename"]) for f in found] == [("CVX201", "convex/good.ts")]
    assert "folders nested over 64 levels deep; not read further" in err


def test_walk_limits_have_a_clear_message(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}.ts").write_text("")
    warnings: list[str] = []
    listed = [f for _, _, files in fs.walk(str(tmp_path), warnings=warnings, max_entries=10) for f in files]
    assert listed == [] and warnings == [f"{tmp_path}: more than 10 files and folders; stopped listing "
                                         "(pass a narrower path)"]


# ------------------------------------------------------------------ names that are not UTF-8

BAD_NAME = b"b\xffad.ts"


def bad_name_project(tmp_path) -> str:
    root = project(tmp_path)
    with open(os.path.join(os.fsencode(root), b"convex", BAD_NAME), "w") as fh:
        fh.write(GOOD)
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_a_non_utf8_file_name_in_every_output_format(tmp_path, fmt, locale):
    root = bad_name_project(tmp_path)
    p = run(["check", "--output-format", fmt, "--no-progress", "."], root,
            env={"LC_ALL": locale, "LANG": locale, "PYTHONIOENCODING": ""})
    err = p.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and p.returncode == 1, err
    out = p.stdout.decode("utf-8")  # always valid UTF-8
    if fmt == "sarif":
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(out)["runs"][0]["results"]]
        assert sorted(uris) == ["convex/b%FFad.ts", "convex/good.ts"]
    elif fmt == "json":
        assert sorted(f["filename"] for f in json.loads(out)) == ["convex/b\\xffad.ts", "convex/good.ts"]
    else:
        assert "convex/b\\xffad.ts" in out and "convex/good.ts" in out


def test_a_non_utf8_file_name_in_workspace_diagnostic(tmp_path):
    root = bad_name_project(tmp_path)
    c = F.RpcClient(cwd=root)
    try:
        c.initialize(root)
        items = c.result("workspace/diagnostic", {"previousResultIds": []}, timeout=60)["items"]
        by_uri = {i["uri"].rsplit("/", 1)[-1]: [d["data"]["code"] for d in i["items"]] for i in items}
        assert by_uri == {"b%FFad.ts": ["CVX201"], "good.ts": ["CVX201"]}
        assert c.alive()
    finally:
        c.close()
