"""`[project.urls]` in pyproject.toml is the one source of the project's addresses: every link
the tool prints is built from it and points to a file of this repository; rule docs also link
the official Convex documentation; LICENSE ships in the wheel and the sdist."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from convex_lsp.analysis import links
from convex_lsp.analysis.registry import all_rules
from convex_lsp.server import reporters
from tests.cli_helpers import cli, project

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pyproject() -> dict:
    from convex_lsp.analysis.config import _tomllib

    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        return _tomllib().load(fh)


def _repo_file(url: str) -> str:
    """The repository file a link points to (it must be one of ours, on the main branch)."""
    base = _pyproject()["project"]["urls"]["Repository"].rstrip("/")
    prefix = f"{base}/blob/{links.BRANCH}/"
    assert url.startswith(prefix), url
    return os.path.join(REPO, *url[len(prefix):].split("/"))


def test_project_urls_come_from_pyproject():
    urls = _pyproject()["project"]["urls"]
    assert links.project_urls() == urls
    assert links.repository_url() == urls["Repository"].rstrip("/")
    for label in ("Documentation", "Rules"):
        path = _repo_file(urls[label])
        assert os.path.exists(path), (label, urls[label])


def test_plain_pyproject_read_without_tomllib_gives_tomllibs_answer(tmp_path):
    import tomllib

    text = open(os.path.join(REPO, "pyproject.toml"), encoding="utf-8").read()
    name, urls = links._plain_urls(text)  # (this repository's file: read the quick way)
    data = tomllib.loads(text)["project"]
    assert (name, urls) == (data["name"], data["urls"])
    plain = ('[project]\nname = "convex-lsp"  # the name\n\n[project.urls]\n'
             'Home = "https://x.org/a#frag"  # a comment\n"Bug tracker" = "https://x.org/b"\n[tool.x]\ny = 1\n')
    assert links._plain_urls(plain) == ("convex-lsp", tomllib.loads(plain)["project"]["urls"])
    # written any other way: tomllib reads the file (and `_from_pyproject` answers as it does)
    others = [
        '[project]\nname = "convex-lsp"\nurls = { Home = "https://x.org" }\n',
        '[project]\nname = "convex-lsp"\nurls.Home = "https://x.org"\n',
        'project.name = "convex-lsp"\n[project.urls]\nHome = "https://x.org"\n',
        '[project]\nname = "convex-lsp"\ndescription = """\n[project.urls]\nHome = "nope"\n"""\n',
        '[project]\nname = "convex-lsp"\n[project.urls]\nHome = "https://x.org/\\u0041"\n',
        '[project]\nname = "convex-lsp"\n[project.urls]\nHome = \'https://x.org\'\n',
        '[project]\nname = "convex-lsp"\n[ "project" . urls ]\nHome = "https://x.org"\n',
        '[project]\nname = "other"\n',
    ]
    for text in others:
        assert links._plain_urls(text) is None, text
        path = tmp_path / "pyproject.toml"
        path.write_text(text)
        data = tomllib.loads(text)["project"]
        want = dict(data["urls"]) if data.get("name") == "convex-lsp" and "urls" in data else None
        assert links._from_pyproject(str(path)) == want, text
    path.write_text(plain.replace("convex-lsp", "another"))
    assert links._from_pyproject(str(path)) is None


def test_every_rule_link_points_to_a_file_of_the_repository():
    for r in all_rules():
        path = _repo_file(r.url)
        assert os.path.isfile(path), f"{r.code}: {r.url} -> {path} does not exist"


def test_rule_docs_link_the_official_convex_documentation():
    for r in all_rules():
        if r.code.startswith("CVX9"):  # the tool's own rules (suppressions, parse errors)
            assert r.convex_docs is None
            continue
        assert r.convex_docs and r.convex_docs.startswith("https://docs.convex.dev/"), r.code
        assert r.convex_docs in r.doc_markdown()
        with open(_repo_file(r.url), encoding="utf-8") as fh:
            assert r.convex_docs in fh.read(), f"docs/rules for {r.code} is stale"
    # a rule added later without an entry in the map falls back on its spec section
    assert links.convex_docs_url("CVX299", "§4.3 Index Design") == links.CONVEX_DOCS + "/database/reading-data/indexes/"


def test_links_in_json_sarif_and_lsp_diagnostics(tmp_path):
    root = project(tmp_path)
    found = json.loads(cli("check", "--output-format", "json", cwd=root).stdout)
    assert found and all(os.path.isfile(_repo_file(f["url"])) for f in found)
    sarif = json.loads(cli("check", "--output-format", "sarif", cwd=root).stdout)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == links.repository_url()
    assert all(os.path.isfile(_repo_file(r["helpUri"])) for r in driver["rules"])
    pytest.importorskip("lsprotocol")
    from convex_lsp.analysis.registry import Finding
    from convex_lsp.analysis.source import LineIndex
    from convex_lsp.server import convert

    rule = all_rules()[0]
    f = Finding(rule.code, rule.name, "/x.ts", 0, 1, "m", url=rule.url)
    lines = LineIndex(b"x\n")
    assert convert.diagnostic(f, lines, "utf-16", None).code_description.href == rule.url
    assert convert.diagnostic_json(f, lines, "utf-16", None)["codeDescription"]["href"] == rule.url


def test_no_address_of_ours_is_written_outside_pyproject():
    base = links.repository_url()
    pattern = re.compile(re.escape(base.split("://", 1)[1]))
    for folder in ("analysis", "server", "quickfixes", "convex_lsp"):
        for dirpath, _, files in os.walk(os.path.join(REPO, folder)):
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                        assert not pattern.search(fh.read()), os.path.join(dirpath, name)


def test_vscode_manifest_and_editor_headers_use_the_project_urls():
    urls = _pyproject()["project"]["urls"]
    with open(os.path.join(REPO, "editors", "vscode", "package.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    assert manifest["repository"]["url"] == urls["Repository"]
    assert manifest["homepage"] == urls["Homepage"]
    assert manifest["bugs"]["url"] == urls["Issues"]
    assert manifest["license"] == "MIT"
    emacs = os.path.join(REPO, "editors", "emacs", "convex-lsp.el")
    if os.path.isfile(emacs):
        with open(emacs, encoding="utf-8") as fh:
            header = re.search(r"^;; URL: (\S+)", fh.read(), re.M)
        assert header is None or header.group(1) == urls["Repository"]


def test_license_is_mit_at_the_root():
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("MIT License")
    assert _pyproject()["project"]["license"] == {"text": "MIT"}


def test_python_dash_m_convex_lsp_is_the_command():
    try:
        import convex_lsp.__main__  # noqa: F401  (the module exists in this installation)
    except ImportError:
        pytest.skip("this editable install predates convex_lsp/__main__.py: run `pip install -e .` again")
    p = subprocess.run([sys.executable, "-m", "convex_lsp", "--version"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == cli("--version").stdout.strip() != ""
    rule = subprocess.run([sys.executable, "-m", "convex_lsp", "rule", "CVX201"], capture_output=True, text=True,
                          timeout=60)
    assert rule.returncode == 0 and rule.stdout.startswith("# CVX201 no-query-filter")


def test_wheel_and_sdist_carry_the_license_and_the_main_module(tmp_path):
    build_meta = pytest.importorskip("setuptools.build_meta")
    assert build_meta
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", "node_modules", "*.egg-info", "build", "dist",
                                                             "__pycache__", "out", "*.vsix", ".venv*"))
    out = tmp_path / "dist"
    code = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    p = subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    sdist_name = p.stdout.split()[-1]
    # the wheel is built from the sdist, as pip does from PyPI (an isolated build: setuptools
    # and wheel come from the package index)
    w = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(out / sdist_name)],
                       capture_output=True, text=True, timeout=600)
    if w.returncode != 0 and any(s in w.stderr for s in ("Could not find a version", "NewConnectionError",
                                                          "Temporary failure", "No matching distribution")):
        pytest.skip("the build requirements (setuptools, wheel) cannot be fetched from the package index here")
    assert w.returncode == 0, w.stderr[-2000:]
    wheel_name = [n for n in os.listdir(out) if n.endswith(".whl")][0]
    with zipfile.ZipFile(out / wheel_name) as z:
        names = z.namelist()
        assert "convex_lsp/__main__.py" in names
        assert "convex_lsp/analysis/links.py" in names
        lic = [n for n in names if n.endswith("LICENSE") and ".dist-info/" in n]
        assert lic, names
        meta = z.read([n for n in names if n.endswith(".dist-info/METADATA")][0]).decode()
    for label, url in _pyproject()["project"]["urls"].items():
        assert f"Project-URL: {label}, {url}" in meta
    assert "Requires-Dist: pathspec" in meta
    with tarfile.open(out / sdist_name) as t:
        assert any(n.endswith("/LICENSE") for n in t.getnames())


def test_no_internal_planning_references_in_shipped_files():
    pattern = re.compile(r"shared/interfaces|interfaces\.md|shared/rules|architecture\.md|colleague|planning document",
                         re.I)
    for folder in ("analysis", "server", "quickfixes", "convex_lsp"):
        for dirpath, _, files in os.walk(os.path.join(REPO, folder)):
            for name in files:
                if name.endswith((".py", ".md")):
                    with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                        assert not pattern.search(fh.read()), os.path.join(dirpath, name)
