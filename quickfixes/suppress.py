""""Disable <rule> for this line" / "… for this file" (offered on every finding).

They are marked `unsafe` so that no "fix all" or `--fix` ever applies them by itself.
"""

from __future__ import annotations

import re

from ..analysis import lazy_re
from ..analysis.registry import Finding, Fix, TextEdit
from ._util import ancestors, indent_at, newline_of, node_at

_NEXT_LINE_RE = lazy_re.compile(rb"^([ \t]*)//[ \t]*convex-lsp-disable-next-line\b([^\r\n]*)$")


def _rules_end(line: bytes, start: int) -> tuple[int, bytes]:
    """End offset (within `line`) of the rule list that begins at `start`, and that list."""
    rest = line[start:]
    cut = rest.find(b"--")
    if cut != -1:
        rest = rest[:cut]
    rest_stripped = rest.rstrip()
    return start + len(rest_stripped), rest_stripped


def _in_literal(model, offset: int) -> bool:
    n = node_at(model, offset, offset)
    for a in ancestors(n):
        if a.type in ("template_string", "string", "jsx_text", "jsx_element") and a.start_byte < offset:
            return True
    return False


def _line_fix(finding: Finding, model, name: str):
    data = model.src.data
    lines = model.src.lines
    row = lines.row_of(finding.start)
    ls = lines.starts[row]
    if _in_literal(model, ls):
        return None
    nl = newline_of(data)
    if row > 0:
        prev_start = lines.starts[row - 1]
        prev = lines.line_bytes(row - 1)
        m = _NEXT_LINE_RE.match(prev)
        if m is not None:
            end, listed = _rules_end(prev, m.start(2))
            names = [r.strip().decode("utf-8", "replace") for r in re.split(rb"[,\s]+", listed) if r.strip()]
            if not names:
                return None  # already disables everything
            if name in names or finding.code in names:
                return None
            at = prev_start + end
            return Fix(f"Disable {name} for this line", "unsafe", [TextEdit(model.path, at, at, f", {name}")])
    indent = indent_at(data, ls)
    return Fix(f"Disable {name} for this line", "unsafe",
               [TextEdit(model.path, ls, ls, f"{indent}// convex-lsp-disable-next-line {name}{nl}")])


def _file_fix(finding: Finding, model, name: str):
    data = model.src.data
    for s in model.suppressions:
        if s.kind != "file":
            continue
        if not s.rules:
            return None
        if name in s.rules or finding.code in s.rules:
            return None
        raw = data[s.span.start:s.span.end]
        if raw.startswith(b"/*"):
            body_end = len(raw) - 2
            m = re.search(rb"convex-lsp-disable\b", raw)
            start = m.end() if m else 2
            end, _ = _rules_end(raw[:body_end], start)
        else:
            m = re.search(rb"convex-lsp-disable\b", raw)
            end, _ = _rules_end(raw, m.end() if m else 2)
        at = s.span.start + end
        return Fix(f"Disable {name} for this file", "unsafe", [TextEdit(model.path, at, at, f", {name}")])
    at = 0
    if data.startswith(b"#!"):
        nlpos = data.find(b"\n")
        at = nlpos + 1 if nlpos != -1 else len(data)
    nl = newline_of(data)
    prefix = nl if at == len(data) and at > 0 and not data.endswith(b"\n") else ""
    return Fix(f"Disable {name} for this file", "unsafe",
               [TextEdit(model.path, at, at, f"{prefix}/* convex-lsp-disable {name} */{nl}")])


def suppression_fixes(finding: Finding, analyzer) -> list:
    """[line fix, file fix] for any finding (CVX901/CVX902 excluded: suppressing a
    suppression or an unreadable file makes no sense)."""
    if finding.code in ("CVX901", "CVX902"):
        return []
    model = analyzer.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    name = finding.name or finding.code
    out = []
    for make in (_line_fix, _file_fix):
        try:
            fx = make(finding, model, name)
        except Exception:  # pragma: no cover - never fail a code-action request
            fx = None
        if fx is not None:
            out.append(fx)
    return out
