"""A small `.gitignore` reader and the workspace walk that honours it.

Enough of gitignore(5) for source trees: blank lines and `#` comments, `!` negation, a trailing
`/` for folders only, a leading or inner `/` anchoring the pattern to its file's folder, `*`, `?`,
`[...]` and `**`. Nested `.gitignore` files apply below their folder; the last matching pattern
wins. (No `core.excludesFile`, no `.git/info/exclude`: what a project commits is what counts.)
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator, Optional

from .fs import read_regular, walk
from .project import real_path

Rule = tuple[str, "re.Pattern[str]", bool, bool]  # (base folder, pattern, negated, folders only)


def _translate(pat: str) -> str:
    out = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                # `**/` any folders (also none), `/**` everything below, `**` anything
                if pat.startswith("**/", i):
                    out.append("(?:.*/)?")
                    i += 3
                    continue
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse(base: str, text: str) -> list[Rule]:
    rules: list[Rule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        line = line.rstrip()
        neg = line.startswith("!")
        if neg:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        rx = ("^" if anchored else "^(?:.*/)?") + body + "(?:/.*)?$"
        try:
            rules.append((base, re.compile(rx), neg, dir_only))
        except re.error:
            continue
    return rules


def ignored(rules: list[Rule], path: str, is_dir: bool) -> bool:
    verdict = False
    for base, rx, neg, dir_only in rules:
        if dir_only and not is_dir:
            continue
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if rel.startswith(".."):
            continue
        if rx.match(rel):
            verdict = not neg
    return verdict


def _read(path: str) -> Optional[str]:
    try:
        return read_regular(path, 200_000)[:200_000].decode("utf-8", errors="replace")  # never a FIFO
    except OSError:
        return None


def walk_files(root: str, skip_dirs, exts: tuple[str, ...], allowed: Callable[[str], bool],
               warnings: Optional[list] = None) -> Iterator[str]:
    """Files under `root` ending in one of `exts`, in a stable order: folders in `skip_dirs`, hidden
    folders, git-ignored paths and symbolic links leaving the workspace (`allowed`) are not entered."""
    rules_at: dict[str, list[Rule]] = {}
    seen_real: set[str] = set()
    for dirpath, dirnames, filenames in walk(root, warnings=warnings):  # iterative, regular files only
        real = real_path(dirpath)
        if real in seen_real or not allowed(real):
            dirnames[:] = []
            continue
        seen_real.add(real)
        parent = rules_at.get(os.path.dirname(dirpath), [])
        rules = parent
        if ".gitignore" in filenames:
            text = _read(os.path.join(dirpath, ".gitignore"))
            if text:
                rules = parent + parse(dirpath, text)
        rules_at[dirpath] = rules
        keep = []
        for d in sorted(dirnames):
            if d in skip_dirs or d.startswith("."):
                continue
            if rules and ignored(rules, os.path.join(dirpath, d), True):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(exts):
                continue
            p = os.path.join(dirpath, name)
            if rules and ignored(rules, p, False):
                continue
            if os.path.islink(p) and not allowed(p):
                continue
            yield p
