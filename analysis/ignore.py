"""Path patterns with gitignore semantics (`exclude`, `per-file-ignores`, `.gitignore` files),
through `pathspec`, the library pip, black and others match them with.

- `**` matches any number of folders, none included: `convex/**/*.ts` matches `convex/x.ts`;
- a pattern with a `/` (other than a trailing one) is anchored to the folder of the file that
  holds it: `convex/migrations/*.ts` does not match `convex/migrations/old/x.ts`; one without
  matches at any depth (`*.gen.ts`, `legacy/`);
- a trailing `/` matches a folder and everything in it; `!` re-includes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterable, Optional

from .fs import read_regular


@lru_cache(maxsize=1)
def _pathspec():
    """The `pathspec` module, imported when a pattern is first matched (start-up time: most runs have
    no pattern to match), or None when it is not installed."""
    try:
        import pathspec
    except ImportError:  # pragma: no cover - a development environment installed before the dependency
        import logging

        logging.getLogger(__name__).warning(
            "pathspec is not installed (a dependency of convex-lsp): exclude patterns are matched approximately "
            "and .gitignore files are not read; reinstall convex-lsp (pip install -e .)")
        return None
    return pathspec


@lru_cache(maxsize=512)
def compile_patterns(patterns: tuple[str, ...]):
    return _pathspec().GitIgnoreSpec.from_lines(patterns)


def matches(rel: str, patterns: Iterable[str]) -> bool:
    """Does the `/`-separated path `rel` (relative to the patterns' folder) match?"""
    if rel.startswith("../") or rel == "..":
        return False
    if _pathspec() is None:  # pragma: no cover - see _pathspec
        import fnmatch

        return any(fnmatch.fnmatch(rel, p.rstrip("/")) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*")
                   for p in patterns if not p.startswith("!"))
    return compile_patterns(tuple(patterns)).match_file(rel)


class GitIgnore:
    """The `.gitignore` files that apply to a path: those of its folder and of every folder above
    it, up to the repository root (the folder holding `.git`) or, outside a repository, the
    project root it is asked about. A deeper file's decision wins, as in git."""

    def __init__(self) -> None:
        self._specs: dict[str, object] = {}
        self._top: dict[str, str] = {}

    def _spec(self, folder: str):
        if folder not in self._specs:
            spec = None
            try:
                # a regular file only: a FIFO named .gitignore must not block the walk
                lines = read_regular(os.path.join(folder, ".gitignore"), 1_000_000) \
                    .decode("utf-8", "replace").splitlines()
                if any(line.strip() and not line.lstrip().startswith("#") for line in lines):
                    ps = _pathspec()  # (not installed: .gitignore files are not read)
                    spec = ps.GitIgnoreSpec.from_lines(lines) if ps is not None else None
            except OSError:
                pass
            self._specs[folder] = spec
        return self._specs[folder]

    def _repo_root(self, folder: str, fallback: str) -> str:
        """The repository root above `folder` (or `fallback`, the project root)."""
        if folder in self._top:
            return self._top[folder]
        cur = folder
        while True:
            if os.path.exists(os.path.join(cur, ".git")):
                top = cur
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                top = fallback
                break
            cur = parent
        self._top[folder] = top
        return top

    def ignored(self, path: str, project_root: str) -> bool:
        folder = os.path.dirname(path)
        top = self._repo_root(project_root, project_root)
        if os.path.commonpath([top, path]) != top:
            return False
        chain = []
        cur = folder
        while True:
            chain.append(cur)
            if cur == top:
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        for d in chain:  # deepest first: the first .gitignore with a matching pattern decides
            spec = self._spec(d)
            if spec is None:
                continue
            rel = os.path.relpath(path, d).replace(os.sep, "/")
            res = spec.check_file(rel)
            if res.include is not None:
                return bool(res.include)
            # a folder above the file ignored by this .gitignore (`build/`) ignores the file too
        return False
