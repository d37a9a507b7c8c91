"""`convex-lsp rule` and the generated rule documentation."""

from __future__ import annotations

import json
import os

from convex_lsp.analysis.registry import all_rules
from convex_lsp.server import docgen
from tests.cli_helpers import cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_rule_by_code_and_name():
    for arg in ("CVX201", "no-query-filter", "cvx201"):
        p = cli("rule", arg)
        assert p.returncode == 0, p.stderr
        out = p.stdout
        assert out.startswith("# CVX201 no-query-filter")
        for section in ("## What it checks", "## Why", "## Bad", "## Good", "## Fix"):
            assert section in out
        assert "§4" in out  # the spec section it cites


def test_rule_unknown_exit_2():
    p = cli("rule", "no-such-rule")
    assert p.returncode == 2
    assert "no-such-rule" in p.stderr


def test_rule_without_argument_exit_2():
    assert cli("rule").returncode == 2


def test_rule_all():
    p = cli("rule", "--all")
    assert p.returncode == 0
    for r in all_rules():
        assert f"# {r.code} {r.name}" in p.stdout


def test_rule_json():
    p = cli("rule", "CVX101", "--output-format", "json")
    data = json.loads(p.stdout)
    assert data[0]["code"] == "CVX101" and data[0]["name"] == "missing-returns-validator"
    assert data[0]["documentation"].startswith("# CVX101")


def test_readme_table_replaces_only_the_marked_block():
    table = docgen.rules_table(all_rules())
    text = "# Title\n\nintro\n\n<!-- rules:start -->\nold\n<!-- rules:end -->\n\nafter\n"
    out = docgen.readme_with_table(text, table)
    assert out.startswith("# Title\n\nintro\n\n<!-- rules:start -->\n| code | name |")
    assert out.endswith("<!-- rules:end -->\n\nafter\n")
    assert docgen.readme_with_table(None, table).startswith("<!-- rules:start -->")


def test_generated_docs_are_up_to_date():
    stale = docgen.stale_files(REPO)
    assert not stale, ("generated rule docs are stale; run `python docs/gen_docs.py`:\n  "
                       + "\n  ".join(os.path.relpath(p, REPO) for p in stale))


def test_every_rule_has_a_page_linked_from_the_readme():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    for r in all_rules():
        page = os.path.join(REPO, "docs", "rules", f"{r.code}-{r.name}.md")
        assert os.path.isfile(page), page
        assert f"(docs/rules/{r.code}-{r.name}.md)" in readme
        assert r.url.endswith(f"/docs/rules/{r.code}-{r.name}.md")
