"""`lazy_re.compile`: a regular expression compiled when it is first used, not when its module is
imported.

Compiling costs 0.05-0.5 ms a pattern; a module-level pattern for a rare case (a lock file's
format, the shapes of secrets, suppression comments, the cache's encoding) is never used in most
runs, yet every run paid for it at start-up. The first use of any attribute compiles the pattern
and copies its methods onto the object: from then on `PAT.search(...)` costs what it costs on a
compiled pattern. Give it to methods only (`PAT.search(s)`), not to `re.sub(PAT, ...)` or
`isinstance(PAT, re.Pattern)`.
"""

from __future__ import annotations

import re

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner",
            "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    def __init__(self, pattern, flags: int = 0):
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        d = self.__dict__
        for m in _METHODS:  # (two threads doing this at once store the same values)
            d[m] = getattr(compiled, m)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_re.compile({self._source[0]!r}, {self._source[1]!r})"


def compile(pattern, flags: int = 0) -> LazyPattern:  # noqa: A001 (re.compile's name: a drop-in)
    return LazyPattern(pattern, flags)
