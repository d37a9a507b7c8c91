"""The CLI conventions users know from Ruff/ESLint: `concise`, `gitlab` and `junit` output
(validated against vendored schemas, see tests/data/README.md), severity in words, the caret
under the right column after wide characters, SARIF base URIs and security severities."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest

from convex_lsp.analysis.registry import Finding
from convex_lsp.server import reporters
from tests.cli_helpers import cli, project

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

SECRET = """
import Stripe from "stripe";
const stripe = new Stripe("sk_live_51Hx2mQJtq8KvVZ3p0aBcD9eFgH");
export default stripe;
"""


def test_concise_is_one_line_per_finding_with_severity_words(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "concise", cwd=root)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    findings = [line for line in lines if line.startswith("convex/")]
    assert len(findings) == 2
    assert findings[0].startswith("convex/messages.ts:3:14: error: CVX101 ")
    assert findings[1].startswith("convex/messages.ts:7:7: warning: CVX201 [no-query-filter] ")
    assert not any(line.lstrip().startswith("|") for line in lines)  # no excerpts
    assert lines[-1].startswith("Found 2 problems") or any(line.startswith("Found 2 problems") for line in lines)


def test_gitlab_code_quality_validates_and_fingerprints_are_stable(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "gitlab", cwd=root)
    assert p.returncode == 1
    report = json.loads(p.stdout)
    with open(os.path.join(DATA, "gitlab-codeclimate.json")) as fh:
        schema = json.load(fh)
    assert [e["check_name"] for e in report] == ["CVX101", "CVX201"]
    for entry in report:
        jsonschema.validate(entry, schema)
        assert entry["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert entry["location"]["path"] == "convex/messages.ts"
    assert report[0]["severity"] == "major" and report[1]["severity"] == "minor"
    assert report[1]["location"]["lines"] == {"begin": 7, "end": 7}
    assert len({e["fingerprint"] for e in report}) == 2
    # a line added above moves the findings, not their fingerprints
    path = os.path.join(root, "convex", "messages.ts")
    with open(path) as fh:
        text = fh.read()
    with open(path, "w") as fh:
        fh.write("// a comment\n" + text)
    moved = json.loads(cli("check", "--output-format", "gitlab", cwd=root).stdout)
    assert [e["fingerprint"] for e in moved] == [e["fingerprint"] for e in report]
    assert moved[1]["location"]["lines"]["begin"] == 8


def test_gitlab_empty_report_is_an_empty_array(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--output-format", "gitlab", "--select", "CVX204", cwd=root)
    assert p.returncode == 0 and json.loads(p.stdout) == []


@pytest.mark.parametrize("select", [None, "CVX204"])
def test_junit_validates_against_the_schema(tmp_path, select):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is in the [test] extra")
    root = project(tmp_path)
    args = ["check", "--output-format", "junit"] + (["--select", select] if select else [])
    p = cli(*args, cwd=root)
    schema = xmlschema.XMLSchema(os.path.join(DATA, "junit-10.xsd"))
    schema.validate(p.stdout)
    doc = schema.to_dict(p.stdout)
    if select:  # no findings: every linted file is one passing test case
        assert p.returncode == 0 and doc["@failures"] == "0" and int(doc["@tests"]) == 2
    else:
        assert p.returncode == 1 and doc["@failures"] == "2"
        suite = [s for s in doc["testsuite"] if s["@name"] == "convex/messages.ts"][0]
        names = [c["@name"] for c in suite["testcase"]]
        assert names == ["CVX101 [missing-returns-validator] at convex/messages.ts:3:14",
                         "CVX201 [no-query-filter] at convex/messages.ts:7:7"]


def test_junit_escapes_markup_in_messages():
    f = Finding("CVX201", "no-query-filter", "/p/convex/a.ts", 0, 1, 'a <b> & "c"', severity="warning")
    from xml.dom import minidom

    dom = minidom.parseString(reporters.junit_xml([f], cwd="/p"))
    failure = dom.getElementsByTagName("failure")[0]
    assert failure.getAttribute("message") == 'a <b> & "c"'


def _finding_at(path: str, col: int, ecol: int) -> Finding:
    return Finding("CVX201", "no-query-filter", path, 0, 0, "m", severity="warning", srow=0, scol=col,
                   erow=0, ecol=ecol)


@pytest.mark.parametrize("prefix,width", [
    ("", 0),
    ("const 名前 = ", 13),          # two CJK characters: 2 columns each
    ("const x = \"🎉\"; ", 16),     # an emoji: 2 columns
    ("const é = ", 10),             # e + combining acute: one column
])
def test_caret_lands_under_the_column_after_wide_characters(tmp_path, prefix, width):
    line = prefix + "target();\n"
    path = tmp_path / "a.ts"
    path.write_text(line, encoding="utf-8")
    col = len(prefix)  # code points
    f = _finding_at(str(path), col, col + len("target"))
    out = reporters.format_text_finding(f, reporters.Sources(), reporters.Style(False))
    caret_line = out[3]
    text_line = out[2]
    assert text_line.endswith(line.rstrip("\n"))
    gutter = caret_line.index("|") + 2
    assert caret_line[gutter:] == " " * width + "^" * 6
    assert reporters.display_width(prefix) == width


def test_sarif_uses_srcroot_and_security_severity(tmp_path):
    root = project(tmp_path, {"convex/stripe.ts": SECRET})
    p = cli("check", "--output-format", "sarif", "--select", "CVX701,CVX201", cwd=root)
    run = json.loads(p.stdout)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert os.path.realpath(base[len("file://"):]) == os.path.realpath(root)
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locs and all(loc["uriBaseId"] == "%SRCROOT%" and not loc["uri"].startswith("/") for loc in locs)
    rule = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "CVX701"][0]
    assert float(rule["properties"]["security-severity"]) >= 7.0
    assert rule["properties"]["tags"].count("security") == 1
    assert any(r["ruleId"] == "CVX701" for r in run["results"])
    # a monorepo: the project in a subfolder, the command run from the repository root
    sub = cli("check", "--output-format", "sarif", "--select", "CVX701", os.path.basename(root),
              cwd=os.path.dirname(root))
    sub_run = json.loads(sub.stdout)["runs"][0]
    uri = sub_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == os.path.basename(root) + "/convex/stripe.ts"


def test_output_format_help_lists_every_format():
    p = cli("check", "--help")
    for fmt in reporters.FORMATS:
        assert fmt in p.stdout
