"""Code lenses above every registration: "3 references · 1 client · scheduled by 2 · cron",
resolved lazily (`codeLens/resolve` counts the references); the command shows them.

The command is `convex-lsp.showReferences` with the arguments of VS Code's
`editor.action.showReferences` (uri, position, locations): an editor extension may map it to its
own references view; executed on the server, it opens the only location (`window/showDocument`)
or lists them in a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as T

from . import convert as C
from .diagnostics import sync_index
from .targets import name_span

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer

SHOW_REFERENCES_COMMAND = "convex-lsp.showReferences"

CLIENT_KINDS = ("client-hook", "client-call")


def summary(refs) -> str:
    """"3 references · 1 client · scheduled by 2 · cron" from a function's references."""
    n = len(refs)
    by: dict[str, int] = {}
    for r in refs:
        by[r.kind] = by.get(r.kind, 0) + 1
    parts = [f"{n} reference{'' if n == 1 else 's'}"]
    clients = sum(by.get(k, 0) for k in CLIENT_KINDS)
    if clients:
        parts.append(f"{clients} client{'' if clients == 1 else 's'}")
    if by.get("test"):
        parts.append(f"{by['test']} test{'' if by['test'] == 1 else 's'}")
    if by.get("run"):
        parts.append(f"run by {by['run']}")
    if by.get("scheduler"):
        parts.append(f"scheduled by {by['scheduler']}")
    if by.get("cron"):
        parts.append("cron" if by["cron"] == 1 else f"{by['cron']} crons")
    if by.get("http"):
        parts.append("http route" if by["http"] == 1 else f"{by['http']} http routes")
    return " · ".join(parts)


def code_lenses(ls: "ConvexLanguageServer", params: T.CodeLensParams) -> list[T.CodeLens]:
    """One unresolved lens per registration of a functions file (cheap: no reference lookups)."""
    s = ls.session
    path = C.uri_to_path(params.text_document.uri)
    model = s.model(path)
    facts = getattr(model, "facts", None)
    if facts is None or facts.refs_only or facts.functions_dir is None or facts.module is None:
        return []
    reg = s.analyzer.index.registry(facts.functions_dir)
    lines = ls.lines(path)
    module = tuple(facts.module.split("/"))
    out = []
    for r in facts.registrations:
        if not r.exported or not r.name:
            continue
        info = reg.get(module + (r.name,))
        if info is None or info.file != path:
            continue
        a, b = name_span(info)
        out.append(T.CodeLens(range=C.range_of(lines, a, b, ls.enc),
                              data={"dir": facts.functions_dir, "path": list(info.api_path), "uri": params.text_document.uri}))
    return out


def resolve(ls: "ConvexLanguageServer", lens: T.CodeLens) -> T.CodeLens:
    data = lens.data if isinstance(lens.data, dict) else {}
    fdir, api_path, uri = data.get("dir"), data.get("path"), data.get("uri")
    if not isinstance(fdir, str) or not isinstance(api_path, list) or not isinstance(uri, str):
        lens.command = T.Command(title="convex-lsp: stale lens", command="")
        return lens
    sync_index(ls)
    refs = ls.session.analyzer.index.function_references(fdir, tuple(api_path))
    locations = [loc for loc in (ls.location(r.file, r.span.start, r.span.end) for r in refs) if loc is not None]
    conv = ls.protocol._converter
    lens.command = T.Command(title=summary(refs), command=SHOW_REFERENCES_COMMAND if locations else "",
                             arguments=[uri, conv.unstructure(lens.range.start),
                                        [conv.unstructure(x) for x in locations]] if locations else None)
    return lens


async def show_references(ls: "ConvexLanguageServer", *args):
    """The lens' command run on the server: the only location opened where the client can
    (`window/showDocument`), else the locations listed in a message."""
    try:
        raw = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
        locs = raw[2] if len(raw) >= 3 and isinstance(raw[2], list) else []
        conv = ls.protocol._converter
        locations = [x if isinstance(x, T.Location) else conv.structure(x, T.Location) for x in locs]
        if len(locations) == 1 and ls.show_document:
            loc = locations[0]
            res = await ls.window_show_document_async(T.ShowDocumentParams(uri=loc.uri, take_focus=True,
                                                                           selection=loc.range))
            if res is not None and res.success:
                return None
        text = "\n".join(f"{C.uri_to_path(x.uri)}:{x.range.start.line + 1}:{x.range.start.character + 1}"
                         for x in locations) or "no references"
        ls.window_show_message(T.ShowMessageParams(type=T.MessageType.Info, message=f"convex-lsp references:\n{text}"))
    except Exception as e:  # a malformed command never reaches pygls
        ls.log_error("workspace/executeCommand", e)
    return None

