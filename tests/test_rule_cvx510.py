import pytest

from convex_lsp.quickfixes import apply_edits, fixes_for
from tests.ruletester import invalid, lint_files, run_case, valid

ACTION = """
export const hash = action({
  args: { s: v.string() },
  handler: async (_ctx, { s }) => createHash("sha256").update(s).digest("hex"),
});
"""

CASES = [
    valid('''
// Node runtime: crypto
/* eslint-disable */
"use node";
import { action } from "./_generated/server";
import { v } from "convex/values";
import { createHash } from "node:crypto";
''' + ACTION, filename="convex/hash.ts", name="directive after comments"),
    valid('''
        "use strict";
        "use node";
        import { action } from "./_generated/server";
    ''', filename="convex/hash.ts", name="after another directive: still the prologue"),
    valid('''
        import { query } from "./_generated/server";
        export const label = query({ args: {}, handler: async () => "use node" });
    ''', name="the words in a value"),
    invalid('''
import { action } from "./_generated/server";
import { v } from "convex/values";
import { createHash } from "node:crypto";
"use node";
''' + ACTION, [4], filename="convex/hash.ts", message="move it to the top", name="after the imports"),
    invalid("""
        // @ts-nocheck
        import { internalAction } from "./_generated/server";
        'use node'
        export const ping = internalAction({ args: {}, handler: async () => null });
    """, [3], filename="convex/jobs/ping.ts", name="single quotes, no semicolon, nested module"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_misplaced_use_node(tmp_path, case):
    run_case(tmp_path, "misplaced-use-node", case)


def test_fix_moves_it_and_missing_use_node_stays_quiet(tmp_path):
    code = CASES[3].code
    fs = lint_files(tmp_path, {"convex/hash.ts": code}, select=["CVX501", "CVX510"])
    assert [f.code for f in fs] == ["CVX510"]
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    an = Analyzer(discover([str(tmp_path)]), Config(root=str(tmp_path)))
    an.load_all()
    path = str(tmp_path / "convex/hash.ts")
    f = next(f for f in an.lint(path) if f.code == "CVX510")
    fx = fixes_for(f, an)
    assert fx and fx[0].applicability == "safe"
    out = apply_edits(an.models[path].src.data, fx[0].edits).decode()
    assert out.startswith('"use node";\n\nimport { action }')
    assert out.count("use node") == 1
    an.load(path, out.encode())
    assert not [f for f in an.lint(path) if f.code in ("CVX510", "CVX501")]
