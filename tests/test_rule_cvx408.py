import pytest

from tests.ruletester import first_fixes, invalid, run_case, valid

HEAD = """
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
const crons = cronJobs();
"""

CASES = [
    valid(HEAD + """
crons.hourly("sync", { minuteUTC: 7 }, internal.jobs.sync);
crons.daily("digest", { hourUTC: 8 }, internal.jobs.digest);
crons.weekly("report", { dayOfWeek: "monday", hourUTC: 0, minuteUTC: 30 }, internal.jobs.report);
crons.cron("cleanup", "17 0 * * *", internal.jobs.cleanup);
crons.cron("every five", "*/5 * * * *", internal.jobs.cleanup);
crons.interval("poll", { minutes: 60 }, internal.jobs.sync);
// crons.daily("x", { hourUTC: 1, minuteUTC: 0 }) in a comment
const fake = { daily: (..._a: unknown[]) => 0 };
fake.daily("y", { hourUTC: 1, minuteUTC: 0 });
export default crons;
""", filename="convex/crons.ts", name="other minutes, omitted minute, hourUTC 0, other objects"),
    invalid(HEAD + """
crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.jobs.digest);
crons.monthly("bill", { day: 1, hourUTC: 9, minuteUTC: 0 }, internal.jobs.bill);
crons.cron("cleanup", "0 * * * *", internal.jobs.cleanup);
crons.cron("nightly", "00 3 * * *", internal.jobs.cleanup);
export default crons;
""", [5, 6, 7, 8], filename="convex/crons.ts", message="top of the hour", name="helpers and expressions"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_top_of_hour_cron(tmp_path, case):
    run_case(tmp_path, "top-of-hour-cron", case)


def _fixed(tmp_path, body, version):
    got = first_fixes(tmp_path, {"convex/crons.ts": HEAD + body + "export default crons;\n",
                                 "package.json": '{"dependencies": {"convex": "%s"}}' % version},
                      "convex/crons.ts", "CVX408")
    return [g[1] if g else None for g in got]


def test_fix_drops_minute_zero_on_new_convex(tmp_path):
    got = _fixed(tmp_path, """crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.jobs.digest);
crons.hourly("sync", { minuteUTC: 0 }, internal.jobs.sync);
crons.weekly("w", {
  dayOfWeek: "monday",
  minuteUTC: 0,
  hourUTC: 3,
}, internal.jobs.sync);
""", "^1.43.0")
    assert 'crons.daily("digest", { hourUTC: 8 }, internal.jobs.digest);' in got[0]
    assert 'crons.hourly("sync", {}, internal.jobs.sync);' in got[1]
    assert '  dayOfWeek: "monday",\n  hourUTC: 3,\n}' in got[2]


def test_no_fix_before_1_43_nor_for_expressions(tmp_path):
    got = _fixed(tmp_path, """crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.jobs.digest);
crons.cron("c", "0 * * * *", internal.jobs.sync);
""", "1.40.1")
    assert got == [None, None]
