"""`check` one unit at a time: each file parsed once, its tree let go as soon as it is linted.

Linting needs the whole workspace index (a file's findings read other files' facts: imports
followed anywhere, the schema, the registry of its functions folder, references from client code
and tests), so the plain order is: every file's facts first, then the lint, with the trees kept in
between. Kept trees cost ~20x their source in memory, so past `KEEP_TREES_BYTES` they were let go
and parsed again for the lint: at 16x the corpus, 93% of the files were parsed twice.

Here the files are taken in units instead:

1. the reference-only files (client code, tests, scripts: never linted, their references only);
2. then one functions folder at a time (with its `_generated/` files): parsed with their trees
   kept (up to `KEEP_TREES_BYTES` per unit), plus every other functions folder one of its files
   imports from (relative imports, followed through the facts until nothing new is pulled in);
   the unit's facts are indexed and its files linted at once, then their trees are let go.

A unit is linted against an index that does not hold the later units yet. A `LoadGuard`
(analysis/load_guard.py) installed on the index sees every read that could depend on a file not
indexed yet; when the lint of a unit made one, its findings are thrown away and its files are
linted in the end, with the whole index (parsed again: the plain order). Findings are therefore
the same as the plain order's, whatever the units: the guard decides what is exact, the units
only decide how often it has to say no. The last unit is linted with the index in the plan's
order (`WorkspaceIndex.reorder`), as is everything linted at the end.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from convex_lsp.analysis.registry import Finding

from .linting import _CacheState, lint_file_cached, lint_models


# the rest of a quoted relative specifier from its first `./` to the closing quote: `./x"`, and `./x"`
# of `../x"` (one match per specifier: `../../x"` is matched from its first `./`). A pattern that
# starts with a literal `./` is searched fast; one starting at the frequent `.` is not.
_REL_SPEC = re.compile(rb"""\./[^"'`\r\n]*["'`]""")
_QUOTES = (b'"', b"'", b"`")
_BARE = tuple(q + d + q for d in (b".", b"..") for q in _QUOTES)  # `"."`, `".."`
_DOT_QUOTE = re.compile(rb"""\.["'`]""")  # (none of _BARE without one of these)


def _relative_specifiers(data: bytes, holds: bool = False, inside: bool = False) -> set[str]:
    """Every quoted string that may be a relative module specifier (in code, comments or strings
    alike: more is safe) naming a file of another functions folder than the file's own (F):
    `../x`; `./x` only when a functions folder lies under the file's own folder `<dir>` (`holds`);
    `"."`, `".."` only when F lies inside another one and `<dir>` is F or a folder of F's top level
    (`inside`: they name `<dir>/index.ts`, `<dir>.ts`, `<dir>/../index.ts`, `<dir>/..ts`)."""
    out: set[str] = set()
    # (without `../` in the file and `holds`, every match is a `./x` of the file's own folder)
    for m in _REL_SPEC.finditer(data) if holds or b"../" in data else ():
        i = m.start()
        if i > 0 and data[i - 1:i] == b".":
            i -= 1  # `../`
        elif not holds and b"../" not in m.group():
            continue  # `./x` stays in the file's folder
        if i > 0 and data[i - 1:i] not in _QUOTES:  # `"a/../../x"`: from its opening quote
            j = max(data.rfind(q, max(0, i - 512), i) for q in _QUOTES)
            if j < 0 or b"\n" in data[j:i]:
                continue
            i = j + 1
        if i > 0:
            out.add(data[i:m.end() - 1].decode("utf-8", "replace"))
    if inside and _DOT_QUOTE.search(data):
        for b in _BARE:
            if b in data:
                out.add(b[1:-1].decode())
    return out


def _nested(names: list[str]) -> tuple[set[str], set[str]]:
    """(every folder above one of `names`, the folders of `names` that lie inside another one)."""
    known = set(names)
    above: set[str] = set()
    inside: set[str] = set()
    for g in names:
        cur = os.path.dirname(g)
        while True:
            above.add(cur)
            if cur in known:
                inside.add(g)
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
    return above, inside


def classify(plan) -> list[tuple[str, Optional[str], bool]]:
    """(path, functions folder or None, reference-only) of every file of the plan, in its order."""
    ws = plan.workspace
    refs_only = plan.refs_only
    out: list[tuple[str, Optional[str], bool]] = []
    for path in plan.load:
        if path in refs_only:
            out.append((path, None, True))
        else:
            d = ws.dir_for(path)
            out.append((path, d.path if d is not None else None, False))
    return out


def plan_units(plan, keep_bytes: int = 0, join: bool = True,
               classified: Optional[list] = None) -> tuple[list[str], list[list[str]], dict[str, bytes]]:
    """(reference-only files, units). A unit is a set of functions folders (each with its
    `_generated/` files) closed under relative imports either way, found by a scan of the files'
    bytes for relative specifiers (a string that only looks like one joins two folders for
    nothing, which is safe); its files in the plan's order, the units in the order of their first
    file. And the bytes read, of files up to `keep_bytes` in all (not to read them twice).
    `join=False` (tests): one unit per functions folder, imports ignored (units not closed).
    (`classified`: `classify(plan)`, when the caller has it.)"""
    from convex_lsp.analysis.module_paths import module_candidates
    from convex_lsp.analysis.project import relpath_within
    from convex_lsp.analysis.source import UnreadableFile, read_source_bytes

    refs_only: list[str] = []
    folders: dict[Optional[str], int] = {}
    folder_of: dict[str, int] = {}
    dir_path: dict[str, Optional[str]] = {}
    for path, fdir, is_ref in classified if classified is not None else classify(plan):
        if is_ref:
            refs_only.append(path)
            continue
        dir_path[path] = fdir
        folder_of[path] = folders.setdefault(fdir, len(folders))
    parent = list(range(len(folders)))
    read: dict[str, bytes] = {}
    room = keep_bytes

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(folders) > 1 and join:
        above, inside = _nested([f for f in folders if f is not None])
        named_by: dict[tuple[str, str], list[int]] = {}  # (folder, specifier) -> the folders of its candidates
        for path, u in folder_of.items():
            fdir = dir_path[path]
            if fdir is None:
                continue
            rel = relpath_within(path, fdir)
            if rel == "_generated" or rel.startswith("_generated" + os.sep):
                continue
            try:
                data = read_source_bytes(path)
            except UnreadableFile:
                continue
            if len(data) <= room:
                room -= len(data)
                read[path] = data
            folder = os.path.dirname(path)
            top = fdir in inside and (folder == fdir or os.path.dirname(folder) == fdir)
            for spec in _relative_specifiers(data, folder in above, top):
                key = (folder, spec)  # (the files of a folder import the same few modules)
                named = named_by.get(key)
                if named is None:
                    named = named_by[key] = [v for v in map(folder_of.get, module_candidates(folder, spec))
                                             if v is not None]
                for v in named:
                    if v != u:
                        a, b = find(u), find(v)
                        if a != b:
                            parent[max(a, b)] = min(a, b)
    units: dict[int, list[str]] = {}
    for path, u in folder_of.items():  # (the plan's order)
        units.setdefault(find(u), []).append(path)
    return refs_only, list(units.values()), read


class UnitRunner:
    """One process's share of the unit pipeline: the load guard on the index, the reference-only
    files, then `lint_unit` for each unit it is given (in any order, in any process: a unit needs
    only the reference-only files and its own files indexed). `done`: the findings of the files
    linted so; every other target is left for a lint with the whole index."""

    def __init__(self, plan, state: _CacheState, with_fixes: bool, budget: int, progress=None, join: bool = True):
        from convex_lsp.analysis.load_guard import LoadGuard

        self.plan = plan
        self.state = state
        self.with_fixes = with_fixes
        self.budget = budget
        self.progress = progress
        self.join = join
        self._classified = classify(plan)
        self.refs_only = [path for path, _, is_ref in self._classified if is_ref]
        self._units: Optional[list[list[str]]] = None  # (planned when first asked: `units`)
        self.read: dict[str, bytes] = {}
        self.guard = LoadGuard(self._classified)
        self._guarded = None  # the index the guard is installed on (made when first needed: a run
        # answered from the cache never makes one)
        self.done: dict[str, list[Finding]] = {}
        self.unindexed: list[str] = []  # loaded, not indexed yet: indexed when a unit is linted
        self.loaded = 0
        self._position: Optional[dict[str, int]] = None

    @property
    def units(self) -> list[list[str]]:
        """The units (`plan_units`), worked out when first asked: none when every functions file's
        facts come from the persistent cache (no unit would have a tree to lint: a warm run)."""
        if self._units is None:
            if self.state.cache is not None and self._all_cached():
                self._units = []
            else:
                _, self._units, self.read = plan_units(self.plan, self.budget, self.join, self._classified)
        return self._units

    def _all_cached(self) -> bool:
        """Are the facts of every file a unit would load in the cache? (Those found are taken from it
        now; the first file that is not ends the look.)"""
        probe = self.state.probe
        return all(probe(path) for path, _, is_ref in self._classified if not is_ref)

    @property
    def an(self):
        return self.state.an

    @property
    def index(self):
        """The run's index, with the guard installed (before anything is indexed: it counts them)."""
        index = self.state.an.index
        if self._guarded is None:
            index.install_guard(self.guard)
            self._guarded = index
        return index

    def _load(self, path: str, room: int) -> int:
        """Load `path`; keep its tree if it is a target and its source fits in `room` bytes.
        Returns the bytes kept (0: let go)."""
        model = self.state.load(path, self.read.pop(path, None))
        self.unindexed.append(path)
        self.loaded += 1
        if self.progress is not None:
            self.progress.advance(0.5)
        if model is None:
            return 0
        n = len(model.src.data)
        if path in self.plan.targets and n <= room:
            return max(n, 1)
        self.an.models.release(path)
        return 0

    def index_loaded(self) -> None:
        if self.unindexed and self._guarded is None:
            self.index.refresh()  # (installs the guard)
        self.state.index_paths(self.unindexed)
        self.unindexed.clear()

    def load_references(self) -> None:
        for path in self.refs_only:  # never linted: their trees go at once
            self._load(path, -1)

    def lint_unit(self, unit: list[str]) -> None:
        kept: list[str] = []
        size = 0
        for path in unit:
            n = self._load(path, self.budget - size)
            if n:
                size += n
                kept.append(path)
        if not kept:
            return  # nothing to lint now (cached, or not reported on)
        index, guard, models = self.index, self.guard, self.an.models
        self.index_loaded()
        # (indexing this unit's files dropped every view computed before it)
        if not guard.pending:
            index.reorder(self.plan.load)  # nothing left to load: the plan's order, as one pass gives
        guard.reset(closed=self.join)
        facts = index.facts
        if self.join:  # a scan of every file: the unit's and the reference-only files (analysis/load_guard.py)
            facts.scope = self._scope(unit, facts)
        found: dict[str, list[Finding]] = {}
        for path in kept:
            found[path] = lint_models([models[path]], index, self.plan.config_for, self.plan.targets, self.an,
                                      self.with_fixes)
        facts.scope = None
        if guard.tainted:
            import logging  # (here: logging costs a few ms to import; this is rare)

            logging.getLogger("convex_lsp").debug("unit of %s linted again at the end: it read %s",
                                                  unit[0], guard.reason)
        else:
            self.done.update(found)
        for path in kept:
            models.release(path)

    def _scope(self, unit: list[str], facts) -> list[str]:
        """The unit's and the reference-only files that are indexed, in the plan's order (both lists
        are in it already: their concatenation is two sorted runs, which a sort merges in one pass)."""
        has = dict.__contains__
        mine = [p for p in unit if has(facts, p)]
        refs = [p for p in self.refs_only if has(facts, p)]
        if not refs or not mine:
            return mine or refs
        if self._position is None:
            self._position = {p: i for i, p in enumerate(self.plan.load)}
        pos = self._position
        if pos[mine[-1]] < pos[refs[0]]:  # (a plan made by `prepare`: the reference-only files last)
            return mine + refs
        out = mine + refs
        out.sort(key=pos.__getitem__)
        return out

    def close(self) -> None:
        if self._guarded is not None:
            self._guarded.remove_guard()
            self._guarded = None


def run_units(plan, state: _CacheState, with_fixes: bool, budget: int, progress=None,
              join: bool = True) -> dict[str, list[Finding]]:
    """Load every file of the plan unit by unit, linting each unit's targets while their trees
    are held; returns the findings of the files linted so (the others: none yet, their facts are
    loaded and indexed or waiting in the cache). `budget`: source bytes of trees kept per unit."""
    runner = UnitRunner(plan, state, with_fixes, budget, progress, join)
    try:
        runner.load_references()
        for unit in runner.units:
            runner.lint_unit(unit)
    finally:
        runner.close()
    return runner.done


def run_serial_units(plan, state: _CacheState, with_fixes: bool, budget: int, progress=None) -> list[Finding]:
    done = run_units(plan, state, with_fixes, budget, progress)
    state.finish_load()
    return lint_targets(plan, state, with_fixes, done, progress)


def lint_targets(plan, state: _CacheState, with_fixes: bool, done: dict[str, list[Finding]],
                 progress=None) -> list[Finding]:
    """Every target's findings, in the plan's order: `done`'s (linted in a unit), else the cache's,
    else linted now with the whole index (its files' trees let go after)."""
    out: list[Finding] = []
    for path in plan.load:
        if path in plan.targets:
            out.extend(lint_file_cached(plan, path, state, with_fixes, done.pop(path, None)))
            if state.analyzer is not None:
                state.an.models.release(path)
        if progress is not None:
            progress.advance(0.5)
    return out
