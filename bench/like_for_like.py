#!/usr/bin/env python3
"""Every linter on the same files: `convex-lsp check` against its peers, CPU and wall, cold and warm.

    python bench/like_for_like.py [--runs 5] [--skip-eslint] [--skip-oxlint] [--scale N]

The corpus: the first 20 pinned `@convex-dev` packages (bench/corpus.py, npm tarballs), each laid
out as a project of its own: `<package>/package.json` and its `src/` tree as the project's
`convex/` functions folder (tests, `.d.ts` and `dist/` left out; `_generated/` kept, as in a real
project, and skipped by every tool). Every tool is given the same list of files: every `.ts`,
`.tsx` and `.js` file of the functions folders (one is JavaScript: a 300 KB module holding a
WebAssembly blob as a string). convex-lsp reads every file of a functions folder for its index,
listed or not, so a list without the JavaScript file had it parse ~17% more bytes than the floor
and the peers (until 2026-12-07 the list was `.ts`/`.tsx` only: 308 files instead of 309).

- `convex-lsp check` (cold: an empty cache; warm: a second run over unchanged files);
- oxlint + `@trestleinc/convex-oxlint` with the configuration from that plugin's README;
- ESLint 9 + `@convex-dev/eslint-plugin` (recommended, typed linting as its rules need;
  warm: `--cache`);
- the floor: tree-sitter parsing every file in a fresh Python process.

Runs alternate between the tools (A B C D A B C D ...) so a drift of the machine's speed hits
all of them; the script prints the median CPU (user + sys of the process and its children, from
the operating system's accounting) and wall seconds, and the ratios of medians. `--scale N`
copies the corpus N times (separate projects) to measure scaling and peak memory.

Peers are installed with npm into a folder next to the corpus (outside the repository).
Nothing from the corpus is executed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus  # noqa: E402
import run as run_bench  # noqa: E402  (bench/run.py: the parse floor script, the ESLint set-up)
from run import PARSE_SCRIPT  # noqa: E402

N_PACKAGES = 20
PEER_PACKAGES = ["oxlint@1.96.0", "@trestleinc/convex-oxlint@0.2.0", "eslint@9.39.1",
                 "typescript-eslint@8.58.0", "typescript@5.9.3", "@convex-dev/eslint-plugin@5.0.0"]
SKIP_DIRS = {"node_modules", "dist", "__tests__", "__mocks__"}

# @trestleinc/convex-oxlint's README "Quick Setup", ignore patterns included
OXLINT_CONFIG = {
    "plugins": ["typescript", "import"],
    "jsPlugins": ["@trestleinc/convex-oxlint"],
    "rules": {
        "convex/no-old-registered-function-syntax": "error",
        "convex/require-args-validator": "error",
        "convex/explicit-table-ids": "error",
        "convex/import-wrong-runtime": "error",
    },
    "ignorePatterns": ["**/dist/**", "**/_generated/**", "**/*.d.ts", "**/node_modules/**"],
}

# bench/run.py's ESLint set-up (typed linting, the plugin's recommended rules) on this corpus's files
_GLOBS = ["projects/**/convex/**/*.ts", "projects/**/convex/**/*.tsx", "projects/**/convex/**/*.js"]
ESLINT_CONFIG = run_bench.ESLINT_CONFIG.replace('files: ["corpus/**/src/component/**/*.ts"]',
                                                f"files: {json.dumps(_GLOBS)}").replace(
    '"**/*.test.ts", ', "")
TSCONFIG = dict(run_bench.TSCONFIG, include=_GLOBS,
                compilerOptions=dict(run_bench.TSCONFIG["compilerOptions"], jsx="react-jsx", allowJs=True))


LISTED = (".ts", ".tsx", ".js")  # what `_copy_project` copies: the files every tool is given


def bench_root() -> str:
    return os.environ.get("CONVEX_LSP_BENCH") or os.path.join(os.path.dirname(corpus.cache_dir()), "like-for-like")


def _is_test(name: str) -> bool:
    return ".test." in name or ".spec." in name or name == "test.ts" or name == "test.setup.ts"


def build_projects(dest: str, copies: int = 1) -> list[str]:
    """Lay the pinned packages out as projects under `dest/projects` (once); the linted files."""
    cache = corpus.fetch(quiet=True)
    marker = os.path.join(dest, f".built-{copies}")
    if not os.path.isfile(marker):
        shutil.rmtree(os.path.join(dest, "projects"), ignore_errors=True)
        for name, version in corpus.PINNED[:N_PACKAGES]:
            pkg = os.path.join(cache, f"{name.split('/')[-1]}-{version}", "package")
            if not os.path.isdir(os.path.join(pkg, "src")):
                print(f"bench: {name}@{version} missing from the corpus; skipped", file=sys.stderr)
                continue
            for i in range(copies):
                proj = os.path.join(dest, "projects", f"copy{i}" if copies > 1 else "", name.split("/")[-1])
                _copy_project(pkg, proj)
        open(marker, "w").close()
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(dest, "projects")):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != "_generated")
        for f in sorted(filenames):
            if f.endswith(LISTED) and not f.endswith(".d.ts"):
                out.append(os.path.join(dirpath, f))
    return out


def _copy_project(pkg: str, proj: str) -> None:
    os.makedirs(proj, exist_ok=True)
    with open(os.path.join(pkg, "package.json"), "rb") as fh:
        meta = json.loads(fh.read())
    slim = {k: meta[k] for k in ("name", "version", "type", "dependencies", "peerDependencies",
                                 "devDependencies") if k in meta}
    with open(os.path.join(proj, "package.json"), "w") as fh:
        json.dump(slim, fh, indent=2)
    src = os.path.join(pkg, "src")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        rel = os.path.relpath(dirpath, src)
        generated = "_generated" in rel.split(os.sep)
        for f in filenames:
            if not f.endswith(LISTED) or (_is_test(f) and not generated):
                continue
            if f.endswith(".d.ts") and not generated:
                continue
            target = os.path.join(proj, "convex", rel, f)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(dirpath, f), target)


def setup_peers(dest: str) -> dict[str, bool]:
    have = {
        "oxlint": os.path.isfile(os.path.join(dest, "node_modules", "oxlint", "package.json"))
        and os.path.isdir(os.path.join(dest, "node_modules", "@trestleinc", "convex-oxlint")),
        "eslint": os.path.isfile(os.path.join(dest, "node_modules", "eslint", "bin", "eslint.js")),
    }
    if not all(have.values()):
        print("bench: installing the peers with npm ...", file=sys.stderr)
        res = run_bench.npm_install(dest, PEER_PACKAGES, "convex-lsp-like-for-like")
        if res.returncode != 0:
            print(f"bench: npm install failed:\n{res.stderr[-800:]}", file=sys.stderr)
        # oxlint's binary comes from an optional platform package, scripts not needed
        have = {"oxlint": os.path.isfile(os.path.join(dest, "node_modules", "oxlint", "package.json")),
                "eslint": os.path.isfile(os.path.join(dest, "node_modules", "eslint", "bin", "eslint.js"))}
    with open(os.path.join(dest, ".oxlintrc.json"), "w") as fh:
        json.dump(OXLINT_CONFIG, fh, indent=2)
    with open(os.path.join(dest, "eslint.config.mjs"), "w") as fh:
        fh.write(ESLINT_CONFIG)
    with open(os.path.join(dest, "tsconfig.bench.json"), "w") as fh:
        json.dump(TSCONFIG, fh)
    return have


def measure(cmd: list[str], cwd: str, env: dict) -> tuple[float, float, int, subprocess.CompletedProcess]:
    """(cpu seconds = user + sys of the process tree, wall seconds, peak RSS KiB, result)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = b"", b""
    # drain the pipes while waiting (large JSON output), then reap with the kernel's accounting
    import threading

    bufs: dict[str, bytes] = {}

    def drain(name, stream):
        bufs[name] = stream.read()

    ts = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in ts:
        t.start()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    for t in ts:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = bufs.get("out", b""), bufs.get("err", b"")
    res = subprocess.CompletedProcess(cmd, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss, res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-eslint", action="store_true")
    ap.add_argument("--skip-oxlint", action="store_true")
    ap.add_argument("--scale", type=int, default=1, help="copies of the corpus (scaling, memory)")
    ap.add_argument("--jobs", type=int, default=0, help="convex-lsp --jobs (0: its default)")
    ap.add_argument("--only-convex-lsp", action="store_true", help="convex-lsp cold/warm and the floor only")
    args = ap.parse_args()

    dest = bench_root() + (f"-x{args.scale}" if args.scale > 1 else "")
    os.makedirs(dest, exist_ok=True)
    files = build_projects(dest, args.scale)
    lines = sum(open(f, "rb").read().count(b"\n") for f in files)
    nproj = len(os.listdir(os.path.join(dest, "projects")))
    print(f"corpus: {dest}: {len(files)} files, {lines} lines, {nproj} project folders")
    listfile = os.path.join(dest, "files.txt")
    with open(listfile, "w") as fh:
        fh.write("\n".join(files))
    rel = [os.path.relpath(f, dest) for f in files]

    cache_home = tempfile.mkdtemp(prefix="convex-lsp-bench-cache-")
    base_env = dict(os.environ)
    base_env.pop("CONVEX_LSP_NO_CACHE", None)
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    check = [sys.executable, "-m", "convex_lsp.server.cli", "check", *rel, "--output-format", "json",
             "--exit-zero", "--no-progress", "-q"]
    if args.jobs:
        check += ["--jobs", str(args.jobs)]
    cold_env = dict(base_env, CONVEX_LSP_NO_CACHE="1")
    warm_env = dict(base_env, XDG_CACHE_HOME=cache_home)
    cmds: dict[str, tuple[list[str], dict]] = {
        "convex-lsp check (cold)": (check, cold_env),
        "convex-lsp check (warm)": (check, warm_env),
        "tree-sitter parse floor": ([sys.executable, "-c", PARSE_SCRIPT, listfile], base_env),
    }
    if not args.only_convex_lsp and not (args.skip_eslint and args.skip_oxlint):
        have = setup_peers(dest)
        if have["oxlint"] and not args.skip_oxlint:
            ox = os.path.join(dest, "node_modules", ".bin", "oxlint")
            cmds["oxlint + convex-oxlint"] = ([ox, "-c", ".oxlintrc.json", "--format", "json", *rel], base_env)
        if have["eslint"] and not args.skip_eslint:
            es = ["node", os.path.join(dest, "node_modules", "eslint", "bin", "eslint.js"), "--no-warn-ignored",
                  "--no-inline-config", "--format", "json"]
            cmds["eslint + convex-plugin (cold)"] = (es + [*rel], base_env)
            cache_file = os.path.join(cache_home, "eslintcache")
            cmds["eslint + convex-plugin (warm)"] = (es + ["--cache", "--cache-location", cache_file, *rel], base_env)

    # warm-up (also fills the warm caches) and a sanity check of every tool's output
    for name, (cmd, env) in list(cmds.items()):
        cpu, wall, rss, res = measure(cmd, dest, env)
        bad = res.returncode not in (0, 1) or "Traceback" in res.stderr
        if bad:
            print(f"bench: {name} failed (exit {res.returncode}):\n{res.stderr[-1500:]}", file=sys.stderr)
            del cmds[name]
            continue
        if name.startswith("convex-lsp") and "cold" in name:
            print(f"  convex-lsp findings: {len(json.loads(res.stdout))}")
        if name.startswith("oxlint"):
            try:
                print(f"  oxlint diagnostics: {len(json.loads(res.stdout).get('diagnostics', []))}")
            except ValueError:
                pass
    samples: dict[str, list[tuple[float, float, int]]] = {k: [] for k in cmds}
    for _ in range(args.runs):
        for name, (cmd, env) in cmds.items():
            cpu, wall, rss, _res = measure(cmd, dest, env)
            samples[name].append((cpu, wall, rss))
    shutil.rmtree(cache_home, ignore_errors=True)

    med = {k: (statistics.median(c for c, _, _ in v), statistics.median(w for _, w, _ in v),
               max(r for _, _, r in v)) for k, v in samples.items()}
    print(f"\nwhole process, median of {args.runs} interleaved runs; {len(files)} files:")
    print(f"  {'':34s} {'CPU s':>8s} {'wall s':>8s} {'peak RSS':>9s}")
    for k, (c, w, r) in med.items():
        print(f"  {k:34s} {c:8.3f} {w:8.3f} {r / 1024:7.0f}MB")
    cold = med.get("convex-lsp check (cold)")
    floor = med.get("tree-sitter parse floor")
    if cold and floor:
        print("\nratios of medians (CPU, wall):")
        for k, (c, w, _) in med.items():
            if k == "tree-sitter parse floor":
                continue
            print(f"  {k:34s} {c / floor[0]:6.2f}x {w / floor[1]:6.2f}x  the parse floor")
        for k, (c, w, _) in med.items():
            if k.startswith(("oxlint", "eslint")):
                print(f"  convex-lsp cold / {k:28s} {cold[0] / c:6.2f}x {cold[1] / w:6.2f}x")
        print(f"  per file (cold CPU): {1000 * cold[0] / len(files):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
