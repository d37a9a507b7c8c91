"""Completion of table names, index names and index fields (see `navigation.completions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as T

from . import convert as C
from . import navigation as N

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

TRIGGERS = ['"', "'"]
KIND = {"table": T.CompletionItemKind.Struct, "index": T.CompletionItemKind.Reference,
        "field": T.CompletionItemKind.Field}


def completion(ls: "ConvexLanguageServer", params: T.CompletionParams):
    s = ls.session
    path = C.uri_to_path(params.text_document.uri)
    off = ls.offset(path, params.position)
    if off is None:
        return T.CompletionList(is_incomplete=False, items=[])
    items = []
    lines = ls.lines(path)
    for c in N.completions(s, path, off):
        rng = C.range_of(lines, c.replace_start, off, ls.enc)
        items.append(T.CompletionItem(label=c.label, kind=KIND.get(c.kind), detail=c.detail,
                                      sort_text=c.sort or None,
                                      text_edit=T.TextEdit(range=rng, new_text=c.label)))
    return T.CompletionList(is_incomplete=False, items=items)
