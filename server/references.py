"""Definition, references and rename, answered from the workspace index (`navigation`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from convex_lsp.analysis.registry import TextEdit

from . import convert as C
from . import navigation as N
from .diagnostics import sync_index

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer


def _location(ls: "ConvexLanguageServer", t: N.Target) -> Optional[T.Location]:
    lines = ls.lines(t.path)
    if lines is None:
        return None
    return T.Location(uri=C.path_to_uri(t.path), range=C.range_of(lines, t.start, t.end, ls.enc))


def _cross_file_position(ls: "ConvexLanguageServer", params) -> tuple[str, Optional[int]]:
    """(path, byte offset) of a request whose answer spans files: the index is brought up to
    date with the other open documents first (their offsets and names)."""
    sync_index(ls)
    path = C.uri_to_path(params.text_document.uri)
    return path, ls.offset(path, params.position)


def _index_name_at(ls: "ConvexLanguageServer", params):
    """(path, the index name under the cursor or None) for references and renames."""
    path, off = _cross_file_position(ls, params)
    return path, (N.index_at(ls.session, path, off) if off is not None else None)


def definition(ls: "ConvexLanguageServer", params: T.DefinitionParams):
    path, off = _cross_file_position(ls, params)
    if off is None:
        return None
    t = N.definition(ls.session, path, off)
    return _location(ls, t) if t is not None else None


def references(ls: "ConvexLanguageServer", params: T.ReferenceParams):
    _, at = _index_name_at(ls, params)
    if at is None:
        return []
    out = [_location(ls, t) for t in N.index_references(ls.session, at, params.context.include_declaration)]
    return [x for x in out if x is not None]


def prepare_rename(ls: "ConvexLanguageServer", params: T.PrepareRenameParams):
    path, at = _index_name_at(ls, params)
    if at is None:
        return None  # only index names can be renamed
    lines = ls.lines(path)
    return T.PrepareRenamePlaceholder(range=C.range_of(lines, at.span.start, at.span.end, ls.enc),
                                      placeholder=at.name)


def rename(ls: "ConvexLanguageServer", params: T.RenameParams):
    _, at = _index_name_at(ls, params)
    if at is None:
        raise JsonRpcInvalidParams("convex-lsp renames index names only (in the schema or a withIndex call)")
    try:
        targets = N.rename_index(ls.session, at, params.new_name)
    except N.RenameRefused as e:
        raise JsonRpcInvalidParams(str(e)) from None
    edits: dict[str, list] = {}
    for t in targets:
        edits.setdefault(t.path, []).append(TextEdit(t.path, t.start, t.end, params.new_name))
    return C.workspace_edit(edits, ls.lines, ls.versions(), ls.enc, ls.document_changes)
