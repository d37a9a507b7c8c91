#!/usr/bin/env python3
"""CPU seconds per rule of a cold lint, for finding what to make faster.

    python bench/rule_times.py [PATH ...] [--rounds 3] [--top 25]

Default: the like-for-like corpus (`bench/like_for_like.py` builds it; its file list). Each round
parses every file again (fresh models: the first rule asking a memoised question pays for it, as in
a real run), runs the enabled rules in the engine's order with the engine's per-file shared
answers, then attaches fixes. Prints the median over rounds of each rule's `check` CPU, of the
whole loop (rules plus the engine's own work), of suppressions/positions and of the fixes.
A rule's figure includes what it asks first and others reuse: compare a rule against itself
(A/B), not against its neighbours. Process CPU (`time.process_time`), medians; on a shared
machine run it twice.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections import defaultdict

os.environ.setdefault("CONVEX_LSP_NO_CACHE", "1")

LIKE_FOR_LIKE = os.path.expanduser("~/.cache/convex-lsp/like-for-like/files.txt")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    paths = args.paths
    if not paths:
        if not os.path.isfile(LIKE_FOR_LIKE):
            sys.stderr.write("no paths given and no like-for-like corpus: run bench/like_for_like.py first\n")
            return 2
        with open(LIKE_FOR_LIKE, encoding="utf-8") as fh:
            paths = [line.strip() for line in fh if line.strip()]

    from convex_lsp.analysis import engine
    from convex_lsp.analysis.convex import file_cache
    from convex_lsp.server import linting, runner

    plan = runner.prepare(paths, runner.Overrides(select=None, ignore=[], extend_select=[]), None)
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)  # as `check` runs (server/cli.py)
    per_rule: dict[str, list[float]] = defaultdict(list)
    loops, finishes, fixes = [], [], []
    clock = time.process_time
    for _ in range(max(1, args.rounds)):
        an = linting.plan_analyzer(plan)
        spent: dict[str, float] = defaultdict(float)
        loop = finish = fix = 0.0
        for path in plan.load:
            model = an.models[path]
            if path not in plan.targets or model.facts.refs_only or model.src.error is not None:
                continue
            cfg = plan.config_for(path)
            rules = engine.enabled_rules(cfg, path, model.facts.is_generated)
            t0 = clock()
            found = []
            ctx = engine.FileContext(model, an.index, None, None, cfg, {})
            with file_cache(model.memo):
                for rule, sev in rules:
                    ctx.for_rule(rule, sev)
                    t = clock()
                    for _ in rule.check(ctx) or ():
                        pass
                    spent[f"{rule.code} {rule.name}"] += clock() - t
                    found.extend(ctx.findings)
            t1 = clock()
            done = engine.finish_findings(model, found, cfg)
            t2 = clock()
            linting.attach_fixes(done, an)
            t3 = clock()
            loop, finish, fix = loop + t1 - t0, finish + t2 - t1, fix + t3 - t2
        for k, v in spent.items():
            per_rule[k].append(v)
        loops.append(loop)
        finishes.append(finish)
        fixes.append(fix)
    med = statistics.median
    print(f"{len(plan.targets)} files, {args.rounds} round(s), CPU s (medians)")
    print(f"rules + engine loop {med(loops):.3f}  (sum of rules {sum(med(v) for v in per_rule.values()):.3f})  "
          f"suppressions+positions {med(finishes):.3f}  fixes {med(fixes):.3f}")
    for name in sorted(per_rule, key=lambda k: -med(per_rule[k]))[:args.top]:
        print(f"  {med(per_rule[name]):.4f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
