"""CVX510 misplaced-use-node."""

from __future__ import annotations

from typing import Optional

from tree_sitter import Node

from ..registry import Rule
from ..syntax import string_value


def misplaced_use_node(model) -> Optional[Node]:
    """The top-level `"use node";` statement that comes after other code (so Convex does not read it
    as a directive), when the file has no `"use node"` directive where it counts. Asked by this rule
    and by CVX501 for every file: answered once per model (its memo)."""
    memo = model.memo
    if misplaced_use_node in memo:
        return memo[misplaced_use_node]
    found = memo[misplaced_use_node] = _misplaced_use_node(model)
    return found


def _misplaced_use_node(model) -> Optional[Node]:
    if model.facts.use_node or b"use node" not in model.src.data:
        return None  # (the string's text is in the bytes as written: no escapes are read)
    for stmt in model.root.named_children:
        if stmt.type != "expression_statement" or len(stmt.named_children) != 1:
            continue
        if stmt.named_children[0].type == "string" and string_value(stmt.named_children[0]) == "use node":
            return stmt
    return None


def check(ctx):
    if ctx.functions_dir is None:
        return
    stmt = misplaced_use_node(ctx.model)
    if stmt is None:
        return
    ctx.report(stmt, "\"use node\" is not the first statement of the file, so Convex ignores it and this file "
                     "runs in the default runtime; move it to the top (only comments may come before it)",
               data={"stmt_start": stmt.start_byte, "stmt_end": stmt.end_byte})


RULE = Rule(
    code="CVX510",
    name="misplaced-use-node",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags a `\"use node\";` statement at the top level of a file of the functions folder that is not "
            "in the file's directive prologue: an import, a declaration or any other code comes before it. "
            "Comments (and other directives such as `\"use strict\"`) before it are fine.",
    why="Convex reads `\"use node\"` as a JavaScript directive, and a directive only counts at the very start "
        "of a file. Placed after the imports it is an ordinary string expression: the file is bundled for the "
        "default runtime, and its Node-only imports fail at deploy or at run time (§12 MUST 5).",
    bad="""import { action } from "./_generated/server";
import { createHash } from "node:crypto";
"use node";""",
    good="""\"use node\";
import { action } from "./_generated/server";
import { createHash } from "node:crypto";""",
    fix_doc="Safe: move the directive to the top of the file (after leading comments).",
    fix="safe",
    check=check,
)
