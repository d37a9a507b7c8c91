
from tests.ruletester import lint_files

GOOD = """/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */
import { anyApi } from "convex/server";
export const api = anyApi;
"""
EDITED = """import { anyApi } from "convex/server";
export const api = anyApi;
export const extra = 1;
"""
SRC = 'import { api } from "./_generated/api";\nexport const x = api;\n'


def _lint(tmp_path, files):
    files = dict(files)
    files.setdefault("convex/x.ts", SRC)
    return [(f.path, f.srow + 1) for f in lint_files(tmp_path, files, select=["CVX508"])]


def test_untouched_generated_files(tmp_path):
    assert _lint(tmp_path, {"convex/_generated/api.ts": GOOD, "convex/_generated/api.js": GOOD,
                            "convex/_generated/server.d.ts": GOOD.replace("`api`", "`server`")}) == []


def test_edited_generated_files(tmp_path):
    got = _lint(tmp_path, {"convex/_generated/api.ts": EDITED, "convex/_generated/server.js": EDITED,
                           "convex/_generated/dataModel.d.ts": GOOD})
    assert sorted(got) == [("convex/_generated/api.ts", 1), ("convex/_generated/server.js", 1)]


def test_unknown_files_in_generated_and_regular_files(tmp_path):
    # a file Convex does not write, and a regular module without header: not this rule's business
    assert _lint(tmp_path, {"convex/_generated/_ignore.ts": EDITED, "convex/plain.ts": EDITED}) == []
