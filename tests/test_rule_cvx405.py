import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

HEAD = """
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
const crons = cronJobs();
"""

CASES = [
    valid(HEAD + """
crons.interval("cleanup stale jobs", { hours: 1 }, internal.jobs.cleanup, {});
crons.interval("presence", { seconds: 30 }, internal.jobs.cleanup);
crons.cron("daily report", "17 9 * * *", internal.jobs.report, {});
crons.cron("weekdays", "*/15 8-18 * * 1-5", internal.jobs.report, {});
crons.monthly("bill", { day: 1, hourUTC: 16, minuteUTC: 30 }, internal.jobs.bill, {});
// crons.daily("x", { hourUTC: 99, minuteUTC: 0 }) in a comment
const other = { daily: (..._a: any[]) => 0 };
other.daily("same name", { hourUTC: 99 });
other.daily("same name", { hourUTC: 99 });
export default crons;
""", filename="convex/crons.ts", name="valid crons"),
    invalid(HEAD + """
crons.interval("a", { minutes: 0 }, internal.jobs.cleanup, {});
crons.interval("b", { hours: 1.5 }, internal.jobs.cleanup, {});
crons.interval("a", { seconds: 10 }, internal.jobs.cleanup, {});
crons.monthly("c", { day: 32, hourUTC: 24, minuteUTC: 15 }, internal.jobs.bill, {});
crons.cron("d", "15 25 * * *", internal.jobs.report, {});
export default crons;
""", [5, 6, 7, 8, 8, 9], filename="convex/crons.ts", name="invalid values and duplicate names"),
    invalid(HEAD + """
crons.daily("e", { hourUTC: 3, minuteUTC: 30 }, internal.jobs.report, {});
crons.weekly("f", { dayOfWeek: "Funday", hourUTC: 3, minuteUTC: 30 }, internal.jobs.report, {});
crons.hourly("g", { minuteUTC: 45 }, internal.jobs.report, {});
export default crons;
""", [6], filename="convex/crons.ts", name="the helpers are not deprecated; a bad weekday is"),
    valid(HEAD + """
crons.cron("h", "0 * * * *", internal.jobs.report, {});
crons.monthly("i", { day: 2, hourUTC: 3, minuteUTC: 0 }, internal.jobs.report, {});
export default crons;
""", filename="convex/crons.ts", name="minute zero is CVX408's, not this rule's"),
]

OMITTED = HEAD + """
crons.hourly("sync feeds", {}, internal.jobs.report, {});
crons.daily("digest", { hourUTC: 7 }, internal.jobs.report, {});
crons.weekly("rollup", { dayOfWeek: "monday", hourUTC: 2 }, internal.jobs.report, {});
crons.monthly("invoice", { day: 1, hourUTC: 16 }, internal.jobs.bill, {});
const at = { minuteUTC: 12 };
crons.daily("spread", { hourUTC: 3, ...at }, internal.jobs.report, {});
export default crons;
"""


def _pkg(version: str) -> dict:
    return {"package.json": '{"name": "app", "dependencies": {"convex": "%s"}}' % version}


VERSION_CASES = [
    valid(OMITTED, files=_pkg("1.43.0"), filename="convex/crons.ts", name="minuteUTC omitted at 1.43.0"),
    valid(OMITTED, files={"package.json": '{"name": "app"}'}, filename="convex/crons.ts",
          name="unknown version: the newest"),
    valid(OMITTED, files=_pkg("^1.40.0"), filename="convex/crons.ts", name="a range admitting 1.43"),
    invalid(OMITTED, [5, 6, 7, 8], files=_pkg("1.42.3"), filename="convex/crons.ts",
            name="minuteUTC omitted just below 1.43", message="before convex 1.43.0"),
]


@pytest.mark.parametrize("case", VERSION_CASES, ids=repr)
def test_cron_minute_by_version(tmp_path, case):
    run_case(tmp_path, "cron-invalid", case)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_cron_invalid(tmp_path, case):
    run_case(tmp_path, "cron-invalid", case)


def test_no_warning_severity_left(tmp_path):
    code = HEAD + 'crons.cron("h", "0 * * * *", internal.jobs.report, {});\ncrons.cron("h", "5 * * * *", internal.jobs.report, {});\nexport default crons;\n'
    fs = lint_files(tmp_path, {"convex/crons.ts": code}, select=["CVX405"])
    assert [(f.severity, f.data["kind"]) for f in fs] == [("error", "duplicate")]
