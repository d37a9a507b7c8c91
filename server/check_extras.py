"""`convex-lsp check` options for adopting the tool on a code base and wiring it into editors
and CI: bulk suppressions (`--suppress-all`, `--suppress-rule`, `--prune-suppressions`),
`--stdin-filename PATH -`, `--show-files`, `--show-settings`.

`cli.cmd_check` calls into here at a few points; the logic of the suppressions file itself is
`convex_lsp.analysis.bulk_suppressions`.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Optional, TextIO

from convex_lsp.analysis import bulk_suppressions as bulk
from convex_lsp.analysis.registry import Finding

from . import reporters


def add_arguments(c) -> None:
    g = c.add_argument_group("adopting on an existing code base (bulk suppressions)")
    g.add_argument("--suppress-all", action="store_true",
                   help=f"record today's findings in {bulk.FILE_NAME} at the project root; later runs "
                        "report only a file's findings of a rule beyond the recorded count")
    g.add_argument("--suppress-rule", action="append", metavar="RULE",
                   help="like --suppress-all, for this rule only (repeatable, comma-separated)")
    g.add_argument("--prune-suppressions", action="store_true",
                   help=f"lower the counts in {bulk.FILE_NAME} to the findings that are left")
    e = c.add_argument_group("editors, hooks and debugging")
    e.add_argument("--stdin-filename", metavar="PATH",
                   help="with `-` as the path: lint the text on standard input as if it were PATH")
    e.add_argument("--show-files", action="store_true", help="list the files that would be linted, then exit")
    e.add_argument("--show-settings", action="store_true",
                   help="print the settings each project is linted with (configuration file, rules), then exit")


def usage_error(args) -> Optional[str]:
    """A combination of these options that makes no sense, or None."""
    paths = args.paths or []
    if args.stdin_filename is not None:
        if paths not in ([], ["-"]):
            return "--stdin-filename: give `-` as the only path (the text is read from standard input)"
        if args.fix or args.diff or args.suppress_all or args.suppress_rule or args.prune_suppressions:
            return "--stdin-filename cannot be combined with --fix, --diff or the suppression options"
    elif "-" in paths:
        return "`-` (standard input) needs --stdin-filename PATH"
    if sum(bool(x) for x in (args.suppress_all, args.suppress_rule, args.prune_suppressions)) > 1:
        return "--suppress-all, --suppress-rule and --prune-suppressions are used one at a time"
    if (args.suppress_all or args.suppress_rule or args.prune_suppressions) and (args.fix or args.diff):
        return "record or prune suppressions in a run of its own, without --fix/--diff"
    return None


# ---------------------------------------------------------------- standard input


def stdin_target(args) -> str:
    return os.path.realpath(os.path.abspath(args.stdin_filename))


def prepare_stdin(args, overrides, runner):
    """The plan for linting standard input as `--stdin-filename`: the project around that path
    (the file itself need not exist), reporting on it alone."""
    target = stdin_target(args)
    folder = os.path.dirname(target)
    while folder and not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    plan = runner.prepare([folder], overrides, args.config)
    if target not in plan.load:
        plan.load.append(target)
    plan.targets = {target}
    return plan


def lint_stdin(plan, target: str, data: bytes, runner) -> list[Finding]:
    an = runner.plan_analyzer(plan, load=False)
    for path in plan.load:
        if path == target:
            an.load(path, data)
        elif os.path.isfile(path):
            an.load(path)
    findings = runner.lint_models([an.models[target]], an.index, plan.config_for, {target}, an, with_fixes=True)
    return runner.sort_findings(findings)


def read_stdin() -> bytes:
    return sys.stdin.buffer.read()


# ---------------------------------------------------------------- --show-files / --show-settings


def linted_files(plan) -> list[str]:
    return sorted(p for p in plan.load if p in plan.targets)


def show_files(plan, out: TextIO) -> None:
    for p in linted_files(plan):
        out.write(reporters.display_path(p) + "\n")


def settings_of(plan) -> list[dict]:
    from convex_lsp.analysis.registry import all_rules

    out = []
    for d in plan.workspace.functions_dirs:
        cfg = plan.configs.get(d.path, plan.default)
        rules = {}
        for r in all_rules():
            sev = cfg.effective_severity(r.code)
            if sev is not None:
                rules[r.code] = {"name": r.name, "severity": sev}
        sup = _suppressions(d.project_root, strict=False)
        out.append({
            "functions_dir": reporters.display_path(d.path),
            "project_root": reporters.display_path(d.project_root),
            "kind": d.kind,
            "config_file": reporters.display_path(cfg.source) if cfg.source else None,
            "exclude": list(cfg.exclude),
            "per_file_ignores": {g: sorted(codes) for g, codes in cfg.per_file_ignores},
            "gitignore": bool(getattr(cfg, "gitignore", True)),
            "rules": rules,
            "suppressions_file": reporters.display_path(bulk.file_for(d.project_root))
            if os.path.isfile(bulk.file_for(d.project_root)) else None,
            "suppressed": sup.total() if sup is not None else 0,
            "files": len([p for p in linted_files(plan) if plan.workspace.dir_for(p) is d]),
        })
    return out


def show_settings(plan, out: TextIO, fmt: str) -> None:
    data = settings_of(plan)
    if fmt == "json":
        json.dump(data, out, indent=2)
        out.write("\n")
        return
    for s in data:
        out.write(f"functions folder: {s['functions_dir']} ({s['kind']}; project root {s['project_root']})\n")
        out.write(f"  configuration: {s['config_file'] or '(none: defaults)'}\n")
        out.write(f"  exclude: {', '.join(s['exclude']) or '(none)'}; .gitignore honoured: {s['gitignore']}\n")
        for g, codes in s["per_file_ignores"].items():
            out.write(f"  per-file-ignores: {g} -> {', '.join(codes)}\n")
        out.write(f"  bulk suppressions: {s['suppressions_file'] or '(none)'}"
                  f"{' (' + str(s['suppressed']) + ' findings)' if s['suppressions_file'] else ''}\n")
        out.write(f"  files: {s['files']}\n")
        out.write(f"  rules ({len(s['rules'])} on):\n")
        for code, r in s["rules"].items():
            out.write(f"    {code} {r['name']}: {r['severity']}\n")


# ---------------------------------------------------------------- bulk suppressions


def _suppressions(root: str, strict: bool = True) -> Optional[bulk.Suppressions]:
    try:
        return bulk.Suppressions.load(root)
    except bulk.SuppressionsError:
        if strict:
            raise
        return None


def _roots(plan) -> dict[str, list[str]]:
    """project root -> the linted files under it."""
    out: dict[str, list[str]] = {}
    for p in linted_files(plan):
        d = plan.workspace.dir_for(p)
        if d is not None:
            out.setdefault(d.project_root, []).append(p)
    return out


def apply_bulk(args, plan, findings: list[Finding], warn) -> list[Finding]:
    """Record, prune or apply the bulk suppressions; returns the findings to report.
    Raises bulk.SuppressionsError on an unreadable file."""
    from convex_lsp.analysis.registry import resolve_selectors

    only: Optional[set[str]] = None
    if args.suppress_rule:
        from convex_lsp.analysis.registry import get_rule

        codes = resolve_selectors([s.strip() for v in args.suppress_rule for s in v.split(",") if s.strip()])
        only = {get_rule(c).name for c in codes}
    by_root = _roots(plan)
    per_root: dict[Optional[str], list[Finding]] = {}
    for f in findings:
        d = plan.workspace.dir_for(f.path)
        root = d.project_root if d is not None and d.project_root in by_root else None
        per_root.setdefault(root, []).append(f)
    remaining: list[Finding] = per_root.pop(None, [])
    suppressed = unused = 0
    for root, files in by_root.items():
        sup = bulk.Suppressions.load(root)
        mine = per_root.get(root, [])
        if args.suppress_all or only is not None:
            n = sup.record(mine, files, only)
            sup.save()
            warn(f"recorded {n} finding{'s' if n != 1 else ''} in {reporters.display_path(sup.path)}", note=True)
        elif args.prune_suppressions:
            n = sup.prune(mine, files)
            sup.save()
            warn(f"pruned {n} suppression{'s' if n != 1 else ''} from {reporters.display_path(sup.path)}", note=True)
        kept, s = sup.filter(mine)
        suppressed += s
        unused += sup.unused(mine, files)
        remaining.extend(kept)
    if suppressed:
        warn(f"{suppressed} finding{'s' if suppressed != 1 else ''} suppressed by {bulk.FILE_NAME}", note=True)
    if unused and not args.prune_suppressions:
        warn(f"{unused} suppression{'s' if unused != 1 else ''} in {bulk.FILE_NAME} no longer needed; "
             "`convex-lsp check --prune-suppressions` drops them")
    return sorted(remaining, key=lambda f: (f.path, f.start, f.end, f.code, f.message))
