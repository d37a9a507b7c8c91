"""Knowing when a partly built index answers like the whole one (`check`'s unit pipeline).

`convex-lsp check` lints a functions folder as soon as its files are indexed, while its trees
are still in memory, instead of indexing the whole workspace first and parsing most files again
to lint them (server/units.py). That is exact only when nothing the lint read depends on a file
not indexed yet. A `LoadGuard` installed on the `WorkspaceIndex` (`index.guard`) knows which files
of the run are still *pending* and is told of every read that could depend on one:

- a file's facts looked up (`index.facts.get/[]/in`: `GuardedFacts`) while that file is pending;
- every file's facts iterated (`index.facts.items()`, ...) while any file is pending, unless the
  unit is *closed* (below);
- a functions folder's files (`files_in`, `registry`) while one of its files is pending;
- references to a functions folder (`function_references`, `index_references`, ...) while a file
  that could make them is pending: a file of that folder, or any reference-only file (a file of
  another functions folder refers to its own folder or to components only, references.py `_add`);
  references to components (folder None) while any file is pending.

A *closed* unit (`reset(closed=True)`) holds every file connected to its files: whole functions
folders, every file a relative import of theirs may name and every file whose relative imports
may name one of theirs (server/units.py finds them from the bytes), and every reference-only file
is indexed before it. Iterating every file's facts is then allowed, under the contract rules
follow: what a rule concludes from such a scan about the file it lints depends only on files
connected to it (its functions folder's files, e.g. "is there an `auth.config.ts` here"; files
linked to it by imports, e.g. the helpers a query reaches through calls), and among those on
their order only. The scan then yields the unit's files and the reference-only files only, in the
plan's order (`GuardedFacts.scope`): a scan costs the unit's size, not the workspace's (a view
computed per index generation is computed again for every unit).

Any such read sets `tainted`; the runner then throws that unit's findings away and lints its
files again once everything is indexed (the two-pass order), so a read the guard sees can cost
time, never exactness. `len(index.facts)` is not guarded: it changes with every file indexed,
like `index.generation`, and serves as a cache key only (a rule must not draw conclusions from it).
"""

from __future__ import annotations

from typing import Iterable, Optional

_MISSING = object()


class LoadGuard:
    def __init__(self, pending: Iterable[tuple[str, Optional[str], bool]]):
        """`pending`: (path, functions folder or None, reference-only) of every file of the run
        not indexed yet."""
        self.pending: set[str] = set()
        self.pending_dirs: dict[Optional[str], int] = {}
        self.pending_refs_only = 0
        self._what: dict[str, tuple[Optional[str], bool]] = {}
        for path, fdir, refs_only in pending:
            if path in self.pending:
                continue
            self.pending.add(path)
            self._what[path] = (fdir, refs_only)
            self.pending_dirs[fdir] = self.pending_dirs.get(fdir, 0) + 1
            if refs_only:
                self.pending_refs_only += 1
        self.tainted = False
        self.closed = False
        self.reason: Optional[str] = None  # the first read that tainted (for tests and debugging)

    # ------------------------------------------------------------ bookkeeping
    def indexed(self, path: str) -> None:
        if path not in self.pending:
            return
        self.pending.discard(path)
        fdir, refs_only = self._what.pop(path)
        n = self.pending_dirs[fdir] - 1
        if n:
            self.pending_dirs[fdir] = n
        else:
            del self.pending_dirs[fdir]
        if refs_only:
            self.pending_refs_only -= 1

    def reset(self, closed: bool = False) -> None:
        """Before a unit's lint: nothing read yet; `closed`: see the module's doc."""
        self.tainted = False
        self.closed = closed
        self.reason = None

    def _taint(self, why: str) -> None:
        if not self.tainted:
            self.tainted = True
            self.reason = why

    # ------------------------------------------------------------ reads
    def file(self, path) -> None:
        if path in self.pending:
            self._taint(f"file {path}")

    def every_file(self) -> None:
        if self.pending and not self.closed:
            self._taint("every file")

    def folder(self, functions_dir: Optional[str]) -> None:
        if functions_dir in self.pending_dirs:
            self._taint(f"folder {functions_dir}")

    def references(self, functions_dir: Optional[str]) -> None:
        if functions_dir is None:
            if self.pending:  # components' references: any functions file may make them
                self._taint("references to components")
        elif self.pending_refs_only or functions_dir in self.pending_dirs:
            self._taint(f"references to {functions_dir}")


class GuardedFacts(dict):
    """`WorkspaceIndex.facts` while a guard is installed: reads of pending files go to the guard.
    `scope`: while a closed unit is linted, the paths a scan of every file yields (see above)."""

    __slots__ = ("guard", "_scope", "_view")

    def __init__(self, data, guard: LoadGuard):
        super().__init__(data)
        self.guard = guard
        self._scope: Optional[list[str]] = None
        self._view: Optional[dict] = None  # the scope's facts, made when first scanned

    @property
    def scope(self) -> Optional[list[str]]:
        return self._scope

    @scope.setter
    def scope(self, paths: Optional[list[str]]) -> None:
        self._scope = paths
        self._view = None

    def _scan(self) -> Optional[list[str]]:
        if self._scope is not None and self.guard.closed:
            return self._scope
        self.guard.every_file()
        return None

    def get(self, key, default=None):
        got = dict.get(self, key, _MISSING)
        if got is _MISSING:
            self.guard.file(key)
            return default
        return got

    def __contains__(self, key) -> bool:
        if dict.__contains__(self, key):
            return True
        self.guard.file(key)
        return False

    def __missing__(self, key):
        self.guard.file(key)
        raise KeyError(key)

    def __iter__(self):
        scope = self._scan()
        return dict.__iter__(self) if scope is None else iter(scope)

    def __setitem__(self, key, value) -> None:
        dict.__setitem__(self, key, value)
        self._view = None

    def __delitem__(self, key) -> None:
        dict.__delitem__(self, key)
        self._view = None

    def _scoped(self, scope: list[str]) -> dict:
        """The scope's facts (made once per scope, until a file's facts are set)."""
        view = self._view
        if view is None:
            get = dict.__getitem__
            view = self._view = {p: get(self, p) for p in scope}
        return view

    def keys(self):
        scope = self._scan()
        return dict.keys(self) if scope is None else self._scoped(scope).keys()

    def values(self):
        scope = self._scan()
        return dict.values(self) if scope is None else self._scoped(scope).values()

    def items(self):
        scope = self._scan()
        return dict.items(self) if scope is None else self._scoped(scope).items()
