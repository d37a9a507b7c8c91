"""Definition, references and rename, for functions, tables and indexes, from any file of the
workspace (functions, client code, tests, scripts): `targets` finds what the cursor names and
where it is referenced (the workspace reference graph); this module speaks LSP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from convex_lsp.analysis.registry import TextEdit

from . import convert as C
from . import navigation as N
from . import targets as G
from .diagnostics import sync_index

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer


def _location(ls: "ConvexLanguageServer", t: N.Target) -> Optional[T.Location]:
    return ls.location(t.path, t.start, t.end)


def _found(ls: "ConvexLanguageServer", params):
    """(path, byte offset, what is named there or None). The index is brought up to date with
    the other open documents first (their offsets and names)."""
    sync_index(ls)
    path = C.uri_to_path(params.text_document.uri)
    off = ls.offset(path, params.position)
    return path, off, (G.found_at(ls.session, path, off) if off is not None else None)


def definition(ls: "ConvexLanguageServer", params: T.DefinitionParams):
    path, off, at = _found(ls, params)
    if off is None:
        return None
    if isinstance(at, G.FunctionAt):
        t = G.function_definition(ls.session, at)
    elif isinstance(at, G.TableAt):
        t = G.table_definition(ls.session, at)
    else:
        t = N.definition(ls.session, path, off)
    return _location(ls, t) if t is not None else None


def references(ls: "ConvexLanguageServer", params: T.ReferenceParams):
    _, _, at = _found(ls, params)
    decl = params.context.include_declaration
    if isinstance(at, G.FunctionAt):
        targets = G.function_references(ls.session, at, decl)
    elif isinstance(at, G.TableAt):
        targets = G.table_references(ls.session, at, decl)
    elif isinstance(at, N.IndexAt):
        targets = G.index_references(ls.session, at, decl)
    else:
        return []
    return [x for x in (_location(ls, t) for t in targets) if x is not None]


_MODULE_MOVE = "`{}` is a module: renaming it moves its file (rename the file instead)"


def _refuse(msg: str):
    raise JsonRpcInvalidParams(msg)


def prepare_rename(ls: "ConvexLanguageServer", params: T.PrepareRenameParams):
    path, _, at = _found(ls, params)
    lines = ls.lines(path)
    if isinstance(at, N.IndexAt):
        return T.PrepareRenamePlaceholder(range=C.range_of(lines, at.span.start, at.span.end, ls.enc),
                                          placeholder=at.name)
    if isinstance(at, G.FunctionAt):
        if at.on_module:
            _refuse(_MODULE_MOVE.format(".".join(at.api_path[:-1])))
        if not at.on_name:
            return None  # on `api.` or a quote: nothing to rename here
        return T.PrepareRenamePlaceholder(range=C.range_of(lines, at.start, at.end, ls.enc),
                                          placeholder=at.api_path[-1])
    if isinstance(at, G.TableAt):
        _refuse("convex-lsp does not rename tables (the data stored under the name would not follow)")
    return None


def rename(ls: "ConvexLanguageServer", params: T.RenameParams):
    _, _, at = _found(ls, params)
    try:
        if isinstance(at, N.IndexAt):
            spans = [(t.path, t.start, t.end) for t in G.rename_index(ls.session, at, params.new_name)]
        elif isinstance(at, G.FunctionAt):
            if at.on_module:
                raise N.RenameRefused(_MODULE_MOVE.format(".".join(at.api_path[:-1])))
            spans = G.rename_function(ls.session, at, params.new_name)
        else:
            raise N.RenameRefused("convex-lsp renames Convex functions (their export or an api/internal reference) "
                                  "and index names")
    except N.RenameRefused as e:
        raise JsonRpcInvalidParams(str(e)) from None
    edits: dict[str, list] = {}
    for path, a, b in spans:
        edits.setdefault(path, []).append(TextEdit(path, a, b, params.new_name))
    return C.workspace_edit(edits, ls.lines, ls.versions(), ls.enc, ls.document_changes)
