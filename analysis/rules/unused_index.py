"""CVX217 unused-index."""

from __future__ import annotations

from ..index import KNOWN_PACKAGE_TABLES
from ..indexes_util import index_call_range, schema_indexes_here, uses_package
from ..refs_extract import DYNAMIC
from ..registry import Rule
from ._refs import folder_fully_seen

# indexes a library reads by name from the tables it asks the app to define (or lets it redefine)
_LIBRARY_INDEXES: dict[str, dict[str, set[str]]] = {}
for (_source, _name), _tables in KNOWN_PACKAGE_TABLES.items():
    pkg = _source.split("/server")[0]
    for _t, _idxs in _tables.items():
        _LIBRARY_INDEXES.setdefault(pkg, {}).setdefault(_t, set()).update(n for n, _ in _idxs)


def _required_by_library(ctx, table: str, index: str) -> bool:
    for pkg, tables in _LIBRARY_INDEXES.items():
        if index in tables.get(table, ()) and uses_package(ctx, pkg):
            return True
    return False


def extract(model):
    """Tables this file reads through `.filter` with no index (CVX201's fix may bring an index of
    the table into use)."""
    out = set()
    for chain in model.query_chains:
        if chain.table and chain.step("filter") is not None and chain.step("withIndex") is None:
            out.add(chain.table)
    return sorted(out)


def _filtered_tables(ctx, functions_dir: str) -> set[str]:
    out: set[str] = set()
    for f in ctx.index.files_in(functions_dir):
        out.update(f.extra.get("unused_index") or ())
    return out


def check(ctx):
    d = ctx.functions_dir
    if d is None or ctx.schema is None:
        return
    idx = ctx.index
    if not idx.complete:
        return  # a server still indexing: a reference may sit in a file not read yet
    seen_ok = None
    filtered = None
    for tname, table, ix in schema_indexes_here(ctx):
        if ix.staged:
            continue
        if idx.index_references(d.path, tname, ix.name):
            continue
        if idx.index_references(d.path, tname, DYNAMIC):
            continue  # a computed index name may be this one
        if _required_by_library(ctx, tname, ix.name):
            continue
        known = {i.name for i in table.indexes}
        if idx.refs.index_names_used(d.path, tname) - known:
            continue  # a use names an index the table lacks: probably a misspelling of this one (CVX206)
        if filtered is None:
            filtered = _filtered_tables(ctx, d.path)
        if ix.kind == "db" and tname in filtered:
            continue  # a `.filter` on the table may be turned into a read through this index (CVX201)
        if seen_ok is None:
            seen_ok = folder_fully_seen(idx, d.path)
        if not seen_ok:
            return  # a file of the folder could not be read: its uses are unknown
        rng = index_call_range(ctx, ix)
        kind = {"search": "search index", "vector": "vector index"}.get(ix.kind, "index")
        how = {"search": "`withSearchIndex`", "vector": "`vectorSearch`"}.get(
            ix.kind, "`withIndex` or relationship helper (`getManyFrom`…)")
        ctx.report(
            ix.span,
            f"The {kind} `{ix.name}` on `{tname}` is not used anywhere in the workspace (no {how} names it, "
            "in the functions, tests or scripts): every write to the table maintains it for nothing",
            data={"table": tname, "index": ix.name,
                  "delete_start": rng[0] if rng else None, "delete_end": rng[1] if rng else None},
        )


RULE = Rule(
    code="CVX217",
    name="unused-index",
    severity="warning",
    spec="§4.3 Index Design",
    summary="Flags a schema index that nothing in the workspace uses: no `withIndex`/`withSearchIndex`/"
            "`vectorSearch` in any file (functions, tests, scripts) and no relationship helper of convex-helpers "
            "(`getManyFrom`, `getOneFrom`, `getManyVia`…) names it. Staged indexes, indexes a library requires "
            "(`@convex-dev/auth`'s `email`/`phone`…), tables read with a computed index name or through a `.filter` "
            "(the index may be meant for it: CVX201), tables whose queries name an index the schema lacks (a "
            "misspelling of this one?), and folders with an unreadable file are left alone.",
    why="Every index is written on every insert, patch and delete of its table and takes storage (§4.3, §12 "
        "SHOULD 6). An index no query uses costs those writes and gives nothing back; it is usually left over "
        "from a query that changed.",
    bad="""tasks: defineTable({ owner: v.string(), done: v.boolean() })
  .index("by_owner", ["owner"])
  .index("by_done", ["done"]), // nothing reads by_done""",
    good="""tasks: defineTable({ owner: v.string(), done: v.boolean() })
  .index("by_owner", ["owner"]),""",
    fix_doc="Unsafe: delete the index (a deployment drops it; a query added later that needs it must add it back).",
    fix="unsafe",
    tags=("unnecessary",),
    check=check,
)
