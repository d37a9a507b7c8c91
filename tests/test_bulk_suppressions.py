"""Bulk suppressions (ESLint's style): `check --suppress-all` / `--suppress-rule` record
today's findings in convex-lsp-suppressions.json, later runs report only what goes beyond the
recorded counts, `--prune-suppressions` drops what was fixed; the language server honours the
file too. Also `--stdin-filename`, `--show-files`, `--show-settings`."""

from __future__ import annotations

import json
import os

from convex_lsp.analysis import bulk_suppressions as bulk
from convex_lsp.analysis.registry import Finding
from tests.cli_helpers import MESSAGES, cli, project

SUPP = bulk.FILE_NAME

# a second `.filter(` in the same file: one more no-query-filter finding
MORE = MESSAGES.replace("export const list", """export const other = query({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await ctx.db.query("messages").filter((q) => q.eq(q.field("body"), "x")).take(1);
    return null;
  },
});
export const list""")


def _json(root: str) -> dict:
    with open(os.path.join(root, SUPP), encoding="utf-8") as fh:
        return json.load(fh)


def _write(root: str, rel: str, text: str) -> None:
    with open(os.path.join(root, rel), "w", encoding="utf-8") as fh:
        fh.write(text)


def test_round_trip_suppress_all_then_only_new_findings_then_prune(tmp_path):
    root = project(tmp_path)
    first = cli("check", "--output-format", "json", cwd=root)
    assert first.returncode == 1 and len(json.loads(first.stdout)) == 2

    rec = cli("check", "--suppress-all", cwd=root)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "recorded 2 findings" in rec.stderr
    assert _json(root) == {"convex/messages.ts": {"missing-returns-validator": {"count": 1},
                                                  "no-query-filter": {"count": 1}}}

    again = cli("check", "--output-format", "json", cwd=root)
    assert again.returncode == 0 and json.loads(again.stdout) == []
    assert "2 findings suppressed" in again.stderr

    # a new finding of a recorded rule: beyond the count, so that rule's findings in the file
    # are reported (which one is new cannot be told); the other rule stays suppressed
    _write(root, "convex/messages.ts", MORE)
    new = json.loads(cli("check", "--output-format", "json", cwd=root).stdout)
    names = [f["name"] for f in new]
    assert names.count("no-query-filter") == 2 and "missing-returns-validator" not in names

    # the filter is gone and the file no longer needs its suppression of the rule
    _write(root, "convex/messages.ts", MESSAGES.replace('.filter((q) => q.eq(q.field("channelId"), channelId))',
                                                        '.withIndex("by_channelId", (q) => q.eq("channelId", channelId))'))
    left = cli("check", cwd=root)
    assert left.returncode == 0
    assert "1 suppression in convex-lsp-suppressions.json no longer needed" in left.stderr
    pruned = cli("check", "--prune-suppressions", cwd=root)
    assert pruned.returncode == 0 and "pruned 1 suppression" in pruned.stderr
    assert _json(root) == {"convex/messages.ts": {"missing-returns-validator": {"count": 1}}}


def test_suppress_rule_records_only_that_rule(tmp_path):
    root = project(tmp_path)
    p = cli("check", "--suppress-rule", "CVX201", "--output-format", "json", cwd=root)
    assert p.returncode == 1
    assert [f["code"] for f in json.loads(p.stdout)] == ["CVX101"]
    assert _json(root) == {"convex/messages.ts": {"no-query-filter": {"count": 1}}}


def test_prune_to_nothing_removes_the_file_and_a_broken_file_is_a_usage_error(tmp_path):
    root = project(tmp_path)
    cli("check", "--suppress-all", cwd=root)
    _write(root, "convex/messages.ts", "export const x = 1;\n")
    assert cli("check", "--prune-suppressions", cwd=root).returncode == 0
    assert not os.path.exists(os.path.join(root, SUPP))
    _write(root, SUPP, '{"convex/messages.ts": {"no-query-filter": 3}}')
    bad = cli("check", cwd=root)
    assert bad.returncode == 2 and SUPP in bad.stderr and "count" in bad.stderr


def test_filter_counts_per_file_and_rule_and_accepts_codes(tmp_path):
    root = str(tmp_path)
    sup = bulk.Suppressions(root, {"convex/a.ts": {"no-query-filter": 2}})
    a = os.path.join(root, "convex", "a.ts")
    b = os.path.join(root, "convex", "b.ts")
    fs = [Finding("CVX201", "no-query-filter", a, i, i + 1, "m") for i in range(2)]
    other = Finding("CVX201", "no-query-filter", b, 0, 1, "m")
    kept, n = sup.filter(fs + [other])
    assert kept == [other] and n == 2
    kept, n = sup.filter(fs + [Finding("CVX201", "no-query-filter", a, 9, 10, "m")])
    assert len(kept) == 3 and n == 0
    _write(root, SUPP, json.dumps({"convex/a.ts": {"CVX201": {"count": 1}}}))
    assert bulk.Suppressions.load(root).counts == {"convex/a.ts": {"no-query-filter": 1}}


def test_the_language_server_session_honours_the_file(tmp_path):
    root = project(tmp_path)
    cli("check", "--suppress-rule", "no-query-filter", cwd=root)
    from convex_lsp.server.session import Session

    s = Session([root])
    s.add_scanned(list(s.scan()))
    s.indexed = True
    path = os.path.realpath(os.path.join(root, "convex", "messages.ts"))
    res = s.lint(path)
    assert [f.code for f in res.findings] == ["CVX101"]
    assert [f.code for f in s.lint_disk_file(path)] == ["CVX101"]
    os.unlink(os.path.join(root, SUPP))  # the server sees the file change
    assert sorted(f.code for f in s.lint_disk_file(path)) == ["CVX101", "CVX201"]


def test_stdin_filename_lints_standard_input_as_that_file(tmp_path):
    root = project(tmp_path)
    text = MORE
    p = cli("check", "--stdin-filename", "convex/messages.ts", "-", "--output-format", "json", cwd=root, input=text)
    assert p.returncode == 1, p.stderr
    found = json.loads(p.stdout)
    assert {f["filename"] for f in found} == {"convex/messages.ts"}
    assert [f["code"] for f in found].count("CVX201") == 2  # the text read, not the file on disk
    # a file that does not exist yet, in the project (an unsaved editor buffer)
    p2 = cli("check", "--stdin-filename", "convex/new.ts", "-", "--output-format", "concise", cwd=root, input=MESSAGES)
    assert p2.returncode == 1 and p2.stdout.startswith("convex/new.ts:"), p2.stdout + p2.stderr
    assert "CVX201" in p2.stdout and "convex/messages.ts" not in p2.stdout
    bad = cli("check", "-", cwd=root, input="")
    assert bad.returncode == 2 and "--stdin-filename" in bad.stderr
    mixed = cli("check", "--stdin-filename", "convex/x.ts", "--fix", "-", cwd=root, input="")
    assert mixed.returncode == 2


def test_show_files_and_show_settings(tmp_path):
    root = project(tmp_path, {"convex-lsp.toml": 'ignore = ["CVX201"]\n'})
    files = cli("check", "--show-files", cwd=root)
    assert files.returncode == 0
    assert files.stdout.splitlines() == ["convex/messages.ts", "convex/schema.ts"]
    st = cli("check", "--show-settings", "--output-format", "json", cwd=root)
    assert st.returncode == 0
    data = json.loads(st.stdout)
    assert len(data) == 1 and data[0]["config_file"] == "convex-lsp.toml" and data[0]["files"] == 2
    assert "CVX201" not in data[0]["rules"] and data[0]["rules"]["CVX101"]["severity"] == "error"
    text = cli("check", "--show-settings", cwd=root).stdout
    assert "configuration: convex-lsp.toml" in text and "CVX101 missing-returns-validator: error" in text
