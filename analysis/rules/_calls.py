"""Calls a rule cares about, found by the name they call, beyond what the model answers itself.

A rule looking for `db.get` asks `model.calls_named("get")` (the model's index of its calls by
callee name, built once per model and shared with the model's own passes) and classifies a few
hundred calls instead of every call of the file; it still checks each call as before. The index
reads the callee as written: a rule that looks through wrappers around the callee (`(f)(…)`,
`f!(…)`: `syntax.unwrap`) adds `with_wrapped_callees`; `calls_named_within` restricts the search to
one function.
"""

from __future__ import annotations

from tree_sitter import Node

from ..syntax import WRAPPER_TYPES

_WRAPPED = "_cvx_wrapped_callee_calls"


def calls_named_within(model, node: Node, *names: str) -> list[Node]:
    """`model.calls_named(*names)` restricted to the calls inside `node`, like `model.calls_within(node)`."""
    lo, hi = node.start_byte, node.end_byte
    return [c for c in model.calls_named(*names) if lo <= c.start_byte < hi and c.end_byte <= hi]


def wrapped_callee_calls(model) -> list[Node]:
    """The calls whose callee is wrapped in parentheses, `!`, `as`…, in document order (few: found
    once per model)."""
    found = getattr(model, _WRAPPED, None)
    if found is None:
        found = []
        calls = model.calls
        # the callee index already read each plain callee (`f(…)`, `x.f(…)`): look again only at the
        # calls it could not name (None), a few per file
        raw = model.raw_callees()
        if None in raw:  # (a scan in C: most files have no such call)
            todo = [calls[i] for i, r in enumerate(raw) if r is None]
        else:
            todo = ()
        for call in todo:
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type in WRAPPER_TYPES:
                found.append(call)
        setattr(model, _WRAPPED, found)
    return found


def with_wrapped_callees(model, calls: list[Node]) -> list[Node]:
    """`calls` and the calls whose callee is wrapped, merged by position (stable: of two calls starting
    at the same byte, the one of `calls` first)."""
    wrapped = wrapped_callee_calls(model)
    if not wrapped:
        return calls
    return sorted(calls + wrapped, key=lambda c: c.start_byte)
