"""CVX206 unknown-index."""

from __future__ import annotations

from ..indexes_util import BUILTIN_INDEXES, closest, named_index_steps
from ..registry import Rule


def check(ctx):
    for chain, table, step, name_node, name, want in named_index_steps(ctx):
        t = chain.table
        if want == "db" and name in BUILTIN_INDEXES:
            continue
        same = [i.name for i in table.indexes if i.kind == want]
        if want == "db":
            same += list(BUILTIN_INDEXES)
        found = next((i for i in table.indexes if i.name == name), None)
        if found is not None and found.kind == want:
            continue
        kind_word = "search index" if want == "search" else "index"
        if found is not None:
            other = {"db": "a database index", "search": "a search index", "vector": "a vector index"}[found.kind]
            msg = f"`{name}` on `{t}` is {other}, not a {kind_word}; `{step.method}` cannot use it"
        else:
            msg = f"Table `{t}` has no {kind_word} `{name}` in the schema"
        cands = [c for c in closest(name, same) if c not in BUILTIN_INDEXES or c == name]
        if cands:
            msg += f"; did you mean `{cands[0]}`?"
        elif not [i for i in table.indexes if i.kind == want]:
            msg += f" (it defines no {kind_word}es)"
        ctx.report(
            (name_node.start_byte, name_node.end_byte),
            msg,
            data={"table": t, "index": name, "method": step.method, "candidates": cands,
                  "name_start": name_node.start_byte + 1, "name_end": name_node.end_byte - 1},
        )


RULE = Rule(
    code="CVX206",
    name="unknown-index",
    severity="error",
    spec="§4.3 Index Design",
    summary="Flags `withIndex(\"x\")` (or `withSearchIndex(\"x\")`) on a query of a table whose schema "
            "defines no such index of that kind. The built-in `by_id` and `by_creation_time` are known; "
            "without a schema, or for tables whose definition cannot be read, it stays silent.",
    why="The query fails at run time when the index does not exist, typically after an index was renamed "
        "or removed in the schema while a caller kept the old name (§4.3).",
    bad="""await ctx.db.query("messages").withIndex("by_channel", (q) => q.eq("channelId", id)).take(50);
// schema: .index("by_channelId", ["channelId"])""",
    good="""await ctx.db.query("messages").withIndex("by_channelId", (q) => q.eq("channelId", id)).take(50);""",
    fix_doc="Unsafe: replace the name with the closest existing index of the table (offered as \"did you "
            "mean\").",
    fix="unsafe",
    check=check,
)
