"""The calls of a file grouped by the name they call, for rules that care about a few names.

`calls_named(model, "get")` gives the calls whose callee is `get(…)` or `<anything>.get(…)`
(parentheses and `as`/`!` wrappers around the callee looked through), in document order. The
grouping is built once per model, in one pass over `model.calls`, and shared by every rule: a
rule looking for `db.get` then classifies a few hundred calls instead of every call of the file.
It is a pre-filter only: the rule still checks each call as before.
"""

from __future__ import annotations

from tree_sitter import Node

from ..syntax import unwrap

_ATTR = "_cvx_calls_by_name"


def _by_name(model) -> dict[str, list[int]]:
    """callee name -> positions in `model.calls` (ascending)."""
    found = getattr(model, _ATTR, None)
    if found is not None:
        return found
    out: dict[str, list[int]] = {}
    for i, call in enumerate(model.calls):
        fn = unwrap(call.child_by_field_name("function"))
        if fn is None:
            continue
        t = fn.type
        if t == "member_expression":
            fn = fn.child_by_field_name("property")
            if fn is None:
                continue
        elif t != "identifier":
            continue
        raw = fn.text
        if raw is None:
            continue
        name = raw.decode("utf-8", errors="replace")
        got = out.get(name)
        if got is None:
            out[name] = [i]
        else:
            got.append(i)
    setattr(model, _ATTR, out)
    return out


def calls_named(model, *names: str) -> list[Node]:
    """The calls of `model.calls` whose callee is named one of `names` (`f(…)`, `x.f(…)`), in
    the order of `model.calls`."""
    by = _by_name(model)
    calls = model.calls
    found = [by[n] for n in set(names) if n in by]  # a name given twice counts once
    if not found:
        return []
    if len(found) == 1:
        return [calls[i] for i in found[0]]
    pos = sorted(i for group in found for i in group)
    return [calls[i] for i in pos]


def called_names(model):
    """The callee names of the file's calls (a set-like view)."""
    return _by_name(model).keys()


def calls_named_within(model, node: Node, *names: str) -> list[Node]:
    """`calls_named` restricted to the calls inside `node`, like `model.calls_within(node)`."""
    lo, hi = node.start_byte, node.end_byte
    return [c for c in calls_named(model, *names) if lo <= c.start_byte < hi and c.end_byte <= hi]
