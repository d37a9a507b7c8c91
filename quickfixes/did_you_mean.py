"""CVX206 unknown-index, CVX208 unknown-table, CVX402 unknown-function-reference: the closest
existing name ("did you mean")."""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Optional

from ..analysis.registry import Finding, Fix, TextEdit
from ._util import overlaps

_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.5, ranked: bool = False) -> Optional[str]:
    cands = [c for c in dict.fromkeys(candidates) if c and c != name]
    if ranked and cands:
        return cands[0]  # the rule already ranked them
    if not cands:
        return None
    lower = {c.lower(): c for c in cands}
    if name.lower() in lower:
        return lower[name.lower()]
    m = difflib.get_close_matches(name, cands, n=1, cutoff=cutoff)
    return m[0] if m else None


def _data_candidates(finding: Finding) -> Optional[list[str]]:
    for key in ("candidates", "suggestions", "known"):
        val = finding.data.get(key)
        if isinstance(val, (list, tuple)) and all(isinstance(x, str) for x in val):
            return list(val)
    return None


def _facts(finding: Finding, an):
    if finding.path not in an.models:
        return None
    return an.index.facts.get(finding.path)


def fix_unknown_index(finding: Finding, an) -> list[Fix]:
    facts = _facts(finding, an)
    if facts is None:
        return []
    use = next((u for u in facts.index_uses if overlaps(u.span.start, u.span.end, finding.start, finding.end)), None)
    if use is None:
        return []
    cands = _data_candidates(finding)
    ranked = bool(cands)
    if not cands:
        schema = an.index.schema_for(finding.path)
        t = schema.table(use.table) if schema is not None and use.table else None
        if t is None:
            return []
        kind = "db" if use.method == "withIndex" else "search"
        cands = [ix.name for ix in t.indexes if ix.kind == kind]
    best = closest(use.index, cands, ranked=ranked)
    if best is None:
        return []
    return [Fix(f"Change to `{best}`", "unsafe",
                [TextEdit(finding.path, use.name_span.start, use.name_span.end, best)])]


def fix_unknown_table(finding: Finding, an) -> list[Fix]:
    facts = _facts(finding, an)
    if facts is None:
        return []
    ref = next((r for r in facts.table_refs if overlaps(r.span.start, r.span.end, finding.start, finding.end)), None)
    if ref is None:
        return []
    cands = _data_candidates(finding)
    ranked = bool(cands)
    if not cands:
        schema = an.index.schema_for(finding.path)
        if schema is None:
            return []
        cands = [t for t in list(schema.tables) + sorted(schema.opaque_tables) if not t.startswith("_")]
    best = closest(ref.table, cands, ranked=ranked)
    if best is None:
        return []
    return [Fix(f"Change to `{best}`", "unsafe",
                [TextEdit(finding.path, ref.span.start + 1, ref.span.end - 1, best)])]


def ref_text(root: str, path) -> str:
    return root + "".join(f".{p}" if _IDENT.match(p) else f'["{p}"]' for p in path)


def fix_unknown_function(finding: Finding, an) -> list[Fix]:
    facts = _facts(finding, an)
    if facts is None:
        return []
    ref = next((r for r in facts.api_refs if overlaps(r.span.start, r.span.end, finding.start, finding.end)), None)
    if ref is None:
        return []
    d = an.index.functions_dir(finding.path)
    if d is None:
        return []
    registry = an.index.registry(d.path)
    model = an.models[finding.path]
    imp = model.facts.import_of(ref.root)
    root = imp.imported if imp is not None else ref.root
    info = registry.get(tuple(ref.path))
    if info is not None:
        # the function exists with the other visibility: fix the root (`api` <-> `internal`)
        want_root = "internal" if info.visibility == "internal" else "api"
        if want_root == root or imp is None:
            return []
        from ._imports import add_named_import
        from ..analysis import convex as cx
        add = add_named_import(model, want_root, imp.source,
                               source_pred=lambda s: bool(cx.GENERATED_API_RE.search(s)))
        if add is None:
            return []
        return [Fix(f"Change to `{ref_text(want_root, ref.path)}`", "unsafe",
                    [TextEdit(finding.path, ref.span.start, ref.span.start + len(ref.root), want_root)] + add)]
    want = "public" if root == "api" else "internal"
    same_vis = {".".join(p): p for p, i in registry.items() if i.visibility == want}
    best = None
    data_cands = _data_candidates(finding) or []
    for c in data_cands:  # the rule's candidates: export names of the module, or module names
        for cand_path in (tuple(ref.path[:-1]) + (c,), tuple(c.split("/")) + tuple(ref.path[-1:])):
            if ".".join(cand_path) in same_vis and tuple(cand_path) != tuple(ref.path):
                best = ".".join(cand_path)
                break
        if best:
            break
    if best is None:
        best = closest(".".join(ref.path), list(same_vis), cutoff=0.6)
    if best is None:
        return []
    new = ref_text(ref.root, same_vis[best])
    return [Fix(f"Change to `{new}`", "unsafe", [TextEdit(finding.path, ref.span.start, ref.span.end, new)])]
