"""`workspace/symbol` (functions by api path `tasks.list`, tables, indexes `messages.by_channel`)
and `textDocument/documentSymbol` (a file's registrations with their kind and visibility; the
schema's tables with their indexes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T

from convex_lsp.analysis.source import LineIndex

from . import convert as C
from .targets import name_span, schema_of

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

MAX_RESULTS = 1000


def matches(query: str, name: str) -> bool:
    """The query's characters in order in the name, case-insensitively (what editors expect of
    a symbol search: `tl` finds `tasks.list`)."""
    it = iter(name.lower())
    return all(c in it for c in query.lower() if not c.isspace())


class _Lines:
    """LineIndex per file, built once per request."""

    def __init__(self, ls: "ConvexLanguageServer"):
        self.ls = ls
        self.cache: dict[str, Optional[LineIndex]] = {}

    def location(self, path: str, start: int, end: int) -> Optional[T.Location]:
        if path not in self.cache:
            self.cache[path] = self.ls.lines(path)
        lines = self.cache[path]
        if lines is None:
            return None
        return T.Location(uri=C.path_to_uri(path), range=C.range_of(lines, start, end, self.ls.enc))


def workspace_symbols(ls: "ConvexLanguageServer", params: T.WorkspaceSymbolParams) -> list[T.SymbolInformation]:
    s = ls.session
    index = s.analyzer.index
    q = params.query or ""
    lines = _Lines(ls)
    out: list[T.SymbolInformation] = []

    def add(name: str, kind: T.SymbolKind, container: str, path: str, start: int, end: int) -> bool:
        if not matches(q, name):
            return True
        loc = lines.location(path, start, end)
        if loc is not None:
            out.append(T.SymbolInformation(name=name, kind=kind, location=loc, container_name=container))
        return len(out) < MAX_RESULTS

    for d in s.workspace.functions_dirs:
        for api_path, info in sorted(index.registry(d.path).items()):
            if not add(".".join(api_path), T.SymbolKind.Function, f"{info.visibility} {info.kind}", info.file,
                       *name_span(info)):
                return out
        schema = schema_of(index, d.path)
        if schema is None:
            continue
        for t in schema.tables.values():
            if not t.name:
                continue
            f = t.file or schema.file
            if t.span is not None and not add(t.name, T.SymbolKind.Struct, "table", f, t.span.start, t.span.end):
                return out
            for ix in t.indexes:
                kind = "index" if ix.kind == "db" else f"{ix.kind} index"
                if not add(f"{t.name}.{ix.name}", T.SymbolKind.Key, kind, ix.file or f, ix.name_span.start,
                           ix.name_span.end):
                    return out
    return out


def document_symbols(ls: "ConvexLanguageServer", params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    s = ls.session
    path = C.uri_to_path(params.text_document.uri)
    model = s.model(path)
    facts = getattr(model, "facts", None)
    lines = ls.lines(path)
    if facts is None or lines is None or facts.refs_only or facts.functions_dir is None:
        return []
    index = s.analyzer.index
    out: list[T.DocumentSymbol] = []

    def rng(a: int, b: int) -> T.Range:
        return C.range_of(lines, a, b, ls.enc)

    if facts.module is not None:
        reg = index.registry(facts.functions_dir)
        module = tuple(facts.module.split("/"))
        for r in facts.registrations:
            if not r.name:
                continue
            info = reg.get(module + (r.name,)) if r.exported else None
            if info is not None and info.file == path:
                a, b = name_span(info)
                detail = f"{info.visibility} {info.kind} · {'.'.join(info.api_path)}"
            else:
                a, b = r.span.start, r.span.start + len(r.name.encode("utf-8"))
                detail = "not exported: not registered" if not r.exported else r.builder
            end = max(r.end or r.span.end, b)
            out.append(T.DocumentSymbol(name=r.name, detail=detail, kind=T.SymbolKind.Function,
                                        range=rng(r.span.start, end), selection_range=rng(a, b)))
    schema = schema_of(index, facts.functions_dir)
    if schema is not None:
        for t in schema.tables.values():
            if not t.name or t.span is None or (t.file or schema.file) != path:
                continue
            children = [T.DocumentSymbol(name=ix.name, detail="index" if ix.kind == "db" else f"{ix.kind} index",
                                         kind=T.SymbolKind.Key, range=rng(ix.span.start, ix.span.end),
                                         selection_range=rng(ix.name_span.start, ix.name_span.end))
                        for ix in t.indexes if (ix.file or path) == path]
            end = max([t.span.end] + [ix.span.end for ix in t.indexes if (ix.file or path) == path])
            out.append(T.DocumentSymbol(name=t.name, detail="table", kind=T.SymbolKind.Struct,
                                        range=rng(t.span.start, end), selection_range=rng(t.span.start, t.span.end),
                                        children=children or None))
    out.sort(key=lambda x: (x.range.start.line, x.range.start.character))
    return out
