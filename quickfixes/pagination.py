"""CVX215: `paginationOptsValidator` for a hand-written options validator; pass the options through."""

from __future__ import annotations

from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.syntax import object_pairs, pair_value, text, unwrap
from ._imports import add_named_import
from ._util import node_at


def fix_pagination_opts(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    if model is None or getattr(model, "root", None) is None:
        return []
    d = finding.data
    if d.get("kind") == "validator":
        return _validator_fix(model, d)
    if d.get("kind") == "rebuilt":
        return _pass_through_fix(model, d)
    return []


def _validator_fix(model, d) -> list[Fix]:
    s, e = d.get("validator_start"), d.get("validator_end")
    if not isinstance(s, int) or not isinstance(e, int) or not model.src.data[s:e].startswith(b"v."):
        return []
    imports = add_named_import(model, "paginationOptsValidator", "convex/server")
    if imports is None:
        return []  # the name is bound to something else in this file
    return [Fix("Validate with `paginationOptsValidator`", "safe" if d.get("safe") else "unsafe",
                imports + [TextEdit(model.path, s, e, "paginationOptsValidator")])]


def _pass_through_fix(model, d) -> list[Fix]:
    s, e, opts = d.get("obj_start"), d.get("obj_end"), d.get("opts")
    if not isinstance(s, int) or not isinstance(e, int) or not isinstance(opts, str):
        return []
    obj = node_at(model, s, e)
    while obj is not None and not (obj.type == "object" and obj.start_byte == s):
        obj = obj.parent
    if obj is None:
        return []
    kept = []
    for key, pair in object_pairs(obj).items():
        val = unwrap(pair_value(pair))
        same = val is not None and val.type == "member_expression" and \
            text(val.child_by_field_name("object")) == opts and text(val.child_by_field_name("property")) == key
        if not same:
            kept.append(text(pair))
    new = opts if not kept else "{ ..." + opts + ", " + ", ".join(kept) + " }"
    return [Fix(f"Pass `{opts}` through", "unsafe", [TextEdit(model.path, s, e, new)])]
