#!/usr/bin/env python3
"""Regenerate docs/rules/*.md and the README rule table from the rule registry.

    python docs/gen_docs.py          # write the files
    python docs/gen_docs.py --check  # exit 1 and list the stale files, change nothing
"""

from __future__ import annotations

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="report stale files instead of writing them")
    args = ap.parse_args(argv)
    from convex_lsp.server.docgen import stale_files, write_docs

    if args.check:
        stale = stale_files(REPO)
        for p in stale:
            print(f"stale: {os.path.relpath(p, REPO)}", file=sys.stderr)
        if stale:
            print("run `python docs/gen_docs.py` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    for p in write_docs(REPO):
        print(f"wrote {os.path.relpath(p, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
