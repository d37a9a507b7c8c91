#!/usr/bin/env python3
"""Benchmark and crash check of `convex-lsp check` on the real-world corpus.

    python bench/run.py [--runs 5] [--skip-eslint] [--small]

(a) runs `convex-lsp check` over the corpus (bench/corpus.py) and fails on any crash,
    printing findings per rule;
(b) times it against ESLint 9 + @convex-dev/eslint-plugin's recommended rules (typed
    linting, as the plugin's rules need) on the same files, installed with npm into the
    cache next to the corpus;
(c) times tree-sitter's bare parse of the same files in a fresh process, the floor.

Every figure is a whole process, measured several times alternating the commands; the
script prints medians and the ratios of medians.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus  # noqa: E402

ESLINT_PACKAGES = ["eslint@9.39.1", "typescript-eslint@8.58.0", "typescript@5.9.3",
                   "@convex-dev/eslint-plugin@5.0.0"]

PARSE_SCRIPT = r"""
import sys, tree_sitter as ts, tree_sitter_typescript as tst
L = ts.Language(tst.language_typescript()); X = ts.Language(tst.language_tsx())
p, px = ts.Parser(L), ts.Parser(X)
TSX = (".tsx", ".js", ".jsx", ".mjs", ".cjs")  # the grammar convex-lsp parses each with (source.kind_for_path)
n = 0
for f in open(sys.argv[1]).read().split("\n"):
    if f:
        with open(f, "rb") as fh:
            (px if f.endswith(TSX) else p).parse(fh.read()); n += 1
print(n)
"""

ESLINT_CONFIG = """
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";
const recommended = convexPlugin.configs.recommended[0];
export default [
  {
    files: ["corpus/**/src/component/**/*.ts"],
    ignores: ["**/_generated/**", "**/*.test.ts", "**/dist/**", "**/node_modules/**"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: "./tsconfig.bench.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: recommended.plugins,
    rules: recommended.rules,
  },
];
"""

TSCONFIG = {
    "compilerOptions": {"target": "es2022", "module": "esnext", "moduleResolution": "bundler",
                        "strict": True, "noEmit": True, "skipLibCheck": True, "allowJs": False},
    "include": ["corpus/**/src/component/**/*.ts"],
    "exclude": ["**/node_modules/**", "**/dist/**"],
}


def timed(cmd: list[str], cwd: str | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t0, res


def npm_install(folder: str, packages: list[str], name: str) -> subprocess.CompletedProcess:
    """`npm install` the packages into `folder` (a private package.json first; no scripts run)."""
    if not os.path.isfile(os.path.join(folder, "package.json")):
        with open(os.path.join(folder, "package.json"), "w") as fh:
            fh.write(json.dumps({"name": name, "private": True, "type": "module"}) + "\n")
    return subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *packages],
                          cwd=folder, capture_output=True, text=True)


def setup_eslint(cache: str, files: list[str]) -> list[str] | None:
    base = os.path.dirname(cache)  # the folder holding corpus/
    if not os.path.isfile(os.path.join(base, "node_modules", "eslint", "bin", "eslint.js")):
        print("bench: installing ESLint and @convex-dev/eslint-plugin with npm ...", file=sys.stderr)
        res = npm_install(base, ESLINT_PACKAGES, "convex-lsp-bench")
        if res.returncode != 0:
            print(f"bench: npm install failed; skipping ESLint\n{res.stderr[-800:]}", file=sys.stderr)
            return None
    with open(os.path.join(base, "eslint.config.mjs"), "w") as fh:
        fh.write(ESLINT_CONFIG)
    with open(os.path.join(base, "tsconfig.bench.json"), "w") as fh:
        json.dump(TSCONFIG, fh)
    rel = [os.path.relpath(f, base) for f in files]
    return ["node", os.path.join(base, "node_modules", "eslint", "bin", "eslint.js"), "--no-warn-ignored",
            "--no-inline-config", "--format", "json", *rel]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-eslint", action="store_true")
    ap.add_argument("--small", action="store_true", help="only the small pinned piece of the corpus")
    ap.add_argument("--show", type=str, default="", help="print every finding of these rule codes")
    args = ap.parse_args()

    cache = corpus.fetch(small=args.small, quiet=True)
    files = corpus.corpus_files(cache)
    lines = sum(open(f, "rb").read().count(b"\n") for f in files)
    print(f"corpus: {cache}: {len(files)} files, {lines} lines")

    # (a) crash check + findings per rule
    check = [sys.executable, "-m", "convex_lsp.server.cli", "check", cache, "--output-format", "json",
             "--exit-zero", "--no-progress"]
    secs, res = timed(check)
    if res.returncode != 0 or "Traceback" in res.stderr:
        print(f"bench: convex-lsp crashed (exit {res.returncode}):\n{res.stderr[-3000:]}", file=sys.stderr)
        return 1
    findings = json.loads(res.stdout)
    counts = collections.Counter(f"{f['code']} {f['name']}" for f in findings)
    print(f"findings: {len(findings)}")
    for k, n in sorted(counts.items()):
        print(f"  {k}: {n}")
    show = {c.strip().upper() for c in args.show.split(",") if c.strip()}
    for f in findings:
        if f["code"] in show:
            print(f"    {f['filename']}:{f['location']['row']}:{f['location']['column']} {f['code']} {f['message']}")

    # (b) + (c) timings, alternating
    listfile = os.path.join(os.path.dirname(cache), "bench-files.txt")
    with open(listfile, "w") as fh:
        fh.write("\n".join(files))
    cmds = {
        "convex-lsp": (check[:-1] + ["-q"], None),
        "tree-sitter parse": ([sys.executable, "-c", PARSE_SCRIPT, listfile], None),
    }
    if not args.skip_eslint:
        es = setup_eslint(cache, files)
        if es is not None:
            cmds["eslint+convex-plugin"] = (es, os.path.dirname(cache))
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for name, (cmd, cwd) in cmds.items():  # warm-up
        secs, res = timed(cmd, cwd)
        if name.startswith("eslint") and res.returncode not in (0, 1):
            print(f"bench: eslint failed (exit {res.returncode}): {res.stderr[-1500:]}", file=sys.stderr)
            del times[name]
    for _ in range(args.runs):
        for name in list(times):
            cmd, cwd = cmds[name]
            secs, _ = timed(cmd, cwd)
            times[name].append(secs)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nwhole-process wall time, median of {args.runs} runs (min-max):")
    for k, v in times.items():
        print(f"  {k:24s} {med[k]:7.3f} s  ({min(v):.3f}-{max(v):.3f})")
    if "eslint+convex-plugin" in med:
        print(f"  eslint / convex-lsp          = {med['eslint+convex-plugin'] / med['convex-lsp']:.1f}x")
    print(f"  convex-lsp / bare parse      = {med['convex-lsp'] / med['tree-sitter parse']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
