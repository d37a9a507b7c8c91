"""The "[*] N fixable with `convex-lsp check --fix`" line announces what `--fix` then reports
as "Fixed N problems", and the problems left add up."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter

from convex_lsp.analysis.registry import Finding
from convex_lsp.server.runner import resolved_count
from tests.cli_helpers import cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _counts(text: str) -> dict:
    out = {}
    for key, pattern in (("found", r"^Found (\d+) problems?"), ("fixable", r"^\[\*\] (\d+) fixable"),
                         ("fixed", r"^Fixed (\d+) problems?"), ("remaining", r"^(\d+) problems? remaining")):
        m = re.search(pattern, text, re.M)
        if m:
            out[key] = int(m.group(1))
    return out


def test_example_app_fixable_count_is_what_fix_fixes(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(os.path.join(REPO, "examples", "app"), app)
    before = _counts(cli("check", "--output-format", "concise", cwd=app).stdout)
    assert before["fixable"] > 0
    diff = cli("check", "--diff", cwd=app)
    m = re.search(r"Would fix (\d+) problems?", diff.stderr)
    assert m and int(m.group(1)) == before["fixable"], diff.stderr[-500:]
    listed_before = Counter((f["filename"], f["code"]) for f in json.loads(
        cli("check", "--output-format", "json", cwd=app).stdout))
    after = _counts(cli("check", "--fix", "--output-format", "concise", cwd=app).stdout)
    assert after["fixed"] == before["fixable"]
    # what is left: the findings no fix resolved, plus those a fix revealed. The only one a safe
    # fix may reveal is CVX101 on a bare handler that returns a value: the CVX103 rewrite gives it
    # object syntax, and no `returns` can be written safely for it
    listed_after = Counter((f["filename"], f["code"]) for f in json.loads(
        cli("check", "--output-format", "json", cwd=app).stdout))
    revealed = listed_after - listed_before
    assert set(code for _, code in revealed) <= {"CVX101"}, revealed
    assert after["remaining"] == before["found"] - before["fixable"] + sum(revealed.values())
    again = _counts(cli("check", "--output-format", "concise", cwd=app).stdout)
    assert again["found"] == after["remaining"] and "fixable" not in again


def test_resolved_count_matches_by_file_and_rule_not_position_or_message():
    def f(code, start, msg="m", path="/a.ts"):
        return Finding(code, code.lower(), path, start, start + 1, msg)

    before = [f("CVX104", 10), f("CVX104", 50), f("CVX201", 70, "index `old`"), f("CVX105", 90)]
    after = [f("CVX104", 12), f("CVX201", 75, "index `new`"), f("CVX101", 5)]
    # one CVX104 and the CVX105 are gone; the CVX201 moved and its message names the renamed
    # index; the CVX101 is new (a fix can reveal one) and resolves nothing
    assert resolved_count(before, after) == 2
