"""CVX212 first-on-unique-index."""

from __future__ import annotations

import re

from ..convex import index_eq_fields
from ..indexes_util import dot_span, chains_on_known_tables
from ..registry import Rule
from ..syntax import call_args, string_value


_LITERAL_TYPES = {"true", "false", "null", "undefined", "number", "string", "template_string"}
_CATEGORY_VALIDATOR_RE = re.compile(r"^\s*v\.(?:boolean|literal|union\(\s*v\.literal)")


def _looks_like_flag(value_args, validator: str) -> bool:
    """A literal compared value, or a boolean/enum field, marks a category lookup."""
    if value_args and value_args[0].type in _LITERAL_TYPES:
        return True
    return bool(_CATEGORY_VALIDATOR_RE.match(validator or ""))


def check(ctx):
    schema = ctx.schema
    for chain, table in chains_on_known_tables(ctx):
        t = chain.table
        steps = chain.steps
        for i, step in enumerate(steps[:-1]):
            if step.method != "withIndex" or steps[i + 1].method != "first":
                continue
            args = call_args(step.call)
            name = string_value(args[0]) if args else None
            ix = schema.index(t, name) if name else None
            if ix is None or ix.kind != "db" or not ix.fields_ok or not ix.fields or len(args) < 2:
                continue
            ops = index_eq_fields(args[1])
            if not ops or any(op != "eq" for op, _, _ in ops):
                continue
            if tuple(f for _, f, _ in ops) != tuple(ix.fields):
                continue
            if any(_looks_like_flag(call_args(node)[1:2], table.fields.get(f, "") if table else "")
                   for _, f, node in ops):
                continue  # `eq("done", true)`, `eq("status", "pending")`: a category, not a key
            first = steps[i + 1]
            prop = first.member.child_by_field_name("property")
            ctx.report(
                dot_span(first.member, first.call),
                f"Every field of `{name}` is pinned with `eq`, so this looks up one document: `.unique()` "
                "says so and throws if duplicates ever appear, where `.first()` would silently pick one",
                data={"table": t, "index": name, "first_start": prop.start_byte, "first_end": prop.end_byte},
            )


RULE = Rule(
    code="CVX212",
    name="first-on-unique-index",
    severity="hint",
    spec="§13 Quick Reference",
    summary="Suggests `.unique()` for `.first()` placed directly after a `withIndex` whose range fixes every "
            "field of the index with `eq`. Partial ranges, an `.order()` or `.filter()` between "
            "`withIndex` and `.first()`, and lookups of a category rather than a key (a literal value such "
            "as `true` or `\"pending\"`, or a boolean/enum field) are not reported.",
    why="When the index fields identify a single document, `.unique()` documents that expectation and "
        "fails loudly if a bug ever inserts a duplicate; `.first()` hides the duplicate and returns an "
        "arbitrary match (§13).",
    bad="""const user = await ctx.db
  .query("users")
  .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
  .first();""",
    good="""const user = await ctx.db
  .query("users")
  .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
  .unique();""",
    fix_doc="No automatic fix: switching to `.unique()` makes the call throw when duplicates exist.",
    fix=None,
    check=check,
)
