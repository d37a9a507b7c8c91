"""Completion and definition (of what a functions file's facts name) from the workspace index.
No LSP types. References and renames: `targets` (the workspace reference graph).

Completion reads the text before the cursor (it must work in half-typed code the parser
does not understand yet); definition uses the facts (`index_uses`, `table_refs`,
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


class RenameRefused(Exception):
    pass
