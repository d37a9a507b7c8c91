"""CVX311 direct-registered-call."""

from __future__ import annotations

from typing import Optional

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import shadowed_locally
from ..syntax import text, unwrap
from ._calls import with_wrapped_callees


def _registration(ctx, path: str, local: str):
    f = ctx.index.facts.get(path)
    if f is None:
        return None
    for r in f.registrations:
        if r.name == local and r.name != "default":
            b = ctx.index.resolve_builder(path, r.builder)
            if b is not None:
                return r, b, path
    return None


class _Targets:
    """The registrations a callee name of this file can reach (`f`, `Ns.f`), resolved once per
    name: the answer depends on the imports and the index, not on the call site."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.imports = {}
        for imp in ctx.facts.imports:
            self.imports.setdefault(imp.local, imp)  # the first import of a name wins
        self.local = {r.fact.name for r in ctx.model.registrations if r.decl is not None}
        self.memo: dict = {}

    def callees(self) -> Optional[set[str]]:
        """The names called as `f(…)` that reach a registration (`f.handler(…)` calls and calls of a
        wrapped callee are looked at anyway); None when a namespace import may reach one (`Ns.f(…)`:
        any member name)."""
        ctx = self.ctx
        for imp in self.imports.values():
            if imp.imported == "*" and not imp.type_only and ctx.index.resolve_module(ctx.path, imp.source):
                return None
        called = ctx.model.callee_names()
        return {n for n in set(self.imports) | self.local if n in called and self.resolve(n, None) is not None}

    def resolve(self, name: str, member: Optional[str]):
        key = (name, member)
        if key not in self.memo:
            self.memo[key] = self._resolve(name, member)
        return self.memo[key]

    def _resolve(self, name: str, member: Optional[str]):
        ctx = self.ctx
        imp = self.imports.get(name)
        if imp is None:
            if member is not None or name not in self.local:
                return None
            return _registration(ctx, ctx.path, name)
        if imp.type_only:
            return None
        target = ctx.index.resolve_module(ctx.path, imp.source)
        if target is None:
            return None
        if imp.imported == "*":
            if member is None:
                return None
            found = ctx.index.resolve_export(target, member)
        elif imp.imported == "default" or member is not None:
            return None
        else:
            found = ctx.index.resolve_export(target, imp.imported)
        if found is None:
            return None
        return _registration(ctx, found[0], found[1])


def check(ctx):
    targets = _Targets(ctx)
    names = targets.callees()
    if names is None:
        calls = ctx.model.calls
    else:
        calls = with_wrapped_callees(ctx.model, ctx.model.calls_named(*names, "handler"))
    for call in calls:
        fn = unwrap(call.child_by_field_name("function"))
        if fn is None:
            continue
        via_handler = False
        if fn.type == "member_expression" and text(fn.child_by_field_name("property")) == "handler":
            fn = unwrap(fn.child_by_field_name("object"))
            via_handler = True
            if fn is None:
                continue
        ident, member = None, None
        if fn.type == "identifier":
            ident = fn
        elif fn.type == "member_expression":
            obj = unwrap(fn.child_by_field_name("object"))
            if obj is not None and obj.type == "identifier":
                ident, member = obj, text(fn.child_by_field_name("property"))
        if ident is None:
            continue
        name = text(ident)
        found = targets.resolve(name, member)
        if found is None:
            continue
        if cx._binding_of(name, ident) is not None or shadowed_locally(name, ident):
            continue  # a parameter or local of the same name
        r, b, rpath = found
        shown = text(call.child_by_field_name("function"))
        ctx.report(
            call,
            f"`{shown}(…)` calls the registered {b.describe()} `{r.name}` as a plain function: its argument "
            "validation, auth wrapper and transaction semantics are skipped; move the logic into a helper and "
            "call that (or use `ctx.run*` with a function reference)",
            data={"name": r.name, "file": rpath, "kind": b.kind, "via_handler": via_handler},
        )


RULE = Rule(
    code="CVX311",
    name="direct-registered-call",
    severity="warning",
    spec="§8 Model Layer Pattern",
    summary="Flags a call of a registered Convex function (defined with any builder, custom ones included) as "
            "if it were a plain function — `f(ctx, args)` or `f.handler(ctx, args)` — whether `f` is defined in "
            "the same file or imported (named or namespace import). Plain helpers and `ctx.run*(api.x.f, …)` "
            "are fine.",
    why="What a builder returns is a registration for the Convex runtime, not a function for your code. "
        "Calling it (or its `.handler`) bypasses the argument and return validators and any custom-builder "
        "wrapper such as an auth check, and blurs which transaction the code runs in. Shared logic belongs in "
        "a model-layer helper that both functions call (§8, §2).",
    bad="""export const get = query({ args: { id: v.id("tasks") }, handler: async (ctx, { id }) => ctx.db.get(id) });
export const rename = mutation({
  args: { id: v.id("tasks"), title: v.string() },
  handler: async (ctx, args) => {
    const task = await get(ctx, { id: args.id });
    await ctx.db.patch(args.id, { title: args.title });
  },
});""",
    good="""// convex/model/tasks.ts
export async function getTask(ctx: QueryCtx, id: Id<"tasks">) { return await ctx.db.get(id); }
// convex/tasks.ts
export const rename = mutation({
  args: { id: v.id("tasks"), title: v.string() },
  handler: async (ctx, args) => {
    const task = await Tasks.getTask(ctx, args.id);
    await ctx.db.patch(args.id, { title: args.title });
  },
});""",
    fix_doc="No automatic fix: extract the handler into a helper function.",
    fix=None,
    check=check,
)
