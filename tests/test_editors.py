"""The editor integrations' files (editors/): their structure, and whatever an installed
editor can check (Emacs byte-compiles convex-lsp.el when `emacs` is present). The clients
proven end to end live elsewhere: tests/test_editor_neovim.py (a real Neovim) and
editors/vscode (`npm test`: the protocol as vscode-languageclient speaks it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EDITORS = REPO / "editors"


# ------------------------------------------------------------------ Helix


def test_helix_languages_toml():
    cfg = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = cfg["language-server"]["convex-lsp"]
    assert server["command"] == "convex-lsp"
    assert server["args"] == ["serve"]
    assert isinstance(server.get("config", {}).get("convexLsp", {}), dict)
    langs = {lang["name"]: lang for lang in cfg["language"]}
    assert set(langs) == {"typescript", "tsx"}
    for lang in langs.values():
        names = [s if isinstance(s, str) else s["name"] for s in lang["language-servers"]]
        assert "convex-lsp" in names
        assert "typescript-language-server" in names, "keep the TypeScript server alongside"


# ------------------------------------------------------------------ JetBrains (LSP4IJ)


def test_lsp4ij_template():
    d = EDITORS / "jetbrains" / "convex-lsp"
    t = json.loads((d / "template.json").read_text())
    assert t["id"] == "convex-lsp" and t["name"]
    assert t["programArgs"]["default"] == "convex-lsp serve"
    assert t["programArgs"]["windows"].split()[-1] == "serve"
    mappings = {(m["languageId"], tuple(m["fileType"]["patterns"])) for m in t["fileTypeMappings"]}
    assert mappings == {("typescript", ("*.ts",)), ("typescriptreact", ("*.tsx",))}
    for m in t["fileTypeMappings"]:
        assert set(m) <= {"fileType", "languageId", "documentMappingSettings"}
        assert set(m["fileType"]) <= {"name", "patterns"}
    for name in ("settings.json", "initializationOptions.json"):
        data = json.loads((d / name).read_text())
        assert set(data) == {"convexLsp"}, name
        assert set(data["convexLsp"]) <= {"hover", "debounce", "select", "ignore"}, name
    readme = (d / "README.md").read_text()
    assert "Import from custom template" in readme and "./install.sh" in readme


def test_jetbrains_settings_are_accepted_by_the_server():
    from convex_lsp.server.session import Settings

    for name in ("settings.json", "initializationOptions.json"):
        data = json.loads((EDITORS / "jetbrains" / "convex-lsp" / name).read_text())
        _, errors = Settings.parse(data)
        assert errors == [], (name, errors)


# ------------------------------------------------------------------ Emacs

EL = EDITORS / "emacs" / "convex-lsp.el"


def _strip_elisp(text: str) -> str:
    """Drop comments, strings and character literals (?( ?\\)), keep the parens."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "?" and i + 1 < n and (i == 0 or text[i - 1] in " \t\n('"):
            i += 3 if text[i + 1] == "\\" else 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def test_emacs_file_reads():
    text = EL.read_text()
    assert text.startswith(";;; convex-lsp.el --- ") and "lexical-binding: t" in text.splitlines()[0]
    assert text.rstrip().endswith(";;; convex-lsp.el ends here")
    depth = 0
    for ch in _strip_elisp(text):
        depth += ch == "("
        depth -= ch == ")"
        assert depth >= 0, "unbalanced )"
    assert depth == 0, "unbalanced ("
    code = _strip_elisp(text)
    assert "(provide 'convex-lsp)" in code
    assert '"convex-lsp" "serve"' in text
    assert ":add-on? t" in code, "lsp-mode: alongside ts-ls"
    assert "eglot-server-programs" in code
    # both set-ups are limited to Convex projects, and the lsp-mode hook is named
    assert "convex-lsp-project-root" in code.split("(defun convex-lsp-lsp-mode-setup")[1]
    assert "#'convex-lsp--eglot-choose" in code
    assert "(add-hook 'typescript-ts-mode-hook #'lsp-deferred)" in text


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed")
def test_emacs_byte_compiles_without_warnings(tmp_path):
    el = tmp_path / "convex-lsp.el"
    shutil.copy(EL, el)
    proc = subprocess.run(["emacs", "--batch", "-Q", "--eval", "(setq byte-compile-error-on-warn t)",
                           "-f", "batch-byte-compile", str(el)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "convex-lsp.elc").exists()
    # the Eglot set-up: convex-lsp inside a Convex project, the modes' previous server elsewhere
    project = tmp_path / "app"
    (project / "convex").mkdir(parents=True)
    (project / "package.json").write_text("{}")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    for folder, expected in ((project, '"convex-lsp" "serve" :initializationOptions (:convexLsp (:hover t))'),
                             (elsewhere, '"typescript-language-server" "--stdio"')):
        proc = subprocess.run(["emacs", "--batch", "-Q", "-L", str(tmp_path), "--eval",
                               "(progn (require 'convex-lsp)"
                               " (defvar eglot-server-programs"
                               " '(((typescript-mode) . (\"typescript-language-server\" \"--stdio\"))))"
                               " (provide 'eglot) (convex-lsp-eglot-setup)"
                               f" (let ((default-directory \"{folder}/\"))"
                               " (prin1 (funcall (cdr (car eglot-server-programs))))))"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout + proc.stderr
        assert expected in out, out


# ------------------------------------------------------------------ Neovim


def test_neovim_config_files():
    lua = (EDITORS / "neovim" / "lsp" / "convex_lsp.lua").read_text()
    assert "cmd = { 'convex-lsp', 'serve' }" in lua
    assert "filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact' }" in lua
    assert "convex.json" in lua and "package.json" in lua and "root_dir = function(bufnr, on_dir)" in lua
    snippet = (EDITORS / "neovim" / "lspconfig.lua").read_text()
    assert "configs.convex_lsp" in snippet and "'convex-lsp', 'serve'" in snippet


# ------------------------------------------------------------------ VS Code


def test_vscode_manifest():
    d = EDITORS / "vscode"
    pkg = json.loads((d / "package.json").read_text())
    assert set(pkg["activationEvents"]) == {"workspaceContains:**/convex/schema.ts",
                                            "workspaceContains:**/convex.json",
                                            "workspaceContains:**/convex.config.ts",
                                            # a convex/ folder without schema.ts
                                            "workspaceContains:**/convex/*.ts",
                                            "workspaceContains:**/convex/*.js"}
    caps = pkg["capabilities"]
    assert caps["untrustedWorkspaces"]["supported"] == "limited"
    assert set(caps["untrustedWorkspaces"]["restrictedConfigurations"]) == {"convexLsp.path", "convexLsp.interpreter"}
    assert caps["virtualWorkspaces"]["supported"] is False
    props = pkg["contributes"]["configuration"]["properties"]
    assert set(props) == {f"convexLsp.{k}" for k in ("enable", "path", "interpreter", "debounce", "fullAnalysisDelayMs", "hover",
                                                     "select", "ignore", "trace.server")}
    commands = {c["command"] for c in pkg["contributes"]["commands"]}
    assert "convexLsp.restart" in commands and "convexLsp.reinstallServer" in commands
    assert pkg["dependencies"]["vscode-languageclient"].lstrip("^~").startswith("9.")
    assert "@vscode/vsce" in pkg["devDependencies"]
    assert (d / "package-lock.json").exists() and (d / "LICENSE").exists()
    # the extension-only module has no vscode import (it is unit-tested with plain node)
    assert not re.search(r"""from ["']vscode["']|require\(["']vscode["']\)""", (d / "src" / "config.ts").read_text())


# ------------------------------------------------------------------ README


def test_readme_editors_section():
    text = (REPO / "README.md").read_text()
    start, end = text.index("<!-- editors:start -->"), text.index("<!-- editors:end -->")
    section = text[start:end]
    assert text.index("## Configuration") < start < text.index("## Rules")
    for editor in ("VS Code", "Neovim", "Helix", "JetBrains", "Emacs"):
        assert editor in section, editor


def _eglot_load_path() -> list[str]:
    """-L arguments for Debian's elpa-eglot (and its deps); Emacs 29+ has Eglot built in."""
    out = []
    for d in sorted(Path("/usr/share/emacs/site-lisp/elpa").glob("*")):
        if d.is_dir():
            out += ["-L", str(d)]
    return out


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed")
def test_emacs_eglot_end_to_end(tmp_path):
    import sys

    probe = subprocess.run(["emacs", "--batch", "-Q", *_eglot_load_path(), "--eval", "(require 'eglot)"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("eglot is not available (Emacs 29+, or apt-get install elpa-eglot)")
    root = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "app", root)
    env = {**__import__("os").environ, "ROOT": str(root),
           "CONVEX_LSP_CMD": json.dumps([sys.executable, "-m", "convex_lsp.server.cli", "serve"])}
    proc = subprocess.run(["emacs", "--batch", "-Q", "-L", str(EDITORS / "emacs"), *_eglot_load_path(),
                           "-l", str(EDITORS / "emacs" / "test" / "e2e.el")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for line in ("hover: cites the spec", "applied: Replace `v.bigint()` with `v.int64()`", "diagnostic removed", "OK"):
        assert line in out, out[-4000:]
