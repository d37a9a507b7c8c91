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
    if len(names) == 1:
        return [calls[i] for i in by.get(names[0], ())]
    pos: list[int] = []
    for n in names:
        pos += by.get(n, ())
    pos.sort()
    return [calls[i] for i in pos]
