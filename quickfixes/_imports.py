"""Adding a named import to a file, in the file's own style."""

from __future__ import annotations

from typing import Optional

from ..analysis.registry import TextEdit
from ..analysis.syntax import string_value
from ._util import line_end, line_start, newline_of, quote_char, uses_semicolons


def has_value_import(model, local: str, source_pred) -> bool:
    for imp in model.facts.imports:
        if imp.local == local and not imp.type_only and source_pred(imp.source):
            return True
    return False


def add_named_import(model, name: str, source: str, source_pred=None) -> Optional[list[TextEdit]]:
    """Edits that make `name` importable from `source` ([] when it already is, None when
    another binding of that name is in the way)."""
    source_pred = source_pred or (lambda s: s == source)
    if has_value_import(model, name, source_pred):
        return []
    if model.facts.import_of(name) is not None:
        return None  # `name` is bound to something else
    data = model.src.data
    path = model.path
    root = model.root
    last_import = None
    for stmt in root.named_children:
        if stmt.type != "import_statement":
            continue
        last_import = stmt
        src = string_value(stmt.child_by_field_name("source"))
        if src is None or not source_pred(src):
            continue
        if any(c.type == "type" for c in stmt.children):
            continue  # `import type {…}`
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        named = next((c for c in clause.named_children if c.type == "named_imports"), None) if clause else None
        if named is None:
            continue
        specs = [c for c in named.named_children if c.type == "import_specifier"]
        if specs:
            return [TextEdit(path, specs[-1].end_byte, specs[-1].end_byte, f", {name}")]
        # `import {} from "x"`
        close = named.end_byte - 1
        return [TextEdit(path, named.start_byte + 1, close, f" {name} ")]
    semi = ";" if uses_semicolons(root) else ""
    q = quote_char(root)
    nl = newline_of(data)
    line = f"import {{ {name} }} from {q}{source}{q}{semi}"
    if last_import is not None:
        at = line_end(data, last_import.end_byte)
        return [TextEdit(path, at, at, nl + line)]
    # no imports: after the leading directives ("use node") / shebang, else at the top
    # (comments above the first statement stay above it: they may be file suppressions)
    at = 0
    if data.startswith(b"#!"):
        at = data.find(b"\n") + 1 if b"\n" in data else len(data)
    for stmt in root.named_children:
        if stmt.type == "comment":
            continue
        if stmt.type == "expression_statement" and stmt.named_children and stmt.named_children[0].type == "string":
            at = line_end(data, stmt.end_byte)
            return [TextEdit(path, at, at, nl + nl + line)]
        at = line_start(data, stmt.start_byte)
        return [TextEdit(path, at, at, line + nl + nl)]
    return [TextEdit(path, at, at, line + nl)]
