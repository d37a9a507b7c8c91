"""CVX104 implicit-undefined-return."""

from __future__ import annotations


from .. import lazy_re
from ..registry import Rule
from ..syntax import FUNCTION_TYPES, text
from ..syntax import call_args
from ..validators_util import function_can_fall_off, is_v_null, returns_value, v_locals, validator_call


def _handler_span(reg, h) -> tuple[int, int]:
    """The `handler` key through the end of the parameter list."""
    pair = reg.pairs.get("handler")
    start = pair.start_byte if pair is not None else h.start_byte
    if h.type == "method_definition":
        name = h.child_by_field_name("name")
        start = name.start_byte if name is not None else start
    params = h.child_by_field_name("parameters") or h.child_by_field_name("parameter")
    end = params.end_byte if params is not None else start + len("handler")
    return start, end


def _indent_of(src: bytes, offset: int) -> str:
    line_start = src.rfind(b"\n", 0, offset) + 1
    i = line_start
    while i < len(src) and src[i:i + 1] in (b" ", b"\t"):
        i += 1
    return src[line_start:i].decode()


_MAY_BE_UNDEFINED = lazy_re.compile(r"\b(void|undefined|any|unknown)\b")


def _return_type_excludes_undefined(fn) -> bool:
    """`async (...): Promise<string> => {...}`: TypeScript itself rejects a reachable end (TS2366),
    so what looks like a fall-through (an exhaustive `switch`) cannot happen."""
    ann = fn.child_by_field_name("return_type")
    return ann is not None and not _MAY_BE_UNDEFINED.search(text(ann))


def admits_null(node, names: set[str]) -> bool:
    """`v.null()`, `v.nullable(x)`, or a `v.union(…)` with a `v.null()` member (at any depth)."""
    if is_v_null(node, names):
        return True
    vc = validator_call(node, names)
    if vc is None:
        return False
    if vc[0] == "nullable":
        return True
    return vc[0] == "union" and any(admits_null(a, names) for a in call_args(vc[1]))


def check(ctx):
    names = None  # (the file's names of `v`: read when a handler has a `returns`)
    for reg, builder in ctx.registrations():
        if builder.kind == "http" or reg.fact.syntax != "object":
            continue
        h = reg.handler
        if h is None or h.type not in FUNCTION_TYPES:
            continue
        ret = reg.value("returns")
        if ret is None:
            continue
        if names is None:
            names = v_locals(ctx.model)
        if not admits_null(ret, names):
            continue  # no `returns` at all is CVX101's finding (its fix adds the `return null` too)
        if _return_type_excludes_undefined(h) or not function_can_fall_off(h):
            continue
        body = h.child_by_field_name("body")
        close = body.end_byte - 1  # the body's closing `}`
        last = next((c for c in reversed(body.named_children) if c.type != "comment"), None)
        what = "`returns: v.null()`" if is_v_null(ret, names) else "its `returns` admits `null`"
        ctx.report(
            _handler_span(reg, h),
            f"The handler of `{reg.fact.name or 'function'}` ({what}) can reach its end without a `return`, "
            "so it returns `undefined`; end it with `return null;`",
            data={
                "body_start": body.start_byte,
                "body_end": body.end_byte,
                "insert_at": close,
                "after_last_statement": last.end_byte if last is not None else body.start_byte + 1,
                "indent": _indent_of(ctx.model.src.data, last.start_byte) if last is not None else None,
                "returns_value": returns_value(h, ctx.model.src.data),
            },
        )


RULE = Rule(
    code="CVX104",
    name="implicit-undefined-return",
    severity="warning",
    spec="§10 Validator Requirements",
    summary="Flags a handler whose declared `returns` is `v.null()` (or admits null: `v.nullable(…)`, a "
            "`v.union(…)` with `v.null()`) that can run to the end of its body without a `return` statement. "
            "A function with no `returns` at all is CVX101's alone (one problem, one diagnostic: its fix adds "
            "both the validator and the `return null`). The check follows "
            "`if`/`else`, `switch`, `try`/`catch`/`finally`, `throw` and endless loops; expression-bodied "
            "arrows never fall off.",
    why="A JavaScript function that falls off its end returns `undefined`, which is not a Convex value: "
        "the declared `v.null()` then describes something the handler never literally returns. Ending "
        "with `return null;` keeps the code and its validator in agreement (§10, §12 MUST 7).",
    bad="""export const touch = mutation({
  args: { id: v.id("tasks") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    await ctx.db.patch(id, { touchedAt: Date.now() });
  },
});""",
    good="""export const touch = mutation({
  args: { id: v.id("tasks") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    await ctx.db.patch(id, { touchedAt: Date.now() });
    return null;
  },
});""",
    fix_doc="Safe: append `return null;` as the last statement of the handler body.",
    fix="safe",
    check=check,
    needs_registrations=True,
)
