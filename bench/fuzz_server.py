#!/usr/bin/env python3
"""Long run of the live-server edit fuzzer (tests/fuzz_server.py).

    python3 bench/fuzz_server.py [--edits 10000] [--seed 1] [--encoding utf-16|utf-8]
                                 [--corpus ~/.cache/convex-lsp/corpus] [--workdir DIR] [--json]
                                 [--no-hostile]

Copies examples/app and every package of the corpus (fetched by `python3 bench/corpus.py`;
the run goes on with whatever is there, examples/app alone when there is no corpus) into one
workspace, starts one server on stdio and fuzzes `--edits` random edits over its Convex
files, a few open documents at a time (undoing everything and comparing diagnostics after
each batch). Reports edits/s, requests, JSON-RPC error answers, crashes, the slowest request,
and the server's RSS at start and end (VmRSS of /proc/<pid>/status) and its peak (VmHWM).
Then runs the adversarial scenarios of bench/hostile.py (named pipes, device nodes, a 1,000-level
folder chain, non-UTF-8 names, `export *` cycles, a huge adversarial literal, a stray ancestor
package.json, `check --fix` through symlinks and under Ctrl-C, the server's lifecycle and
worker processes after SIGKILL), reported one line each.
Exits 1 when the server died, stopped answering, or held a different text than the client, or
when a hostile scenario failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tests import fuzz_server as F  # noqa: E402


def default_corpus() -> str:
    return os.environ.get("CONVEX_LSP_CORPUS") or os.path.join(os.path.expanduser("~"), ".cache", "convex-lsp",
                                                                "corpus")


def build_workspace(work: str, corpus: str) -> str:
    root = os.path.join(work, "ws")
    os.makedirs(root, exist_ok=True)
    F.copy_tree(os.path.join(os.path.dirname(HERE), "examples", "app"), os.path.join(root, "app"))
    if os.path.isdir(corpus):
        for name in sorted(os.listdir(corpus)):
            pkg = os.path.join(corpus, name, "package")
            if os.path.isdir(pkg):
                F.copy_tree(pkg, os.path.join(root, "corpus", name))
    return root


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--encoding", default="utf-16", choices=["utf-16", "utf-8"])
    ap.add_argument("--corpus", default=default_corpus())
    ap.add_argument("--workdir")
    ap.add_argument("--per-session", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one request may take before it counts as unanswered")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--no-hostile", action="store_true", help="skip the adversarial scenarios (bench/hostile.py)")
    args = ap.parse_args(argv)

    work = args.workdir or tempfile.mkdtemp(prefix="convex-lsp-fuzz-")
    try:
        root = build_workspace(work, args.corpus)
        files = F.source_files(root)
        print(f"workspace {root}: {len(files)} Convex source files", file=sys.stderr)
        F.REQUEST_TIMEOUT = args.timeout
        t0 = time.perf_counter()
        failure = None
        try:
            st = F.run(root, files, args.edits, args.seed, enc=args.encoding, per_session=args.per_session,
                       log=lambda s: print(s, file=sys.stderr, flush=True))
        except AssertionError as e:  # ServerDied, NoAnswer, a text or diagnostics mismatch
            failure = str(e)
            st = None
        took = time.perf_counter() - t0
        if st is None:
            print(f"FAILED after {took:.0f}s: {failure}", file=sys.stderr)
            return 1
        hostile = []
        if not args.no_hostile:
            from bench import hostile as H

            hdir = os.path.join(work, "hostile")
            os.makedirs(hdir, exist_ok=True)
            hostile = H.run_all(hdir, log=lambda s: print(s, file=sys.stderr, flush=True))
        by = {m: {"count": n, "mean_ms": round(1000 * tot / n, 2), "max_ms": round(1000 * mx, 1)}
              for m, (n, tot, mx) in sorted(st.by_method.items())}
        out = {
            "files": len(files), "seed": args.seed, "encoding": args.encoding,
            "edits": st.edits, "content_changes": st.changes, "requests": st.requests,
            "error_answers": st.errors, "crashes": st.crashes, "handler_errors": st.handler_errors,
            "undo_checks": st.undo_checks, "seconds": round(took, 1), "edits_per_s": round(st.edits / took, 1),
            "slowest_request": {"ms": round(1000 * st.slowest[0], 1), "what": st.slowest[1]},
            "rss_start_kb": st.rss_start_kb, "rss_end_kb": st.rss_end_kb, "rss_peak_kb": st.rss_peak_kb,
            "by_method": by, "hostile": hostile,
        }
        if args.json:
            print(json.dumps(out, indent=1))
        else:
            print(f"files            {out['files']}")
            print(f"edits            {out['edits']} ({out['content_changes']} content changes) in {out['seconds']}s: "
                  f"{out['edits_per_s']} edits/s")
            print(f"requests         {out['requests']} ({out['error_answers']} answered with a JSON-RPC error)")
            print(f"crashes          {out['crashes']}   handler errors {out['handler_errors']}   "
                  f"undo checks {out['undo_checks']}")
            print(f"slowest request  {out['slowest_request']['ms']} ms  {out['slowest_request']['what']}")
            print(f"server RSS       start {out['rss_start_kb']} kB, end {out['rss_end_kb']} kB, "
                  f"peak {out['rss_peak_kb']} kB")
            for m, d in by.items():
                print(f"  {m:32} {d['count']:6}  mean {d['mean_ms']:7.2f} ms  max {d['max_ms']:8.1f} ms")
            for r in hostile:
                print(f"hostile  {'ok    ' if r['ok'] else 'FAILED'} {r['seconds']:7.2f}s  {r['scenario']}  {r['note']}")
        return 0 if all(r["ok"] for r in hostile) else 1
    finally:
        if not args.workdir:
            subprocess.run(["rm", "-rf", "--", work], check=False)  # shutil.rmtree recurses


if __name__ == "__main__":
    sys.exit(main())
