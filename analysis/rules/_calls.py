"""The calls of a file a rule cares about, found by the name they call.

`calls_named(model, "get")` gives the calls written `get(…)` or `<anything>.get(…)`, in document
order, from the model's index of its calls by callee name (`FileModel.calls_named`, built once per
model and shared with the model's own passes): a rule looking for `db.get` then classifies a few
hundred calls instead of every call of the file. It is a pre-filter only: the rule still checks each
call as before. The index reads the callee as written; a rule that looks through wrappers around
the callee (`(f)(…)`, `f!(…)`: `syntax.unwrap`) adds `wrapped_callee_calls(model)`.
"""

from __future__ import annotations

from tree_sitter import Node

# what `syntax.unwrap` looks through
_WRAPPERS = frozenset({"parenthesized_expression", "await_expression", "non_null_expression", "as_expression",
                       "satisfies_expression", "type_assertion"})
_WRAPPED = "_cvx_wrapped_callee_calls"


def calls_named(model, *names: str) -> list[Node]:
    """The calls of `model.calls` whose callee is named one of `names` (`f(…)`, `x.f(…)`), in
    the order of `model.calls`."""
    return model.calls_named(*names)


def called_names(model) -> set[str]:
    """The callee names of the file's calls (as written: wrapped callees are not named)."""
    return model.callee_names()


def calls_named_within(model, node: Node, *names: str) -> list[Node]:
    """`calls_named` restricted to the calls inside `node`, like `model.calls_within(node)`."""
    lo, hi = node.start_byte, node.end_byte
    return [c for c in model.calls_named(*names) if lo <= c.start_byte < hi and c.end_byte <= hi]


def wrapped_callee_calls(model) -> list[Node]:
    """The calls whose callee is wrapped in parentheses, `!`, `as`…, in document order (few: found
    once per model)."""
    found = getattr(model, _WRAPPED, None)
    if found is None:
        found = []
        for call in model.calls:
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type in _WRAPPERS:
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
