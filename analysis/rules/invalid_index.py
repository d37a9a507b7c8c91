"""CVX207 invalid-index."""

from __future__ import annotations

from ..indexes_util import IDENT_RE, schema_indexes_here
from ..registry import Rule

RESERVED = {"by_id", "by_creation_time"}
MAX_FIELDS = 16  # Convex counts the `_creationTime` it appends
MAX_INDEXES = 64


def _problems(table, ix) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    name = ix.name
    if name in RESERVED:
        out.append(("reserved-name", f"`{name}` is a built-in index of every table; choose another name"))
    elif name.startswith("_"):
        out.append(("reserved-name", f"index names starting with `_` are reserved (`{name}`)"))
    elif not IDENT_RE.match(name):
        out.append(("bad-name", f"`{name}` is not a valid index name: use letters, digits and `_`, starting "
                                "with a letter"))
    if len(name) > 64:
        out.append(("long-name", f"index name `{name[:20]}…` is {len(name)} characters long; the limit is 64"))
    pos = next(i for i, o in enumerate(table.indexes) if o is ix)
    earlier = table.indexes[:pos]
    if any(o.name == name for o in earlier):
        out.append(("duplicate-name", f"table already has an index named `{name}`"))
    if ix.kind == "db" and ix.fields_ok:
        f = ix.fields
        if not f:
            out.append(("no-fields", f"index `{name}` has no fields"))
        if len(f) + 1 > MAX_FIELDS:
            out.append(("too-many-fields", f"index `{name}` has {len(f)} fields; Convex appends `_creationTime` "
                                           f"and allows at most {MAX_FIELDS} in all"))
        if "_id" in f:
            out.append(("id-field", "`_id` cannot be an index field; load a document by id with `db.get`"))
        if "_creationTime" in f:
            out.append(("creation-time-field", "`_creationTime` is appended to every index automatically; "
                                               "remove it from the field list"))
        other_reserved = [x for x in f if x not in ("_id", "_creationTime")
                          and any(part.startswith("_") for part in x.split("."))]
        if other_reserved:
            out.append(("reserved-field", f"field `{other_reserved[0]}` is reserved (starts with `_`)"))
        dup = next((x for i, x in enumerate(f) if x in f[:i]), None)
        if dup is not None:
            out.append(("repeated-field", f"field `{dup}` appears twice in index `{name}`"))
        if f:
            same = next((o for o in earlier if o.kind == "db" and o.fields_ok and tuple(o.fields) == tuple(f)), None)
            if same is not None:
                out.append(("same-fields", f"index `{name}` has the same fields as `{same.name}`"))
    elif ix.kind in ("search", "vector") and ix.search_field is not None:
        same = next((o for o in earlier if o.kind == ix.kind and o.search_field == ix.search_field
                     and tuple(o.filter_fields) == tuple(ix.filter_fields)), None)
        if same is not None:
            out.append(("same-fields", f"{ix.kind} index `{name}` has the same fields as `{same.name}`"))
    return out


def check(ctx):
    for tname, table, ix in schema_indexes_here(ctx):
        probs = _problems(table, ix)
        if len(table.indexes) > MAX_INDEXES and ix is table.indexes[MAX_INDEXES]:
            probs.append(("too-many-indexes", f"table `{tname}` defines {len(table.indexes)} indexes; "
                                              f"the limit is {MAX_INDEXES}"))
        if not probs:
            continue
        ctx.report(
            ix.span,
            f"Convex will reject this schema: in table `{tname}`, " + "; ".join(m for _, m in probs),
            data={"table": tname, "index": ix.name, "problems": [k for k, _ in probs],
                  "name_start": ix.name_span.start, "name_end": ix.name_span.end},
        )


RULE = Rule(
    code="CVX207",
    name="invalid-index",
    severity="error",
    spec="§4.3 Index Design",
    summary="Flags an index definition that deployment would refuse: a reserved name (`by_id`, "
            "`by_creation_time`, a leading `_`), a name that is not an identifier or is over 64 characters, "
            "a name used twice on one table, two indexes with identical fields, no fields, too many fields "
            "(16 with the `_creationTime` Convex appends), a repeated field, or a system/`_`-prefixed field.",
    why="`npx convex dev`/`deploy` validates indexes when it pushes the schema; catching these in the "
        "editor saves a failed push and shows the exact index at fault (§4.3).",
    bad="""tasks: defineTable({ ownerId: v.id("users") })
  .index("by_creation_time", ["ownerId", "_creationTime"]),""",
    good="""tasks: defineTable({ ownerId: v.id("users") })
  .index("by_ownerId", ["ownerId"]),""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
