"""How the `check` program ends: it leaves without the interpreter's teardown (server/cli.py
`_leave`), yet its output is whole, its exit code the command's, its `atexit` handlers run, and a
thread still running is waited for; `main(argv)` called in a process returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.cli_helpers import clean_project, project


def _program(code: str, root: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)


def _as_program(prelude: str, args: str = "'check', '-q', '--no-cache'") -> str:
    """A program that runs `prelude`, then the command line `convex-lsp <args>` as the
    `convex-lsp` script does (`main()` reading sys.argv)."""
    return (prelude + f"sys.argv = ['convex-lsp', {args}]\n"
            "from convex_lsp.server.cli import main\n"
            "sys.exit(main())\n")


def test_output_whole_and_exit_code_kept_through_a_pipe(tmp_path):
    # many findings: the JSON is larger than a pipe's buffer and must arrive whole
    files = {f"convex/m{i}.ts": open(os.path.join(project(tmp_path / "one"), "convex", "messages.ts")).read()
             for i in range(40)}
    root = project(tmp_path / "many", files)
    p = subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", "check", "--output-format", "json", "--no-cache"],
                       cwd=root, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    found = json.loads(p.stdout)
    assert len(found) > 40 and len(p.stdout) > 65536
    clean = subprocess.run([sys.executable, "-m", "convex_lsp.server.cli", "check", "--no-cache"],
                           cwd=clean_project(tmp_path / "clean"), capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0 and "All checks passed!" in clean.stdout, clean.stderr


def test_atexit_handlers_run(tmp_path):
    root = project(tmp_path)
    code = _as_program("import atexit, sys\n"
                       "atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n")
    p = _program(code, root)
    assert p.returncode == 1, p.stderr
    assert "CVX201" in p.stdout
    assert p.stderr.endswith("handler ran\n")


def test_running_thread_is_waited_for(tmp_path):
    root = clean_project(tmp_path)
    code = _as_program("import sys, threading, time\n"
                       "def late():\n"
                       "    time.sleep(0.3)\n"
                       "    sys.stderr.write('thread done\\n')\n"
                       "threading.Thread(target=late).start()\n")
    p = _program(code, root)
    assert p.returncode == 0, p.stderr
    assert "thread done" in p.stderr


def test_main_with_arguments_returns(tmp_path):
    root = project(tmp_path)
    code = ("import sys\n"
            "from convex_lsp.server.cli import main\n"
            "rc = main(['check', '-q', '--no-cache'])\n"
            "sys.stderr.write(f'returned {rc}\\n')\n")
    p = _program(code, root)
    assert p.returncode == 0, p.stderr
    assert "returned 1" in p.stderr


def test_no_teardown_after_check(tmp_path):
    # an object alive at the end is not freed one by one (its __del__ would say so)
    root = clean_project(tmp_path)
    prelude = ("import sys\n"
               "class Alive:\n"
               "    def __del__(self):\n"
               "        sys.stderr.write('freed\\n')\n"
               "keep = Alive()\n")
    p = _program(_as_program(prelude), root)
    assert p.returncode == 0, p.stderr
    assert "freed" not in p.stderr
    # `rule` (and `main(argv)` in a process) end as usual
    p = _program(_as_program(prelude, "'rule', 'CVX201'"), root)
    assert p.returncode == 0, p.stderr
    assert "freed" in p.stderr
