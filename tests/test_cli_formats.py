"""`convex-lsp check --output-format text|json|sarif|github`, checked against the contract."""

from __future__ import annotations

import json
import os
import re

import pytest

from convex_lsp.analysis.registry import Finding, Fix, TextEdit, all_rules
from convex_lsp.server import reporters
from tests.cli_helpers import cli, project

HERE = os.path.dirname(os.path.abspath(__file__))
ANSI = re.compile(r"\x1b\[")


# ------------------------------------------------------------ text


def test_text_format(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--select", "CVX201", cwd=root)
    lines = p.stdout.splitlines()
    assert re.fullmatch(r"convex/messages\.ts:7:7: warning: CVX201 \[no-query-filter\] .+", lines[0]), lines[0]
    # the source excerpt and a caret line under the `.filter(` call
    src = [ln for ln in lines if ln.startswith("7 |")]
    assert src and ".filter(" in src[0]
    carets = [ln for ln in lines if "^" in ln]
    assert carets and carets[0].index("^") == src[0].index(".filter(")
    assert "Found 1 problem (1 warning)." in lines
    assert not ANSI.search(p.stdout)  # not a TTY: no colour


def test_text_colour_forced_and_no_color(tmp_path):
    root = project(tmp_path)
    p = cli("check", cwd=root, env={"FORCE_COLOR": "1"})
    assert ANSI.search(p.stdout)
    p = cli("check", cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not ANSI.search(p.stdout)


def test_text_code_point_columns(tmp_path):
    # an emoji (one code point, two UTF-16 units, four bytes) before the finding
    messages = open(os.path.join(HERE, "cli_helpers.py")).read().split('MESSAGES = """')[1].split('"""')[0]
    messages = messages.replace('const rows = await ctx.db.query("messages")',
                                'const rows = /* 🚀 */ await ctx.db.query("messages")')
    messages = messages.replace('      .filter(', '      /* é */.filter(')
    root = project(tmp_path, messages=messages)
    p = cli("check", "--select", "CVX201", "--output-format", "json", cwd=root)
    f = json.loads(p.stdout)[0]
    line = open(os.path.join(root, "convex", "messages.ts"), encoding="utf-8").read().splitlines()[6]
    assert f["location"] == {"row": 7, "column": line.index(".filter(") + 1}


def test_no_progress_bar_in_machine_formats(tmp_path):
    root = project(tmp_path)
    for fmt in ("json", "sarif", "github"):
        p = cli("check", "--output-format", fmt, cwd=root)
        assert "\r" not in p.stdout and "Checking" not in p.stderr


# ------------------------------------------------------------ json

KEYS = {"code", "name", "message", "severity", "filename", "location", "end_location", "spec", "url", "fix"}


def test_json_shape(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "json", cwd=root)
    assert p.returncode == 1
    data = json.loads(p.stdout)
    assert isinstance(data, list) and len(data) == 2
    for f in data:
        assert set(f) == KEYS
        assert f["severity"] in ("error", "warning", "info", "hint")
        assert f["filename"] == "convex/messages.ts"
        assert set(f["location"]) == {"row", "column"} and set(f["end_location"]) == {"row", "column"}
        assert f["url"].endswith(f"/{f['code']}-{f['name']}.md")
        assert f["spec"].startswith("§")
        if f["fix"] is not None:
            assert set(f["fix"]) == {"applicability", "message", "edits"}
            for e in f["fix"]["edits"]:
                assert set(e) == {"filename", "content", "location", "end_location"}
    by_code = {f["code"]: f for f in data}
    assert by_code["CVX101"]["location"] == {"row": 3, "column": 14}
    assert by_code["CVX201"]["location"] == {"row": 7, "column": 7}
    assert by_code["CVX201"]["end_location"]["row"] == 7
    # sorted by file then position
    assert [f["location"]["row"] for f in data] == sorted(f["location"]["row"] for f in data)


def test_json_sorted_across_files_and_absolute_outside_cwd(tmp_path):
    root = project(tmp_path / "app", extra={"convex/a.ts": "import { query } from './_generated/server';\n"
                                            "export const a = query({ args: {}, handler: async () => null });\n"})
    other = tmp_path / "elsewhere"
    other.mkdir()
    data = json.loads(cli("check", root, "--output-format", "json", cwd=other).stdout)
    names = [f["filename"] for f in data]
    assert names == sorted(names)
    assert all(os.path.isabs(n) for n in names)


def test_fix_json_positions():
    src = "const a = 1;\nconst é = v.bigint();\n".encode()
    start = src.index(b"v.bigint()")
    fix = Fix("Replace with `v.int64()`", "safe", [TextEdit("/x/convex/a.ts", start, start + len(b"v.bigint()"), "v.int64()")])
    got = reporters.fix_json(fix, reporters.Sources({"/x/convex/a.ts": src}), cwd="/x")
    assert got == {
        "applicability": "safe", "message": "Replace with `v.int64()`",
        "edits": [{"filename": "convex/a.ts", "content": "v.int64()",
                   "location": {"row": 2, "column": 11}, "end_location": {"row": 2, "column": 21}}],
    }


# ------------------------------------------------------------ sarif


def _sarif(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "sarif", cwd=root)
    assert p.returncode == 1, p.stderr
    return json.loads(p.stdout)


def test_sarif_structure(tmp_path):
    log = _sarif(tmp_path)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "convex-lsp"
    rules = all_rules()
    assert [r["id"] for r in driver["rules"]] == [r.code for r in rules]
    for entry, rule in zip(driver["rules"], rules):
        assert entry["helpUri"] == rule.url
        assert entry["name"] == rule.name
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"CVX101", "CVX201"}
    for r in results:
        assert r["level"] in ("error", "warning", "note")
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "convex/messages.ts"
        region = loc["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    r201 = next(r for r in results if r["ruleId"] == "CVX201")
    assert r201["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert r201["level"] == "warning"


def test_sarif_validates_against_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(HERE, "data", "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    log = _sarif(tmp_path)
    jsonschema.Draft4Validator(schema).validate(log)
    # a log with a fix validates too
    src = b"const x = v.bigint();\n"
    f = Finding(code="CVX105", name="deprecated-bigint-validator", path=os.path.join(str(tmp_path), "a.ts"),
                start=10, end=20, message="m", severity="warning", srow=0, scol=10, erow=0, ecol=20,
                fix=Fix("Use v.int64()", "safe", [TextEdit(os.path.join(str(tmp_path), "a.ts"), 10, 20, "v.int64()")]))
    log2 = reporters.sarif_log([f], all_rules(), reporters.Sources({f.path: src}), "0.0.0", cwd=str(tmp_path))
    jsonschema.Draft4Validator(schema).validate(log2)
    assert log2["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] == "a.ts"


# ------------------------------------------------------------ github


def test_github_format(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "github", cwd=root)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert len(lines) == 2
    pat = re.compile(r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),"
                     r"title=(CVX\d{3})::(.+)")
    parsed = [pat.fullmatch(ln) for ln in lines]
    assert all(parsed), lines
    m = next(m for m in parsed if m.group(7) == "CVX201")
    assert m.group(1) == "warning" and m.group(2) == "convex/messages.ts" and m.group(3) == "7" and m.group(4) == "7"
    m = next(m for m in parsed if m.group(7) == "CVX101")
    assert m.group(1) == "error"


def test_github_escaping():
    import io

    f = Finding(code="CVX201", name="n", path="/p/a,b:c.ts", start=0, end=1, message="50%\nnext", severity="info")
    buf = io.StringIO()
    reporters.report_github([f], buf)
    out = buf.getvalue()
    assert out.startswith("::notice file=/p/a%2Cb%3Ac.ts,line=1,col=1,")
    assert out.rstrip("\n").endswith("::50%25%0Anext")
