import pytest

from tests.ruletester import invalid, run_case, valid

NEW = {"package.json": '{"name": "app", "dependencies": {"convex": "^1.39.0"}}'}
OLD = {"package.json": '{"name": "app", "dependencies": {"convex": "^1.25.0"}}'}
CODE = """
import { action } from "./_generated/server";
export const call = action({
  args: {},
  handler: async () => {
    const key = process.env.OPENAI_API_KEY;
    const other = process.env["RESEND_KEY"];
    const site = process.env.CONVEX_SITE_URL; // built in
    return null;
  },
});
"""

CASES = [
    valid(CODE, files=OLD, name="older convex: silent"),
    invalid(CODE, [5, 6], files={"package.json": '{"name": "app"}'}, name="unknown version: the newest is assumed"),
    valid(CODE, files={"package.json": '{"name": "app", "dependencies": {"convex": "1.38.1"}}'},
          name="just below 1.39: silent"),
    invalid(CODE, [5, 6], files={"package.json": '{"name": "app", "dependencies": {"convex": "1.39.0"}}'},
            name="at 1.39.0"),
    invalid(CODE, [5, 6], files={"package.json": '{"name": "app", "dependencies": {"convex": "^1.25.0"}}',
                                 "package-lock.json": '{"packages": {"node_modules/convex": {"version": "1.40.2"}}}'},
            name="the lockfile resolves the range"),
    valid("""
        // process.env.X in a comment
        export const s = "process.env.KEY";
    """, files=NEW, name="comments and strings"),
    invalid(CODE, [5, 6], files=NEW, name="convex 1.39+"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_process_env_in_convex(tmp_path, case):
    run_case(tmp_path, "process-env-in-convex", case)
