#!/usr/bin/env python3
"""The adversarial scenarios of the reliability work (issue 17), as one run against `check`,
`check --fix` and the live server; part of bench/fuzz_server.py's long run (`--no-hostile` skips
it) and runnable alone:

    python3 bench/hostile.py [--workdir DIR] [--json]

Each scenario is planted in a fresh copy of examples/app, run with a generous time limit, and
reported as ok/FAILED with its time in seconds. Exits 1 when any failed. The regression tests
(tests/test_reliability_*.py) hold the exact expectations; this run shows the figures on a real
workspace and keeps them running together, against one server that must stay up throughout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from tests import fuzz_server as F  # noqa: E402

LIMIT_S = 120.0
FIXABLE = """import { query } from "./_generated/server";
import { v } from "convex/values";

export const one = query({
  args: {},
  returns: v.number(),
  // convex-lsp-disable-next-line CVX201
  handler: async () => 1,
});
"""
FIXED = FIXABLE.replace("  // convex-lsp-disable-next-line CVX201\n", "")


def fresh(work: str, name: str) -> str:
    """A copy of examples/app with a package.json: (root, functions folder)."""
    root = os.path.join(work, name)
    F.copy_tree(os.path.join(REPO, "examples", "app"), root)
    if not os.path.exists(os.path.join(root, "package.json")):
        with open(os.path.join(root, "package.json"), "w") as fh:
            fh.write("{}")
    return root


def cli(args: list[str], cwd: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    return subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", *args], cwd=cwd, env=e,
                          capture_output=True, timeout=LIMIT_S)


def rmtree(path: str) -> None:
    """`rm -rf` (shutil.rmtree recurses: the 1,000-level chain is a RecursionError)."""
    subprocess.run(["rm", "-rf", "--", path], check=False)


def ok_exit(p: subprocess.CompletedProcess) -> None:
    """`check --output-format json` finished with its findings (a crash prints no JSON)."""
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode in (0, 1), err[-2000:]
    try:
        json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"no JSON output: {err[-2000:]}") from None


# ------------------------------------------------------------------ check


def fifo(work):
    root = fresh(work, "fifo")
    os.mkfifo(os.path.join(root, "convex", "pipe.ts"))
    os.mkfifo(os.path.join(root, "convex", "convex.config.ts"))
    ok_exit(cli(["check", "--output-format", "json", "."], root))


def device(work):
    root = fresh(work, "device")
    try:
        os.mknod(os.path.join(root, "convex", "zero.ts"), stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except OSError:
        return "skipped (no mknod here)"
    ok_exit(cli(["check", "--output-format", "json", "."], root))


def deep_chain(work):
    root = fresh(work, "deep")
    d = os.path.join(root, "convex")
    for _ in range(1000):
        d = os.path.join(d, "d")
        os.mkdir(d)
    p = cli(["check", "--output-format", "json", "."], root)
    rmtree(os.path.join(root, "convex", "d"))
    ok_exit(p)
    assert b"levels deep" in p.stderr


def non_utf8_names(work):
    root = fresh(work, "names")
    with open(os.path.join(os.fsencode(root), b"convex", b"x\xff.ts"), "w") as fh:
        fh.write(FIXABLE)  # one CVX901 finding
    for fmt in ("text", "json", "sarif", "github"):
        p = cli(["check", "--output-format", fmt, "."], root, env={"LC_ALL": "C.UTF-8"})
        assert p.returncode in (0, 1) and (b"x\\xff.ts" in p.stdout or b"x%FF.ts" in p.stdout
                                           or b"x\\\\xff.ts" in p.stdout), p.stderr[-2000:]


def star_cycle(work):
    root = fresh(work, "cycle")
    for i in range(4):
        with open(os.path.join(root, "convex", f"m{i}.ts"), "w") as fh:
            fh.write("".join(f'export * from "./m{j}";\n' for j in range(4) if j != i))
    ok_exit(cli(["check", "--output-format", "json", "."], root))


def jwt_literal(work):
    root = fresh(work, "jwt")
    with open(os.path.join(root, "convex", "blob.ts"), "w") as fh:
        fh.write('export const blob = "' + "eyJ-" * 400_000 + '";\n')  # 1.6 MB
    ok_exit(cli(["check", "--output-format", "json", "."], root))


def stray_ancestor(work):
    home = os.path.join(work, "home")
    os.makedirs(home)
    with open(os.path.join(home, "package.json"), "w") as fh:
        fh.write('{"name": "stray"}')
    root = fresh(home, "proj")
    os.unlink(os.path.join(root, "package.json"))
    p = cli(["check", "--output-format", "json", "."], root)
    ok_exit(p)
    assert json.loads(p.stdout), "the project was not checked"


# ------------------------------------------------------------------ check --fix


def fix_symlinks_and_outside(work):
    root = fresh(work, "fixlinks")
    for rel in ("node_modules/pkg/one.ts", "convex/_generated/one.ts", "../outside/convex/one.ts"):
        p = os.path.normpath(os.path.join(root, rel))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as fh:
            fh.write(FIXABLE)
    os.symlink(os.path.join(root, "node_modules/pkg/one.ts"), os.path.join(root, "convex/a.ts"))
    os.symlink(os.path.join(root, "convex/_generated/one.ts"), os.path.join(root, "convex/b.ts"))
    with open(os.path.join(root, "convex-lsp.toml"), "w") as fh:
        fh.write('functions-dir = "../outside/convex"\n')
    p = cli(["check", "--fix", "--unsafe-fixes", "."], root)
    assert p.returncode in (0, 1), p.stderr[-2000:]
    for rel in ("node_modules/pkg/one.ts", "convex/_generated/one.ts", "../outside/convex/one.ts"):
        with open(os.path.normpath(os.path.join(root, rel))) as fh:
            assert fh.read() == FIXABLE, f"{rel} was written"


def fix_sigint(work):
    """Ctrl-C at 20 moments of `check --fix` on 40 fixable files: each file old or new."""
    for k in range(20):
        root = fresh(work, f"sigint{k}")
        for i in range(40):
            with open(os.path.join(root, "convex", f"f{i}.ts"), "w") as fh:
                fh.write(FIXABLE)
        e = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        p = subprocess.Popen([sys.executable, "-m", "convex_lsp.server.cli", "check", "--fix", "."], cwd=root,
                             env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3 + 0.1 * k)
        p.send_signal(signal.SIGINT)
        p.wait(timeout=LIMIT_S)
        for i in range(40):
            with open(os.path.join(root, "convex", f"f{i}.ts")) as fh:
                assert fh.read() in (FIXABLE, FIXED), f"f{i}.ts is neither old nor new (run {k})"
        shutil.rmtree(root)


# ------------------------------------------------------------------ the live server


def server_lifecycle(work):
    root = fresh(work, "server")
    os.mkfifo(os.path.join(root, "convex", "pipe.ts"))
    with open(os.path.join(os.fsencode(root), b"convex", b"y\xff.ts"), "w") as fh:
        fh.write(FIXABLE)
    os.makedirs(os.path.join(root, "convex", "sub"))
    with open(os.path.join(root, "convex", "sub", "a.ts"), "w") as fh:
        fh.write(FIXABLE)
    c = F.RpcClient(cwd=root, env=dict(os.environ, CONVEX_LSP_JOBS="2"))
    try:
        c.initialize(root)
        items = c.result("workspace/diagnostic", {"previousResultIds": []}, timeout=LIMIT_S)["items"]
        assert any(i["uri"].endswith("/y%FF.ts") for i in items), "non-UTF-8 name missing"
        # an outside file opened and closed; a folder renamed
        outside = os.path.join(work, "outside.ts")
        with open(outside, "w") as fh:
            fh.write(FIXABLE)
        u = F.path_uri(outside)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": FIXABLE}})
        c.notify("textDocument/didClose", {"textDocument": {"uri": u}})
        os.rename(os.path.join(root, "convex", "sub"), os.path.join(root, "convex", "moved"))
        c.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": F.path_uri(os.path.join(root, "convex", "sub")), "type": 3},
            {"uri": F.path_uri(os.path.join(root, "convex", "moved")), "type": 1}]})
        items = c.result("workspace/diagnostic", {"previousResultIds": []}, timeout=LIMIT_S)["items"]
        uris = {i["uri"] for i in items}
        assert not any("/sub/" in x for x in uris) and any("/moved/" in x for x in uris), sorted(uris)
        assert u not in uris
        # requests after shutdown; the workers end with a killed server
        assert c.request("shutdown", None)["result"] is None
        assert c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}},
                         timeout=30).get("error", {}).get("code") == -32600
        left = survivors_of_sigkill(c.proc, children(c.pid))
        assert not left, f"{len(left)} worker processes outlived the server"
    finally:
        c.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return out


def survivors_of_sigkill(proc: subprocess.Popen, workers: list[int], wait_s: float = 20) -> list[int]:
    """SIGKILL `proc`; the `workers` still running `wait_s` later (killed then: nothing is left behind)."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and any(running(p) for p in workers):
        time.sleep(0.2)
    left = [p for p in workers if running(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left


def running(pid: int) -> bool:
    """Is `pid` a live process (not a zombie waiting for a reaper)?"""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


SCENARIOS: list[tuple[str, Callable]] = [
    ("check: named pipes in the tree", fifo),
    ("check: a device node", device),
    ("check: a 1,000-level folder chain", deep_chain),
    ("check: non-UTF-8 file names, 4 formats", non_utf8_names),
    ("check: export * cycle of 4 files", star_cycle),
    ("check: 1.6 MB adversarial JWT literal", jwt_literal),
    ("check: stray ancestor package.json", stray_ancestor),
    ("check --fix: symlinks and functions-dir outside", fix_symlinks_and_outside),
    ("check --fix: Ctrl-C at 20 moments", fix_sigint),
    ("server: names, folders, outside file, shutdown, SIGKILL", server_lifecycle),
]


def run_all(work: str, log=lambda s: None, only: Callable[[str], bool] = lambda name: True) -> list[dict]:
    out = []
    for name, fn in SCENARIOS:
        if not only(name):
            continue
        d = tempfile.mkdtemp(prefix="s-", dir=work)
        t0 = time.perf_counter()
        try:
            note = fn(d)
            row = {"scenario": name, "ok": True, "seconds": round(time.perf_counter() - t0, 2), "note": note or ""}
        except Exception as e:  # AssertionError, a timeout, anything: reported, the run goes on
            row = {"scenario": name, "ok": False, "seconds": round(time.perf_counter() - t0, 2),
                   "note": f"{type(e).__name__}: {e}"[:500]}
        finally:
            rmtree(d)
        log(f"{'ok    ' if row['ok'] else 'FAILED'} {row['seconds']:7.2f}s  {name}  {row['note']}")
        out.append(row)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    work = args.workdir or tempfile.mkdtemp(prefix="convex-lsp-hostile-")
    try:
        rows = run_all(work, log=lambda s: print(s, file=sys.stderr, flush=True))
    finally:
        if not args.workdir:
            rmtree(work)
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
