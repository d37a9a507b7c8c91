"""The `convex-lsp` command: `check`, `rule`, `serve`, `--version` (README.md, "Usage").

Imports stay lazy: `convex-lsp --version` and `convex-lsp rule` never load tree-sitter,
`check` never loads pygls.

Exit codes: 0 no findings (or `--exit-zero`), 1 findings, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROG = "convex-lsp"


def _version() -> str:
    from convex_lsp.analysis import __version__

    return __version__


def _error(msg: str) -> int:
    sys.stderr.write(f"{PROG}: error: {msg}\n")
    return EXIT_ERROR


def _warn(msg: str) -> None:
    sys.stderr.write(f"{PROG}: warning: {msg}\n")


def _note_or_warn(quiet: bool):
    """A `warn(msg, note=False)` for the helpers: warnings and notes on stderr, none when quiet."""

    def warn(msg: str, note: bool = False) -> None:
        if not quiet:
            sys.stderr.write(f"{PROG}: {'note' if note else 'warning'}: {msg}\n")

    return warn


# ---------------------------------------------------------------- parser


class _BuildingFormatter(argparse.HelpFormatter):
    """The formatter argparse makes for every `add_argument` (to check the argument's metavar) while
    the parser is built: a fixed width instead of the terminal's, so that building does not import
    shutil (and bz2, lzma) and ask for the terminal size forty times. `build_parser` gives every
    parser argparse's own formatter once built: help, usage and errors print as before."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width)


def build_parser() -> argparse.ArgumentParser:
    quick = {"formatter_class": _BuildingFormatter}
    ap = argparse.ArgumentParser(prog=PROG, description="Linter and language server for Convex TypeScript backends.",
                                 **quick)
    ap.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    # `prog` given: argparse would build a help formatter to work it out (and import shutil for it)
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", prog=PROG)

    c = sub.add_parser("check", help="lint a project (default: the current directory)",
                       description="Lint Convex functions folders under the given paths.", **quick)
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    c.add_argument("--output-format", choices=_formats(), default="text",
                   help="text (default), concise (one line per finding), json, sarif, github (annotations), "
                        "gitlab (Code Quality), junit (XML)")
    c.add_argument("--select", action="append", metavar="RULES",
                   help="comma-separated rule names, codes or prefixes (CVX2); replaces the configured selection")
    c.add_argument("--ignore", action="append", metavar="RULES", help="rules to disable (comma-separated)")
    c.add_argument("--extend-select", action="append", metavar="RULES",
                   help="rules to enable on top of the selection (comma-separated)")
    c.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    c.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    c.add_argument("-q", "--quiet", action="store_true", help="print findings only (no summary, no warnings)")
    c.add_argument("--config", metavar="PATH", help="use this configuration file instead of searching for one")
    c.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    c.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    c.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: also apply unsafe fixes")
    c.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    c.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="worker processes (0: one per core, used for large projects only; 1: no workers)")
    c.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the cache of unchanged files' results (also CONVEX_LSP_NO_CACHE=1)")
    check_extras().add_arguments(c)

    r = sub.add_parser("rule", help="show a rule's documentation",
                       description="Show the documentation of a rule (by name or code), or of every rule.", **quick)
    r.add_argument("rule", nargs="?", metavar="NAME-OR-CODE")
    r.add_argument("--all", action="store_true", help="every rule")
    r.add_argument("--output-format", choices=("text", "json"), default="text")

    s = sub.add_parser("serve", help="run the language server (stdio)", **quick)
    s.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (for debugging)")
    s.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    for p in (ap, c, r, s):
        p.formatter_class = argparse.HelpFormatter
    return ap


# ---------------------------------------------------------------- check


def _formats() -> tuple[str, ...]:
    return ("text", "concise", "json", "sarif", "github", "gitlab", "junit")


def check_extras():
    from . import check_extras as mod

    return mod


def _fewer_collections() -> None:
    """A `check` run allocates millions of short-lived objects (nodes, texts, findings) and frees
    almost all of them by reference counting: run the cyclic collector's youngest generation when
    a million more container objects are alive than at its last run (the default: 700), and leave
    the modules imported so far out of its scans. The run makes little cyclic garbage (a few hundred
    objects on the like-for-like corpus), so collections would mostly scan live trees and facts: at
    50,000 they were 10 scans costing ~2% of the run's CPU; at 1,000,000 none run on that corpus and
    a few on 16 copies of it. Peak memory unchanged (40 MB at 1x)."""
    import gc

    gc.freeze()
    gc.set_threshold(1_000_000, 10, 10)


def cmd_check(args) -> int:
    from convex_lsp.analysis.config import ConfigError

    from . import reporters, runner

    _fewer_collections()

    try:
        overrides = runner.Overrides(
            select=runner.split_selectors(args.select, "--select") if args.select else None,
            ignore=runner.split_selectors(args.ignore, "--ignore"),
            extend_select=runner.split_selectors(args.extend_select, "--extend-select"),
        )

        bad = check_extras().usage_error(args)
        if bad:
            return _error(bad)

        def make_plan():
            if args.stdin_filename is not None:
                return check_extras().prepare_stdin(args, overrides, runner)
            return runner.prepare(args.paths, overrides, args.config)

        plan = make_plan()
    except ConfigError as e:
        return _error(f"invalid configuration: {e}")
    except runner.UsageError as e:
        return _error(str(e))

    if not plan.workspace.functions_dirs:
        for w in plan.warnings:  # why (a convex.json pointing outside the workspace, say)
            _warn(w)
        where = ", ".join(args.paths or ["."])
        return _error(f"no Convex project found under {where}: no convex.json \"functions\" folder, no convex/ "
                      "folder beside a package.json, no `functions-dir` in convex-lsp.toml; nothing was linted")
    if not args.quiet:
        for w in plan.warnings:
            _warn(w)
    for p in args.paths or ():
        if p in plan.given_files or os.path.isfile(p):  # (a regular file as `prepare` found it)
            why = runner.skip_reason(plan, p)
            if why is not None:
                sys.stderr.write(f"{PROG}: {p}: skipped: {why}\n")

    fmt = args.output_format
    out = sys.stdout
    if args.show_files or args.show_settings:
        ex = check_extras()
        (ex.show_files(plan, out) if args.show_files else ex.show_settings(plan, out, fmt))
        return EXIT_OK
    colour = fmt == "text" and reporters.use_colour(out)
    fixed = 0
    want_fixes = args.fix or args.diff
    if want_fixes and runner.quickfixes_module() is None:
        _warn("quick fixes are not available in this installation; nothing is changed")
        if args.diff:
            return EXIT_OK
        want_fixes = False

    if args.stdin_filename is not None:
        ex = check_extras()
        stdin_data = ex.read_stdin()
        findings = ex.lint_stdin(plan, ex.stdin_target(args), stdin_data, runner)
    elif want_fixes:
        try:
            report, findings = runner.fix_loop(plan, unsafe=args.unsafe_fixes)
        except Exception as e:  # a bug in a fix must not end in a traceback
            return _error(f"applying fixes failed ({type(e).__name__}: {e}); no file was changed")
        if not args.quiet:
            for msg in report.failures:
                _warn(msg)
        fixed = getattr(report, "resolved", report.total)
        if args.diff:
            out.write(report.diff(reporters.display_path))
            out.flush()
            changed = report.changed()
            if not args.quiet:
                n = len(changed)
                sys.stderr.write(f"Would fix {fixed} problem{'s' if fixed != 1 else ''} in "
                                 f"{n} file{'s' if n != 1 else ''}.\n" if changed else "No fixes to apply.\n")
            return EXIT_OK if args.exit_zero or not changed else EXIT_FINDINGS
        written = report.write(confine=plan.workspace.roots,
                               link_confine=[d.path for d in plan.workspace.functions_dirs])
        for msg in written.skipped:
            _warn(msg)
        if written.error:
            return _error(written.error)
    else:
        from convex_lsp.analysis import deferred

        progress = None
        if (fmt == "text" and not args.quiet and not args.no_progress and not args.statistics
                and _isatty(sys.stderr) and plan.load):
            progress = reporters.Progress(len(plan.load))
        try:
            with deferred.enabled():  # every file is read from disk: summaries few files read wait until read
                findings = runner.run(plan, jobs=args.jobs, with_fixes=True, progress=progress,
                                      cache=not args.no_cache)
        finally:
            if progress is not None:
                progress.close()

    try:
        findings = check_extras().apply_bulk(args, plan, findings, _note_or_warn(args.quiet))
    except check_extras().bulk.SuppressionsError as e:
        return _error(str(e))

    sources = reporters.Sources()
    if args.stdin_filename is not None:
        sources = reporters.Sources({check_extras().stdin_target(args): stdin_data})
    if args.statistics:
        reporters.report_statistics(findings, out, fmt, colour)
    else:
        reporters.report(fmt, findings, out, sources, colour=colour, quiet=args.quiet, fixed=fixed,
                         files=check_extras().linted_files(plan), version=_version())
    out.flush()
    if args.exit_zero or not findings:
        return EXIT_OK
    return EXIT_FINDINGS


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------- rule


def cmd_rule(args) -> int:
    from convex_lsp.analysis.registry import all_rules, get_rule

    if args.all:
        rules = all_rules()
    elif args.rule:
        r = get_rule(args.rule)
        if r is None:
            return _error(f"unknown rule {args.rule!r}; `convex-lsp rule --all` lists the rules")
        rules = [r]
    else:
        return _error("rule: give a rule name or code, or --all")
    if args.output_format == "json":
        import json

        json.dump([{
            "code": r.code, "name": r.name, "severity": r.severity, "spec": r.spec, "summary": r.summary,
            "why": r.why, "bad": r.bad, "good": r.good, "fix": r.fix, "fix_doc": r.fix_doc,
            "tags": list(r.tags), "url": r.url, "documentation": r.doc_markdown(),
        } for r in rules], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    sys.stdout.write("\n---\n\n".join(r.doc_markdown().rstrip("\n") + "\n" for r in rules))
    return EXIT_OK


# ---------------------------------------------------------------- serve


def cmd_serve(args) -> int:
    tcp: Optional[tuple[str, int]] = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            return _error(f"--tcp: expected HOST:PORT, got {args.tcp!r}")
        tcp = (host or "127.0.0.1", int(port))
    try:
        from . import lsp  # the language server (pygls), loaded only here
    except ImportError as e:
        if getattr(e, "name", None) in ("convex_lsp.server.lsp", None) or "convex_lsp.server.lsp" in str(e):
            return _error("the language server is not available in this installation (convex_lsp.server.lsp is missing)")
        return _error(f"the language server cannot start: {e}")
    entry = getattr(lsp, "main", None) or getattr(lsp, "start", None) or getattr(lsp, "serve", None)
    if entry is None:
        return _error("the language server module has no main()/start() entry point")
    import inspect

    try:
        params = inspect.signature(entry).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs = {}
    if tcp is not None:
        if "tcp" in params:
            kwargs["tcp"] = f"{tcp[0]}:{tcp[1]}" if _wants_str(params["tcp"]) else tcp
        elif "host" in params and "port" in params:
            kwargs.update(host=tcp[0], port=tcp[1])
        else:
            return _error("this language server does not support --tcp")
    rc = entry(**kwargs)
    return rc if isinstance(rc, int) else EXIT_OK


def _wants_str(param) -> bool:
    ann = param.annotation
    return ann is str or (isinstance(ann, str) and ann.replace("Optional[", "").startswith("str"))


# ---------------------------------------------------------------- main


def main(argv: Optional[list[str]] = None) -> int:
    """The command; `argv` None: the process's own command line (the `convex-lsp` program, `python -m
    convex_lsp`), whose `check` ends the process itself once its output is written (`_leave`)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        if args.command == "check":
            code = cmd_check(args)
            if argv is None:
                _leave(code)
            return code
        if args.command == "rule":
            return cmd_rule(args)
        if args.command == "serve":
            return cmd_serve(args)
        ap.print_help(sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK


def _leave(code: int) -> None:
    """End the process with `code` now, without the interpreter's teardown: freeing the index, the
    facts and every module's objects one by one costs ~1% of a cold `check`'s instructions (more of
    its CPU: the frees touch memory all over) and changes nothing the run leaves behind. What a
    normal exit does that matters is done first: the output flushed, the `atexit` handlers run (none
    in a plain run; coverage's, say). Returns (the normal exit follows) when the output cannot be
    flushed (a closed pipe: the caller's handling applies) or a non-daemon thread is still running."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    if "threading" in sys.modules:
        import threading

        main_thread = threading.main_thread()
        if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
            return
    import atexit

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:
        return
    run_exit_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
