#!/usr/bin/env python3
"""Return-inference figures: per project, the share of handlers whose return shape is fully
inferred, and every CVX113 finding (to read by hand).

    python bench/returns_figures.py ~/.cache/convex-lsp/corpus/*  /tmp/some-app
"""

from __future__ import annotations

import os
import sys


def figures(root: str):
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.analysis.returns_infer import Inferer
    from convex_lsp.analysis.validator_algebra import Resolver, has_unknown

    an = Analyzer(discover([root]), Config(root=root))
    an.load_all(include_generated=False)
    handlers = complete = 0
    findings = []
    for path, model in sorted(an.models.items()):
        if getattr(model, "root", None) is None or not model.registrations:
            continue
        inf = Inferer(model)
        res = Resolver(an.index, path)
        for reg in model.registrations:
            b = an.index.resolve_builder(path, reg.builder)
            if b is None or b.kind == "http" or reg.handler is None:
                continue
            hr = inf.function_returns(reg.handler)
            if hr is None:
                continue
            handlers += 1
            if not hr.falls_off and hr.sites and not has_unknown(hr.shape, res):
                complete += 1
        for f in an.lint(path):
            if f.code == "CVX113":
                findings.append(f"{os.path.relpath(f.path, root)}:{f.srow + 1}: {f.message}")
    return handlers, complete, findings


def main(argv):
    total_h = total_c = 0
    for root in argv:
        h, c, fs = figures(os.path.abspath(root))
        total_h += h
        total_c += c
        share = f"{100 * c / h:.0f}%" if h else "-"
        print(f"{os.path.basename(root.rstrip('/'))}: {c}/{h} handlers fully inferred ({share}), {len(fs)} CVX113")
        for line in fs:
            print("   ", line)
    if total_h:
        print(f"TOTAL: {total_c}/{total_h} fully inferred ({100 * total_c / total_h:.1f}%)")


if __name__ == "__main__":
    main(sys.argv[1:])
