"""Code actions: the catalog's fixes as `quickfix` for our diagnostics, "fix all" (safe fixes
only), "Show documentation for <rule>", and the two commands behind them (for clients
without code-action literals, and to open a rule's documentation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types as T

from convex_lsp.analysis.registry import get_rule
from convex_lsp.analysis.source import LineIndex

from . import convert as C
from .diagnostics import sync_index
from .session import quickfixes

if TYPE_CHECKING:
    from .languageserver import ConvexLanguageServer
    from .session import Session

FIX_ALL_KIND = "source.fixAll.convex-lsp"
KINDS = [T.CodeActionKind.QuickFix, T.CodeActionKind.SourceFixAll, FIX_ALL_KIND]
APPLY_EDIT_COMMAND = "convex-lsp.applyEdit"
SHOW_DOCS_COMMAND = "convex-lsp.showDocumentation"


def _wanted(only: Optional[list], kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(str(o) + ".") for o in only)


class _Edits:
    def __init__(self, edits):
        self.edits = edits


def _edit(ls: "ConvexLanguageServer", fixes) -> T.WorkspaceEdit:
    return C.workspace_edit(C.group_edits(fixes), ls.lines, ls.versions(), ls.enc, ls.document_changes)


def _matches(f, diag: T.Diagnostic, code: Optional[str]) -> bool:
    """Whether finding `f` is the one a diagnostic names: by the rule code in our data, else by
    the diagnostic's code (the rule's name or code), else by its message."""
    if code is not None:
        return f.code == code
    if diag.code is not None and str(diag.code):
        return str(diag.code) in (f.name, f.code)
    return bool(diag.message) and diag.message == f.message


def _findings_for(ls: "ConvexLanguageServer", path: str, diag: T.Diagnostic, current) -> list:
    """The finding behind a diagnostic: from its data when the buffer has not changed since,
    else by matching the current findings by range and code (or message). A client that
    sends diagnostics back bare (Vim + ALE keeps only code, message and range) gets the
    findings recomputed: what each fix needs comes from the current lint."""
    data = diag.data if isinstance(diag.data, dict) else None
    doc = ls.session.documents.get(path)
    if data is not None and doc is not None and data.get("version") == doc.version:
        # the text is the one the diagnostic was made for: its range and data are current
        lines = doc.lines()
        f = C.finding_from_data(data, path, C.offset_of(lines, diag.range.start, ls.enc),
                                C.offset_of(lines, diag.range.end, ls.enc))
        if f is not None:
            f.message = diag.message
            return [f]
    if current is None:
        return []
    lines = LineIndex(current.data)
    a = C.offset_of(lines, diag.range.start, ls.enc)
    b = C.offset_of(lines, diag.range.end, ls.enc)
    code = data.get("code") if data else None
    return [f for f in current.findings if f.start == a and f.end == b and _matches(f, diag, code)]


def _ours(ls: "ConvexLanguageServer", path: str, diagnostics, current) -> list:
    """(diagnostic, findings) for each context diagnostic of ours: `source` says so, or it has
    no source and matches a current finding (by range and code or message)."""
    out = []
    for diag in diagnostics:
        if diag.source == C.SOURCE:
            out.append((diag, _findings_for(ls, path, diag, current)))
        elif not diag.source:
            found = _findings_for(ls, path, diag, current)
            if found:
                out.append((diag, found))
    return out


def code_actions(ls: "ConvexLanguageServer", params: T.CodeActionParams):
    s = ls.session
    qf = quickfixes()
    if qf is None:
        return []
    path = C.uri_to_path(params.text_document.uri)
    only = params.context.only
    out: list[T.CodeAction] = []
    current = s.lint(path)
    mine = _ours(ls, path, params.context.diagnostics, current)
    ours = bool(mine)
    # without `only` (a lightbulb request on every cursor move) "fix all" comes with our diagnostics
    want_fix_all = _wanted(only, FIX_ALL_KIND) and (bool(only) or ours)
    if (ours and _wanted(only, T.CodeActionKind.QuickFix)) or want_fix_all:
        # fixes read the current models and the index (an incremental lint leaves them behind; a
        # multi-file fix edits other documents at their offsets)
        sync_index(ls)
        s.model(path)
    if _wanted(only, T.CodeActionKind.QuickFix):
        for diag, found in mine:
            for f in found:
                preferred_done = False
                for fx in qf.fixes_for(f, s.analyzer):
                    prefer = fx.applicability == "safe" and not preferred_done
                    preferred_done |= prefer
                    out.append(T.CodeAction(title=fx.title, kind=T.CodeActionKind.QuickFix, diagnostics=[diag],
                                            is_preferred=prefer or None, edit=_edit(ls, [fx])))
                sup = getattr(qf, "suppression_fixes", None)
                if sup is not None:
                    for fx in sup(f, s.analyzer) or []:
                        out.append(T.CodeAction(title=fx.title, kind=T.CodeActionKind.QuickFix,
                                                diagnostics=[diag], edit=_edit(ls, [fx])))
        out.extend(_documentation_actions(mine))
    if want_fix_all and current is not None:
        edits = fix_all(s, qf, current.findings)
        if edits:
            out.append(T.CodeAction(title="convex-lsp: apply all safe fixes", kind=FIX_ALL_KIND,
                                    edit=C.workspace_edit(C.group_edits([_Edits(edits)]), ls.lines, ls.versions(),
                                                          ls.enc, ls.document_changes)))
    if not ls.code_action_literals:
        # LSP: a client without code-action literals understands only commands; executing one
        # sends the edit back with workspace/applyEdit
        conv = ls.protocol._converter
        return [T.Command(title=a.title, command=APPLY_EDIT_COMMAND, arguments=[conv.unstructure(a.edit)])
                if a.edit is not None else a.command for a in out if a.edit is not None or a.command is not None]
    return out


def _documentation_actions(mine) -> list:
    """"Show documentation for <rule>", once per rule among our diagnostics (last, as ESLint's)."""
    out = []
    seen: set[str] = set()
    for diag, found in mine:
        data = diag.data if isinstance(diag.data, dict) else {}
        rule = get_rule(str(data.get("code") or diag.code or (found[0].code if found else "")))
        if rule is None or not rule.url or rule.code in seen:
            continue
        seen.add(rule.code)
        title = f"Show documentation for {rule.name}"
        out.append(T.CodeAction(title=title, kind=T.CodeActionKind.QuickFix, diagnostics=[diag],
                                command=T.Command(title=title, command=SHOW_DOCS_COMMAND, arguments=[rule.code])))
    return out


async def show_documentation(ls: "ConvexLanguageServer", *args):
    """Open a rule's documentation: `window/showDocument` (external) where the client has it,
    else a message with the address. The argument is a rule code or name, never a URL."""
    try:
        raw = args[0] if args else None
        if isinstance(raw, (list, tuple)) and raw:
            raw = raw[0]
        rule = get_rule(str(raw)) if isinstance(raw, str) else None
        if rule is None or not rule.url:
            ls.show_error(f"convex-lsp: no documentation for {raw!r}")
            return None
        if ls.show_document:
            res = await ls.window_show_document_async(T.ShowDocumentParams(uri=rule.url, external=True))
            if res is not None and res.success:
                return None
        ls.window_show_message(T.ShowMessageParams(
            type=T.MessageType.Info, message=f"convex-lsp: {rule.code} {rule.name}: {rule.url}"))
    except Exception as e:
        ls.log_error("workspace/executeCommand", e)
    return None


def apply_edit_command(ls: "ConvexLanguageServer", *args):
    """The command behind each code action for clients without code-action literals."""
    try:
        raw = args[0] if args else None
        if isinstance(raw, (list, tuple)) and raw and not isinstance(raw, dict):
            raw = raw[0]
        edit = raw if isinstance(raw, T.WorkspaceEdit) else ls.protocol._converter.structure(raw, T.WorkspaceEdit)
        ls.workspace_apply_edit(T.ApplyWorkspaceEditParams(edit=edit, label="convex-lsp quick fix"))
    except Exception as e:  # never let a malformed command reach pygls
        ls.log_error("workspace/executeCommand", e)
    return None


def fix_all(s: "Session", qf, findings) -> list:
    """One safe fix per finding, skipping fixes that overlap one already taken; an edit
    identical to a taken one (the same import two fixes add) is shared, not repeated."""
    taken: list = []
    keys: set = set()
    overlap = getattr(qf, "edits_overlap", None) or (
        lambda e, c: e.path == c.path and (e.start == c.start or (e.start < c.end and c.start < e.end)))
    for f in findings:
        for fx in qf.fixes_for(f, s.analyzer):
            if fx.applicability != "safe":
                continue
            new = [e for e in fx.edits if (e.path, e.start, e.end, e.new_text) not in keys]
            if any(overlap(e, c) for e in new for c in taken):
                break
            taken.extend(new)
            keys.update((e.path, e.start, e.end, e.new_text) for e in new)
            break
    return taken
