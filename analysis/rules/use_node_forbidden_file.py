"""CVX503 use-node-forbidden-file."""

from __future__ import annotations

from ..registry import Rule

FORBIDDEN = ("http", "crons", "schema", "auth.config")


def check(ctx):
    f = ctx.facts
    if not f.use_node or f.use_node_span is None or f.module not in FORBIDDEN:
        return
    span = f.use_node_span
    end = span.end
    raw = ctx.model.src.data
    while end < len(raw) and raw[end:end + 1] in (b" ", b"\t"):
        end += 1
    if raw[end:end + 2] == b"\r\n":
        end += 2
    elif raw[end:end + 1] == b"\n":
        end += 1
    ctx.report(
        span,
        f"\"use node\" is not allowed in `{f.module}.ts`: Convex evaluates this file in its default runtime",
        data={"directive_start": span.start, "directive_end": span.end, "delete_end": end, "file": f.module},
    )


RULE = Rule(
    code="CVX503",
    name="use-node-forbidden-file",
    severity="error",
    spec="§11 File Structure",
    summary="Flags the `\"use node\";` directive in `http.ts`, `crons.ts`, `schema.ts` or `auth.config.ts` "
            "at the root of the functions folder.",
    why="These files are read by Convex itself (the HTTP router, the cron table, the schema, the auth "
        "configuration) in its default runtime; none of them can move to the Node runtime. HTTP actions "
        "delegate Node work to an action in another file (§3, §11).",
    bad="""\"use node\";
import { httpRouter } from "convex/server";""",
    good="""import { httpRouter } from "convex/server";""",
    fix_doc="Safe: remove the directive (with its line).",
    fix="safe",
    check=check,
)
