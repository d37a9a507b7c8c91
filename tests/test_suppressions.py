"""Suppression comments (analysis/model.py parsing, analysis/engine.py application) and CVX901."""


from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from tests.ruletester import lint_files, write_project

HEAD = """import { query } from "./_generated/server";
import { v } from "convex/values";
"""


def fn(name: str, filt: str = '.filter((q) => q.eq(q.field("done"), false))', pre: str = "", returns: bool = True):
    """A query with one `.filter` (CVX201) on its own line; `pre` goes on the line before it."""
    ret = "  returns: v.any(),\n" if returns else ""
    return (f"export const {name} = query({{\n  args: {{}},\n{ret}  handler: async (ctx) => {{\n"
            f"    return await ctx.db.query(\"tasks\")\n{pre}      {filt}\n      .take(5);\n  }},\n}});\n")


def run(tmp_path, code: str, select=("CVX201", "CVX101", "CVX901"), config: Config | None = None):
    cfg = config or Config(root=str(tmp_path))
    if select is not None:
        cfg.select = set(select)
    found = lint_files(tmp_path, {"convex/tasks.ts": code}, cfg)
    return sorted((f.code, f.srow + 1) for f in found if f.path == "convex/tasks.ts")


def line_of(code: str, needle: str, nth: int = 1) -> int:
    hits = [i + 1 for i, l in enumerate(code.splitlines()) if needle in l]
    return hits[nth - 1]


def test_baseline_findings(tmp_path):
    code = HEAD + fn("a")
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter("))]


def test_disable_next_line_by_name_and_by_code(tmp_path):
    code = HEAD + fn("a", pre="      // convex-lsp-disable-next-line no-query-filter\n") \
        + fn("b", pre="      // convex-lsp-disable-next-line CVX201\n") \
        + fn("c", pre="      // convex-lsp-disable-next-line cvx201 -- scans at most five rows\n")
    assert run(tmp_path, code) == []


def test_disable_next_line_applies_to_the_next_line_only(tmp_path):
    code = HEAD + fn("a", pre="      // convex-lsp-disable-next-line no-query-filter\n      .order(\"desc\")\n")
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter(")),
                                   ("CVX901", line_of(code, "disable-next-line"))]


def test_disable_next_line_list_of_rules(tmp_path):
    code = HEAD + ("// convex-lsp-disable-next-line missing-returns-validator, no-query-filter\n"
                   + fn("a", returns=False))
    # CVX101 sits on the `export const a = query({` line, CVX201 further down: only CVX101 is suppressed,
    # and the comment is used, so no CVX901
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter("))]


def test_disable_next_line_other_rule_does_not_suppress(tmp_path):
    code = HEAD + fn("a", pre="      // convex-lsp-disable-next-line unbounded-collect\n")
    got = run(tmp_path, code, select=("CVX201", "CVX202", "CVX901"))
    assert got == [("CVX201", line_of(code, ".filter(")), ("CVX901", line_of(code, "disable-next-line"))]


def test_disable_line_at_end_of_line(tmp_path):
    code = HEAD + fn("a", filt='.filter((q) => q.eq(q.field("done"), false)) // convex-lsp-disable-line no-query-filter') \
        + fn("b", filt='.filter((q) => q.eq(q.field("done"), true)) /* convex-lsp-disable-line CVX201 */')
    assert run(tmp_path, code) == []


def test_disable_line_on_another_line_does_not_suppress(tmp_path):
    code = HEAD + fn("a", pre="      .order(\"asc\") // convex-lsp-disable-line no-query-filter\n")
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter(")),
                                   ("CVX901", line_of(code, "disable-line"))]


def test_no_rule_given_suppresses_every_rule(tmp_path):
    code = HEAD + "// convex-lsp-disable-next-line\n" + fn("a", returns=False).replace(
        "export const a = query({\n", "export const a = query({ args: {}, handler: async (ctx) => ctx.db.query(\"t\").filter((q) => q).take(1) });\nconst unused = {\n", 1)
    got = run(tmp_path, code)
    assert not [g for g in got if g[1] == line_of(code, "export const a")]
    assert ("CVX901", line_of(code, "disable-next-line")) not in got


def test_file_level_block_comment_before_first_statement(tmp_path):
    code = "/* convex-lsp-disable no-query-filter */\n" + HEAD + fn("a") + fn("b")
    assert run(tmp_path, code) == []


def test_file_level_without_rules_suppresses_all(tmp_path):
    code = "/* convex-lsp-disable */\n" + HEAD + fn("a", returns=False) + fn("b")
    assert run(tmp_path, code) == []


def test_file_level_after_first_statement_has_no_effect(tmp_path):
    code = HEAD + "/* convex-lsp-disable no-query-filter */\n" + fn("a")
    got = run(tmp_path, code)
    assert ("CVX201", line_of(code, ".filter(")) in got
    assert ("CVX901", line_of(code, "convex-lsp-disable")) in got  # told it does nothing there


def test_file_level_only_named_rules(tmp_path):
    code = "/* convex-lsp-disable CVX101 */\n" + HEAD + fn("a", returns=False)
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter("))]


def test_unused_suppression_reported_and_not_when_used(tmp_path):
    code = HEAD + "// convex-lsp-disable-next-line no-query-filter\nconst x = 1;\n" \
        + fn("a", pre="      // convex-lsp-disable-next-line no-query-filter\n")
    assert run(tmp_path, code) == [("CVX901", line_of(code, "disable-next-line", 1))]


def test_unused_suppression_without_rules(tmp_path):
    code = HEAD + "export const x = 1; // convex-lsp-disable-line\n"
    assert run(tmp_path, code) == [("CVX901", 3)]


def test_unused_suppression_off_when_disabled(tmp_path):
    code = HEAD + "// convex-lsp-disable-next-line no-query-filter\nconst x = 1;\n"
    assert run(tmp_path, code, select=("CVX201",)) == []


def test_suppression_of_a_rule_that_is_off_is_not_unused(tmp_path):
    # http-route-without-auth is opt-in: a comment for it must not be called unused in the default config
    code = HEAD + "// convex-lsp-disable-next-line http-route-without-auth\nconst x = 1;\n"
    assert run(tmp_path, code, select=None) == []
    # ... but one naming an unknown rule is
    code2 = HEAD + "// convex-lsp-disable-next-line no-such-rule\nconst x = 1;\n"
    assert run(tmp_path, code2, select=None) == [("CVX901", 3)]


def test_prose_and_strings_mentioning_the_directive_are_not_suppressions(tmp_path):
    code = HEAD + ('// to silence it, write convex-lsp-disable-next-line no-query-filter above the call\n'
                   'export const tip = "// convex-lsp-disable-next-line no-query-filter";\n') + fn("a")
    assert run(tmp_path, code) == [("CVX201", line_of(code, ".filter("))]


def test_relinting_recomputes_unused(tmp_path):
    """The server lints a model again when another file changes: `used` must not leak between runs."""
    functions = 'import { query as raw } from "./_generated/server";\nexport const query = raw;\n'
    code = ('import { query } from "./functions";\n'
            "// convex-lsp-disable-next-line missing-returns-validator\n"
            "export const a = query({ args: {}, handler: async () => null });\n")
    root = write_project(tmp_path, {"convex/tasks.ts": code, "convex/functions.ts": functions})
    cfg = Config(root=root)
    cfg.select = {"CVX101", "CVX901"}
    an = Analyzer(discover([root]), cfg)
    an.load_all()
    path = next(p for p in an.models if p.endswith("tasks.ts"))
    fpath = next(p for p in an.models if p.endswith("functions.ts"))
    assert [f.code for f in an.lint(path)] == []  # CVX101 suppressed
    # functions.ts no longer exports a Convex builder: `a` is not a Convex function any more
    an.load(fpath, b"export const query = (x: unknown) => x;\n")
    assert [(f.code, f.srow + 1) for f in an.lint(path)] == [("CVX901", 2)]
    an.load(fpath, functions.encode())
    assert [f.code for f in an.lint(path)] == []
