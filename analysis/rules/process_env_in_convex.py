"""CVX506 process-env-in-convex (opt-in, version-gated)."""

from __future__ import annotations

from ..convex_versions import version_of
from ..registry import Rule
from ..syntax import member_chain, string_value, text

SYSTEM_VARS = frozenset({"CONVEX_CLOUD_URL", "CONVEX_SITE_URL"})


def check(ctx):
    d = ctx.functions_dir
    if d is None or d.kind != "app" or not version_of(d).has("typed-env"):
        return
    if b"process" not in ctx.model.src.data:
        return
    module = ctx.facts.module or ""
    if "." in module.rsplit("/", 1)[-1]:
        return  # convex.config.ts and friends
    for obj in ctx.model.members_named("env"):  # (`process.env`, then what reads it: `node` below)
        if member_chain(obj) != ["process", "env"]:
            continue
        node = obj.parent
        if node is None or node.type not in ("member_expression", "subscript_expression") \
                or node.child_by_field_name("object") != obj:
            continue
        if node.type == "member_expression":
            name = text(node.child_by_field_name("property"))
        else:
            name = string_value(node.child_by_field_name("index"))
        if not name or name in SYSTEM_VARS:
            continue
        ctx.report(node, f"`process.env.{name}` is an untyped string lookup; declare `{name}` in "
                         "`convex.config.ts` (`defineApp({ env: { ... } })`) and read it from the generated `env`",
                   data={"name": name})


RULE = Rule(
    code="CVX506",
    name="process-env-in-convex",
    severity="off",
    spec="§12 Rules for Agents",
    summary="Opt-in. Flags `process.env.X` in functions code of an app whose `convex` dependency is 1.39.0 or "
            "newer, the first version where environment variables can be declared with validators in "
            "`convex.config.ts` and read through a generated, typed `env` object. With an older `convex` version "
            "(a range admitting anything older counts as older; an unknown version counts as the newest), and in components, it never reports. Convex's own `CONVEX_CLOUD_URL`/"
            "`CONVEX_SITE_URL` are not flagged.",
    why="`process.env` is typed as `string | undefined` for every name, so a misspelt variable is only "
        "noticed when the function runs. Declared variables are checked by the type checker and validated "
        "at deploy time.",
    bad="""const key = process.env.OPENAI_API_KEY!;""",
    good="""// convex/convex.config.ts: defineApp({ env: { OPENAI_API_KEY: v.string() } })
const key = env.OPENAI_API_KEY;""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
