"""CVX204 index-name-fields."""

from __future__ import annotations

from ..indexes_util import expected_index_name, index_name_deployable, schema_indexes_here, uses_package, workspace_index_uses
from ..registry import Rule

# (package, table) -> index names that package looks up by name, so they must stay as they are.
LIBRARY_INDEX_NAMES = {
    ("@convex-dev/auth", "users"): {"email", "phone"},
}


def _follows_by_convention(ctx) -> bool:
    """Does this schema name any of its indexes `by_…`? A component's schema that never does has a
    naming scheme of its own (its indexes are its API to itself); renaming all of it is noise. An
    application's schema follows the convention whatever it does today."""
    schema = ctx.schema
    if schema is None:
        return True
    d = ctx.functions_dir
    if d is None or d.kind != "component":
        return True
    return any(ix.name.startswith("by_") for t in schema.tables.values() for ix in t.indexes if ix.kind == "db"
               and not ix.file.startswith("@"))


def check(ctx):
    exempt_cache: dict[str, set[str]] = {}
    if not _follows_by_convention(ctx):
        return
    for tname, table, ix in schema_indexes_here(ctx):
        if ix.kind != "db" or not ix.fields_ok or not ix.fields or ix.staged:
            continue
        if len(set(ix.fields)) != len(ix.fields) or any(p.startswith("_") for f in ix.fields for p in f.split(".")):
            continue  # an invalid field list is CVX207's finding; no name to suggest
        want = expected_index_name(ix.fields)
        if ix.name == want or not index_name_deployable(want):
            continue  # already conventional, or the conventional name (`by_id`, …) is one Convex rejects
        if tname not in exempt_cache:
            names: set[str] = set()
            for (pkg, t), idx in LIBRARY_INDEX_NAMES.items():
                if t == tname and uses_package(ctx, pkg):
                    names |= idx
            exempt_cache[tname] = names
        if ix.name in exempt_cache[tname]:
            continue
        taken = {i.name for i in table.indexes}
        fields = ", ".join(f"`{f}`" for f in ix.fields)
        twins = [i.name for i in table.indexes if i is not ix and i.kind == "db" and i.fields_ok
                 and tuple(i.fields) == tuple(ix.fields)]
        if twins and want not in taken:
            # another index lists the same fields: both renames would give one name twice
            ctx.report(
                ix.span,
                f"Index `{ix.name}` on `{tname}` should be named `{want}`, but `{tname}` also has `{twins[0]}` "
                f"over the same fields ({fields}); no automatic rename: remove one of the two",
                data={"table": tname, "old": ix.name, "new": want,
                      "blocked": f"`{tname}` also has `{twins[0]}` over the same fields"},
            )
            continue
        if want in taken:
            # the rename would collide: say so, and offer no fix
            ctx.report(
                ix.span,
                f"Index `{ix.name}` on `{tname}` should be named `{want}`, but `{tname}` already has an index "
                f"`{want}` over the same fields ({fields}); no automatic rename: remove one of the two",
                data={"table": tname, "old": ix.name, "new": want, "blocked": f"`{tname}` already has an index `{want}`"},
            )
            continue
        ctx.report(
            ix.span,
            f"Index `{ix.name}` on `{tname}` should be named `{want}`: an index name lists its fields "
            f"({fields}) in order, joined with `_and_`",
            data={
                "table": tname,
                "old": ix.name,
                "new": want,
                "fields": list(ix.fields),
                "name_start": ix.name_span.start,
                "name_end": ix.name_span.end,
                "uses": workspace_index_uses(ctx, tname, ix.name),
            },
        )


RULE = Rule(
    code="CVX204",
    name="index-name-fields",
    severity="warning",
    spec="§4.3 Index Design",
    summary="Flags a database index whose name is not `by_` followed by its fields in order, joined with "
            "`_and_` (`[\"channelId\", \"authorId\"]` → `by_channelId_and_authorId`; a nested field `a.b` "
            "is spelled `a_b`). Search and vector indexes, staged indexes and names a library requires "
            "(`@convex-dev/auth` finds `users` through `email` and `phone`) are exempt, and so is a component's "
            "schema that names none of its indexes `by_…` (a component follows a convention of its own). An "
            "application's schema is held to the convention even when none of its indexes follows it yet.",
    why="When the name spells out the fields, every `withIndex(\"…\", (q) => q.eq(…))` call can be checked "
        "by eye: the range must follow the fields in the order the name gives. Names like `byChannel` hide "
        "whether an index also covers a second field (§4.3, §12 MUST 9).",
    bad="""messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
  .index("byChannel", ["channelId", "authorId"]),""",
    good="""messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users") })
  .index("by_channelId_and_authorId", ["channelId", "authorId"]),""",
    fix_doc="Safe: rename the index in the schema and every `withIndex(\"<old>\")` on that table across the "
            "workspace in one edit.",
    fix="safe",
    check=check,
)
