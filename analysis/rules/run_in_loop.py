"""CVX303 run-in-loop."""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from .. import lazy_re
from ..registry import Rule
from ..runtime_util import ACTIONS, belongs_to, in_try_body, is_promise_all_arg
from ..syntax import FUNCTION_TYPES, call_args, text, unwrap
from ._calls import calls_named_within

# A loop over pre-chunked work (`for (const batch of batches)`) already batches.
_BATCH_RE = lazy_re.compile(r"batch|chunk|page|slice|group", re.I)
_RETRY_RE = lazy_re.compile(r"attempt|retr|tries|tried", re.I)


def _loop_of(call: Node, handler: Node) -> Optional[tuple[str, Node]]:
    """The loop (kind, node) that repeats `call`, up to the handler."""
    cur = call
    found = None
    while cur is not None and cur.id != handler.id:
        p = cur.parent
        if p is None:
            return None
        if p.type in ("while_statement", "do_statement"):
            return None  # paging / polling / retry loop: each call depends on the previous one
        if p.type == "for_statement" and _for_kind(p) is None:
            return None
        if found is not None:
            cur = p
            continue
        if p.type in ("for_in_statement", "for_statement"):
            body = p.child_by_field_name("body")
            if body is not None and body.id == cur.id:
                kind = _for_kind(p)
                if kind is not None and not (p.type == "for_statement" and in_try_body(call, p)):
                    found = (kind, p)
        elif cur.type in FUNCTION_TYPES and p.type == "arguments":
            outer = p.parent
            fn = outer.child_by_field_name("function") if outer is not None else None
            if fn is not None and fn.type == "member_expression" and [a.id for a in call_args(outer)[:1]] == [cur.id]:
                method = text(fn.child_by_field_name("property"))
                if method == "forEach":
                    found = ("forEach", outer)
                elif method == "map" and is_promise_all_arg(outer):
                    found = ("Promise.all(….map)", outer)
        cur = p
    return found


def _for_kind(loop: Node) -> Optional[str]:
    if loop.type == "for_in_statement":
        right = unwrap(loop.child_by_field_name("right"))
        if right is not None and right.type == "array":
            return None  # a fixed handful of items written out
        left = loop.child_by_field_name("left")
        if left is not None and _BATCH_RE.search(text(left)):
            return None
        is_of = any(c.type == "of" for c in loop.children)
        return "for…of" if is_of else "for…in"
    cond = loop.child_by_field_name("condition")
    if cond is None or text(cond).strip() in ("", ";"):
        return None  # for (;;): a polling/paging loop
    if _BATCH_RE.search(text(cond)) or _RETRY_RE.search(text(cond)):
        return None  # batched work, or a retry loop
    if _steps_by_chunks(loop):
        return None  # `for (let i = 0; i < xs.length; i += SIZE)` passing `xs.slice(i, i + SIZE)`: the remedy
    return "for"


def _steps_by_chunks(loop: Node) -> bool:
    """The counter advances by more than one (`i += SIZE`, `i = i + SIZE`), or the body slices the
    list at the counter (`xs.slice(i, i + SIZE)`)."""
    incr = loop.child_by_field_name("increment")
    if incr is None:
        return False
    incr = unwrap(incr)
    counter = None
    if incr.type == "augmented_assignment_expression":
        op = next((c for c in incr.children if c.type == "+="), None)
        right = incr.child_by_field_name("right")
        counter = text(incr.child_by_field_name("left"))
        if op is not None and right is not None and text(right).strip() != "1":
            return True
    elif incr.type == "assignment_expression":
        counter = text(incr.child_by_field_name("left"))
        right = text(incr.child_by_field_name("right")).replace(" ", "")
        if right.startswith(counter + "+") and right != counter + "+1":
            return True
    elif incr.type == "update_expression":
        counter = text(incr).strip("+-; ")
    body = loop.child_by_field_name("body")
    return bool(counter) and body is not None and re.search(
        rf"\.slice\(\s*{re.escape(counter)}\b", text(body)) is not None


def check(ctx):
    for reg, b in ctx.registrations():
        if b.kind not in ACTIONS or reg.handler is None:
            continue
        for call in calls_named_within(ctx.model, reg.handler, "runQuery", "runMutation", "runAction"):
            kind = cx.ctx_call(call)
            if kind is None or kind[0] != "run":
                continue
            if ctx.model.registration_of(call) is not reg or not belongs_to(call, reg.handler):
                continue
            found = _loop_of(call, reg.handler)
            if found is None:
                continue
            loop_kind, loop = found
            method = kind[1]
            ctx.report(
                call,
                f"`ctx.{method}` inside a {loop_kind} loop runs one separate transaction per item: a failure "
                "half-way leaves earlier items committed and every call is another chance of conflict; pass "
                "the whole list to one internal function instead",
                data={"method": method, "loop": loop_kind, "loop_start": loop.start_byte, "loop_end": loop.end_byte},
            )


RULE = Rule(
    code="CVX303",
    name="run-in-loop",
    severity="warning",
    spec="§6 Transaction Boundaries",
    summary="Flags `ctx.runMutation`/`ctx.runQuery`/`ctx.runAction` repeated by a loop in an action: the body "
            "of a `for`/`for…of`/`for…in` loop, a `.forEach` callback, or a `.map` callback handed to "
            "`Promise.all`. Loops over pre-chunked batches (`for (const batch of batches)`, or "
            "`for (let i = 0; i < xs.length; i += SIZE)` passing `xs.slice(i, i + SIZE)`: that is the remedy "
            "itself), literal arrays and open-ended polling loops (`while`, `for (;;)`) are left alone.",
    why="Each `ctx.run*` call from an action is its own transaction. Looping them turns one logical change "
        "into N commits: a crash or conflict part-way leaves the data half-updated, and N round trips cost "
        "far more than one. Send the list to a single internal mutation (or query) that handles it in one "
        "transaction (§6 Batch Writes, §12 MUST NOT 7, SHOULD 3).",
    bad="""const rows = parseCsv(await (await fetch(csvUrl)).text());
for (const row of rows) {
  await ctx.runMutation(internal.contacts.upsert, { row });
}""",
    good="""const rows = parseCsv(await (await fetch(csvUrl)).text());
await ctx.runMutation(internal.contacts.upsertMany, { rows });""",
    fix_doc="No automatic fix: write a batch variant of the target function that takes the list.",
    fix=None,
    check=check,
    needs_registrations=True,
)
