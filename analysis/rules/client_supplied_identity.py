"""CVX702 client-supplied-identity."""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from .. import lazy_re
from ..registry import Rule
from ..syntax import (
    call_args,
    descendants_of_type,
    function_params,
    object_pairs,
    param_pattern,
    string_value,
    text,
    unwrap,
)
from ._calls import calls_named_within
from ._identity import establishes_identity

# An identity word followed by Id/Uid/Ids, alone or as a suffix (`userId`, `shopOwnerId`, `clerkUserId`,
# `authId`, `clerkId`, `ownerUid`, `member_ids`), plus `tokenIdentifier`, `subject`, `role`, `isAdmin`.
IDENTITY_ARG_RE = re.compile(
    r"^(?:[A-Za-z0-9]*?(?<=[a-z0-9])_?)?(?:user|owner|author|creator|member|account|sender|auth|clerk|profile)"
    r"_?(?:id|uid|ids)$"
    r"|^(?:token_?identifier|subject|(?:user_?)?role|is_?admin|(?:created|updated)_?by(?:_?id)?)$",
    re.IGNORECASE,
)
# `subject` next to these is a message's subject line (an email, an activity), not a JWT subject
# `targetUserId`, `recipientId`…: another user the caller picks on purpose, not the caller
OTHER_USER_RE = re.compile(r"^(?:target|recipient|receiver|invitee|other|friend|followed|followee|mentioned|blocked|"
                           r"reported|peer)", re.IGNORECASE)
MESSAGE_ARGS = frozenset({"body", "content", "text", "html", "message", "description", "to", "from", "cc",
                          "preview", "snippet", "template"})
WRITES = {("db", "insert"), ("db", "patch"), ("db", "replace"), ("db", "delete"), ("run", "runMutation"),
          ("scheduler", "runAfter"), ("scheduler", "runAt")}
_WRITE_METHODS = frozenset(method for _, method in WRITES)
# `role: v.union(v.literal("user"), v.literal("assistant"))`: the author of a chat message, not a privilege
CHAT_ROLE_RE = lazy_re.compile(r"assistant|system|tool|model", re.IGNORECASE)


def _pattern_names(pat: Node) -> list[tuple[Optional[str], str]]:
    """(key, local) pairs bound by a destructuring pattern; key None for plain identifiers."""
    out: list[tuple[Optional[str], str]] = []
    if pat.type == "identifier":
        return [(None, text(pat))]
    stack = [pat]
    while stack:
        p = stack.pop()
        if p.type == "object_pattern":
            for sub in p.named_children:
                if sub.type == "shorthand_property_identifier_pattern":
                    out.append((text(sub), text(sub)))
                elif sub.type == "pair_pattern":
                    key = sub.child_by_field_name("key")
                    val = sub.child_by_field_name("value")
                    k = string_value(key) if key is not None and key.type == "string" else text(key)
                    if val is not None and val.type == "identifier":
                        out.append((k, text(val)))
                    elif val is not None and val.type == "assignment_pattern":
                        left = val.child_by_field_name("left")
                        if left is not None and left.type == "identifier":
                            out.append((k, text(left)))
                    elif val is not None:
                        stack.append(val)
                elif sub.type == "object_assignment_pattern":
                    left = sub.child_by_field_name("left")
                    if left is not None:
                        out.append((text(left), text(left)))
                elif sub.type == "rest_pattern":
                    pass
        elif p.type == "array_pattern":
            for sub in p.named_children:
                if sub.type == "identifier":
                    out.append((None, text(sub)))
                else:
                    stack.append(sub)
    return out


class _Taint:
    """Which locals carry which suspicious arguments.

    `values`: copies of the argument itself (`const { userId } = args`, `const uid = args.userId`);
    `docs`: results of calls made with it (documents found through it)."""

    def __init__(self, suspicious: set[str]):
        self.suspicious = suspicious
        self.values: dict[str, set[str]] = {}
        self.docs: dict[str, set[str]] = {}
        self.args_names: set[str] = set()  # identifiers holding the whole args object

    def origins(self, expr: Optional[Node], docs: bool = False) -> set[str]:
        """Suspicious arguments `expr` carries (with `docs`: also documents found through them)."""
        out: set[str] = set()
        if expr is None:
            return out
        stack = [expr]
        while stack:
            n = stack.pop()
            t = n.type
            if t in ("identifier", "shorthand_property_identifier"):
                name = text(n)
                if name in self.values:
                    out |= self.values[name]
                if docs and name in self.docs:
                    out |= self.docs[name]
                if name in self.args_names and n.parent is not None and n.parent.type == "spread_element":
                    out |= self.suspicious
                continue
            if t == "member_expression":
                obj = unwrap(n.child_by_field_name("object"))
                prop = text(n.child_by_field_name("property"))
                if obj is not None and obj.type == "identifier" and text(obj) in self.args_names:
                    if prop in self.suspicious:
                        out.add(prop)
                    continue
            elif t == "subscript_expression":
                obj = unwrap(n.child_by_field_name("object"))
                key = string_value(n.child_by_field_name("index"))
                if obj is not None and obj.type == "identifier" and text(obj) in self.args_names:
                    if key in self.suspicious:
                        out.add(key)
                    continue
            stack.extend(n.named_children)
        return out

    def bind(self, pattern: Node, value: Node) -> None:
        vals = self.origins(value)
        docs = self.origins(value, docs=True)
        if not docs:
            return
        has_call = value.type == "call_expression" or any(
            True for _ in descendants_of_type(value, ("call_expression", "new_expression")))
        for _key, local in _pattern_names(pattern):
            if has_call:
                self.docs.setdefault(local, set()).update(docs)
            else:
                if vals:
                    self.values.setdefault(local, set()).update(vals)
                if docs - vals:
                    self.docs.setdefault(local, set()).update(docs - vals)


def _write_origins(call: Node, kind: tuple[str, str], taint: _Taint) -> set[str]:
    """Suspicious arguments a write uses: stored in the value, or naming the target document."""
    a = call_args(call)
    if kind[1] in ("patch", "replace", "delete") and a and unwrap(a[0]) is not None \
            and unwrap(a[0]).type == "string" and len(a) >= 2:
        a = a[1:]  # ctx.db.patch("table", id, value)
    out: set[str] = set()
    if kind == ("db", "insert"):
        for x in a[1:]:
            out |= taint.origins(x)
    elif kind[1] in ("patch", "replace", "delete"):
        if a:
            out |= taint.origins(a[0], docs=True)
        for x in a[1:]:
            out |= taint.origins(x)
    else:  # runMutation(ref, args), scheduler.runAfter(delay, ref, args)
        for x in a[1:]:
            out |= taint.origins(x)
    return out


def check(ctx):
    d = ctx.functions_dir
    if d is None or d.kind == "component":
        return  # component functions are reachable only through the app that mounts them
    for reg, builder in ctx.registrations():
        if builder.visibility != "public" or builder.kind not in ("mutation", "action"):
            continue
        handler = reg.handler
        args_obj = unwrap(reg.value("args")) if reg.config is not None else None
        if handler is None or args_obj is None or args_obj.type != "object":
            continue
        arg_pairs = object_pairs(args_obj)
        suspicious = {name for name, pair in arg_pairs.items() if IDENTITY_ARG_RE.match(name)
                      and not ("role" in name.lower() and pair.type == "pair"
                               and CHAT_ROLE_RE.search(text(pair.child_by_field_name("value"))))}
        suspicious = {n for n in suspicious if not OTHER_USER_RE.match(n)}
        if "subject" in suspicious and MESSAGE_ARGS & set(arg_pairs):
            suspicious.discard("subject")
        if not suspicious:
            continue
        params = function_params(handler)
        if len(params) < 2:
            continue
        taint = _Taint(suspicious)
        pat = param_pattern(params[1])
        if pat.type == "identifier":
            taint.args_names.add(text(pat))
        elif pat.type == "object_pattern":
            for key, local in _pattern_names(pat):
                if key in suspicious:
                    taint.values.setdefault(local, set()).add(key)
        else:
            continue
        body = handler.child_by_field_name("body")
        if body is None:
            continue
        # propagate through declarations in document order
        for decl in descendants_of_type(body, ("variable_declarator",)):
            name = decl.child_by_field_name("name")
            value = decl.child_by_field_name("value")
            if name is None or value is None:
                continue
            v = unwrap(value)
            if v is not None and v.type == "identifier" and text(v) in taint.args_names:
                if name.type == "identifier":
                    taint.args_names.add(text(name))
                else:
                    for key, local in _pattern_names(name):
                        if key in suspicious:
                            taint.values.setdefault(local, set()).add(key)
                continue
            taint.bind(name, v if v is not None else value)
        written: set[str] = set()
        for call in calls_named_within(ctx.model, body, *_WRITE_METHODS):
            kind = cx.ctx_call(call)
            if kind not in WRITES:
                continue
            written |= _write_origins(call, kind, taint)
        if not written:
            continue
        if establishes_identity(ctx, reg, builder, handler):
            continue
        for name in sorted(written, key=lambda n: arg_pairs[n].start_byte):
            pair = arg_pairs[name]
            key = pair.child_by_field_name("key") if pair.type == "pair" else pair
            ctx.report(
                key,
                f"`{name}` comes from the client and this public {builder.kind} writes with it without "
                "establishing who is calling; anyone can pass another user's value. Derive it from "
                "`ctx.auth` (or an authenticating builder) instead",
                data={"arg": name, "function": reg.fact.name},
            )


RULE = Rule(
    code="CVX702",
    name="client-supplied-identity",
    severity="warning",
    spec="§2 Layered Architecture",
    summary="Flags an identity argument of a public mutation or action: an identity word (`user`, `owner`, "
            "`author`, `creator`, `member`, `account`, `sender`, `auth`, `clerk`, `profile`) followed by "
            "`Id`/`Uid`/`Ids`, alone or as a suffix (`userId`, `shopOwnerId`, `clerkUserId`, `authId`, `clerkId`, "
            "`ownerUid`; not a name for another user the caller picks on purpose: `targetUserId`, `recipientUserId`, "
            "`friendUserId`…), or `tokenIdentifier`, `subject` (not next to message arguments such as `body`/`to`: then "
            "it is a subject line), `role`, `isAdmin`, `createdBy`/`updatedBy`; reported when it is written to the database (stored, or used to find the documents it "
            "patches or deletes) while nothing in the function, its custom builder or the helpers it calls "
            "looks up the caller's identity.",
    why="Arguments of a public function are whatever the caller sends. Trusting a client-provided user id "
        "or role lets any visitor act as someone else or grant themselves privileges. The caller's identity "
        "has to come from the authentication context on the server, typically in the client-facing layer or "
        "an authenticating custom builder (§2, §9.4).",
    bad="""export const createPost = mutation({
  args: { authorId: v.id("users"), body: v.string() },
  handler: async (ctx, { authorId, body }) => {
    await ctx.db.insert("posts", { authorId, body });
  },
});""",
    good="""export const createPost = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const authorId = await getAuthUserId(ctx);
    if (authorId === null) throw new Error("Not signed in");
    await ctx.db.insert("posts", { authorId, body });
  },
});""",
    fix_doc="No automatic fix: drop the argument and obtain the user from `ctx.auth` (or build the function "
            "with an authenticating custom builder).",
    fix=None,
    tags=("security",),
    check=check,
    needs_registrations=True,
)
