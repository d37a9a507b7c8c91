"""CVX102 missing-args-validator and CVX103 bare-handler-syntax."""

from __future__ import annotations

from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.syntax import function_params
from ._imports import add_named_import
from ._util import indent_at, indent_unit, newline_of, registration_for
from .returns import handler_summary, insert_key_edit, return_null_edits


def _model(finding: Finding, an):
    m = an.models.get(finding.path)
    return m if m is not None and getattr(m, "root", None) is not None else None


def fix_missing_args(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    reg = registration_for(model, finding)
    if reg is None or reg.config is None or "args" in reg.pairs or reg.handler is None:
        return []
    if reg.handler.type not in ("arrow_function", "function_expression", "method_definition", "function"):
        return []
    if len(function_params(reg.handler)) > 1:
        return []  # the handler reads its args: the validator must describe them
    members = [c for c in reg.config.named_children if c.type != "comment"]
    keyed = [p for k, p in reg.pairs.items() if k in ("returns", "handler")]
    before = min(keyed, key=lambda n: n.start_byte) if keyed else (members[0] if members else None)
    edit = insert_key_edit(model, reg.config, "args: {}", before=before) if before is not None else \
        insert_key_edit(model, reg.config, "args: {}")
    if edit is None:
        return []
    return [Fix("Add `args: {}`", "safe", [edit])]


def fix_bare_handler(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    if model is None:
        return []
    reg = registration_for(model, finding)
    if reg is None or reg.config is not None or reg.handler is None:
        return []
    fn = reg.handler
    if fn.type not in ("arrow_function", "function_expression"):
        return []
    data = model.src.data
    nl = newline_of(data)
    base = indent_at(data, reg.call.start_byte)
    ind = base + indent_unit(data)
    keys = []
    if len(function_params(fn)) <= 1:
        keys.append("args: {}")
    extra: list[TextEdit] = []
    summary = handler_summary(model, reg, fn, an.index)
    if summary is not None and summary[0] == "void":
        imp = add_named_import(model, "v", "convex/values")
        if imp is not None:
            keys.append("returns: v.null()")
            extra = imp + return_null_edits(model, fn)
    head = "{" + nl + "".join(f"{ind}{k},{nl}" for k in keys) + f"{ind}handler: "
    tail = f",{nl}{base}}}"
    edits = extra + [TextEdit(model.path, fn.start_byte, fn.start_byte, head),
                     TextEdit(model.path, fn.end_byte, fn.end_byte, tail)]
    return [Fix("Rewrite to object syntax ({ args, returns, handler })", "safe", edits)]
