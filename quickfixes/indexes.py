"""CVX204 index-name-fields (rename everywhere) and CVX205 redundant-index (delete, re-point)."""

from __future__ import annotations

import os
import re
from typing import Optional

from ..analysis.refs_extract import DYNAMIC
from ..analysis.registry import Finding, Fix, TextEdit
from ._util import ancestors, first_on_line, node_at, overlaps, removal_range, whole_line_range

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def expected_index_name(fields) -> str:
    return "by_" + "_and_".join(fields)


def _uses(index, functions_dir: str, table: str, name: str):
    """(path, use) for every use of index `<name>` in the workspace (functions, tests, scripts:
    `withIndex`, `withSearchIndex`, relationship helpers) on `table`, and on queries whose table is
    unknown (table None)."""
    on_table, unknown = [], []
    for ref in index.index_references(functions_dir, table, name):
        (on_table if ref.table == table else unknown).append((ref.file, ref))
    return on_table, unknown


def index_rename_blocker(table: str, new_name: str, schema, index=None, old_name: Optional[str] = None) -> Optional[str]:
    """Why renaming an index of `table` to `new_name` cannot be done automatically (None: it can).

    With the workspace `index` and `old_name`, also refuses when a `withIndex("<old_name>")`
    sits on a query whose table cannot be determined (renaming would miss or break it)."""
    if not _IDENT.match(new_name) or len(new_name) > 64:
        return f"`{new_name}` is not a valid index name (an identifier of at most 64 characters)"
    t = schema.table(table) if schema is not None else None
    if t is not None:
        for ix in t.indexes:
            if ix.name == new_name:
                return f"table `{table}` already has an index named `{new_name}`"
    if index is not None and old_name is not None and schema is not None:
        _, unknown = _uses(index, schema.functions_dir, table, old_name)
        dynamic = index.index_references(schema.functions_dir, table, DYNAMIC)
        if dynamic:
            use = dynamic[0]
            return (f"`{use.method}(…)` in {os.path.basename(use.file)}:{use.span.srow + 1} computes the name of "
                    f"the index it reads on `{table}`")
        if unknown:
            path, use = unknown[0]
            return (f"`{use.method}(\"{old_name}\")` in {os.path.basename(path)}:{use.span.srow + 1} reads a table "
                    "that cannot be determined")
    return None


def _locate(finding: Finding, an):
    """(schema, table name, IndexFact) of the schema index the finding sits on."""
    schema = an.index.schema_for(finding.path)
    if schema is None:
        return None
    want_table = finding.data.get("table")
    for tname, t in schema.tables.items():
        if want_table and tname != want_table:
            continue
        for ix in t.indexes:
            if ix.file != finding.path:
                continue
            if overlaps(ix.span.start, ix.span.end, finding.start, finding.end):
                return schema, tname, ix
    return None


def _use_edits(uses, new_name: str) -> list[TextEdit]:
    return [TextEdit(path, u.name_span.start, u.name_span.end, new_name) for path, u in uses]


def fix_index_name(finding: Finding, an) -> list[Fix]:
    if finding.data.get("blocked"):
        return []  # the rule saw why the rename cannot be made (a name or field list taken twice)
    found = _locate(finding, an)
    if found is None:
        return []
    schema, table, ix = found
    if ix.kind != "db" or not ix.fields_ok or not ix.fields:
        return []
    new = expected_index_name(ix.fields)
    for key in ("new", "expected", "new_name", "suggested", "expected_name"):
        val = finding.data.get(key)
        if isinstance(val, str) and _IDENT.match(val):
            new = val
            break
    if new == ix.name:
        return []
    if index_rename_blocker(table, new, schema, an.index, ix.name) is not None:
        return []
    uses, _ = _uses(an.index, schema.functions_dir, table, ix.name)
    edits = [TextEdit(ix.file, ix.name_span.start, ix.name_span.end, new)] + _use_edits(uses, new)
    n = len(uses)
    elsewhere = sum(1 for p, _ in uses if getattr(an.index.facts.get(p), "refs_only", False))
    what = "`withIndex` use" if all(u.method == "withIndex" for _, u in uses) else "use"
    where = f" and {n} {what}{'s' if n != 1 else ''}" if n else ""
    if elsewhere:
        where += f" ({elsewhere} in tests or scripts)"
    return [Fix(f"Rename index to `{new}`{where}", "safe", edits)]


def fix_redundant_index(finding: Finding, an) -> list[Fix]:
    found = _locate(finding, an)
    if found is None:
        return []
    schema, table, ix = found
    if ix.kind != "db" or not ix.fields_ok or ix.staged:
        return []
    t = schema.table(table)
    covering = [o for o in t.indexes
                if o is not ix and o.kind == "db" and o.fields_ok and not o.staged
                and len(o.fields) > len(ix.fields) and tuple(o.fields[:len(ix.fields)]) == tuple(ix.fields)]
    if not covering:
        return []
    cover = min(covering, key=lambda o: len(o.fields))
    removal = _index_removal(an, ix)
    if removal is None:
        return []
    on_table, unknown = _uses(an.index, schema.functions_dir, table, ix.name)
    if unknown:
        return []
    edits = [removal] + _use_edits(on_table, cover.name)
    return [Fix(f"Remove index `{ix.name}` and use `{cover.name}` instead", "unsafe", edits)]


def fix_unused_index(finding: Finding, an) -> list[Fix]:
    """CVX217: delete an index nothing uses (checked again against the whole workspace)."""
    found = _locate(finding, an)
    if found is None:
        return []
    schema, table, ix = found
    if ix.staged or an.index.index_references(schema.functions_dir, table, ix.name):
        return []
    removal = _index_removal(an, ix)
    return [Fix(f"Delete the unused index `{ix.name}`", "unsafe", [removal])] if removal is not None else []


def _index_removal(an, ix) -> Optional[TextEdit]:
    """The edit deleting `.index("name", [...])` from its table definition (whole lines when it
    stands on its own)."""
    model = an.models.get(ix.file)
    if model is None or getattr(model, "root", None) is None:
        return None
    call = None
    for a in ancestors(node_at(model, ix.span.start, ix.span.end)):
        if a.type == "call_expression":
            fn = a.child_by_field_name("function")
            if fn is not None and fn.type == "member_expression" and \
                    fn.child_by_field_name("property") is not None and \
                    fn.child_by_field_name("property").text == b"index":
                call = a
                break
    if call is None:
        return None
    member = call.child_by_field_name("function")
    dot = next((c for c in member.children if c.type in (".", "?.")), None)
    if dot is None:
        return None
    data = model.src.data
    whole = whole_line_range(data, dot.start_byte, call.end_byte)
    if whole is not None:
        s, e = whole
    elif first_on_line(data, dot.start_byte):
        # `.index(...)` opens its line but something follows it (`),`): join onto the previous line
        s, e = member.child_by_field_name("object").end_byte, call.end_byte
    else:
        s, e = removal_range(data, dot.start_byte, call.end_byte)
    return TextEdit(ix.file, s, e, "")


def fix_add_index_for_filter(finding: Finding, an) -> list[Fix]:
    """CVX210: add the suggested index to the table's definition in the schema."""
    d = finding.data or {}
    at, new = d.get("insert_at"), d.get("insert_text")
    if not isinstance(at, int) or not isinstance(new, str):
        return []
    return [Fix(f"Add index `{d.get('suggested_index')}` to `{d.get('table')}`", "unsafe",
                [TextEdit(finding.path, at, at, new)])]
