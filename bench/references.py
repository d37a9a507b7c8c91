#!/usr/bin/env python3
"""The workspace reference graph: what it costs and how fast it answers.

    python bench/references.py [--files 2000] [--runs 5] [--corpus]

(a) a synthetic workspace of `--files` files (a functions folder of 100 modules x 10 functions,
    the rest client components each calling 5 of them, plus tests): indexing time, the first
    `function_references` query after indexing (it builds the inverted maps), and the median of
    2,000 queries after it;
(b) with `--corpus`: `check` (serial, in this process) on every project of the real-world corpus
    (bench/corpus.py) with and without the reference scan (files outside the functions folders),
    medians over `--runs`, and the added cost in percent.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def synthetic(root: str, n_files: int) -> list[tuple[str, ...]]:
    rng = random.Random(7)
    os.makedirs(os.path.join(root, "convex", "_generated"), exist_ok=True)
    with open(os.path.join(root, "package.json"), "w") as fh:
        fh.write('{"name": "bench", "dependencies": {"convex": "^1.25.0"}}')
    fns: list[tuple[str, ...]] = []
    n_modules = 100
    for m in range(n_modules):
        lines = ['import { query, mutation } from "./_generated/server";',
                 'import { v } from "convex/values";', 'import { internal } from "./_generated/api";']
        for i in range(10):
            name = f"fn{i}"
            fns.append((f"mod{m}", name))
            lines.append(f"export const {name} = query({{ args: {{ id: v.string() }}, returns: v.null(), "
                         f"handler: async (ctx) => {{ await ctx.runQuery(internal.mod{(m + 1) % n_modules}.fn{i}, {{}}); "
                         "return null; } });")
        with open(os.path.join(root, "convex", f"mod{m}.ts"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    client = n_files - n_modules
    for c in range(client):
        sub = "tests" if c % 10 == 0 else os.path.join("src", "components", f"g{c % 40}")
        os.makedirs(os.path.join(root, sub), exist_ok=True)
        picks = rng.sample(fns, 5)
        body = ["import { useQuery, useMutation } from \"convex/react\";",
                "import { api } from \"../../../convex/_generated/api\";" if sub.startswith("src")
                else "import { api } from \"../convex/_generated/api\";",
                f"export function C{c}() {{"]
        for mod, fn in picks:
            body.append(f"  const {mod}_{fn} = useQuery(api.{mod}.{fn}, {{ id: \"x\" }});")
        body.append("  return null;\n}")
        name = f"c{c}.test.ts" if sub == "tests" else f"C{c}.tsx"
        with open(os.path.join(root, sub, name), "w") as fh:
            fh.write("\n".join(body) + "\n")
    return fns


def bench_synthetic(n_files: int) -> None:
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover

    with tempfile.TemporaryDirectory() as tmp:
        fns = synthetic(tmp, n_files)
        t0 = time.perf_counter()
        ws = discover([tmp])
        an = Analyzer(ws)
        loaded = an.load_all()
        t_index = time.perf_counter() - t0
        fd = ws.functions_dirs[0].path
        t0 = time.perf_counter()
        first = an.index.function_references(fd, fns[0])
        t_first = time.perf_counter() - t0
        an.index.refs.reset_layout()  # every file marked again: what `warm()` costs after a scan
        t0 = time.perf_counter()
        an.index.refs.warm()
        t_warm = time.perf_counter() - t0
        times = []
        total = 0
        for i in range(2000):
            key = fns[i % len(fns)]
            t0 = time.perf_counter()
            total += len(an.index.function_references(fd, key))
            times.append(time.perf_counter() - t0)
        # one client file edited: its references re-read, then a query
        path = next(p for p in loaded if p.endswith("C1.tsx"))
        an.load(path, b'import { api } from "../../../convex/_generated/api";\nuseQuery(api.mod0.fn0);\n')
        t0 = time.perf_counter()
        an.index.function_references(fd, fns[0])
        t_after_edit = time.perf_counter() - t0
        print(f"synthetic workspace: {len(loaded)} files indexed in {t_index:.2f} s; "
              f"{total / 2000:.1f} references per function on average")
        print(f"  building the reference maps of every file (part of indexing): {t_warm * 1000:.0f} ms")
        print(f"  first query after indexing: {t_first * 1000:.2f} ms ({len(first)} refs)")
        print(f"  query, median of 2000: {statistics.median(times) * 1e6:.1f} us; max {max(times) * 1000:.2f} ms")
        print(f"  query after one file changed: {t_after_edit * 1000:.2f} ms")


def bench_corpus(runs: int) -> None:
    import corpus

    from convex_lsp.analysis import project
    from convex_lsp.server import runner

    root = corpus.cache_dir()
    projects = sorted(os.path.join(root, d) for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    real = project.Workspace.reference_files

    def run_all(with_refs: bool) -> tuple[float, int, int]:
        project.Workspace.reference_files = real if with_refs else (lambda self: [])
        try:
            t0 = time.perf_counter()
            n_refs = n_load = 0
            for p in projects:
                plan = runner.prepare([p])
                n_refs += len(plan.refs_only)
                n_load += len(plan.load)
                runner.run(plan, jobs=1)
            return time.perf_counter() - t0, n_load, n_refs
        finally:
            project.Workspace.reference_files = real

    with_t, without_t = [], []
    counts = None
    for _ in range(runs):
        t, n_load, n_refs = run_all(True)
        with_t.append(t)
        counts = (n_load, n_refs)
        without_t.append(run_all(False)[0])
    a, b = statistics.median(with_t), statistics.median(without_t)
    print(f"corpus: {len(projects)} projects, {counts[0]} files loaded of which {counts[1]} for references only")
    print(f"  check without the reference scan: {b:.2f} s (median of {runs})")
    print(f"  check with the reference scan:    {a:.2f} s (median of {runs}); added cost {100 * (a - b) / b:+.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", action="store_true")
    args = ap.parse_args()
    bench_synthetic(args.files)
    if args.corpus:
        bench_corpus(args.runs)


if __name__ == "__main__":
    main()
