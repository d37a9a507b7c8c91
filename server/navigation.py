"""Completion, definition, references and rename from the workspace index. No LSP types.

Completion reads the text before the cursor (it must work in half-typed code the parser
does not understand yet); the others use the facts (`index_uses`, `table_refs`,
`api_refs`) and the schema model.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_TABLE_CTX = re.compile(r"""(?:\.(?:query|insert)|\bv\.id)\(\s*(["'])([\w]*)$""")
_INDEX_CTX = re.compile(r"""\.query\(\s*["'](\w+)["']\s*\)\s*\.withIndex\(\s*(["'])(\w*)$""", re.S)
_EQ_CTX = re.compile(
    r"""\.query\(\s*["'](\w+)["']\s*\)\s*\.withIndex\(\s*["'](\w+)["']\s*,\s*\(?\s*(\w+)\s*(?::[^)=]*)?\)?\s*=>(?P<body>[^;{}]*)$""",
    re.S)
_EQ_TAIL = re.compile(r"""\.(eq|gt|gte|lt|lte)\(\s*(["'])(\w*)$""")
_EQ_USED = re.compile(r"""\.eq\(\s*["'](\w+)["']""")


@dataclass
class Completion:
    label: str
    kind: str  # table | index | field
    detail: str
    replace_start: int  # byte offset where the typed prefix starts
    sort: str = ""


def completions(session, path: str, offset: int) -> list[Completion]:
    data = session.data_of(path)
    if data is None:
        return []
    window = data[max(0, offset - 4000):offset].decode("utf-8", errors="replace")
    schema = session.analyzer.index.schema_for(path)
    if schema is None:
        return []
    out: list[Completion] = []
    m = _EQ_CTX.search(window)
    if m is not None:
        tail = _EQ_TAIL.search(m.group("body"))
        if tail is not None:
            table, index_name = m.group(1), m.group(2)
            ix = schema.index(table, index_name)
            if ix is None:
                return []
            used = _EQ_USED.findall(m.group("body")[: tail.start()])
            prefix = tail.group(3)
            start = offset - len(prefix.encode("utf-8"))
            n = len(used)
            if n < len(ix.fields):
                f = ix.fields[n]
                out.append(Completion(f, "field", f"field {n + 1} of index {index_name} on {table}", start))
            return out
    m = _INDEX_CTX.search(window)
    if m is not None:
        table, prefix = m.group(1), m.group(3)
        t = schema.table(table)
        if t is None:
            return []
        start = offset - len(prefix.encode("utf-8"))
        for i, ix in enumerate(t.indexes):
            if ix.kind != "db":
                continue
            out.append(Completion(ix.name, "index", f"{table}: " + ", ".join(ix.fields), start, f"{i:04d}"))
        return out
    m = _TABLE_CTX.search(window)
    if m is not None:
        prefix = m.group(2)
        start = offset - len(prefix.encode("utf-8"))
        for name in sorted(set(schema.tables) | set(schema.opaque_tables)):
            t = schema.table(name)
            detail = "table" + (f" ({len(t.fields)} fields, {len(t.indexes)} indexes)" if t is not None else "")
            out.append(Completion(name, "table", detail, start))
        return out
    return []


# ------------------------------------------------------------------ definition


@dataclass
class Target:
    path: str
    start: int
    end: int


def _contains(span, offset: int) -> bool:
    return span is not None and span.start <= offset <= span.end


def _target(path: str, span) -> Optional[Target]:
    if span is None or not path or not os.path.isabs(path):
        return None
    return Target(path, span.start, span.end)


def definition(session, path: str, offset: int) -> Optional[Target]:
    model = session.model(path)
    if model is None:
        return None
    facts = model.facts
    index = session.analyzer.index
    schema = index.schema_for(path)
    for use in facts.index_uses:
        if _contains(use.span, offset):
            if schema is None or use.table is None:
                return None
            ix = schema.index(use.table, use.index)
            return _target(ix.file or schema.file, ix.name_span) if ix is not None else None
    for ref in facts.table_refs:
        if _contains(ref.span, offset):
            if schema is None:
                return None
            t = schema.table(ref.table)
            if t is None or t.span is None:
                return None
            return _target(t.file or schema.file, t.span)
    for ref in facts.api_refs:
        if _contains(ref.span, offset):
            info = index.function(path, ref.path)
            if info is None:
                return None
            return _target(info.file, info.fact.span)
    return None


# ------------------------------------------------------------------ index names


@dataclass
class IndexAt:
    table: str
    name: str
    functions_dir: str
    span: object  # name span (without quotes) at the cursor
    path: str


def index_at(session, path: str, offset: int) -> Optional[IndexAt]:
    """The index name under the cursor (a `withIndex` argument or its definition)."""
    model = session.model(path)
    if model is None:
        return None
    d = session.workspace.dir_for(path)
    if d is None:
        return None
    schema = session.analyzer.index.schema_for(path)
    if schema is None:
        return None
    for use in model.facts.index_uses:
        if _contains(use.span, offset) and use.table is not None and use.method == "withIndex":
            if schema.index(use.table, use.index) is None:
                return None
            return IndexAt(use.table, use.index, d.path, use.name_span, path)
    for t in schema.tables.values():
        for ix in t.indexes:
            if ix.file == path and ix.kind == "db" and _contains(ix.span, offset):
                return IndexAt(t.name or "", ix.name, d.path, ix.name_span, path)
    return None


def index_references(session, at: IndexAt, include_declaration: bool = True) -> list[Target]:
    index = session.analyzer.index
    out: list[Target] = []
    schema = None
    for f in index.files_in(at.functions_dir):
        if schema is None:
            schema = index.schema_for(f.path)
        for use in f.index_uses:
            if use.table == at.table and use.index == at.name and use.method == "withIndex":
                out.append(Target(f.path, use.name_span.start, use.name_span.end))
    if include_declaration and schema is not None:
        ix = schema.index(at.table, at.name)
        if ix is not None and ix.file and os.path.isabs(ix.file):
            out.insert(0, Target(ix.file, ix.name_span.start, ix.name_span.end))
    # open buffers are authoritative for their own positions (facts come from them)
    seen = set()
    uniq = []
    for t in out:
        k = (t.path, t.start, t.end)
        if k not in seen:
            seen.add(k)
            uniq.append(t)
    return uniq


class RenameRefused(Exception):
    pass


def rename_index(session, at: IndexAt, new_name: str) -> list[Target]:
    if not IDENT.match(new_name):
        raise RenameRefused(f"`{new_name}` is not a valid index name (letters, digits and _; not starting with a digit)")
    schema = session.analyzer.index.schema_for(at.path)
    if schema is None:
        raise RenameRefused("no schema")
    ix = schema.index(at.table, at.name)
    if ix is None or not ix.file or not os.path.isabs(ix.file):
        raise RenameRefused(f"index `{at.name}` is not defined in this workspace's schema")
    if new_name != at.name and schema.index(at.table, new_name) is not None:
        raise RenameRefused(f"table `{at.table}` already has an index named `{new_name}`")
    return index_references(session, at, include_declaration=True)
