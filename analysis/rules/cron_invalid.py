"""CVX405 cron-invalid."""

from __future__ import annotations

import re
from typing import Optional

from ..convex_versions import FEATURES, version_of, version_text
from ..registry import Rule
from ..syntax import call_args, object_pairs, pair_value, string_value, text, unwrap
from ._refs import cron_calls

FIELD_HELPERS = ("hourly", "daily", "weekly", "monthly")
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
RANGES = {"minuteUTC": (0, 59), "hourUTC": (0, 23), "day": (1, 31)}
CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
               ("day of week", 0, 7))


def _number(node) -> Optional[float]:
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "number":
        raw = text(node).replace("_", "")
        try:
            return float(int(raw, 0)) if raw.lower().startswith(("0x", "0o", "0b")) else float(raw)
        except ValueError:
            return None
    if node.type == "unary_expression" and text(node).startswith("-"):
        inner = _number(node.named_children[0]) if node.named_children else None
        return -inner if inner is not None else None
    return None


def _cron_field_numbers(field: str) -> Optional[list[int]]:
    """Plain numbers in a cron field (`*/5`, `1-5`, `0,30`); None when it holds names or odd syntax."""
    out = []
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not step.isdigit():
            return None
        if base == "*":
            continue
        for bound in base.split("-"):
            if not bound.isdigit():
                return None
            out.append(int(bound))
    return out


def check(ctx):
    names: dict[str, int] = {}
    version = version_of(ctx.functions_dir)
    for call, method in cron_calls(ctx.model):
        args = call_args(call)
        if not args:
            continue
        name = string_value(args[0])
        if name is not None:
            if name in names:
                ctx.report(args[0], f"Cron job name \"{name}\" is already used on line {names[name] + 1}; "
                                    "each job needs a unique name (the deploy fails otherwise)",
                           data={"kind": "duplicate", "name": name})
            else:
                names[name] = args[0].start_point[0]
        sched = unwrap(args[1]) if len(args) > 1 else None
        if sched is None:
            continue
        if method == "interval":
            _check_interval(ctx, sched)
        elif method == "cron":
            _check_cron_string(ctx, sched)
        else:
            _check_fields(ctx, sched, method, version)


def _check_interval(ctx, obj):
    if obj.type != "object" or any(c.type == "spread_element" for c in obj.named_children):
        return
    pairs = {k: p for k, p in object_pairs(obj).items() if k in ("seconds", "minutes", "hours")}
    if len(pairs) > 1:
        ctx.report(obj, "An interval takes exactly one of `seconds`, `minutes` or `hours`",
                   data={"kind": "interval-units"})
        return
    for key, pair in pairs.items():
        val = pair_value(pair)
        n = _number(val)
        if n is not None and (n <= 0 or n != int(n)):
            ctx.report(val, f"Interval `{key}: {text(val)}` must be a positive whole number",
                       data={"kind": "interval", "unit": key})


def _check_fields(ctx, obj, method, version):
    if obj.type != "object":
        return
    pairs = object_pairs(obj)
    if method in FIELD_HELPERS and "minuteUTC" not in pairs and not version.may_have("cron-optional-minute") \
            and not any(c.type == "spread_element" for c in obj.named_children):
        since = version_text(FEATURES["cron-optional-minute"].version)
        ctx.report(obj, f"`crons.{method}` needs `minuteUTC` before convex {since} (this project's `convex` is "
                        f"{version_text(version.high)} at most)", data={"kind": "minute-required"})
    for key, (lo, hi) in RANGES.items():
        if key not in pairs:
            continue
        val = pair_value(pairs[key])
        n = _number(val)
        if n is None:
            continue
        if n != int(n) or not lo <= n <= hi:
            ctx.report(val, f"`{key}: {text(val)}` is out of range: it must be a whole number from {lo} to {hi}",
                       data={"kind": "range", "field": key})
    if "dayOfWeek" in pairs:
        val = pair_value(pairs["dayOfWeek"])
        s = string_value(unwrap(val))
        if s is not None and s not in DAYS:
            ctx.report(val, f"`dayOfWeek: \"{s}\"` is not a day name; use a lowercase English day like \"monday\"",
                       data={"kind": "range", "field": "dayOfWeek"})


def _check_cron_string(ctx, node):
    spec = string_value(node)
    if spec is None:
        return
    fields = spec.split()
    if len(fields) != 5:
        return  # other shapes (seconds field, macros) are left to the deploy
    for (label, lo, hi), field in zip(CRON_FIELDS, fields):
        nums = _cron_field_numbers(field)
        if nums is None:
            continue
        bad = [n for n in nums if not lo <= n <= hi]
        if bad:
            ctx.report(node, f"Cron expression \"{spec}\": {label} {bad[0]} is out of range ({lo}-{hi})",
                       data={"kind": "range", "field": label})
            return


RULE = Rule(
    code="CVX405",
    name="cron-invalid",
    severity="error",
    spec="§7 Scheduling Patterns",
    summary="Checks `crons.*` jobs of a `cronJobs()` object: duplicate job names, intervals that are not "
            "positive whole numbers or give more than one unit, hour/minute/day/weekday values out of range "
            "(in option objects and in 5-field cron expressions), and, for projects whose `convex` is older than "
            "1.43, a `crons.hourly/daily/weekly/monthly` schedule without `minuteUTC` (optional since 1.43, "
            "when Convex picks a stable minute itself). The `hourly/daily/weekly/monthly` helpers are not "
            "deprecated and are not reported; jobs pinned to minute 0 are CVX408's.",
    why="Convex validates crons when `crons.ts` is evaluated during the deploy, so a duplicate name or an "
        "out-of-range value fails the whole push (§7).",
    bad="""crons.interval("cleanup", { minutes: 0 }, internal.jobs.cleanup, {});
crons.daily("report", { hourUTC: 24, minuteUTC: 17 }, internal.reports.daily, {});""",
    good="""crons.interval("cleanup", { minutes: 15 }, internal.jobs.cleanup, {});
crons.daily("report", { hourUTC: 9 }, internal.reports.daily, {}); // convex 1.43+: Convex picks the minute""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
