#!/usr/bin/env python3
"""Precision of the rules on real applications nobody here wrote, from hand labels.

The applications are not in the repository (their code never enters it): fetch each labelled
repository at the commit named in `labels.jsonl` into `<apps>/<owner>__<name>/` (the repository's
files at the top of that folder), then

    python bench/precision/score.py --apps /tmp/apps            # table per rule + overall
    python bench/precision/score.py --apps /tmp/apps --json     # the same as JSON
    python bench/precision/score.py --apps /tmp/apps --unlabelled   # list what nobody labelled yet

`convex-lsp check --output-format json .` is run in every app folder with the default rule set (the
installed convex-lsp, through this Python). A finding is matched to a label by (repository, file,
line, rule); a label covers every finding of its rule on that line. Findings without a label are
counted as unlabelled, never as right or wrong; labels that match no finding any more are listed as
stale (the rule stopped reporting there: a fixed false positive, or a lost true one).

apps.jsonl lists every application measured (repo, commit, style), so one with no finding still
counts. labels.jsonl holds one object per line: repo ("owner/name"), commit, path (from the repository
root), line (1-based), rule ("CVX214"), label ("tp" | "fp"), reason (one line), and col (1-based) only
where two findings of one rule share a line. Only labels, never
the applications' code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "labels.jsonl")
APPS = os.path.join(HERE, "apps.jsonl")  # every application measured, with its commit and style


def load_apps(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_labels(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            missing = {"repo", "commit", "path", "line", "rule", "label"} - set(rec)
            if missing or rec["label"] not in ("tp", "fp"):
                raise SystemExit(f"{path}:{n}: bad label record ({', '.join(sorted(missing)) or rec['label']})")
            out.append(rec)
    return out


def app_dir(apps: str, repo: str) -> str:
    return os.path.join(apps, repo.replace("/", "__"))


def run_check(folder: str) -> list[dict]:
    """The findings of `convex-lsp check --output-format json .` in `folder`."""
    code = "from convex_lsp.server.cli import main; import sys; sys.exit(main())"
    proc = subprocess.run([sys.executable, "-c", code, "check", "--output-format", "json", "."],
                          cwd=folder, capture_output=True, text=True, timeout=900)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"check failed in {folder} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    findings = json.loads(proc.stdout or "[]")
    for f in findings:
        f["filename"] = os.path.normpath(f["filename"]).replace(os.sep, "/")
    return findings


def score(apps: str, labels: list[dict], repos: list[str] | None = None, listed: tuple = ()):
    by_key: dict[tuple, dict] = {}
    for rec in labels:
        key = (rec["repo"], rec["path"], int(rec["line"]), rec["rule"])
        if rec.get("col") is not None:  # two findings of one rule on one line: told apart by column
            key += (int(rec["col"]),)
        by_key[key] = rec
    wanted = repos or sorted({rec["repo"] for rec in labels} | set(listed))
    counts: dict[str, Counter] = defaultdict(Counter)
    unlabelled: list[tuple] = []
    used: set[tuple] = set()
    missing_apps = []
    for repo in wanted:
        folder = app_dir(apps, repo)
        if not os.path.isdir(folder):
            missing_apps.append(repo)
            continue
        for f in run_check(folder):
            key = (repo, f["filename"], int(f["location"]["row"]), f["code"])
            with_col = key + (int(f["location"]["column"]),)
            if with_col in by_key:
                key = with_col
            rec = by_key.get(key)
            if rec is None:
                counts[f["code"]]["unlabelled"] += 1
                unlabelled.append(key + (f["message"],))
                continue
            used.add(key)
            counts[f["code"]][rec["label"]] += 1
    stale = [k for k in by_key if k[0] in wanted and k not in used and k[0] not in missing_apps]
    return counts, unlabelled, stale, missing_apps


def precision(c: Counter):
    judged = c["tp"] + c["fp"]
    return (c["tp"] / judged) if judged else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--apps", required=True, help="folder holding one <owner>__<name> folder per application")
    ap.add_argument("--labels", default=LABELS)
    ap.add_argument("--apps-list", default=APPS, help="apps.jsonl: the applications to run even without labels")
    ap.add_argument("--repo", action="append", help="only this repository (owner/name); repeatable")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--unlabelled", action="store_true", help="list the unlabelled findings")
    args = ap.parse_args(argv)
    labels = load_labels(args.labels)
    listed = tuple(a["repo"] for a in load_apps(args.apps_list))
    counts, unlabelled, stale, missing = score(args.apps, labels, args.repo, listed)
    total = Counter()
    for c in counts.values():
        total.update(c)
    if args.json:
        print(json.dumps({
            "rules": {r: {**c, "precision": precision(c)} for r, c in sorted(counts.items())},
            "overall": {**total, "precision": precision(total)},
            "stale_labels": [list(k) for k in stale], "missing_apps": missing,
        }, indent=2))
        return 0
    print(f"{'rule':8} {'tp':>5} {'fp':>5} {'unlab':>6} {'precision':>9}")
    for rule, c in sorted(counts.items()):
        p = precision(c)
        print(f"{rule:8} {c['tp']:5} {c['fp']:5} {c['unlabelled']:6} {p * 100 if p is not None else float('nan'):8.1f}%")
    p = precision(total)
    print(f"{'overall':8} {total['tp']:5} {total['fp']:5} {total['unlabelled']:6} "
          f"{p * 100 if p is not None else float('nan'):8.1f}%")
    if missing:
        print(f"\nmissing app folders (fetch them under {args.apps}): {', '.join(missing)}")
    if stale:
        print(f"\n{len(stale)} labels match no finding now (rule silent there):")
        for k in stale:
            print("  ", *k)
    if args.unlabelled:
        print(f"\n{len(unlabelled)} unlabelled findings:")
        for k in unlabelled:
            print("  ", *k)
    return 0


if __name__ == "__main__":
    sys.exit(main())
