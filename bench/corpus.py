#!/usr/bin/env python3
"""Download the pinned real-world Convex corpus (npm tarballs of @convex-dev components).

The tarballs ship their Convex functions folders (`src/component/` with a `schema.ts` and a
`convex.config.ts` calling `defineComponent`). They are unpacked into a cache outside the
repository (default `~/.cache/convex-lsp/corpus`, or $CONVEX_LSP_CORPUS). Nothing from the
corpus is executed; npm is used only to fetch the tarballs (`npm pack`, scripts not run).

    python bench/corpus.py            # fetch everything, print the corpus folder
    python bench/corpus.py --small    # only the small pinned piece CI uses
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

PINNED = [
    ("@convex-dev/workpool", "0.4.12"),
    ("@convex-dev/aggregate", "0.3.1"),
    ("@convex-dev/rate-limiter", "0.4.0"),
    ("@convex-dev/agent", "0.6.4"),
    ("@convex-dev/workflow", "0.4.8"),
    ("@convex-dev/migrations", "0.3.6"),
    ("@convex-dev/presence", "0.4.0"),
    ("@convex-dev/rag", "0.7.6"),
    ("@convex-dev/resend", "0.2.8"),
    ("@convex-dev/sharded-counter", "0.2.1"),
    ("@convex-dev/action-retrier", "0.3.1"),
    ("@convex-dev/crons", "0.2.2"),
    ("@convex-dev/auth", "0.0.95"),
    ("@convex-dev/polar", "0.9.2"),
    ("@convex-dev/geospatial", "0.2.1"),
    ("@convex-dev/persistent-text-streaming", "0.3.3"),
    ("@convex-dev/twilio", "0.2.2"),
    ("@convex-dev/expo-push-notifications", "0.3.1"),
    ("@convex-dev/better-auth", "0.12.5"),
    ("@convex-dev/prosemirror-sync", "0.2.6"),
    ("@convex-dev/r2", "0.10.2"),
    ("@convex-dev/action-cache", "0.3.1"),
    ("@convex-dev/stripe", "0.1.6"),
    ("@convex-dev/launchdarkly", "0.4.0"),
]
SMALL = {"@convex-dev/sharded-counter", "@convex-dev/action-retrier", "@convex-dev/crons",
         "@convex-dev/rate-limiter"}


def cache_dir() -> str:
    return os.environ.get("CONVEX_LSP_CORPUS") or os.path.join(
        os.path.expanduser("~"), ".cache", "convex-lsp", "corpus")


def _safe_extract(tar: tarfile.TarFile, dest: str) -> None:
    real_dest = os.path.realpath(dest)
    for member in tar.getmembers():
        target = os.path.realpath(os.path.join(dest, member.name))
        if not target.startswith(real_dest + os.sep) or member.issym() or member.islnk():
            continue
        if member.isdir() or member.isfile():
            tar.extract(member, dest)


def fetch(small: bool = False, quiet: bool = False) -> str:
    root = cache_dir()
    os.makedirs(root, exist_ok=True)
    for name, version in PINNED:
        if small and name not in SMALL:
            continue
        folder = os.path.join(root, f"{name.split('/')[-1]}-{version}")
        if os.path.isdir(os.path.join(folder, "package")):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            cmd = ["npm", "pack", f"{name}@{version}", "--silent", "--ignore-scripts", "--pack-destination", tmp]
            res = subprocess.run(cmd, capture_output=True, text=True)
            tgz = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
            if res.returncode != 0 or not tgz:
                print(f"corpus: could not fetch {name}@{version}: {res.stderr.strip()[:300]}", file=sys.stderr)
                continue
            os.makedirs(folder + ".part", exist_ok=True)
            with tarfile.open(os.path.join(tmp, tgz[0])) as tar:
                _safe_extract(tar, folder + ".part")
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(folder + ".part", folder)
        if not quiet:
            print(f"corpus: {name}@{version}", file=sys.stderr)
    return root


def corpus_files(root: str) -> list[str]:
    """The TypeScript files convex-lsp lints in the corpus (the component folders)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", "_generated", "dist"))
        for f in sorted(filenames):
            if f.endswith((".ts", ".tsx")) and not f.endswith(".d.ts") and "/component" in dirpath \
                    and ".test." not in f:
                out.append(os.path.join(dirpath, f))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="only the small piece used in CI")
    args = ap.parse_args()
    print(fetch(small=args.small))
