"""Path patterns with gitignore semantics (`exclude`, `per-file-ignores`, `.gitignore` files, the
workspace walk), through `pathspec`, the library pip, black and others match them with.

- `**` matches any number of folders, none included: `convex/**/*.ts` matches `convex/x.ts`;
- a pattern with a `/` (other than a trailing one) is anchored to the folder of the file that
  holds it: `convex/migrations/*.ts` does not match `convex/migrations/old/x.ts`; one without
  matches at any depth (`*.gen.ts`, `legacy/`);
- a trailing `/` matches a folder and everything in it; `!` re-includes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Optional

from .fs import exists, read_regular, relative_inside


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


def folder_spec(folder: str):
    """The compiled `.gitignore` of `folder`, or None (no such file, only comments, unreadable, or
    pathspec missing). A regular file only: a FIFO named .gitignore must not block a walk."""
    try:
        text = read_regular(os.path.join(folder, ".gitignore"), 1_000_000).decode("utf-8", "replace")
    except OSError:
        return None
    lines = text.splitlines()
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    ps = _pathspec()
    return ps.GitIgnoreSpec.from_lines(lines) if ps is not None else None


def ignored_by(chain: list[tuple[str, object]], path: str, is_dir: bool) -> bool:
    """Is `path` ignored by the `.gitignore` files in `chain`, (folder, spec) pairs from the top
    down? The deepest file with a pattern matching `path` decides, as in git."""
    for base, spec in reversed(chain):
        rel = relative_inside(path, base)  # (by slicing when it can tell)
        rel = (rel if rel is not None else os.path.relpath(path, base)).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):  # a .gitignore applies below its folder only
            continue
        res = spec.check_file(rel + "/" if is_dir else rel)
        if res.include is not None:
            return bool(res.include)
    return False


def walk_files(root: str, skip_dirs, exts: tuple[str, ...], allowed: Callable[[str], bool],
               warnings: Optional[list] = None, allowed_real: Optional[Callable[[str], bool]] = None) -> Iterator[str]:
    """Files under `root` ending in one of `exts`, in a stable order: folders in `skip_dirs`, hidden
    folders, paths ignored by a `.gitignore` at or below `root` and symbolic links leaving the
    workspace (`allowed`; `allowed_real`: the same question of a real path, when it is cheaper) are
    not entered."""
    from .project import walk_real  # (project imports this module)

    allowed_real = allowed_real or allowed
    chains: dict[str, list[tuple[str, object]]] = {}
    seen_real: set[str] = set()
    # iterative, regular files only
    for dirpath, dirnames, filenames, links, real in walk_real(root, lambda name: True, warnings):
        if real in seen_real or not allowed_real(real):
            dirnames[:] = []
            continue
        seen_real.add(real)
        chain = chains.get(os.path.dirname(dirpath), [])
        if ".gitignore" in filenames:
            spec = folder_spec(dirpath)
            if spec is not None:
                chain = chain + [(dirpath, spec)]
        chains[dirpath] = chain
        keep = []
        for d in sorted(dirnames):
            if d in skip_dirs or d.startswith("."):
                continue
            if chain and ignored_by(chain, os.path.join(dirpath, d), True):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(exts):
                continue
            p = os.path.join(dirpath, name)
            if chain and ignored_by(chain, p, False):
                continue
            if name in links and not allowed(p):
                continue
            yield p


class GitIgnore:
    """The `.gitignore` files that apply to a path: those of its folder and of every folder above
    it, up to the repository root (the folder holding `.git`) or, outside a repository, the
    project root it is asked about. A deeper file's decision wins, as in git."""

    def __init__(self) -> None:
        self._specs: dict[str, object] = {}
        self._top: dict[str, Optional[str]] = {}  # folder -> the repository root above it (None: none)
        self._chains: dict[tuple[str, str], list] = {}

    def _spec(self, folder: str):
        if folder not in self._specs:
            self._specs[folder] = folder_spec(folder)
        return self._specs[folder]

    def _repo_root(self, folder: str, fallback: str) -> str:
        """The repository root above `folder` (or `fallback`, the project root). Every folder
        walked keeps the answer (projects side by side share the folders above them)."""
        walked: list[str] = []
        cur = folder
        while True:
            if cur in self._top:
                top = self._top[cur]
                break
            walked.append(cur)
            if exists(os.path.join(cur, ".git")):
                top = cur
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                top = None
                break
            cur = parent
        for f in walked:
            self._top[f] = top
        return top if top is not None else fallback

    def ignored(self, path: str, project_root: str) -> bool:
        top = self._repo_root(project_root, project_root)
        folder = os.path.dirname(path)
        if self._chains.get((folder, top)) == []:  # (a file of a folder asked before, no .gitignore above it)
            return False
        if relative_inside(path, top) is None and os.path.commonpath([top, path]) != top:  # (slicing first)
            return False
        chain = self._chain(folder, top)
        return bool(chain) and ignored_by(chain, path, False)

    def _chain(self, folder: str, top: str) -> list:
        """(folder, spec) of the `.gitignore` files from `top` down to `folder` (one per folder
        asked: the files of a folder share it)."""
        key = (folder, top)
        chain = self._chains.get(key)
        if chain is None:
            chain = []
            cur = folder
            while True:
                spec = self._spec(cur)
                if spec is not None:
                    chain.append((cur, spec))
                if cur == top:
                    break
                parent = os.path.dirname(cur)
                if parent == cur:
                    break
                cur = parent
            chain.reverse()
            self._chains[key] = chain
        return chain
