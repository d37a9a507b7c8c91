#!/usr/bin/env python3
"""The fix-safety property on real applications: `check --fix --unsafe-fixes` must never break a
caller.

    python bench/fix_safety.py APP_OR_FOLDER... [--tsc-modules DIR] [--keep]

Every Convex app found under the given paths (a folder with a functions folder) is copied to a
temporary folder and fixed there (the originals are never touched). For each app:
- the property, checked with the workspace reference graph on the fixed copy: no function that
  code outside the functions folder references as `api.*` became internal, and no index use in
  any file (functions, tests, scripts; `withIndex`, `withSearchIndex`, relationship helpers) names
  an index the schema no longer has;
- where `npx tsc` can run (`--tsc-modules`: a `node_modules` folder holding the npm packages
  `typescript` and `convex`, linked into the copy when the app has none) and the app commits its
  `_generated/` folder: `tsc --noEmit` error counts of every `tsconfig.json` of the app before
  and after the fixes; the count must not rise.

Exit status 1 when an app breaks the property or its error count rises.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

SKIP = {"node_modules", ".git", "dist", "build", ".next"}


def violations(root: str) -> list[str]:
    """What the property forbids in the project on disk under `root`."""
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.analysis.refs_extract import DYNAMIC

    ws = discover([root])
    an = Analyzer(ws)
    an.load_all()
    out = []
    for d in ws.functions_dirs:
        reg = an.index.registry(d.path)
        schema = an.index.schema_for(os.path.join(d.path, "schema.ts"))
        for fd, api_path in an.index.refs.all_function_keys():
            if fd != d.path:
                continue
            info = reg.get(api_path)
            if info is None or info.visibility != "internal":
                continue
            for r in an.index.function_references(d.path, api_path):
                if r.root == "api" and not r.backend:
                    out.append(f"{os.path.relpath(r.file, root)}:{r.span.srow + 1}: api.{r.dotted} is internal now")
        if schema is None or schema.open:
            continue
        for path in an.index.facts:
            for u in an.index.references_in(path)[2]:
                if u.functions_dir != d.path or u.index == DYNAMIC:
                    continue
                if u.table is not None and not schema.knows_indexes_of(u.table):
                    continue
                tables = [u.table] if u.table else list(schema.tables)
                if not any(schema.index(t, u.index) for t in tables):
                    out.append(f"{os.path.relpath(path, root)}:{u.span.srow + 1}: {u.method}(\"{u.index}\") "
                               "names no index of the schema")
    return out


def find_apps(paths: list[str]) -> list[str]:
    """Folders holding a package.json and a convex/ folder (or a convex.json)."""
    out = []
    for top in paths:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP and not d.startswith("."))
            if "package.json" in filenames and ("convex" in dirnames or "convex.json" in filenames):
                out.append(dirpath)
                dirnames[:] = []
    return out


_TS_ERROR = re.compile(r"error TS\d+")


def tsc_errors(app: str) -> int | None:
    """Errors of `tsc --noEmit` over every tsconfig.json of the app (None: tsc cannot run)."""
    tsc = os.path.join(app, "node_modules", ".bin", "tsc")
    if not os.path.exists(tsc):
        return None
    total = 0
    found = False
    for dirpath, dirnames, filenames in os.walk(app):
        dirnames[:] = [d for d in dirnames if d not in SKIP and not d.startswith(".")]
        if "tsconfig.json" in filenames:
            found = True
            p = subprocess.run([tsc, "--noEmit", "-p", os.path.join(dirpath, "tsconfig.json")], cwd=app,
                               capture_output=True, text=True, timeout=600)
            total += len(_TS_ERROR.findall(p.stdout + p.stderr))
    return total if found else None


def commits_generated(app: str) -> bool:
    for dirpath, dirnames, filenames in os.walk(app):
        dirnames[:] = [d for d in dirnames if d not in SKIP and not d.startswith(".")]
        if os.path.basename(dirpath) == "_generated" and any(f.startswith("api.") for f in filenames):
            return True
    return False


def run_app(src: str, work: str, modules: str | None) -> dict:
    from convex_lsp.server import cli

    app = os.path.join(work, os.path.basename(src.rstrip(os.sep)))
    shutil.copytree(src, app, symlinks=True, ignore=shutil.ignore_patterns("node_modules", ".git"))
    if modules and not os.path.exists(os.path.join(app, "node_modules")):
        os.symlink(modules, os.path.join(app, "node_modules"))
    gen = commits_generated(app)
    before = tsc_errors(app) if gen else None
    bad_before = set(violations(app))
    with open(os.devnull, "w") as null:
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = null
        try:
            code = cli.main(["check", "--fix", "--unsafe-fixes", "--no-progress", "--jobs", "1", app])
        finally:
            sys.stdout, sys.stderr = old
    changed = subprocess.run(["diff", "-r", "-q", "-x", "node_modules", src, app], capture_output=True,
                             text=True).stdout.count("\n")
    after = tsc_errors(app) if gen else None
    bad = [v for v in violations(app) if v not in bad_before]
    return {"app": src, "exit": code, "files_changed": changed, "tsc_before": before, "tsc_after": after,
            "violations": bad}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--tsc-modules", help="a node_modules folder with typescript and convex (for tsc)")
    ap.add_argument("--keep", action="store_true", help="keep the fixed copies (printed)")
    args = ap.parse_args()
    modules = os.path.realpath(args.tsc_modules) if args.tsc_modules else None
    apps = find_apps(args.paths)
    work = tempfile.mkdtemp(prefix="fix-safety-")
    failed = 0
    rose = 0
    print(f"{'app':40} {'exit':>4} {'changed':>7} {'tsc before':>10} {'tsc after':>9}  property")
    for src in apps:
        try:
            r = run_app(src, work, modules)
        except Exception as e:  # report and go on
            print(f"{os.path.basename(src):40} crashed: {type(e).__name__}: {e}")
            failed += 1
            continue
        ok = not r["violations"]
        up = r["tsc_before"] is not None and r["tsc_after"] is not None and r["tsc_after"] > r["tsc_before"]
        failed += (not ok) or up
        rose += up
        fmt = lambda v: "-" if v is None else str(v)  # noqa: E731
        print(f"{os.path.relpath(src, os.path.commonpath(apps) if len(apps) > 1 else os.path.dirname(src)):40} "
              f"{r['exit']:>4} {r['files_changed']:>7} {fmt(r['tsc_before']):>10} {fmt(r['tsc_after']):>9}  "
              f"{'ok' if ok else 'BROKEN'}")
        for v in r["violations"]:
            print(f"    {v}")
    print(f"{len(apps)} apps; {rose} with more tsc errors after the fixes; {failed} failing")
    if args.keep:
        print(f"fixed copies in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
