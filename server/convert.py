"""Engine data (byte offsets, findings, fixes) <-> LSP types, in the negotiated encoding."""

from __future__ import annotations

import json
import re
from typing import Optional

from lsprotocol import types as T

from convex_lsp.analysis.registry import Finding, Fix, get_rule, shift_data
from convex_lsp.analysis.source import LineIndex

SOURCE = "convex-lsp"

SEVERITY = {
    "error": T.DiagnosticSeverity.Error,
    "warning": T.DiagnosticSeverity.Warning,
    "info": T.DiagnosticSeverity.Information,
    "hint": T.DiagnosticSeverity.Hint,
}
TAGS = {"deprecated": T.DiagnosticTag.Deprecated, "unnecessary": T.DiagnosticTag.Unnecessary}


def line_encoding(lsp_encoding) -> str:
    """LSP PositionEncodingKind -> the name `LineIndex` uses."""
    enc = str(getattr(lsp_encoding, "value", lsp_encoding) or "utf-16").lower()
    if enc == "utf-8":
        return "utf-8"
    if enc == "utf-32":
        return "codepoint"
    return "utf-16"


# ------------------------------------------------------------------ uris


def uri_to_path(uri: str) -> str:
    """The file a `file://` URI names (pygls.uris: drive letters, UNC shares, escapes), with
    symbolic links resolved as the workspace's own paths are; other URIs are returned as given."""
    import os

    from pygls import uris

    path = uris.to_fs_path(uri) if uri.startswith("file:") else None
    if not path:
        return uri
    return os.path.realpath(path) if os.path.isabs(path) else path


def path_to_uri(path: str) -> str:
    """The `file://` URI of a path, as pygls makes it."""
    from pygls import uris

    return uris.from_fs_path(path) or path


# ------------------------------------------------------------------ positions


def position(lines: LineIndex, offset: int, enc: str) -> T.Position:
    row, col = lines.position(offset, enc)
    return T.Position(line=row, character=col)


def range_of(lines: LineIndex, start: int, end: int, enc: str) -> T.Range:
    return T.Range(start=position(lines, start, enc), end=position(lines, end, enc))


def offset_of(lines: LineIndex, pos: T.Position, enc: str) -> int:
    return lines.offset(pos.line, pos.character, enc)


# ------------------------------------------------------------------ diagnostics


def diagnostic(f: Finding, lines: LineIndex, enc: str, version: Optional[int]) -> T.Diagnostic:
    tags = [TAGS[t] for t in f.tags if t in TAGS] or None
    return T.Diagnostic(
        range=range_of(lines, f.start, f.end, enc),
        message=f.message,
        severity=SEVERITY.get(f.severity, T.DiagnosticSeverity.Warning),
        code=f.name,
        code_description=T.CodeDescription(href=f.url) if f.url else None,
        source=SOURCE,
        tags=tags,
        data={"code": f.code, "data": shift_data(f.data, -f.start), "version": version},
    )


_SEVERITY_NUM = {k: int(v) for k, v in SEVERITY.items()}
_TAG_NUM = {k: int(v) for k, v in TAGS.items()}


def diagnostic_json(f: Finding, lines: LineIndex, enc: str, version: Optional[int]) -> dict:
    """`diagnostic()` as the JSON object it serialises to, built directly (no cattrs).
    `data` holds the rule code, the rule's fix data and the text's version; the fix data's byte
    offsets are relative to the finding's start (the diagnostic's range, in the text of that
    version), so a diagnostic that only moved serialises the same."""
    if lines.ascii and lines.data is not None:  # columns are the same in every encoding: the engine's
        sr, sc, er, ec = f.srow, f.scol, f.erow, f.ecol
    else:
        sr, sc = lines.position(f.start, enc)
        er, ec = lines.position(f.end, enc)
    d: dict = {
        "range": {"start": {"line": sr, "character": sc}, "end": {"line": er, "character": ec}},
        "message": f.message,
        "severity": _SEVERITY_NUM.get(f.severity, 2),
        "code": f.name,
    }
    if f.url:
        d["codeDescription"] = {"href": f.url}
    d["source"] = SOURCE
    tags = [_TAG_NUM[t] for t in f.tags if t in _TAG_NUM]
    if tags:
        d["tags"] = tags
    d["data"] = {"code": f.code, "data": shift_data(f.data, -f.start), "version": version}
    return d


def diagnostics_json(res, enc: str) -> list[dict]:
    """The diagnostics of a `session.LintResult`, as JSON objects."""
    lines = res.lines if res.lines is not None and res.lines.data is res.data else LineIndex(res.data)
    return [diagnostic_json(f, lines, enc, res.version) for f in res.findings]


def publish_body(uri: str, res, enc: str) -> str:
    """The JSON text of the publishDiagnostics notification for a `session.LintResult` (ASCII).

    Each diagnostic's text is kept on its finding (up to the version number, which changes on
    every edit) and reused while the finding's offsets, positions and data stay the same: the
    findings an incremental lint carries over unshifted cost nothing here."""
    lines = res.lines if res.lines is not None and res.lines.data is res.data else LineIndex(res.data)
    version = "null" if res.version is None else str(int(res.version))
    parts = []
    for f in res.findings:
        # what the text depends on besides the finding's content, which a finding keeps when the
        # incremental linter moves it (its data offsets are published relative to its start)
        key = (enc, f.end - f.start, f.srow, f.scol, f.erow, f.ecol)
        cached = f.__dict__.get("_lsp_json")
        if cached is None or cached[0] != key:
            text = json.dumps(diagnostic_json(f, lines, enc, None), separators=(",", ":"))
            assert text.endswith("null}}")
            cached = (key, text[:-6])
            f.__dict__["_lsp_json"] = cached
        parts.append(cached[1] + version + "}}")
    return ('{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":' + json.dumps(uri)
            + ',"version":' + version + ',"diagnostics":[' + ",".join(parts) + "]}}")


def finding_from_data(data: dict, path: str, start: int, end: int, severity: str = "warning") -> Optional[Finding]:
    """Rebuild the Finding a Diagnostic was made from (its `data` and range as offsets in the
    text it was made for), for code actions."""
    if not isinstance(data, dict) or "code" not in data:
        return None
    rule = get_rule(str(data["code"]))
    if rule is None:
        return None
    raw = data.get("data")
    return Finding(code=rule.code, name=rule.name, path=path, start=start, end=end, message="",
                   severity=severity, data=shift_data(dict(raw) if isinstance(raw, dict) else {}, start),
                   spec=rule.spec, url=rule.url,
                   tags=rule.tags)


# ------------------------------------------------------------------ edits


def workspace_edit(edits_by_path: dict[str, list], lines_of, versions: dict[str, Optional[int]], enc: str,
                   document_changes: bool) -> T.WorkspaceEdit:
    """`edits_by_path`: path -> [engine TextEdit]; `lines_of(path)` -> LineIndex of the file's
    current bytes; `versions`: open documents' versions."""
    per_uri: dict[str, list[T.TextEdit]] = {}
    for path, edits in edits_by_path.items():
        lines = lines_of(path)
        if lines is None:
            continue
        per_uri[path] = [T.TextEdit(range=range_of(lines, e.start, e.end, enc), new_text=e.new_text)
                         for e in sorted(edits, key=lambda e: (e.start, e.end))]
    if document_changes:
        return T.WorkspaceEdit(document_changes=[
            T.TextDocumentEdit(
                text_document=T.OptionalVersionedTextDocumentIdentifier(uri=path_to_uri(p), version=versions.get(p)),
                edits=es)
            for p, es in per_uri.items()])
    return T.WorkspaceEdit(changes={path_to_uri(p): es for p, es in per_uri.items()})


def group_edits(fixes: list[Fix]) -> dict[str, list]:
    out: dict[str, list] = {}
    for fx in fixes:
        for e in fx.edits:
            out.setdefault(e.path, []).append(e)
    return out


# ------------------------------------------------------------------ markup


_MD_STRIP = [(re.compile(r"```[a-z]*\n?"), ""), (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
             (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"), (re.compile(r"`([^`]*)`"), r"\1")]


def markup(md: str, markdown: bool) -> T.MarkupContent:
    if markdown:
        return T.MarkupContent(kind=T.MarkupKind.Markdown, value=md)
    text = md
    for rx, rep in _MD_STRIP:
        text = rx.sub(rep, text)
    return T.MarkupContent(kind=T.MarkupKind.PlainText, value=text)
