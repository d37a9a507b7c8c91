"""Where a relative import specifier may point: shared by the index (`resolve_module`) and
`check`'s unit planning (server/units.py), which must agree to the letter. Standard library only
(a `check` answered from the cache imports nothing heavier)."""

from __future__ import annotations

import os
import posixpath


def module_candidates(folder: str, spec: str) -> tuple[str, ...]:
    """The files a relative import specifier may name, in TypeScript's order of preference."""
    base = posixpath.normpath(posixpath.join(folder.replace(os.sep, "/"), spec))
    stem = base
    for ext in (".js", ".mjs", ".cjs", ".jsx"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    cands = (base, stem + ".ts", stem + ".tsx", stem + ".mts", stem + ".js", stem + ".jsx", stem + ".mjs",
             stem + ".cjs", stem + "/index.ts", stem + "/index.tsx", stem + "/index.js")
    if os.sep != "/":
        cands = tuple(c.replace("/", os.sep) for c in cands)
    return cands
