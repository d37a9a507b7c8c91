"""CVX407 unexported-registration."""

from __future__ import annotations

from ..registry import Rule
from ._refs import value_uses_in


def check(ctx):
    facts = ctx.facts
    if facts.module is None or facts.is_generated:
        return
    exported = {e.name for e in facts.exports}
    for reg, builder in ctx.registrations():
        fact = reg.fact
        if fact.exported or not fact.name or reg.decl is None:
            continue
        stmt = reg.decl.parent
        if stmt is None or stmt.parent is None or stmt.parent.type != "program":
            continue  # a registration inside a function or a block is another matter
        if stmt.type not in ("lexical_declaration", "variable_declaration"):
            continue
        uses = value_uses_in(ctx.model, {fact.name})
        if len(uses.get(fact.name, [])) > 1:
            continue  # used in the file (wrapped, re-exported in an object, passed on): intent unclear
        single = len([c for c in stmt.named_children if c.type == "variable_declarator"]) == 1
        api = ".".join(facts.module.split("/")) + "." + fact.name
        ctx.report(
            fact.span,
            f"`{fact.name}` is registered with `{fact.builder}` but not exported: Convex deploys only a module's "
            f"exports, so `{'internal' if builder.visibility == 'internal' else 'api'}.{api}` does not exist",
            data={"insert_at": stmt.start_byte if single and fact.name not in exported else None,
                  "name": fact.name},
        )


RULE = Rule(
    code="CVX407",
    name="unexported-registration",
    severity="error",
    spec="§11 File Structure",
    summary="Flags a Convex function registration bound to a name the module does not export "
            "(`const hidden = query({...})`). Exported registrations, registrations exported later "
            "(`export { hidden }`), builders (`customQuery(...)`) and names the file uses otherwise are left alone.",
    why="Convex registers the functions a module exports and nothing else: an unexported registration is never "
        "deployed, and every `api`/`internal` reference to it fails (§11, §13).",
    bad="""const listTasks = query({ args: {}, handler: async (ctx) => ctx.db.query("tasks").take(10) });""",
    good="""export const listTasks = query({ args: {}, handler: async (ctx) => ctx.db.query("tasks").take(10) });""",
    fix_doc="Safe: add `export` before the declaration.",
    fix="safe",
    check=check,
    needs_registrations=True,
)
