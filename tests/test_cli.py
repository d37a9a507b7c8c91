"""`convex-lsp check`: exit codes, rule selection, configuration files and their errors."""

from __future__ import annotations

import json
import os

import pytest

from convex_lsp.analysis.registry import all_rules
from tests.cli_helpers import cli, clean_project, project


def codes_of(proc) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return [f["code"] for f in json.loads(proc.stdout)]


# ------------------------------------------------------------ exit codes


def test_findings_exit_1(tmp_path):
    root = project(tmp_path)
    p = cli("check", cwd=root)
    assert p.returncode == 1, p.stderr
    assert "CVX201" in p.stdout


def test_clean_exit_0(tmp_path):
    root = clean_project(tmp_path)
    p = cli("check", cwd=root)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "All checks passed!" in p.stdout


def test_exit_zero(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--exit-zero", cwd=root)
    assert p.returncode == 0
    assert "CVX201" in p.stdout


def test_default_path_is_cwd_and_explicit_path(tmp_path):
    root = project(tmp_path / "app")
    p = cli("check", "app", "--output-format", "json", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    names = {f["filename"] for f in json.loads(p.stdout)}
    assert names == {"app/convex/messages.ts"}
    p = cli("check", "--output-format", "json", cwd=root)  # no PATH: the current directory
    assert p.returncode == 1, p.stderr
    assert {f["filename"] for f in json.loads(p.stdout)} == {"convex/messages.ts"}


def test_missing_path_exit_2(tmp_path):
    p = cli("check", str(tmp_path / "nope"), cwd=tmp_path)
    assert p.returncode == 2
    assert "nope" in p.stderr and "no such file" in p.stderr


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")
def test_unreadable_path_exit_2(tmp_path):  # pragma: no cover - not as root
    d = tmp_path / "locked"
    d.mkdir()
    d.chmod(0)
    try:
        p = cli("check", str(d), cwd=tmp_path)
        assert p.returncode == 2
        assert "permission denied" in p.stderr
    finally:
        d.chmod(0o755)


def test_no_convex_project_is_an_error_never_all_checks_passed(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    (tmp_path / "app.ts").write_text("export const x = 1;\n")
    p = cli("check", cwd=tmp_path)
    assert p.returncode == 2
    assert "no Convex project found" in p.stderr and "nothing was linted" in p.stderr
    assert "All checks passed" not in p.stdout + p.stderr


def test_named_files_that_are_skipped_say_why_and_summary_counts_files(tmp_path):
    root = clean_project(tmp_path, extra={"src/App.tsx": "export const A = 1;\n", "notes.md": "# hi\n",
                                          "convex/clean.test.ts": "export {};\n"})
    p = cli("check", "src/App.tsx", "notes.md", "convex/clean.test.ts", "tests/channel.test.ts", cwd=root)
    assert p.returncode == 0, p.stderr
    err = p.stderr
    assert "src/App.tsx: skipped: outside the Convex functions folder" in err
    assert "notes.md: skipped: not a TypeScript or JavaScript source file" in err
    assert "convex/clean.test.ts: skipped: a test file" in err
    assert "Linted 0 files." in p.stdout
    p = cli("check", cwd=root)
    assert p.returncode == 0, p.stdout + p.stderr
    # schema.ts and clean.ts; the test and the client file are read for references, not linted
    assert "Linted 2 files." in p.stdout and "All checks passed!" in p.stdout


def test_single_file_reports_only_that_file(tmp_path):
    other = "import { query } from './_generated/server';\nexport const x = query({ args: {}, handler: async () => null });\n"
    root = project(tmp_path, extra={"convex/other.ts": other})
    p = cli("check", "convex/messages.ts", "--output-format", "json", cwd=root)
    assert {f["filename"] for f in json.loads(p.stdout)} == {"convex/messages.ts"}
    p = cli("check", "--output-format", "json", cwd=root)
    assert {f["filename"] for f in json.loads(p.stdout)} == {"convex/messages.ts", "convex/other.ts"}


def test_quiet_prints_findings_only(tmp_path):
    root = project(tmp_path)
    p = cli("check", "-q", cwd=root)
    assert p.returncode == 1
    assert "CVX201" in p.stdout
    assert "Found" not in p.stdout
    root2 = clean_project(tmp_path / "clean")
    p = cli("check", "-q", cwd=root2)
    assert p.returncode == 0 and p.stdout == ""


def test_version():
    p = cli("--version")
    assert p.returncode == 0
    assert p.stdout.startswith("convex-lsp ")


def test_usage_error_exit_2():
    p = cli("check", "--output-format", "xml")
    assert p.returncode == 2
    p = cli()
    assert p.returncode == 2


# ------------------------------------------------------------ selection


def test_select(tmp_path):
    root = project(tmp_path)
    assert codes_of(cli("check", "--select", "CVX201", "--output-format", "json", cwd=root)) == ["CVX201"]
    assert codes_of(cli("check", "--select", "no-query-filter", "--output-format", "json", cwd=root)) == ["CVX201"]
    # a prefix selects the family
    assert set(codes_of(cli("check", "--select", "CVX2", "--output-format", "json", cwd=root))) <= {
        r.code for r in all_rules() if r.code.startswith("CVX2")}
    assert "CVX201" in codes_of(cli("check", "--select", "CVX2", "--output-format", "json", cwd=root))
    # comma-separated
    got = codes_of(cli("check", "--select", "CVX101,CVX201", "--output-format", "json", cwd=root))
    assert sorted(set(got)) == ["CVX101", "CVX201"]


def test_ignore(tmp_path):
    root = project(tmp_path)
    got = codes_of(cli("check", "--ignore", "CVX101", "--output-format", "json", cwd=root))
    assert "CVX101" not in got and "CVX201" in got
    got = codes_of(cli("check", "--ignore", "missing-returns-validator,no-query-filter", "--output-format", "json", cwd=root))
    assert "CVX101" not in got and "CVX201" not in got


def test_extend_select_enables_opt_in_rule(tmp_path):
    root = project(tmp_path)
    off = [r for r in all_rules() if r.severity == "off" and r.check is not None]
    if not off:
        pytest.skip("no opt-in rule in the registry yet")
    # the opt-in rule is not on by default ...
    base = codes_of(cli("check", "--output-format", "json", cwd=root))
    # ... and --extend-select keeps the defaults while adding it (it may or may not fire here)
    ext = codes_of(cli("check", "--extend-select", off[0].code, "--output-format", "json", cwd=root))
    assert set(base) <= set(ext)
    assert not any(c == off[0].code for c in base)


def test_extend_select_overrides_config_ignore(tmp_path):
    root = project(tmp_path, extra={"convex-lsp.toml": 'ignore = ["CVX201"]\n'})
    assert "CVX201" not in codes_of(cli("check", "--output-format", "json", cwd=root))
    assert "CVX201" in codes_of(cli("check", "--extend-select", "CVX201", "--output-format", "json", cwd=root))


def test_unknown_rule_in_flags_exit_2(tmp_path):
    root = project(tmp_path)
    for flag in ("--select", "--ignore", "--extend-select"):
        p = cli("check", flag, "CVX999", cwd=root)
        assert p.returncode == 2, flag
        assert flag in p.stderr and "CVX999" in p.stderr


# ------------------------------------------------------------ configuration


@pytest.mark.parametrize("name", ["convex-lsp.toml", ".convex-lsp.toml"])
def test_config_file_ignore(tmp_path, name):
    root = project(tmp_path, extra={name: 'ignore = ["missing-returns-validator"]\n'})
    got = codes_of(cli("check", "--output-format", "json", cwd=root))
    assert "CVX101" not in got and "CVX201" in got


def test_config_select_and_cli_select_wins(tmp_path):
    root = project(tmp_path, extra={"convex-lsp.toml": 'select = ["CVX101"]\n'})
    assert set(codes_of(cli("check", "--output-format", "json", cwd=root))) == {"CVX101"}
    assert set(codes_of(cli("check", "--select", "CVX201", "--output-format", "json", cwd=root))) == {"CVX201"}


def test_config_severity(tmp_path):
    root = project(tmp_path, extra={"convex-lsp.toml": '[severity]\nno-query-filter = "error"\nCVX101 = "off"\n'})
    p = cli("check", "--output-format", "json", cwd=root)
    found = json.loads(p.stdout)
    assert [f["code"] for f in found] == ["CVX201"]
    assert found[0]["severity"] == "error"


def test_config_per_file_ignores_and_exclude(tmp_path):
    extra = {
        "convex-lsp.toml": '[per-file-ignores]\n"convex/messages.ts" = ["CVX201"]\n',
        "convex/legacy/old.ts": "import { query } from '../_generated/server';\nexport const o = query({ args: {}, handler: async () => null });\n",
    }
    root = project(tmp_path, extra=extra)
    found = json.loads(cli("check", "--output-format", "json", cwd=root).stdout)
    assert "CVX201" not in [f["code"] for f in found]
    assert "convex/legacy/old.ts" in {f["filename"] for f in found}
    # `exclude` is a top-level key: it goes before the tables
    with open(os.path.join(root, "convex-lsp.toml"), "w") as fh:
        fh.write('exclude = ["convex/legacy"]\n[per-file-ignores]\n"convex/messages.ts" = ["CVX201"]\n')
    found = json.loads(cli("check", "--output-format", "json", cwd=root).stdout)
    assert "convex/legacy/old.ts" not in {f["filename"] for f in found}


def test_explicit_config_flag(tmp_path):
    root = project(tmp_path / "app")
    cfg = tmp_path / "custom.toml"
    cfg.write_text('select = ["CVX201"]\n')
    assert set(codes_of(cli("check", "--config", str(cfg), "--output-format", "json", cwd=root))) == {"CVX201"}
    p = cli("check", "--config", str(tmp_path / "missing.toml"), cwd=root)
    assert p.returncode == 2 and "missing.toml" in p.stderr


def test_config_nearest_to_the_project_wins(tmp_path):
    (tmp_path / "convex-lsp.toml").write_text('select = ["CVX101"]\n')
    root = project(tmp_path / "app", extra={"convex-lsp.toml": 'select = ["CVX201"]\n'})
    assert set(codes_of(cli("check", "--output-format", "json", cwd=root))) == {"CVX201"}


def test_functions_dir_key(tmp_path):
    files = {"convex-lsp.toml": 'functions-dir = "backend"\n'}
    root = project(tmp_path, extra=files)
    os.rename(os.path.join(root, "convex"), os.path.join(root, "backend"))
    found = json.loads(cli("check", "--output-format", "json", cwd=root).stdout)
    assert {f["filename"] for f in found} == {"backend/messages.ts"}


@pytest.mark.parametrize("content, key, words", [
    ('selekt = ["CVX201"]\n', "selekt", ["unknown key", "select"]),
    ('[severity]\nCVX201 = "loud"\n', "severity.CVX201", ["loud", "error", "warning", "info", "hint", "off"]),
    ('[severity]\nCVX999 = "error"\n', "severity.CVX999", ["unknown rule"]),
    ('ignore = ["not-a-rule"]\n', "ignore", ["not-a-rule"]),
    ('select = 3\n', "select", ["list"]),
    ('select = ["CVX201"\n', "(syntax)", ["invalid TOML"]),
    ('functions-dir = "nowhere"\n', "functions-dir", ["nowhere"]),
])
def test_config_errors_exit_2_naming_file_and_key(tmp_path, content, key, words):
    root = project(tmp_path, extra={"convex-lsp.toml": content})
    p = cli("check", cwd=root)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stdout == ""
    assert "convex-lsp.toml" in p.stderr
    assert key in p.stderr
    for w in words:
        assert w in p.stderr
    assert "Traceback" not in p.stderr


# ------------------------------------------------------------ statistics


def test_statistics_text(tmp_path):
    root = project(tmp_path, extra={"convex/more.ts": "import { query } from './_generated/server';\n"
                                    "export const a = query({ args: {}, handler: async () => null });\n"
                                    "export const b = query({ args: {}, handler: async () => null });\n"})
    p = cli("check", "--statistics", cwd=root)
    assert p.returncode == 1
    lines = [ln.split("\t") for ln in p.stdout.strip().splitlines()]
    table = {row[1]: (int(row[0]), row[2]) for row in lines}
    assert table["CVX101"][0] == 3 and table["CVX101"][1].endswith("missing-returns-validator")
    assert table["CVX201"][0] == 1
    # sorted by count, most frequent first
    assert lines[0][1] == "CVX101"


def test_statistics_json(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--statistics", "--output-format", "json", cwd=root)
    rows = json.loads(p.stdout)
    assert {r["code"]: r["count"] for r in rows} == {"CVX101": 1, "CVX201": 1}
    assert set(rows[0]) == {"code", "name", "count", "fixable"}


# ------------------------------------------------------------ fixes and serve


def test_diff_changes_nothing(tmp_path):
    root = project(tmp_path)
    path = os.path.join(root, "convex", "messages.ts")
    before = open(path, "rb").read()
    p = cli("check", "--diff", cwd=root)
    assert p.returncode in (0, 1), p.stderr
    assert open(path, "rb").read() == before
    if p.stdout:
        assert p.stdout.startswith("--- a/convex/messages.ts")


def test_fix_then_reports_what_is_left(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--fix", "--output-format", "json", cwd=root)
    assert p.returncode in (0, 1), p.stderr
    left = json.loads(p.stdout)
    assert all(f["fix"] is None or f["fix"]["applicability"] != "safe" for f in left)


def test_serve_without_server_module_is_a_clear_error():
    import importlib.util

    if importlib.util.find_spec("convex_lsp.server.lsp") is not None:
        pytest.skip("the language server module exists")
    p = cli("serve")
    assert p.returncode == 2
    assert "language server" in p.stderr


def test_check_does_not_import_pygls(tmp_path):
    root = clean_project(tmp_path)
    code = ("import sys; from convex_lsp.server.cli import main; rc = main(['check', '-q']); "
            "print('pygls' in sys.modules)")
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert p.stdout.strip() == "False", p.stderr


def test_unsafe_fix_applies_and_diff_shows_it(tmp_path):
    from convex_lsp.server import runner

    if runner.quickfixes_module() is None:
        pytest.skip("quickfixes package not available")
    root = project(tmp_path)
    path = os.path.join(root, "convex", "messages.ts")
    before = open(path, "rb").read()
    d = cli("check", "--diff", "--unsafe-fixes", cwd=root)
    assert d.returncode == 1, d.stderr
    assert d.stdout.startswith("--- a/convex/messages.ts\n+++ b/convex/messages.ts\n")
    assert "+      .withIndex(" in d.stdout
    assert open(path, "rb").read() == before
    p = cli("check", "--fix", "--unsafe-fixes", "--output-format", "json", cwd=root)
    assert p.returncode in (0, 1), p.stderr
    assert "CVX201" not in [f["code"] for f in json.loads(p.stdout)]
    assert b".withIndex(" in open(path, "rb").read()
