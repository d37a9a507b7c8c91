"""The persistent cache (analysis/cache.py): same findings as without it, and safe.

Each test uses its own cache folder. "Same findings" is always checked against a run without
the cache on the same files, so a stale or corrupted entry shows up as a difference."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import threading

import pytest

from convex_lsp.analysis import cache as cache_mod
from convex_lsp.analysis import engine
from convex_lsp.analysis.cache import Cache, decode, encode
from convex_lsp.server import runner
from tests.cli_helpers import SCHEMA, cli, project

USES_INDEX = """
import { query } from "./_generated/server";
import { v } from "convex/values";
export const byChannel = query({
  args: { channelId: v.string() },
  returns: v.any(),
  handler: async (ctx, { channelId }) => {
    return await ctx.db.query("messages").withIndex("by_channelId", (q) => q.eq("channelId", channelId)).take(10);
  },
});
"""

SCHEMA_NO_INDEX = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  messages: defineTable({ channelId: v.string(), body: v.string() }),
});
"""


def _key(f):
    return (f.path, f.start, f.end, f.code, f.message, f.severity, repr(f.data), repr(f.fix))


def _run(root, cache_dir=None, overrides=None):
    """(findings, cache) of a serial run over `root`; cache_dir None: no cache."""
    plan = runner.prepare([str(root)], overrides)
    store = Cache(cache_dir) if cache_dir is not None else None
    if store is not None:
        os.makedirs(store.root, exist_ok=True)
    found, _ = runner.run_serial(plan, with_fixes=True, cache=store)
    return [_key(f) for f in found], store


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("CONVEX_LSP_CACHE_DIR", str(d))
    return str(d)


@pytest.fixture
def parses(monkeypatch):
    """Paths parsed (models built) during the test."""
    seen: list[str] = []
    real = engine.build_model

    def counting(path, *a, **k):
        seen.append(path)
        return real(path, *a, **k)

    monkeypatch.setattr(engine, "build_model", counting)
    return seen


def test_facts_round_trip_exactly(tmp_path):
    root = project(tmp_path / "p", {"convex/byChannel.ts": USES_INDEX})
    plan = runner.prepare([root])
    an = runner.plan_analyzer(plan)
    assert an.models
    for path, model in an.models.items():
        back = decode(json.loads(json.dumps(encode(model.facts))))
        assert back == model.facts, path
        assert type(back.imports) is list and all(type(i.source) is str for i in back.imports)


def test_warm_run_reads_everything_from_the_cache(tmp_path, cache_dir, parses):
    root = project(tmp_path / "p", {"convex/byChannel.ts": USES_INDEX})
    cold, c1 = _run(root, cache_dir)
    assert cold and c1.written > 0
    parses.clear()
    warm, c2 = _run(root, cache_dir)
    assert warm == cold
    assert parses == []  # nothing parsed: facts and findings came from the cache
    assert c2.hits > 0 and c2.misses == 0
    assert warm == _run(root)[0]


def test_cache_folder_is_outside_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVEX_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and not os.sys.platform.startswith("darwin"):
        assert cache_mod.cache_root() == str(tmp_path / "xdg" / "convex-lsp")
    root = project(tmp_path / "p")
    before = sorted(os.listdir(root))
    res = cli("check", root, "--output-format", "json")
    assert res.returncode == 1, res.stderr
    assert sorted(os.listdir(root)) == before
    entries = [f for _, _, fs in os.walk(tmp_path / "xdg" / "convex-lsp" / "v1") for f in fs]
    assert entries, "the CLI wrote nothing to the cache"


def test_no_cache_flag_and_environment(tmp_path, cache_dir):
    root = project(tmp_path / "p")
    assert cli("check", root, "--no-cache").returncode == 1
    assert cli("check", root, env={"CONVEX_LSP_NO_CACHE": "1"}).returncode == 1
    assert not os.path.exists(cache_dir) or not any(fs for _, _, fs in os.walk(cache_dir))
    assert cli("check", root).returncode == 1
    assert any(fs for _, _, fs in os.walk(cache_dir))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong-key", "foreign-class", "bad-fields", "empty"])
def test_corrupted_entries_are_misses(tmp_path, cache_dir, damage, parses):
    root = project(tmp_path / "p", {"convex/byChannel.ts": USES_INDEX})
    cold, _ = _run(root, cache_dir)
    files = [os.path.join(d, f) for d, _, fs in os.walk(cache_dir) for f in fs]
    assert files
    for p in files:
        with open(p, "rb") as fh:
            raw = fh.read()
        entry = json.loads(raw)
        if damage == "truncate":
            new = raw[: len(raw) // 2]
        elif damage == "garbage":
            new = b"\x00\xff not json"
        elif damage == "empty":
            new = b""
        elif damage == "wrong-key":
            entry["key"] = "0" * 64
            new = json.dumps(entry).encode()
        elif damage == "foreign-class":
            entry["value"] = {"c": "os:system", "f": {}} if entry["kind"] == "f" else [{"c": "subprocess:Popen", "f": {}}]
            new = json.dumps(entry).encode()
        else:  # a dataclass of this package with the wrong fields
            entry["value"] = {"c": "convex_lsp.analysis.facts:FileFacts", "f": {"path": 1}}
            new = json.dumps(entry).encode()
        with open(p, "wb") as fh:
            fh.write(new)
    warm, _ = _run(root, cache_dir)
    assert warm == cold
    # the bad entries were replaced: the next run needs nothing but the cache
    parses.clear()
    again, c = _run(root, cache_dir)
    assert again == cold
    assert c.misses == 0 and parses == []


def test_decode_refuses_foreign_classes():
    for bad in ({"c": "os:system", "f": {}}, {"c": "builtins:dict", "f": {}},
                {"c": "convex_lsp.server.cli:main", "f": {}}, {"c": "convex_lsp.analysis.facts:os", "f": {}}):
        with pytest.raises(Exception):
            decode(bad)


def _writer(root: str, key: str, n: int) -> None:
    c = Cache(root)
    value = {"findings": list(range(200)), "text": "x" * 5000}
    for _ in range(n):
        c.put("r", key, value)


def test_concurrent_writers_never_leave_a_partial_entry(tmp_path):
    root = str(tmp_path / "cache")
    key = "ab" * 32
    expected = {"findings": list(range(200)), "text": "x" * 5000}
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(root, key, 150)) for _ in range(3)]
    for p in procs:
        p.start()
    reader = Cache(root)
    bad = []
    seen = 0
    while any(p.is_alive() for p in procs):
        got = reader.get("r", key)
        if got is not None:
            seen += 1
            if got != expected:
                bad.append(got)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert bad == []
    assert reader.get("r", key) == expected and seen >= 0
    leftovers = [f for _, _, fs in os.walk(root) for f in fs if f.startswith(".tmp-")]
    assert leftovers == []


def test_threads_sharing_one_cache_agree(tmp_path):
    c = Cache(str(tmp_path / "cache"))
    errors = []

    def work(i):
        try:
            for j in range(50):
                c.put("r", f"{j:064x}", [i % 1, j])
                got = c.get("r", f"{j:064x}")
                if got is not None and got != [0, j]:
                    errors.append(got)
        except Exception as e:  # pragma: no cover - the failure is what the test reports
            errors.append(e)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_tool_version_change_is_a_miss(tmp_path, cache_dir, monkeypatch, parses):
    root = project(tmp_path / "p")
    cold, _ = _run(root, cache_dir)
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", "another version")
    parses.clear()
    again, c = _run(root, cache_dir)
    assert again == cold
    assert c.hits == 0 and parses  # everything computed again


def test_format_change_is_a_miss(tmp_path, cache_dir, monkeypatch):
    root = project(tmp_path / "p")
    _run(root, cache_dir)
    monkeypatch.setattr(cache_mod, "FORMAT", cache_mod.FORMAT + 1)
    c = Cache(cache_dir)
    c.root = os.path.join(cache_dir, cache_mod.SUBDIR)  # the same folder: entries say format 1
    plan = runner.prepare([root])
    found, _ = runner.run_serial(plan, with_fixes=True, cache=c)
    assert c.hits == 0 and [_key(f) for f in found] == _run(root)[0]


def test_config_change_changes_findings(tmp_path, cache_dir):
    root = project(tmp_path / "p")
    all_rules, _ = _run(root, cache_dir)
    codes = {k[3] for k in all_rules}
    assert {"CVX101", "CVX201"} <= codes
    only = runner.Overrides(select=["CVX201"])
    narrowed, _ = _run(root, cache_dir, only)
    assert narrowed == _run(root, None, only)[0]
    assert {k[3] for k in narrowed} == {"CVX201"}
    # a config file too
    with open(os.path.join(root, "convex-lsp.toml"), "w") as fh:
        fh.write('ignore = ["CVX201"]\n')
    from_file, _ = _run(root, cache_dir)
    assert "CVX201" not in {k[3] for k in from_file} and "CVX101" in {k[3] for k in from_file}
    assert from_file == _run(root)[0]


def test_schema_change_invalidates_other_files_findings(tmp_path, cache_dir, parses):
    root = project(tmp_path / "p", {"convex/byChannel.ts": USES_INDEX})
    before, _ = _run(root, cache_dir)
    by_channel = os.path.join(root, "convex", "byChannel.ts")
    assert not [k for k in before if k[0].endswith("byChannel.ts") and k[3] == "CVX206"]
    with open(os.path.join(root, "convex", "schema.ts"), "w") as fh:
        fh.write(SCHEMA_NO_INDEX)
    parses.clear()
    after, _ = _run(root, cache_dir)
    assert after == _run(root)[0]
    unknown = [k for k in after if k[0] == os.path.realpath(by_channel) and k[3] == "CVX206"]
    assert unknown, after  # the unchanged file's findings follow the schema
    with open(os.path.join(root, "convex", "schema.ts"), "w") as fh:
        fh.write(SCHEMA.lstrip("\n"))
    restored, _ = _run(root, cache_dir)
    assert restored == before


def test_readme_change_changes_unused_function_findings(tmp_path, cache_dir):
    """CVX406 reads the commands a README gives (`convex run jobs:cleanup`): editing the README
    changes the findings of an unchanged file, with the cache on as without it."""
    jobs = ('import { internalMutation } from "./_generated/server";\n'
            'export const cleanup = internalMutation({ args: {}, handler: async () => null });\n')
    root = project(tmp_path / "p", {"convex/jobs.ts": jobs})

    def unused():
        found, _ = _run(root, cache_dir)
        assert found == _run(root)[0]
        return [k for k in found if k[3] == "CVX406" and k[0].endswith("jobs.ts")]

    assert unused()
    with open(os.path.join(root, "README.md"), "w") as fh:
        fh.write("After a deploy: `npx convex run jobs:cleanup`\n")
    assert not unused()
    with open(os.path.join(root, "README.md"), "w") as fh:
        fh.write("After a deploy: nothing to run.\n")
    assert unused()


def test_size_bound_deletes_oldest_entries(tmp_path):
    c = Cache(str(tmp_path / "cache"), max_bytes=20_000)
    for i in range(60):
        c.put("r", f"{i:064x}", ["x" * 1000])
        os.utime(c._path("r", f"{i:064x}"), (1_000_000 + i, 1_000_000 + i))
    c.trim()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(c.root) for f in fs)
    assert total <= 20_000
    assert c.get("r", f"{59:064x}") == ["x" * 1000]  # the newest kept
    assert c.get("r", f"{0:064x}") is None  # the oldest gone


def test_unwritable_cache_folder_still_lints(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CONVEX_LSP_CACHE_DIR", str(blocker))
    root = project(tmp_path / "p")
    res = cli("check", root, "--output-format", "json")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert {f["code"] for f in json.loads(res.stdout)} >= {"CVX101", "CVX201"}


def test_server_entries_without_view_are_rewritten_by_check(tmp_path, cache_dir, parses):
    """The language server stores facts without the view digest; `check` takes such entries as
    misses (its findings keys need the view) and stores them whole; the server reads either."""
    from convex_lsp.analysis.engine import load_facts

    root = project(tmp_path / "p", {"convex/byChannel.ts": USES_INDEX})
    plan = runner.prepare([root])
    store = Cache(cache_dir)
    server_facts = {p: load_facts(p, plan.workspace, store, with_view=False)[0] for p in plan.load}
    parses.clear()
    again = {p: load_facts(p, plan.workspace, store, with_view=False) for p in plan.load}
    assert parses == [] and all(m is None for _, m in again.values())  # the server reads its own entries
    assert {p: f for p, (f, _) in again.items()} == server_facts
    cold, _ = _run(root, cache_dir)
    assert cold == _run(root)[0]
    parses.clear()
    warm, c = _run(root, cache_dir)
    assert warm == cold and parses == [] and c.misses == 0
