"""CVX205 redundant-index."""

from __future__ import annotations

from ..indexes_util import index_call_range, schema_indexes_here, workspace_index_uses
from ..registry import Rule
from ..syntax import call_args, string_value

# a read that asks for an order (`.order("desc")`: the latest, the newest n, a page) shows that the prefix
# index's `_creationTime` order within equal values matters, and the longer index would change it
ORDER_SENSITIVE = frozenset({"order"})


def extract(model):
    """(table or None, index) for the `withIndex` reads of this file that ask for an order (`.order(…)`),
    so their result depends on the order within equal index values."""
    out = set()
    for chain in model.query_chains:
        if not any(s.method in ORDER_SENSITIVE for s in chain.steps):
            continue
        for step in chain.steps:
            if step.method == "withIndex":
                args = call_args(step.call)
                name = string_value(args[0]) if args else None
                if name is not None:
                    out.add((chain.table, name))
    return sorted(out, key=lambda t: (t[0] or "", t[1]))


def _order_sensitive(ctx, table: str, index: str) -> bool:
    d = ctx.functions_dir
    for facts in ctx.index.files_in(d.path) if d is not None else ctx.index.facts.values():
        for t, name in facts.extra.get("redundant_index", ()):
            if name == index and t in (table, None):
                return True
    return False


def check(ctx):
    for tname, table, ix in schema_indexes_here(ctx):
        if ix.kind != "db" or ix.staged or not ix.fields_ok or not ix.fields:
            continue
        n = len(ix.fields)
        cover = None
        for other in table.indexes:
            if other is ix or other.kind != "db" or other.staged or not other.fields_ok:
                continue
            if len(other.fields) > n and tuple(other.fields[:n]) == tuple(ix.fields):
                if cover is None or len(other.fields) < len(cover.fields):
                    cover = other
        if cover is None or _order_sensitive(ctx, tname, ix.name):
            continue
        rng = index_call_range(ctx, ix)
        ctx.report(
            ix.span,
            f"Index `{ix.name}` on `{tname}` is redundant: `{cover.name}` starts with the same "
            f"field{'s' if n > 1 else ''} and serves the same queries (within a match it orders by "
            f"`{cover.fields[n]}` rather than `_creationTime`)",
            data={
                "table": tname,
                "index": ix.name,
                "covering": cover.name,
                "covering_fields": list(cover.fields),
                "delete_start": rng[0] if rng else None,
                "delete_end": rng[1] if rng else None,
                "uses": workspace_index_uses(ctx, tname, ix.name),
            },
        )


RULE = Rule(
    code="CVX205",
    name="redundant-index",
    severity="warning",
    spec="§4.3 Index Design",
    summary="Flags a database index whose field list is a strict prefix of another index's on the same "
            "table (`[\"channelId\"]` next to `[\"channelId\", \"authorId\"]`). Staged indexes are ignored on "
            "both sides, and so is a prefix index read anywhere in the workspace with `.order(…)` (the latest "
            "documents, the newest n, a page in time order): its `_creationTime` order within equal values is "
            "then what the code asks for, and the covering index would return other documents.",
    why="Indexes match on any prefix of their fields, so the longer index already answers every query the "
        "shorter one does. Each extra index costs storage and slows every write to the table (§4.3, "
        "§12 MUST NOT 4, SHOULD 6). Keep the shorter one only if you rely on its `_creationTime` order "
        "within equal values.",
    bad="""messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
  .index("by_channelId", ["channelId"])
  .index("by_channelId_and_authorId", ["channelId", "authorId"]),""",
    good="""messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
  .index("by_channelId_and_authorId", ["channelId", "authorId"]),""",
    fix_doc="Unsafe: delete the index and point its `withIndex` uses at the covering index (results within "
            "equal values may come back in a different order).",
    fix="unsafe",
    tags=("unnecessary",),
    check=check,
)
