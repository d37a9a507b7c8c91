"""Call hierarchy over Convex functions: incoming calls are the functions (or, outside any
registration, the files: client code, tests, crons, http routes) that run, schedule, call or
name it; outgoing calls are the functions its handler runs, schedules or names."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T

from . import convert as C
from .diagnostics import sync_index
from .targets import FunctionAt, found_at, name_span, registration

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

KIND_WORD = {"client-hook": "client", "client-call": "client", "test": "test", "scheduler": "schedules",
             "run": "runs", "cron": "cron", "http": "http route", "type": "type", "other": "names"}


def _item_for(ls: "ConvexLanguageServer", functions_dir: str, info) -> Optional[T.CallHierarchyItem]:
    lines = ls.lines(info.file)
    if lines is None:
        return None
    a, b = name_span(info)
    end = max(info.fact.end or info.fact.span.end, b)
    return T.CallHierarchyItem(
        name=".".join(info.api_path), kind=T.SymbolKind.Function, detail=f"{info.visibility} {info.kind}",
        uri=C.path_to_uri(info.file), range=C.range_of(lines, info.fact.span.start, end, ls.enc),
        selection_range=C.range_of(lines, a, b, ls.enc),
        data={"dir": functions_dir, "path": list(info.api_path)})


def _file_item(ls: "ConvexLanguageServer", path: str, kinds: set[str]) -> Optional[T.CallHierarchyItem]:
    lines = ls.lines(path)
    if lines is None:
        return None
    name = path
    for r in ls.session.roots:
        if path.startswith(r + os.sep):
            name = os.path.relpath(path, r)
            break
    top = C.range_of(lines, 0, 0, ls.enc)
    return T.CallHierarchyItem(name=name, kind=T.SymbolKind.File, uri=C.path_to_uri(path), range=top,
                               selection_range=top, detail=", ".join(sorted({KIND_WORD.get(k, k) for k in kinds})))


def prepare(ls: "ConvexLanguageServer", params: T.CallHierarchyPrepareParams) -> Optional[list[T.CallHierarchyItem]]:
    sync_index(ls)
    path = C.uri_to_path(params.text_document.uri)
    off = ls.offset(path, params.position)
    at = found_at(ls.session, path, off) if off is not None else None
    if not isinstance(at, FunctionAt):
        return None
    info = registration(ls.session, at.functions_dir, at.api_path)
    item = _item_for(ls, at.functions_dir, info) if info is not None else None
    return [item] if item is not None else None


def _key(item: T.CallHierarchyItem) -> Optional[tuple[str, tuple[str, ...]]]:
    data = item.data if isinstance(item.data, dict) else {}
    d, p = data.get("dir"), data.get("path")
    if not isinstance(d, str) or not isinstance(p, list):
        return None
    return d, tuple(str(x) for x in p)


def incoming(ls: "ConvexLanguageServer", params: T.CallHierarchyIncomingCallsParams) -> list[T.CallHierarchyIncomingCall]:
    key = _key(params.item)
    if key is None:
        return []
    index = ls.session.analyzer.index
    callers: dict[tuple, tuple] = {}  # caller key -> (item factory args, [(path, start, end)], kinds)
    for r in index.function_references(*key):
        info = index.function_at(r.file, r.span.start)
        if info is not None:
            d = index.functions_dir_for_reference(r.file)
            ck = ("fn", d, info.api_path)
            entry = callers.setdefault(ck, (("fn", d, info), [], set()))
        else:
            ck = ("file", r.file)
            entry = callers.setdefault(ck, (("file", r.file), [], set()))
        entry[1].append((r.file, r.span.start, r.span.end))
        entry[2].add(r.kind)
    out = []
    for what, spans, kinds in callers.values():
        item = _item_for(ls, what[1], what[2]) if what[0] == "fn" else _file_item(ls, what[1], kinds)
        lines = ls.lines(spans[0][0])
        if item is None or lines is None:
            continue
        out.append(T.CallHierarchyIncomingCall(from_=item, from_ranges=[C.range_of(lines, a, b, ls.enc)
                                                                        for _, a, b in spans]))
    return out


def outgoing(ls: "ConvexLanguageServer", params: T.CallHierarchyOutgoingCallsParams) -> list[T.CallHierarchyOutgoingCall]:
    key = _key(params.item)
    if key is None:
        return []
    index = ls.session.analyzer.index
    targets: dict[tuple, list] = {}
    for r in index.outgoing_references(*key):
        if r.functions_dir is None:
            continue
        targets.setdefault((r.functions_dir, r.api_path), []).append(r)
    out = []
    for (d, api_path), refs in targets.items():
        info = index.registry(d).get(api_path)
        item = _item_for(ls, d, info) if info is not None else None
        lines = ls.lines(refs[0].file)
        if item is None or lines is None:
            continue
        out.append(T.CallHierarchyOutgoingCall(to=item, from_ranges=[C.range_of(lines, r.span.start, r.span.end, ls.enc)
                                                                     for r in refs]))
    return out
