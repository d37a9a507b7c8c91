"""`check --fix` never loses a byte (issue 17, item 1).

Each scenario was found by an adversarial run against `check --fix`: a file saved during the run,
a file deleted during the run, a full disk, a cross-file fix one of whose files cannot be written,
symbolic links into node_modules/ and _generated/, and Ctrl-C in the middle of the writes."""

from __future__ import annotations

import builtins
import errno
import io
import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from bench.hostile import FIXABLE
from convex_lsp.quickfixes import write as W
from convex_lsp.server import cli, runner
from tests.ruletester import write_project

SCHEMA = """import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  jobs: defineTable({ status: v.string(), owner: v.string() })
    .index("byStatus", ["status"])
    .index("by_owner", ["owner"]),
});
"""
JOBS = """import { query } from "./_generated/server";
import { v } from "convex/values";

export const queued = query({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await ctx.db.query("jobs").withIndex("byStatus", (q) => q.eq("status", "queued")).take(5);
    return null;
  },
});
"""
# CVX901's safe fix removes the unused suppression: a one-file fix
ONE = FIXABLE


def project(tmp_path, extra=None) -> str:
    files = {"package.json": '{"name": "app"}', "convex/schema.ts": SCHEMA, "convex/jobs.ts": JOBS}
    files.update(extra or {})
    return write_project(tmp_path, files)


def read(root, rel) -> str:
    with open(os.path.join(root, rel), encoding="utf-8") as fh:
        return fh.read()


def fix(capsys, root, *args) -> tuple[int, str]:
    code = cli.main(["check", "--fix", "--output-format", "json", *args, root])
    _, err = capsys.readouterr()
    return code, err


def during_the_run(monkeypatch, action):
    """Run `action()` after the fixes are computed, before they are written."""
    real = runner.fix_loop

    def loop(plan, unsafe):
        out = real(plan, unsafe)
        action()
        return out

    monkeypatch.setattr(runner, "fix_loop", loop)


def test_the_cross_file_fix_is_written(tmp_path, capsys):
    root = project(tmp_path)
    code, err = fix(capsys, root)
    assert '.index("by_status", ["status"])' in read(root, "convex/schema.ts")
    assert 'withIndex("by_status"' in read(root, "convex/jobs.ts")
    assert not [n for n in os.listdir(os.path.join(root, "convex")) if n.endswith(W.TMP_SUFFIX)]


def test_a_file_saved_during_the_run_is_not_overwritten(tmp_path, monkeypatch, capsys):
    root = project(tmp_path)
    mine = JOBS.replace("take(5)", "take(6)")

    def save():
        with open(os.path.join(root, "convex/jobs.ts"), "w") as fh:
            fh.write(mine)

    during_the_run(monkeypatch, save)
    code, err = fix(capsys, root)
    assert read(root, "convex/jobs.ts") == mine
    assert "jobs.ts: changed since it was analysed; not written" in err
    # the schema half of the same fix is not written either: the build would break
    assert read(root, "convex/schema.ts") == SCHEMA
    assert "schema.ts: not written either" in err


def test_a_file_deleted_during_the_run_is_not_recreated(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, {"convex/one.ts": ONE})
    target = os.path.join(root, "convex/one.ts")
    during_the_run(monkeypatch, lambda: os.unlink(target))
    code, err = fix(capsys, root)
    assert not os.path.exists(target)
    assert "one.ts: deleted since it was analysed; not re-created" in err
    assert 'withIndex("by_status"' in read(root, "convex/jobs.ts")  # unrelated files are fixed


def _full_disk(monkeypatch, after: int = 0):
    """Writes in "w" modes fail with ENOSPC after `after` successful file writes (both `open` and
    `os.fdopen`, whichever the writer uses); the file is created/truncated first, as on a real disk."""
    count = {"n": 0}
    real_open, real_fdopen = builtins.open, os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fh):
            self.fh = fh

        def write(self, b):
            if count["n"] >= after:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(b)

        def fileno(self):
            return self.fh.fileno()

        def flush(self):
            self.fh.flush()

        def close(self):
            if not self.fh.closed:
                count["n"] += 1
            self.fh.close()

        def __exit__(self, *a):
            self.close()

    def wrap(opener):
        def opened(f, mode="r", *a, **k):
            fh = opener(f, mode, *a, **k)
            return Full(fh) if "w" in mode and "b" in mode else fh
        return opened

    monkeypatch.setattr(builtins, "open", wrap(real_open))
    monkeypatch.setattr(os, "fdopen", wrap(real_fdopen))


@pytest.mark.parametrize("after", [0, 1])
def test_a_full_disk_changes_nothing(tmp_path, monkeypatch, capsys, after):
    root = project(tmp_path)
    _full_disk(monkeypatch, after)
    code, err = fix(capsys, root)
    monkeypatch.undo()
    # neither file is truncated, and the cross-file fix is not half applied
    assert read(root, "convex/schema.ts") == SCHEMA
    assert read(root, "convex/jobs.ts") == JOBS
    assert code == 2 and "No space left on device" in err and "nothing was written" in err
    assert not [n for n in os.listdir(os.path.join(root, "convex")) if n.endswith(W.TMP_SUFFIX)]


def test_a_failed_move_rolls_back_the_files_already_moved(tmp_path, monkeypatch, capsys):
    root = project(tmp_path)
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    code, err = fix(capsys, root)
    monkeypatch.undo()
    assert read(root, "convex/schema.ts") == SCHEMA
    assert read(root, "convex/jobs.ts") == JOBS
    assert code == 2 and "nothing was written" in err


def test_the_mode_is_kept(tmp_path, capsys):
    root = project(tmp_path)
    p = os.path.join(root, "convex/jobs.ts")
    os.chmod(p, 0o640)
    fix(capsys, root)
    assert 'withIndex("by_status"' in read(root, "convex/jobs.ts")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640


@pytest.mark.parametrize("into", ["node_modules/pkg", "convex/_generated"])
def test_no_write_through_a_symlink_out_of_the_functions_folder(tmp_path, capsys, into):
    root = project(tmp_path, {into + "/one.ts": ONE})
    os.symlink(os.path.join(root, into, "one.ts"), os.path.join(root, "convex/one.ts"))
    code, err = fix(capsys, root)
    assert read(root, into + "/one.ts") == ONE
    assert "one.ts: resolves outside the functions folder or into node_modules/_generated; not written" in err
    assert 'withIndex("by_status"' in read(root, "convex/jobs.ts")


def test_a_symlink_inside_the_functions_folder_is_written_through(tmp_path, capsys):
    root = project(tmp_path, {"convex/lib/one_impl.txt": ONE})
    os.symlink(os.path.join(root, "convex/lib/one_impl.txt"), os.path.join(root, "convex/one.ts"))
    fix(capsys, root)
    assert os.path.islink(os.path.join(root, "convex/one.ts"))  # the link is kept
    assert read(root, "convex/lib/one_impl.txt") == ONE.replace("  // convex-lsp-disable-next-line CVX201\n", "")


def test_write_changes_refuses_non_regular_files(tmp_path):
    fifo = tmp_path / "f.ts"
    os.mkfifo(fifo)
    res = W.write_changes({str(fifo): (b"", b"x")})
    assert res.written == [] and "not a regular file" in res.skipped[0]


# ------------------------------------------------------------------ Ctrl-C

CHILD = textwrap.dedent("""
    import builtins, io, os, sys, time
    from convex_lsp.server import cli

    real_open, real_fdopen = builtins.open, os.fdopen

    class Slow:
        def __init__(self, fh):
            self.fh = fh
        def write(self, b):
            sys.stdout.write("writing\\n"); sys.stdout.flush()
            for i in range(0, len(b), 64):
                self.fh.write(b[i:i + 64]); self.fh.flush()
                time.sleep(0.05)
            return len(b)
        def __getattr__(self, k):
            return getattr(self.fh, k)
        def __enter__(self):
            return self
        def __exit__(self, *a):
            self.fh.close()

    def wrap(opener):
        def opened(f, mode="r", *a, **k):
            fh = opener(f, mode, *a, **k)
            return Slow(fh) if "w" in mode and "b" in mode else fh
        return opened

    builtins.open = wrap(real_open)
    os.fdopen = wrap(real_fdopen)
    sys.exit(cli.main(["check", "--fix", "--output-format", "json", sys.argv[1]]))
""")


def test_sigint_while_writing_leaves_every_file_old_or_new(tmp_path):
    root = project(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, root], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=str(tmp_path))
    try:
        line = proc.stdout.readline()
        assert line == b"writing\n", proc.stderr.read()[-2000:]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    schema, jobs = read(root, "convex/schema.ts"), read(root, "convex/jobs.ts")
    new_schema = SCHEMA.replace('"byStatus"', '"by_status"')
    new_jobs = JOBS.replace('"byStatus"', '"by_status"')
    assert (schema, jobs) in ((SCHEMA, JOBS), (new_schema, new_jobs))
    assert not [n for n in os.listdir(os.path.join(root, "convex")) if n.endswith(W.TMP_SUFFIX)]


def test_sigint_during_the_moves_is_held_until_they_are_done(tmp_path):
    a, b = tmp_path / "a.ts", tmp_path / "b.ts"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the two moves
        return real(src, dst)

    os.replace = replace
    try:
        with pytest.raises(KeyboardInterrupt):
            W.write_changes({str(a): (b"old a", b"new a"), str(b): (b"old b", b"new b")})
    finally:
        os.replace = real
    assert (a.read_bytes(), b.read_bytes()) == (b"new a", b"new b")
