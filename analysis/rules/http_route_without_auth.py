"""CVX703 http-route-without-auth (opt-in)."""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from .. import lazy_re
from ..registry import Rule
from ..syntax import call_args, callee_name, descendants_of_type, function_params, param_pattern, text, unwrap
from ._calls import calls_named_within
from ._identity import helper_authenticates

VERIFY_NAME_RE = lazy_re.compile(
    r"(verif|validat|authenticat|authoriz|signature|constructEvent|webhook|hmac|checkAuth|requireAuth|"
    r"getUserIdentity|getAuthUserId|bearer|apiKey|secret)",
    re.IGNORECASE,
)


def _request_names(handler: Node) -> tuple[set[str], bool]:
    """Names bound to the Request (second parameter), and whether `headers` was destructured."""
    params = function_params(handler)
    if len(params) < 2:
        return set(), False
    pat = param_pattern(params[1])
    if pat.type == "identifier":
        return {text(pat)}, False
    if pat.type == "object_pattern":
        return set(), any(text(s.child_by_field_name("key") or s) == "headers" for s in pat.named_children)
    return set(), False


def _first_guard(handler: Node, model, req_names: set[str], path: str, index) -> Optional[int]:
    """Byte offset of the first thing that reads headers or verifies the caller."""
    body = handler.child_by_field_name("body")
    if body is None:
        return None
    best: Optional[int] = None

    def note(pos: int) -> None:
        nonlocal best
        if best is None or pos < best:
            best = pos

    for m in descendants_of_type(body, ("member_expression", "identifier", "shorthand_property_identifier")):
        if m.type == "member_expression":
            if text(m.child_by_field_name("property")) == "headers":
                note(m.start_byte)
        elif text(m) == "headers":
            note(m.start_byte)
    for call in model.calls_within(body):
        kind = cx.ctx_call(call)
        if kind is not None and kind[0] == "auth":
            note(call.start_byte)
            continue
        name = callee_name(call) or ""
        if VERIFY_NAME_RE.search(name) or cx.AUTH_CALL_RE.match(name):
            note(call.start_byte)
            continue
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "identifier" and helper_authenticates(index, path, text(fn)):
            note(call.start_byte)
            continue
        # the request handed to a helper (other than reading its body) may be checked there
        for a in call_args(call):
            a = unwrap(a)
            if a is not None and a.type == "identifier" and text(a) in req_names and kind is None:
                note(call.start_byte)
    return best


def check(ctx):
    for reg, builder in ctx.registrations():
        if builder.kind != "http" or reg.handler is None:
            continue
        handler = reg.handler
        if handler.type not in ("arrow_function", "function_expression", "function_declaration", "method_definition"):
            continue
        writes = [c for c in calls_named_within(ctx.model, handler, "runMutation")
                  if cx.ctx_call(c) == ("run", "runMutation")]
        if not writes:
            continue
        req_names, destructured_headers = _request_names(handler)
        if destructured_headers:
            continue
        guard = _first_guard(handler, ctx.model, req_names, ctx.path, ctx.index)
        first = writes[0]
        if guard is not None and guard < first.start_byte:
            continue
        ctx.report(
            first,
            "This HTTP action runs a mutation before reading any request header: nothing checks a signature "
            "or an `Authorization` header, so anyone who knows the URL can trigger the write",
            data={"function": reg.fact.name},
        )


RULE = Rule(
    code="CVX703",
    name="http-route-without-auth",
    severity="off",
    spec="§3 HTTP Actions (Webhooks)",
    summary="Opt-in. Flags an `httpAction` that calls `ctx.runMutation` before it has read any request header "
            "(a webhook signature, an `Authorization` bearer token) or called a verification helper.",
    why="HTTP routes are public URLs. A webhook or API endpoint that changes data without first proving who "
        "sent the request can be replayed or forged by anyone; verify the signature or token before "
        "delegating to a mutation (§3).",
    bad="""http.route({
  path: "/webhooks/payments",
  method: "POST",
  handler: httpAction(async (ctx, req) => {
    const event = await req.json();
    await ctx.runMutation(internal.billing.record, { event });
    return new Response(null, { status: 200 });
  }),
});""",
    good="""http.route({
  path: "/webhooks/payments",
  method: "POST",
  handler: httpAction(async (ctx, req) => {
    const signature = req.headers.get("stripe-signature");
    if (!signature) return new Response("missing signature", { status: 401 });
    const body = await req.text();
    await ctx.runMutation(internal.billing.record, { signature, body });
    return new Response(null, { status: 200 });
  }),
});""",
    fix_doc="No automatic fix: read and verify the signature or token header before the first `runMutation`.",
    fix=None,
    tags=("security",),
    check=check,
    needs_registrations=True,
)
