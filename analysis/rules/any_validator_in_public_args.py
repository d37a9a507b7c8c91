"""CVX107 any-validator-in-public-args."""

from __future__ import annotations

from ..registry import Rule
from ..syntax import text, unwrap
from ..validators_util import v_locals, v_member_names, validator_members


def check(ctx):
    names = v_locals(ctx.model)
    if not names:
        return
    fdir = ctx.functions_dir
    if fdir is not None and fdir.kind == "component":
        return  # a component's public functions are reachable from its host app only, never from clients
    spelled = v_member_names(ctx.model)
    if spelled is not None and "any" not in spelled:
        return  # (exact: no `v.any` member can be in the file, see v_member_names)
    public = []
    for reg, builder in ctx.registrations():
        if builder.visibility != "public" or builder.kind == "http":
            continue
        args = unwrap(reg.value("args"))
        if args is not None:
            public.append((reg, builder, args))
    if not public:
        return
    members = [(m, n) for m, n in validator_members(ctx.model) if n == "any"]
    for reg, builder, args in public:
        for member, _ in members:
            if not (args.start_byte <= member.start_byte and member.end_byte <= args.end_byte):
                continue
            call = member.parent if member.parent is not None and member.parent.type == "call_expression" else member
            arg_name = _arg_name(call, args)
            ctx.report(
                call,
                f"`v.any()` in the arguments of public {builder.describe()} `{reg.fact.name or 'function'}`"
                + (f" (argument `{arg_name}`)" if arg_name else "")
                + " lets any client send any value; describe the expected shape",
                data={"function": reg.fact.name, "argument": arg_name},
            )


def _arg_name(node, args):
    """The top-level key of the args object that holds `node`."""
    cur = node
    while cur is not None and cur.parent is not None and cur.parent.id != args.id:
        cur = cur.parent
    if cur is not None and cur.type == "pair":
        return text(cur.child_by_field_name("key")).strip("\"'")
    return None


RULE = Rule(
    code="CVX107",
    name="any-validator-in-public-args",
    severity="warning",
    spec="§10 Validator Requirements",
    summary="Flags `v.any()` anywhere in the `args` validators of a public query, mutation or action "
            "(custom builders included). Internal functions are exempt, and so are the functions of a Convex "
            "component, which only its host app can call.",
    why="A public function is callable by anyone holding the deployment URL. `v.any()` turns argument "
        "validation off for that value, so the handler must defend itself against whatever arrives; a "
        "precise validator makes Convex reject bad input first (§10, §1).",
    bad="""export const save = mutation({
  args: { settings: v.any() },
  returns: v.null(),
  handler: async (ctx, { settings }) => { /* ... */ return null; },
});""",
    good="""export const save = mutation({
  args: { settings: v.object({ theme: v.string(), fontSize: v.number() }) },
  returns: v.null(),
  handler: async (ctx, { settings }) => { /* ... */ return null; },
});""",
    fix_doc="No automatic fix: the expected shape has to be written by hand.",
    fix=None,
    check=check,
    needs_registrations=True,
)
