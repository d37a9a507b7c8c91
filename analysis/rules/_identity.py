"""Shared helpers for the security rules (CVX702, CVX703): does a function establish who
is calling? Not a rule module (the leading underscore keeps the registry away)."""

from __future__ import annotations

import re
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from .. import lazy_re
from ..syntax import callee_name, call_args, descendants_of_type, function_params, param_pattern, text, unwrap

# ctx members every Convex context has; anything else was added by a custom builder
STANDARD_CTX_MEMBERS = frozenset({
    "db", "auth", "storage", "scheduler", "runQuery", "runMutation", "runAction", "vectorSearch",
})

# names of functions (from packages we cannot read, or api references) that suggest an identity check
IDENTITY_NAME_RE = lazy_re.compile(
    r"(user|viewer|identity|auth|session|account|member|permission|access|role|admin|owner|principal|"
    r"caller|current|\bme\b|^me$|guard|protect|signed|login|token)",
    re.IGNORECASE,
)


# function references (`api.users.viewer`) whose result is the caller
_IDENTITY_REF_WORDS = lazy_re.compile(
    r"(viewer|current|^me$|whoami|identity|loggedin|signedin|session|authenticat|authoriz|getme|myself)",
    re.IGNORECASE,
)
_WORD_RUN = lazy_re.compile(r"\w+")


def is_identity_ref(name: str) -> bool:
    r"""Does a function reference's name say it returns the caller (`viewer`, `requireUser`, ...)?

    `require\w*user` as a pattern is quadratic on `requirerequire…`; the first `require`/`ensure`
    of each word run followed later in that run by `user` is the same test, in linear time."""
    if _IDENTITY_REF_WORDS.search(name):
        return True
    for run in _WORD_RUN.finditer(name.lower()):
        w = run.group(0)
        for kw in ("require", "ensure"):
            i = w.find(kw)
            if i != -1 and w.find("user", i + len(kw)) != -1:
                return True
    return False


def _resolve_import(index, path: str, local: str) -> Optional[tuple[str, str]]:
    f = index.facts.get(path)
    if f is None:
        return None
    imp = f.import_of(local)
    if imp is None or imp.type_only:
        return None
    target = index.resolve_module(path, imp.source)
    if target is None:
        return None
    if imp.imported == "*":
        return (target, "*")
    return index.resolve_export(target, imp.imported)


def helper_authenticates(index, path: str, name: str, depth: int = 0, seen: Optional[set] = None) -> bool:
    """Does calling `name` (a local name in `path`, possibly `ns.fn`) establish identity,
    directly or through the helpers it calls? Unresolvable functions count when their
    name suggests an identity check (precision first)."""
    if depth > 8:
        return False
    seen = seen if seen is not None else set()
    key = (path, name)
    if key in seen:
        return False
    seen.add(key)
    if cx.AUTH_CALL_RE.match(name.split(".")[-1]):
        return True
    f = index.facts.get(path)
    if f is None:
        return False
    if "." in name:
        ns, fn = name.split(".", 1)
        imp = f.import_of(ns)
        if imp is None:
            return False  # Promise.all, console.log, JSON.parse ...
        target = _resolve_import(index, path, ns)
        if target is None:
            return bool(IDENTITY_NAME_RE.search(fn)) and not imp.source.startswith(".")
        tpath, tlocal = target
        if tlocal == "*":
            return helper_authenticates(index, tpath, fn, depth + 1, seen)
        return False
    h = f.helpers.get(name)
    if h is not None:
        if h.authenticates:
            return True
        return any(helper_authenticates(index, path, c, depth + 1, seen) for c in h.calls)
    imp = f.import_of(name)
    if imp is None:
        return False
    target = _resolve_import(index, path, name)
    if target is None:
        # a package or an unresolvable module: trust an identity-sounding name
        return bool(IDENTITY_NAME_RE.search(name))
    tpath, tlocal = target
    return helper_authenticates(index, tpath, tlocal, depth + 1, seen)


def ctx_param(handler: Node) -> Optional[Node]:
    params = function_params(handler)
    return param_pattern(params[0]) if params else None


def uses_custom_ctx_members(handler: Node) -> bool:
    """The handler reads a ctx member no plain Convex ctx has (`ctx.user`, `{ db, viewer }`):
    a custom builder put it there, normally after looking the caller up."""
    pat = ctx_param(handler)
    if pat is None:
        return False
    if pat.type == "object_pattern":
        for sub in pat.named_children:
            if sub.type == "shorthand_property_identifier_pattern":
                if text(sub) not in STANDARD_CTX_MEMBERS:
                    return True
            elif sub.type in ("pair_pattern", "object_assignment_pattern"):
                key = sub.child_by_field_name("key") or sub.child_by_field_name("left")
                if key is not None and text(key) not in STANDARD_CTX_MEMBERS:
                    return True
        return False
    if pat.type != "identifier":
        return False
    name = text(pat)
    body = handler.child_by_field_name("body")
    if body is None:
        return False
    for m in descendants_of_type(body, ("member_expression",)):
        obj = m.child_by_field_name("object")
        if obj is not None and obj.type == "identifier" and text(obj) == name:
            prop = text(m.child_by_field_name("property"))
            if prop and prop not in STANDARD_CTX_MEMBERS:
                return True
    for d in descendants_of_type(body, ("variable_declarator",)):
        pat2 = d.child_by_field_name("name")
        val = unwrap(d.child_by_field_name("value"))
        if pat2 is not None and pat2.type == "object_pattern" and val is not None and val.type == "identifier" \
                and text(val) == name:
            for sub in pat2.named_children:
                k = text(sub) if sub.type == "shorthand_property_identifier_pattern" else \
                    text(sub.child_by_field_name("key") or sub.child_by_field_name("left"))
                if k and k not in STANDARD_CTX_MEMBERS:
                    return True
    return False


def establishes_identity(ctx, reg, builder, handler: Node) -> bool:
    """Anything in the function that tells who the caller is."""
    if reg.fact.authenticates or builder.authenticates:
        return True
    # a custom builder whose customization calls a helper that checks identity (an RLS wrapper,
    # `customCtx(async (ctx) => ({ user: await currentUser(ctx) }))`, ...)
    for bfile, bname in builder.chain:
        bf = ctx.index.facts.get(bfile)
        bdef = bf.builders.get(bname) if bf is not None else None
        if bdef is not None and any(helper_authenticates(ctx.index, bfile, c) for c in getattr(bdef, "calls", ())):
            return True
    if builder.custom and uses_custom_ctx_members(handler):
        return True
    model = ctx.model
    for call in model.calls_within(handler):
        kind = cx.ctx_call(call)
        if kind is not None:
            if kind[0] == "auth":
                return True
            if kind == ("run", "runQuery") or kind == ("run", "runAction"):
                a = call_args(call)
                if a and is_identity_ref(text(a[0]).split(".")[-1]):
                    return True  # ctx.runQuery(api.users.viewer)
            continue
        fn = call.child_by_field_name("function")
        if fn is None:
            continue
        name = None
        if fn.type == "identifier":
            name = text(fn)
        elif fn.type == "member_expression":
            obj = unwrap(fn.child_by_field_name("object"))
            if obj is not None and obj.type == "identifier":
                name = f"{text(obj)}.{text(fn.child_by_field_name('property'))}"
        if name and helper_authenticates(ctx.index, ctx.path, name):
            return True
        cn = callee_name(call)
        if cn and cx.AUTH_CALL_RE.match(cn):
            return True
    return False
