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

import pathspec


@lru_cache(maxsize=512)
def compile_patterns(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matches(rel: str, patterns: Iterable[str]) -> bool:
    """Does the `/`-separated path `rel` (relative to the patterns' folder) match?"""
    if rel.startswith("../") or rel == "..":
        return False
    return compile_patterns(tuple(patterns)).match_file(rel)


class GitIgnore:
    """The `.gitignore` files that apply to a path: those of its folder and of every folder above
    it, up to the repository root (the folder holding `.git`) or, outside a repository, the
    project root it is asked about. A deeper file's decision wins, as in git."""

    def __init__(self) -> None:
        self._specs: dict[str, Optional[pathspec.GitIgnoreSpec]] = {}
        self._top: dict[str, str] = {}

    def _spec(self, folder: str) -> Optional[pathspec.GitIgnoreSpec]:
        if folder not in self._specs:
            spec = None
            try:
                with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
                if any(line.strip() and not line.lstrip().startswith("#") for line in lines):
                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
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
