"""The README's set-up is true: its first command installs the tool with the system python3 in
a fresh shell (no virtual environment, a new HOME) and lints the example; its test command is
CI's, word for word; the GitHub Action and the pre-commit hooks run as documented."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.cli_helpers import project

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(*parts: str) -> str:
    with open(os.path.join(REPO, *parts), encoding="utf-8") as fh:
        return fh.read()


def _setup_blocks() -> list[str]:
    text = _read("README.md")
    section = text[text.index("## Set-up\n"):text.index("## Usage\n")]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_first_command_installs_second_runs_the_tests_as_ci_does():
    blocks = _setup_blocks()
    assert blocks[0] == "./install.sh"
    test_command = blocks[1]
    assert "pytest" in test_command
    ci = [line for line in _read(".ci", "run").splitlines() if line.strip() and not line.startswith("#")]
    assert ci[-1] == test_command


def test_no_shipped_doc_tells_users_to_pip_install_an_unpublished_package():
    offenders = []
    for folder in ("editors", "docs", "."):
        base = os.path.join(REPO, folder)
        for dirpath, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if d not in ("node_modules", ".git", ".venv", "out", "dist", "tests")]
            if folder == "." and dirpath != base:
                continue
            for name in files:
                if name.endswith((".md", ".lua", ".el", ".toml", ".ts", ".json", ".yml", ".yaml")) and \
                        name != "package-lock.json":
                    with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as fh:
                        if re.search(r"pipx? install convex-lsp", fh.read()):
                            offenders.append(os.path.relpath(os.path.join(dirpath, name), REPO))
    assert offenders == []


def _system_python() -> str | None:
    for cand in ("/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"):
        if os.path.isfile(cand):
            ok = subprocess.run([cand, "-c", "import sys; sys.exit(sys.version_info < (3, 10))"]).returncode == 0
            if ok:
                return cand
    return None


def test_install_script_in_a_fresh_shell_with_the_system_python(tmp_path):
    """`./install.sh` as a new user runs it: a new HOME, no virtual environment, PATH of the
    system only, the system python3 (PEP 668: externally managed on Debian/Ubuntu)."""
    py = _system_python()
    if py is None:
        pytest.skip("no system python3 >= 3.10 (/usr/bin/python3) on this machine")
    src = tmp_path / "checkout"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", "node_modules", ".venv", "*.egg-info", "build",
                                                             "dist", "__pycache__", "out", "*.vsix"))
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{os.path.dirname(py)}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "CONVEX_LSP_INSTALLER": "venv", "CONVEX_LSP_PYTHON": py}
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST", "http_proxy",
                "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        if key in os.environ:
            env[key] = os.environ[key]
    t0 = time.monotonic()
    p = subprocess.run(["./install.sh"], cwd=src, env=env, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - t0
    if p.returncode != 0 and re.search(r"NewConnectionError|Temporary failure in name resolution|"
                                       r"No matching distribution found", p.stderr):
        pytest.skip("the package index cannot be reached from here: " + p.stderr.strip().splitlines()[-1])
    assert p.returncode == 0, p.stderr[-3000:]
    exe = home / ".local" / "bin" / "convex-lsp"
    assert exe.is_symlink() and os.access(exe, os.X_OK)
    assert str(home / ".local" / "share" / "convex-lsp" / "venv") in os.path.realpath(exe)
    # the example's findings were printed, with paths as the user typed them
    assert re.search(r"^examples/app/convex/\S+\.ts:\d+:\d+: (error|warning|info|hint): CVX\d{3} ", p.stdout, re.M)
    assert re.search(r"^Found \d+ problems", p.stdout, re.M)
    assert "add " in p.stderr and ".local/bin to your PATH" in p.stderr  # PATH lacked it: said so
    # the command works by itself afterwards, and as `python -m convex_lsp`
    v = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and v.stdout.startswith("convex-lsp ")
    venv_py = os.path.join(os.path.dirname(os.path.realpath(exe)), "python")
    # from the checkout's root too, where its convex_lsp/ folder shadows the installed package
    m = subprocess.run([venv_py, "-m", "convex_lsp", "--version"], cwd=src, env=env, capture_output=True, text=True,
                       timeout=60)
    assert m.stdout == v.stdout
    print(f"install.sh took {took:.1f} s")


def _yaml(name: str):
    yaml = pytest.importorskip("yaml", reason="PyYAML is in the [test] extra")
    return yaml.safe_load(_read(name))


def _cli_on_path(tmp_path) -> dict:
    """An environment whose PATH has `convex-lsp` (this interpreter's), as after installing."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "convex-lsp"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m convex_lsp.server.cli \"$@\"\n")
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}


def test_github_action_annotates_from_a_monorepo_subfolder(tmp_path):
    action = _yaml("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = {s.get("name"): s for s in action["runs"]["steps"]}
    install = steps["Install convex-lsp"]["run"]
    assert "$GITHUB_ACTION_PATH" in install and "venv" in install
    assert "upload-sarif" in steps["Upload SARIF"]["uses"]
    check = steps["convex-lsp check"]
    assert "${{" not in check["run"]  # inputs reach the script through env, never spliced into it
    workspace = tmp_path / "repo"
    project(workspace / "apps" / "backend")
    out_file = tmp_path / "github_output"
    env = _cli_on_path(tmp_path)
    env.update({"INPUT_PATH": ".", "INPUT_WORKING_DIRECTORY": "apps/backend", "INPUT_ARGS": "--select CVX201",
                "GITHUB_OUTPUT": str(out_file)})
    p = subprocess.run(["bash", "-e", "-c", check["run"]], cwd=workspace, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines and all(line.startswith("::warning file=apps/backend/convex/messages.ts,line=") for line in lines)
    assert "title=CVX201::" in lines[0]
    assert out_file.read_text().strip() == "exit-code=1"
    # the SARIF step, from the repository root: paths are the repository's
    sarif_env = dict(env, RUNNER_TEMP=str(tmp_path))
    s = subprocess.run(["bash", "-e", "-c", steps["convex-lsp check (SARIF for code scanning)"]["run"]], cwd=workspace,
                       env=sarif_env, capture_output=True, text=True, timeout=120)
    assert s.returncode == 0, s.stderr
    import json

    run = json.loads((tmp_path / "convex-lsp.sarif").read_text())["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "apps/backend/convex/messages.ts"


def test_pre_commit_hook_runs_on_the_staged_file_names(tmp_path):
    hooks = {h["id"]: h for h in _yaml(".pre-commit-hooks.yaml")}
    hook = hooks["convex-lsp"]
    assert hook["language"] == "python" and hook["entry"] == "convex-lsp check"
    files_re = re.compile(hook["files"])
    assert files_re.search("convex/messages.ts") and files_re.search("apps/web/convex/x.ts")
    assert not files_re.search("src/App.tsx")
    root = project(tmp_path / "app")
    env = _cli_on_path(tmp_path)
    # pre-commit appends the file names to the entry
    p = subprocess.run(hook["entry"].split() + ["convex/messages.ts"], cwd=root, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1 and "convex/messages.ts:" in p.stdout
    fix = hooks["convex-lsp-fix"]
    assert fix["entry"] == "convex-lsp check --fix"


def test_vsix_carries_the_server_wheel():
    """The .vsix as CI builds it (.ci/run) bundles a wheel of the server, which the extension
    installs on first use (editors/vscode/src/bundled.ts; its unit tests install it for real)."""
    import json
    import zipfile

    vsix = os.path.join(REPO, "editors", "vscode", "convex-lsp.vsix")
    if not os.path.isfile(vsix):
        assert os.environ.get("CI") != "true", "CI builds the .vsix before the tests (.ci/run)"
        pytest.skip("no editors/vscode/convex-lsp.vsix: build it as .ci/run does")
    with zipfile.ZipFile(vsix) as z:
        names = z.namelist()
        wheels = [n for n in names if re.fullmatch(r"extension/dist/server/convex_lsp-[^/]+\.whl", n)]
        assert len(wheels) == 1, names
        manifest = json.loads(z.read("extension/package.json"))
        with z.open(wheels[0]) as fh:
            import io

            inner = zipfile.ZipFile(io.BytesIO(fh.read()))
            assert "convex_lsp/server/cli.py" in inner.namelist()
    assert "convexLsp.reinstallServer" in {c["command"] for c in manifest["contributes"]["commands"]}
