"""CVX113 returns-validator-mismatch."""

from __future__ import annotations

from ..registry import Rule
from ..returns_infer import Inferer, builder_dialect, extract as _extract, reader_of
from ..validator_algebra import Resolver, judge, parse_validator


def extract(model):
    return _extract(model)


def check(ctx):
    inf = None
    res = None
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.config is None or reg.handler is None:
            continue
        ret = reg.value("returns")
        if ret is None or builder_dialect(ctx.index, ctx.path, reg.builder) == "zod":
            continue
        if inf is None:
            inf = Inferer(ctx.model)
            res = Resolver(ctx.index, ctx.path)
        validator = parse_validator(ret, ctx.path, inf.v_names, read=reader_of(ctx.model))
        if res.resolve(validator).kind == "unknown":
            continue
        hr = inf.function_returns(reg.handler)
        if hr is None:
            continue
        name = reg.fact.name or "function"
        for site in hr.sites:
            verdict = judge(site.shape, validator, res)
            if verdict.kind != "rejected":
                continue
            ctx.report(
                site.node,
                f"The `returns` validator of `{name}` rejects what this returns: {verdict.detail}",
                data={"reason": verdict.reason, "field": verdict.path,
                      "returns_start": ret.start_byte, "returns_end": ret.end_byte},
            )


RULE = Rule(
    code="CVX113",
    name="returns-validator-mismatch",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Infers what each `return` of a handler can produce (documents from the schema, `.unique()`/"
            "`.first()` with `null`, `.collect()` arrays, `.paginate()` results, inserted ids, object "
            "literals and spreads, document fields, `.map(...)`, conditionals, model-layer helpers across "
            "files, `ctx.run*` results) and flags a `return` whose value the function's `returns` "
            "validator rejects: a document field missing from the validator, a required field the "
            "document may lack, `null` where the validator has no `v.null()`, a literal outside the "
            "validator's union, a wrong type, an array where an object is declared. Values the analysis "
            "cannot infer are never reported.",
    why="Convex validates the return value at run time: when the validator drifts from the data (a "
        "field added to the schema, a `.unique()` that can find nothing, a computed field spread into "
        "the result) every call throws `ReturnsValidationError` in production, while tests that do not "
        "validate returns keep passing. TypeScript does not catch extra fields: a document is assignable "
        "to a narrower object type (§10).",
    bad="""// schema: products: defineTable({ name: v.string(), sku: v.string() })
export const get = query({
  args: { id: v.id("products") },
  returns: v.union(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string() }), v.null()),
  handler: async (ctx, { id }) => {
    return await ctx.db.get(id); // `sku` is in every `products` document but not in the validator
  },
});""",
    good="""export const get = query({
  args: { id: v.id("products") },
  returns: v.union(
    v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string() }),
    v.null(),
  ),
  handler: async (ctx, { id }) => {
    return await ctx.db.get(id);
  },
});""",
    fix_doc="Unsafe: replace the validator with the one inferred from the handler, when every `return` "
            "is fully inferred (it may widen or narrow what callers are promised).",
    fix="unsafe",
    needs_schema=False,
    check=check,
    needs_registrations=True,
)
