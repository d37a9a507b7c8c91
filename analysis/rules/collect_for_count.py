"""CVX203 collect-for-count."""

from __future__ import annotations

from ..indexes_util import dot_span
from ..registry import Rule
from ..syntax import FUNCTION_TYPES, text, up


def _is_length_of(node) -> bool:
    """`<node>.length` (node possibly wrapped in parens/await/as)."""
    outer = up(node)
    p = outer.parent
    return (p is not None and p.type == "member_expression"
            and p.child_by_field_name("object") is not None and p.child_by_field_name("object").id == outer.id
            and text(p.child_by_field_name("property")) == "length")


def _only_length_uses(decl, name: str) -> bool:
    """Every other mention of `name` in the enclosing function is `name.length` (at least one)."""
    scope = decl.parent
    while scope is not None and scope.type not in FUNCTION_TYPES and scope.type != "program":
        scope = scope.parent
    if scope is None or scope.type == "program":
        return False
    name_node = decl.child_by_field_name("name")
    uses = 0
    stack = [scope]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier") and text(n) == name and n.id != name_node.id:
            if n.type == "shorthand_property_identifier" or not _is_length_of(n):
                return False
            uses += 1
        stack.extend(n.children)
    return uses > 0


def check(ctx):
    for chain in ctx.model.query_chains:
        term = chain.terminal
        if term is None or term.method != "collect" or chain.outer.id != term.call.id:
            continue
        expr = up(term.call)
        counted = _is_length_of(term.call)
        var = None
        if not counted:
            p = expr.parent
            if p is not None and p.type == "variable_declarator" and p.child_by_field_name("value") is not None \
                    and p.child_by_field_name("value").id == expr.id:
                pat = p.child_by_field_name("name")
                if pat is not None and pat.type == "identifier":
                    var = text(pat)
                    counted = _only_length_uses(p, var)
        if not counted:
            continue
        prop = term.member.child_by_field_name("property")
        ctx.report(
            dot_span(term.member, term.call),
            f"`.collect()` loads every matching `{chain.table or 'document'}` only to count them; keep a "
            "denormalized count, or count a bounded page (`.take(n)`, showing \"n+\")",
            data={"table": chain.table, "variable": var,
                  "collect_start": prop.start_byte, "collect_end": term.call.end_byte},
        )


RULE = Rule(
    code="CVX203",
    name="collect-for-count",
    severity="warning",
    spec="§4.2 Denormalized Counts",
    summary="Flags a query's `.collect()` whose result is used only for its `.length`, either directly "
            "(`(await q.collect()).length`) or through a variable that is read nowhere else.",
    why="Counting by collecting reads every matching document, so the cost grows with the data and the "
        "query re-runs whenever any of them changes. Keep a counter updated by the writes, or count a "
        "bounded page and show \"99+\" (§4.2).",
    bad="""const unread = await ctx.db
  .query("messages")
  .withIndex("by_channelId", (q) => q.eq("channelId", channelId))
  .collect();
return unread.length;""",
    good="""const stats = await ctx.db
  .query("channelStats")
  .withIndex("by_channelId", (q) => q.eq("channelId", channelId))
  .unique();
return stats?.messageCount ?? 0;""",
    fix_doc="No automatic fix: a counter needs a table and updates in every write path.",
    fix=None,
    check=check,
)
