"""Linting in worker processes gives exactly the serial path's findings."""

from __future__ import annotations

import json
import sys

import pytest

from convex_lsp.server import parallel, runner
from tests.cli_helpers import SCHEMA, cli
from tests.ruletester import write_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork")

HELPERS = """
import { customQuery, customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { query, mutation as rawMutation } from "./_generated/server";
export const authedQuery = customQuery(query, customCtx(async (ctx) => {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new Error("Unauthorized");
  return { identity };
}));
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
"""


def module(i: int) -> str:
    # cross-file facts on purpose: custom builders from functions.ts, the schema's indexes
    return f"""
import {{ authedQuery, mutation }} from "./functions";
import {{ internalAction }} from "./_generated/server";
import {{ internal }} from "./_generated/api";
import {{ v }} from "convex/values";

export const list{i} = authedQuery({{
  args: {{ channelId: v.string() }},
  handler: async (ctx, {{ channelId }}) => {{
    const rows = await ctx.db.query("messages").filter((q) => q.eq(q.field("channelId"), channelId)).collect();
    for (const r of rows) {{ await ctx.db.get(r._id); }}
    return rows.length;
  }},
}});

export const send{i} = mutation({{
  args: {{ body: v.string(), big: v.bigint() }},
  returns: v.null(),
  handler: async (ctx, args) => {{
    await ctx.db.insert("messages", {{ channelId: "c{i}", body: args.body }});
    if (args.body === "x") {{ return null; }}
  }},
}});

export const job{i} = internalAction({{
  args: {{}},
  handler: async (ctx) => {{
    const r = await fetch("https://example.com/{i}");
    await ctx.runMutation(internal.m{(i + 1) % 7}.send{(i + 1) % 7}, {{ body: "y" }});
    return null;
  }},
}});
"""


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    files = {"convex/schema.ts": SCHEMA, "convex/functions.ts": HELPERS}
    for i in range(60):
        files[f"convex/m{i}.ts" if i % 3 else f"convex/sub/m{i}.ts"] = module(i)
    files["convex/blob.ts"] = b"\x00\x01binary"
    return write_project(root, files)


def _fix_key(fix):
    if fix is None:
        return None
    return (fix.title, fix.applicability, tuple((e.path, e.start, e.end, e.new_text) for e in fix.edits))


def _key(f):
    return (_fix_key(f.fix), f.code, f.name, f.path, f.start, f.end, f.message, f.severity, f.srow, f.scol, f.erow, f.ecol,
            json.dumps(f.data, sort_keys=True, default=repr), f.spec, f.url, tuple(f.tags))


def test_parallel_equals_serial(big_project):
    plan = runner.prepare([big_project])
    assert len(plan.load) > 60
    serial, _ = runner.run_serial(plan, with_fixes=True)
    assert serial, "the generated project should have findings"
    for n in (2, 3):
        found = parallel.run_parallel(plan, n, with_fixes=True)
        assert found is not None
        found = runner.sort_findings(found)
        assert [_key(f) for f in found] == [_key(f) for f in serial]
    # the public entry point picks the parallel path for a project this size
    assert [_key(f) for f in runner.run(plan, jobs=2, with_fixes=True)] == [_key(f) for f in serial]


def test_shares_cover_every_file_once(big_project):
    plan = runner.prepare([big_project])
    shares = parallel._shares(plan.load, 3)
    flat = [p for s in shares for p in s]
    assert sorted(flat) == sorted(plan.load)
    assert all(shares)


def test_cli_jobs_same_output(big_project):
    one = cli("check", "--jobs", "1", "--output-format", "json", cwd=big_project)
    two = cli("check", "--jobs", "2", "--output-format", "json", cwd=big_project)
    assert one.returncode == two.returncode == 1, one.stderr + two.stderr
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)
    assert "parallel linting failed" not in two.stderr
