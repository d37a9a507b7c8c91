"""CVX408 top-of-hour-cron."""

from __future__ import annotations

from ..convex_versions import version_of
from ..registry import Rule
from ..syntax import call_args, object_pairs, pair_value, string_value, text, unwrap
from ._refs import cron_calls

HELPERS = ("hourly", "daily", "weekly", "monthly")


def _is_zero(node) -> bool:
    node = unwrap(node)
    if node is None or node.type != "number":
        return False
    try:
        return float(text(node).replace("_", "")) == 0
    except ValueError:
        return False


def check(ctx):
    for call, method in cron_calls(ctx.model):
        args = call_args(call)
        sched = unwrap(args[1]) if len(args) > 1 else None
        if sched is None:
            continue
        if method in HELPERS and sched.type == "object":
            pair = object_pairs(sched).get("minuteUTC")
            if pair is None or pair.type != "pair" or not _is_zero(pair_value(pair)):
                continue
            # `minuteUTC` may be omitted since 1.43 (Convex then picks the minute): every release the
            # project may run must allow it before the fix drops it
            droppable = version_of(ctx.functions_dir).has("cron-optional-minute")
            msg = (f"`crons.{method}` with `minuteUTC: 0` runs at the top of the hour, together with every "
                   "other project's jobs; ")
            msg += ("omit `minuteUTC` (Convex then picks a minute) or pick another minute" if droppable
                    else "pick another minute")
            ctx.report(pair_value(pair), msg,
                       data={"pair_start": pair.start_byte, "pair_end": pair.end_byte, "droppable": droppable})
        elif method == "cron":
            spec = string_value(sched)
            fields = spec.split() if spec is not None else []
            if len(fields) == 5 and fields[0] in ("0", "00"):
                ctx.report(sched, f"Cron expression \"{spec}\" runs at minute 0, the top of the hour, together with "
                                  "every other project's jobs; pick another minute", data={})


RULE = Rule(
    code="CVX408",
    name="top-of-hour-cron",
    severity="warning",
    spec="§7 Scheduling Patterns",
    summary="Flags a cron job pinned to minute 0: `minuteUTC: 0` in `crons.hourly/daily/weekly/monthly`, or a "
            "5-field `crons.cron` expression whose minute field is `0`. Other minutes, and helpers that omit "
            "`minuteUTC`, are fine.",
    why="The top of the hour is when most scheduled work in the world starts, so jobs pinned there queue "
        "behind each other and run late. Since convex 1.43 `minuteUTC` may be omitted and Convex spreads the "
        "run over the hour; otherwise any other minute does (§7 Cron Jobs).",
    bad="""crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.emails.digest);
crons.cron("cleanup", "0 * * * *", internal.jobs.cleanup);""",
    good="""crons.daily("digest", { hourUTC: 8 }, internal.emails.digest);
crons.cron("cleanup", "17 * * * *", internal.jobs.cleanup);""",
    fix_doc="Unsafe: drop `minuteUTC: 0` from the helper's options when the project's convex is 1.43 or later "
            "(the job then runs at a minute Convex chooses, so its time moves). No fix for cron expressions.",
    fix="unsafe",
    check=check,
)
