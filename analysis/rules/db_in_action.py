"""CVX302 db-in-action."""

from __future__ import annotations

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import ACTIONS
from ..syntax import function_params, param_pattern, text, unwrap


def _db_entries(pattern):
    """`db` entries of an object pattern: `{ db }`, `{ db: database }`, `{ db = x }`."""
    for sub in pattern.named_children:
        if sub.type == "shorthand_property_identifier_pattern" and text(sub) == "db":
            yield sub
        elif sub.type == "pair_pattern" and text(sub.child_by_field_name("key")) == "db":
            yield sub
        elif sub.type == "object_assignment_pattern" and text(sub.child_by_field_name("left")) == "db":
            yield sub


def check(ctx):
    for reg, b in ctx.registrations():
        if b.kind not in ACTIONS or reg.handler is None:
            continue
        handler = reg.handler
        params = function_params(handler)
        if not params:
            continue
        first = param_pattern(params[0])
        what = "HTTP action" if b.kind == "http" else b.describe()
        msg = (f"`ctx.db` in the {what} `{reg.fact.name or 'handler'}`: actions have no database; read "
               "through `ctx.runQuery` and write through `ctx.runMutation` (one call per coherent step)")
        found = []
        if ctx.model.src.data.find(b"db", handler.start_byte, handler.end_byte) == -1:
            continue  # every finding is a `db` written in the handler
        if first.type == "object_pattern":
            found.extend(_db_entries(first))
        elif first.type == "identifier":
            ctx_name = text(first)
            for m in ctx.model.members_named("db", handler):
                obj = unwrap(m.child_by_field_name("object"))
                if obj is None or obj.type != "identifier" or text(obj) != ctx_name:
                    continue
                if text(m.child_by_field_name("property")) != "db":
                    continue
                bound = cx._binding_of(ctx_name, obj)
                if bound is None or bound[0].id != handler.id:
                    continue
                found.append(m)
            # const { db } = ctx;
            for d in ctx.model.nodes_of_type_within(handler, "variable_declarator"):
                pat = d.child_by_field_name("name")
                val = unwrap(d.child_by_field_name("value"))
                if pat is None or pat.type != "object_pattern" or val is None or val.type != "identifier":
                    continue
                if text(val) != ctx_name:
                    continue
                bound = cx._binding_of(ctx_name, val)
                if bound is None or bound[0].id != handler.id:
                    continue
                found.extend(_db_entries(pat))
        seen = set()
        for node in sorted(found, key=lambda n: n.start_byte):
            if node.start_byte in seen:
                continue
            seen.add(node.start_byte)
            ctx.report(node, msg, data={"kind": b.kind, "function": reg.fact.name})


RULE = Rule(
    code="CVX302",
    name="db-in-action",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags `ctx.db` used in an action or HTTP action handler (any builder, any name for the context), "
            "including a destructured `{ db }` from the handler's context.",
    why="Actions run outside any transaction and their context has no `db`: the code fails at run time (or "
        "only type-checks because of a loose cast). Database work goes through queries and mutations, "
        "called with `ctx.runQuery`/`ctx.runMutation` (§0 core invariants, §12 MUST NOT 3).",
    bad="""export const sync = internalAction({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const user = await ctx.db.get(userId);
    await fetch("https://crm.example.com/sync", { method: "POST", body: JSON.stringify(user) });
  },
});""",
    good="""export const sync = internalAction({
  args: { userId: v.id("users") },
  handler: async (ctx, { userId }) => {
    const user = await ctx.runQuery(internal.users.get, { userId });
    await fetch("https://crm.example.com/sync", { method: "POST", body: JSON.stringify(user) });
  },
});""",
    fix_doc="No automatic fix: move the reads into an internal query and the writes into an internal mutation.",
    fix=None,
    check=check,
    needs_registrations=True,
)
