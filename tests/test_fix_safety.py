"""The fix-safety property on an app with a web client, tests and scripts (tests/graph_fixture.py):
`check --fix --unsafe-fixes` never makes a function that code outside the functions folder calls
through `api.*` internal, and never leaves a `withIndex` (or relationship helper) anywhere in the
workspace naming an index the schema lost. bench/fix_safety.py runs the same property on real apps."""

from __future__ import annotations

import os

from bench.fix_safety import violations
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.server import cli

from .graph_fixture import APP
from .ruletester import write_project


def test_fix_unsafe_keeps_every_caller_working(tmp_path, capsys):
    root = os.path.realpath(write_project(tmp_path, APP))
    assert violations(root) == []
    code = cli.main(["check", "--fix", "--unsafe-fixes", "--no-progress", root])
    capsys.readouterr()
    assert code in (0, 1)
    assert violations(root) == []

    def read(rel):
        with open(os.path.join(root, rel)) as fh:
            return fh.read()

    tasks = read("convex/tasks.ts")
    # the fixes did run: `archive` (scheduled only by the backend) became internal ...
    assert "export const archive = internalMutation(" in tasks and "internal.tasks.archive" in tasks
    # ... while `touch` (called by a test) and `messages.list` (called by client code) stayed public
    assert "export const touch = mutation(" in tasks
    assert "export const list = query(" in read("convex/messages.ts")
    # the index rename reached the test and the script
    assert '.index("by_author", ["author"])' in read("convex/schema.ts")
    assert 'withIndex("by_author"' in read("convex/messages.ts")
    assert 'withIndex("by_author"' in read("tests/messages.test.ts")
    assert 'getManyFrom(db, "messages", "by_author", "bot")' in read("scripts/report.ts")


def test_cvx401_says_who_calls_it_publicly(tmp_path):
    root = os.path.realpath(write_project(tmp_path, APP))
    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    found = [f for f in an.lint(os.path.join(root, "convex/tasks.ts")) if f.code == "CVX401"]
    touch = next(f for f in found if "api.tasks.touch" in f.message)
    assert "stays public" in touch.message and "a test (tasks.test.ts:8)" in touch.message
    archive = next(f for f in found if "api.tasks.archive" in f.message)
    assert "stays public" not in archive.message
    from convex_lsp.quickfixes import fixes_for

    assert fixes_for(touch, an) == []  # no visibility change for a function a test calls
    (fx,) = fixes_for(archive, an)
    assert "make `archive` internal" in fx.title


def test_the_property_sees_a_broken_caller(tmp_path):
    """What the old `make it internal` did to client-called functions is caught."""
    files = dict(APP)
    files["convex/messages.ts"] = files["convex/messages.ts"].replace(
        "export const list = query(", "export const list = internalQuery(").replace(
        'import { query, mutation } from "./_generated/server";',
        'import { query, mutation, internalQuery } from "./_generated/server";')
    files["tests/messages.test.ts"] = files["tests/messages.test.ts"].replace('withIndex("author"', 'withIndex("by_writer"')
    root = os.path.realpath(write_project(tmp_path, files))
    got = violations(root)
    assert any("src/lib/server.ts" in v and "api.messages.list is internal now" in v for v in got), got
    assert any("tests/messages.test.ts" in v and '"by_writer"' in v for v in got), got
