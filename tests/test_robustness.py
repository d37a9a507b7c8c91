"""Bad input: unreadable files (CVX902), syntax errors, pathological nesting, odd project layouts."""

import logging
import os
import time

import pytest

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.registry import all_rules
from convex_lsp.analysis.source import MAX_FILE_BYTES, MAX_TREE_DEPTH, SourceFile
from tests.ruletester import lint_files, write_project

# one CVX201 finding (line 6) in an otherwise clean query
GOOD = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const list = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), false)).take(10),
});
"""


def by_file(findings):
    out = {}
    for f in findings:
        out.setdefault(f.path, []).append((f.code, f.srow + 1, f.scol + 1))
    return out


@pytest.fixture
def no_crash(caplog):
    """Fails the test when a rule or fact extractor crashed (the engine logs and swallows those)."""
    caplog.set_level(logging.ERROR, logger="convex_lsp")
    yield
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashes, crashes


UNREADABLE = {
    "binary": b"\x00\x01\x02\x03TSX\x00\xff\xfe" * 64,
    "invalid utf-8": b'export const a = "caf\xe9";\n',
    "utf-16 with bom": b"\xff\xfe" + 'import { query } from "./_generated/server";\n'.encode("utf-16-le"),
    "over 2 MB": b"// padding\n" * (MAX_FILE_BYTES // 11 + 10) + GOOD.encode(),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_file_gets_one_parse_error_at_the_top(tmp_path, kind, no_crash):
    data = UNREADABLE[kind]
    found = by_file(lint_files(tmp_path, {"convex/bad.ts": data, "convex/good.ts": GOOD}))
    assert found["convex/bad.ts"] == [("CVX902", 1, 1)]
    assert found["convex/good.ts"] == [("CVX201", 6, 48)]  # the rest of the project is still checked


def test_unreadable_file_is_skipped_by_the_index(tmp_path):
    root = write_project(tmp_path, {"convex/bad.ts": UNREADABLE["binary"], "convex/good.ts": GOOD})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    bad = next(p for p in an.models if p.endswith("bad.ts"))
    assert an.models[bad].src.tree is None
    assert an.index.facts[bad].registrations == [] and an.index.facts[bad].error


def test_unreadable_buffer_from_the_editor(tmp_path):
    root = write_project(tmp_path, {"convex/good.ts": GOOD})
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    path = next(p for p in an.models if p.endswith("good.ts"))
    an.load(path, b"\xff\xfe\x00\x00binary")
    assert [(f.code, f.srow, f.scol) for f in an.lint(path)] == [("CVX902", 0, 0)]
    an.load(path, GOOD.encode())
    assert [f.code for f in an.lint(path)] == ["CVX201"]


def test_parse_error_can_be_turned_off(tmp_path):
    cfg = Config(root=str(tmp_path))
    cfg.ignore = {"CVX902"}
    found = lint_files(tmp_path, {"convex/bad.ts": UNREADABLE["binary"]}, cfg)
    assert [f for f in found if f.path == "convex/bad.ts"] == []


def test_utf8_bom_is_fine(tmp_path, no_crash):
    found = by_file(lint_files(tmp_path, {"convex/bom.ts": b"\xef\xbb\xbf" + GOOD.encode()}))
    assert found == {"convex/bom.ts": [("CVX201", 6, 48)]}


@pytest.mark.parametrize("data", [b"", b"\n\n", b"// only a comment\n", b"   \t  "], ids=repr)
def test_empty_and_trivial_files(tmp_path, data, no_crash):
    assert lint_files(tmp_path, {"convex/empty.ts": data}) == []


def test_no_finding_inside_syntax_errors_but_findings_elsewhere(tmp_path, no_crash):
    code = """import { query } from "./_generated/server";
import { v } from "convex/values";
export const broken = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => {
    #! ctx.db.query("tasks").filter((q) => q.eq(q.field("a"), 1)).take(3) #!
  },
});
export const unclosed = query({
  args: {},
  returns: v.any(),
  handler: async (ctx) => {
    return await ctx.db.query("tasks").filter((q) => q.eq(q.field("a"), 1).take(3);
  },
});
""" + GOOD.replace('import { query } from "./_generated/server";\nimport { v } from "convex/values";\n', "")
    found = by_file(lint_files(tmp_path, {"convex/mixed.ts": code}))
    codes = found.get("convex/mixed.ts", [])
    good_line = code.splitlines().index(next(l for l in code.splitlines() if "done" in l)) + 1
    assert ("CVX201", good_line, 48) in codes
    assert not [c for c in codes if c[1] in (7, 14)], codes  # nothing inside the ERROR / MISSING regions


NESTED = {
    "parentheses": "export const x = " + "(" * 5000 + "1" + ")" * 5000 + ";\n",
    "arrays": "export const x = " + "[" * 5000 + "]" * 5000 + ";\n",
    "calls": "export const x = " + "f(" * 5000 + "ctx" + ")" * 5000 + ";\n",
    "objects": "export const x = " + "{ a: " * 3000 + "1" + " }" * 3000 + ";\n",
    "member chain": 'export const x = (ctx: any) => ctx.db.query("t")' + '.filter((q) => q)' * 3000 + ".take(1);\n",
    "binary": "export const x = " + " + ".join(["ctx.db"] * 5000) + ";\n",
    "arrows": "export const x = " + "(ctx) => " * 3000 + "ctx.db.get(ctx);\n",
    "blocks": "export function f(ctx: any) {" + "if (ctx) {" * 3000 + "ctx.db.get(ctx);" + "}" * 3000 + "}\n",
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_deep_nesting_does_not_crash_or_hang(tmp_path, kind, no_crash):
    t0 = time.monotonic()
    found = by_file(lint_files(tmp_path, {"convex/deep.ts": NESTED[kind], "convex/good.ts": GOOD}))
    assert time.monotonic() - t0 < 20
    assert found.get("convex/deep.ts", []) in ([], [("CVX902", 1, 1)])
    assert found["convex/good.ts"] == [("CVX201", 6, 48)]


def test_nesting_below_the_limit_is_analysed(tmp_path, no_crash):
    """Deep, but within the limit: analysed completely, without Python recursion errors."""
    depth = MAX_TREE_DEPTH - 40
    code = GOOD + "export const table = " + "[" * depth + "1" + "]" * depth + ";\n" + \
        'export const t2 = query({ args: {}, returns: v.any(), handler: async (ctx) => ' + \
        "(" * 100 + 'ctx.db.query("tasks").filter((q) => q.eq(q.field("x"), 1)).take(1)' + ")" * 100 + " });\n"
    found = by_file(lint_files(tmp_path, {"convex/deep.ts": code}))
    assert [c[:2] for c in found["convex/deep.ts"]] == [("CVX201", 6), ("CVX201", 9)]


SCHEMA_CODES = {"CVX106", "CVX204", "CVX205", "CVX206", "CVX207", "CVX208", "CVX210", "CVX212"}
SCHEMA_USER = """import { query, mutation } from "./_generated/server";
import { v } from "convex/values";
export const byOwner = query({
  args: { ownerId: v.string() },
  returns: v.any(),
  handler: async (ctx, { ownerId }) =>
    ctx.db.query("notATable").withIndex("by_nothing", (q) => q.eq("ownerId", ownerId)).first(),
});
export const add = mutation({
  args: { projectId: v.string() },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    const p = await ctx.db.get(projectId as any);
    await ctx.db.insert("ghosts", { projectId });
    return null;
  },
});
"""


@pytest.mark.parametrize("schema", [None, "export default {};\n", "import { x } from 'y';\nexport default x;\n"],
                         ids=["no schema.ts", "schema.ts without defineSchema", "opaque schema"])
def test_schema_rules_are_silent_without_a_schema(tmp_path, schema, no_crash):
    files = {"convex/things.ts": SCHEMA_USER}
    if schema is not None:
        files["convex/schema.ts"] = schema
    cfg = Config(root=str(tmp_path))
    cfg.select = {r.code for r in all_rules()}  # every rule, opt-in ones included
    found = lint_files(tmp_path, files, cfg)
    assert not [f for f in found if f.code in SCHEMA_CODES], [(f.code, f.message) for f in found]


def test_schema_rules_do_fire_with_a_schema(tmp_path):
    """Counterpart of the test above: the same code with a schema is reported."""
    schema = """import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({ tasks: defineTable({ done: v.boolean() }) });
"""
    found = lint_files(tmp_path, {"convex/things.ts": SCHEMA_USER, "convex/schema.ts": schema})
    assert {"CVX208"} <= {f.code for f in found}


@pytest.mark.parametrize("convex_json", [
    None,
    "{ this is not json",
    "[1, 2, 3]",
    '{"functions": 42}',
    '{"functions": "missing-folder/"}',
    '\ufeff{"node": {"externalPackages": ["sharp"]}}',
], ids=["no convex.json", "unparseable", "not an object", "functions not a string", "functions folder missing",
        "BOM"])
@pytest.mark.parametrize("package_json", [True, False], ids=["with package.json", "without package.json"])
def test_convex_json_missing_or_broken_falls_back_to_convex_folder(tmp_path, convex_json, package_json, no_crash):
    files = {"app/convex/good.ts": GOOD}
    if package_json:
        files["app/package.json"] = '{"dependencies": {"convex": "^1.25.0"}}'
    if convex_json is not None:
        files["app/convex.json"] = convex_json
    if not package_json and convex_json is None:
        pytest.skip("neither file: not a project (covered by the bare-folder discovery tests)")
    root = write_project(tmp_path, files)
    os.remove(os.path.join(root, "package.json"))  # only the app's own files
    ws = discover([root])
    assert [os.path.relpath(d.path, root) for d in ws.functions_dirs] == ["app/convex"]
    an = Analyzer(ws, Config(root=root))
    paths = an.load_all()
    assert [f.code for p in paths for f in an.lint(p)] == ["CVX201"]


def test_convex_json_functions_folder_is_used(tmp_path):
    root = write_project(tmp_path, {"convex.json": '\ufeff{"functions": "src/backend/"}', "src/backend/good.ts": GOOD,
                                    "convex/stale.ts": GOOD})
    ws = discover([root])
    assert [os.path.relpath(d.path, root) for d in ws.functions_dirs] == ["src/backend"]


def test_sourcefile_never_raises(tmp_path):
    for data in list(UNREADABLE.values()) + [b"\xef\xbb\xbf", b"\r\n\r\n", "é".encode() * 10]:
        src = SourceFile.from_bytes(str(tmp_path / "x.ts"), data)
        assert (src.tree is None) == (src.error is not None)
    missing = SourceFile.load(str(tmp_path / "does-not-exist.ts"))
    assert missing.tree is None and "cannot read" in missing.error
