"""Linting parsed files, shared by the serial runner (runner.py) and the worker processes
(parallel.py): lint models with the plan's per-project configuration, attach fixes, parse a
file's model on demand, and the persistent cache's bookkeeping (analysis/cache.py).

No pygls here. Imports only the analysis package: runner.py and parallel.py both import this
module, neither imports the other at module level.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.registry import Finding, Fix, get_rule

# source bytes whose trees are kept between the facts pass and the lint pass (about 30x that in
# memory); past it, trees are dropped after their facts are taken and parsed again when linted
KEEP_TREES_BYTES = 2 * 1024 * 1024


def lint_models(models: Iterable, index, plan_or_config: Callable[[str], Config], targets: set[str],
                analyzer=None, with_fixes: bool = False) -> list[Finding]:
    from convex_lsp.analysis.engine import enabled_rules, lint_model

    out: list[Finding] = []
    for model in models:
        if model.path not in targets:
            continue
        cfg = plan_or_config(model.path)
        found = lint_model(model, index, cfg, enabled_rules(cfg, model.path, model.facts.is_generated))
        if with_fixes and analyzer is not None:
            attach_fixes(found, analyzer)
        out.extend(found)
    return out


def sort_findings(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda f: (f.path, f.start, f.end, f.code, f.message))
    return findings


# ---------------------------------------------------------------- fixes


def quickfixes_module():
    try:
        from convex_lsp import quickfixes
    except Exception:  # a quickfixes package that does not import must not break `check`
        return None
    ok = callable(getattr(quickfixes, "fixes_for", None)) and callable(getattr(quickfixes, "fix_files", None))
    return quickfixes if ok else None


def attach_fixes(findings: list[Finding], analyzer) -> None:
    """Set `finding.fix` to the preferred fix (safe first) where the quickfixes package has one."""
    fixable = []
    for f in findings:
        if f.fix is not None:
            continue
        rule = get_rule(f.code)
        if rule is not None and rule.fix:
            fixable.append(f)
    if not fixable:
        return  # the quickfixes package is not even imported (start-up time)
    qf = quickfixes_module()
    if qf is None:
        return
    for f in fixable:
        try:
            fixes = qf.fixes_for(f, analyzer) or []
        except Exception:
            continue
        fixes = [x for x in fixes if isinstance(x, Fix) and x.edits]
        if fixes:
            f.fix = fixes[0]  # the preferred one
            place_edits(f.fix, analyzer)


def place_edits(fix: Fix, analyzer) -> None:
    """Fill in the rows and columns of the fix's edits from the edited files' models (at hand while
    the fixes are worked out, their line indexes mostly made for the findings' positions): the
    reports need not read those files again and index their lines (reporters.Sources)."""
    models = analyzer.models
    for e in fix.edits:
        model = models.get(e.path)
        if model is None:
            continue
        e.srow, e.scol, e.erow, e.ecol = model.src.lines.positions(e.start, e.end)


def plan_analyzer(plan, load: bool = True):
    """An `Analyzer` whose `lint(path)` uses the plan's per-project configuration."""
    from convex_lsp.analysis.engine import Analyzer

    class PlanAnalyzer(Analyzer):
        def lint(self, path: str) -> list[Finding]:
            model = self.models.get(path)
            if model is None:
                return []
            return lint_models([model], self.index, plan.config_for, {path})

    an = PlanAnalyzer(plan.workspace, plan.default)
    if load:
        for path in plan.load:
            an.load(path)
    return an


class LazyModels(dict):
    """Parsed models by path; a model not (or no longer) held is parsed on demand (a fix that
    edits another file, a tree let go to save memory), so results match holding every tree."""

    def __init__(self, plan, models: dict, index=None):
        super().__init__(models)
        self._plan = plan
        self._known = set(plan.load)
        self._index = index  # the facts of the files let go: their extractors need not run again

    def __missing__(self, path: str):
        if path not in self._known:
            raise KeyError(path)
        from convex_lsp.analysis.engine import build_model

        # (a read past the load guard, analysis/load_guard.py: these facts only spare the
        # extractors; a file not indexed yet is parsed from its bytes all the same)
        facts = dict.get(self._index.facts, path) if self._index is not None else None
        model = self[path] = build_model(path, None, self._plan.workspace, known=facts)
        return model

    def get(self, path, default=None):
        try:
            return self[path]
        except KeyError:
            return default

    def __contains__(self, path) -> bool:
        return path in self._known or dict.__contains__(self, path)

    def release(self, path: str) -> None:
        dict.pop(self, path, None)


# ---------------------------------------------------------------- the persistent cache


_UNREAD = object()  # a facts entry the run summary vouched for: read from disk only if needed


class _CacheState:
    """One run's files: their facts (parsed, or read from the cache and decoded only when the
    index is needed), the cache keys, and one digest of the workspace's views (every file's facts
    without positions, plus the layout) that goes into every findings key.

    The run summary (`Cache.get_manifest`, one entry per list of loaded files) holds each file's
    facts key and view and each target's findings: a run over unchanged files reads that one
    entry instead of one facts and one findings entry per file. Whatever it holds is used only
    when its keys equal the ones computed for this run; otherwise the per-file entries answer."""

    def __init__(self, plan, cache, with_fixes: bool):
        self.plan = plan
        self.cache = cache
        self.with_fixes = with_fixes
        self.keys: dict[str, str] = {}
        self.views: dict[str, str] = {}
        self.cached_entries: dict[str, object] = {}  # path -> facts entry not decoded yet (or _UNREAD)
        self.parsed: dict[str, object] = {}  # path -> facts of a file parsed in the first pass
        self.views_digest: Optional[str] = None
        self.indexed = False
        self.in_index: set[str] = set()  # the paths whose facts are in the index
        self.probed: set[str] = set()  # the paths whose facts `probe` took from the cache
        self._config_fps: dict[int, str] = {}
        self.summary_key: Optional[str] = None
        self.old_facts: dict = {}
        self.old_findings: dict = {}
        self.new_facts: dict = {}
        self.new_findings: dict = {}
        self.changed = False
        self._an = None
        if cache is not None:
            self.summary_key = cache.manifest_key(plan.load, with_fixes)
            self.old_facts, self.old_findings = cache.get_manifest(self.summary_key)
            self.changed = not self.old_facts

    @property
    def an(self):
        """The run's analyzer (its index and models), made when first needed: a run whose
        answers all come from the cache never imports the engine."""
        if self._an is None:
            self._an = plan_analyzer(self.plan, load=False)
            self._an.models = LazyModels(self.plan, {}, self._an.index)
        return self._an

    @property
    def analyzer(self):
        """The analyzer if one was made (else None)."""
        return self._an

    def load(self, path: str, data: Optional[bytes] = None):
        """Take `path`'s facts, from the cache when possible; the model when it was parsed.
        (`data`: the file's bytes as `read_source_bytes` gave them, when they were read before.)"""
        cache = self.cache
        if cache is None:
            return self._parse(path, data)
        if path in self.probed:
            return None  # taken from the cache already (`probe`)
        if data is None:
            data = _read(path)
        if data is not None and self._from_cache(path, data):
            return None
        self.changed = True
        model = self._parse(path, data)
        if data is not None:
            view = cache.store_facts(self.keys[path], model.facts)
            if view is not None:
                self.views[path] = view
                self.new_facts[path] = [self.keys[path], view]
        return model

    def probe(self, path: str) -> bool:
        """Take `path`'s facts from the cache if they are there (its `load` is then a no-op);
        whether they were."""
        data = _read(path)
        if data is None or not self._from_cache(path, data):
            return False
        self.probed.add(path)
        return True

    def _from_cache(self, path: str, data: bytes) -> bool:
        """`path`'s facts (of these bytes) taken from the run summary or the cache, if they are there."""
        cache = self.cache
        fdir, module = self.plan.workspace.module_and_dir(path)
        key = self.keys[path] = cache.facts_key(path, fdir, module, data)
        known = self.old_facts.get(path)
        if type(known) is list and len(known) == 2 and known[0] == key and type(known[1]) is str:
            self.cached_entries[path] = _UNREAD
            self.views[path] = known[1]
            self.new_facts[path] = known
            return True
        self.changed = True
        got = cache.get_facts(key)
        if got is not None:
            self.cached_entries[path], self.views[path] = got
            self.new_facts[path] = [key, self.views[path]]
            return True
        return False

    def _parse(self, path: str, data: Optional[bytes]):
        from convex_lsp.analysis.engine import build_model

        an = self.an
        model = an.models[path] = build_model(path, data, an.workspace)
        self.parsed[path] = model.facts
        return model

    def finish_load(self) -> None:
        if self.cache is None:
            self.ensure_index()
            return
        from convex_lsp.analysis.cache import digest, layout_fingerprint

        if len(self.views) != len(self.plan.load):
            return  # an unreadable file: no findings are cached this run
        self.views_digest = digest(layout_fingerprint(self.plan.workspace, self.plan.load),
                                   [[p, self.views[p]] for p in self.plan.load])

    def ensure_index(self) -> None:
        """Index every file's facts (in the plan's order), decoding the cached ones."""
        if self.indexed:
            return
        self.indexed = True
        already = bool(self.in_index)
        self.index_paths(self.plan.load)
        if already:  # some files were indexed before (server/units.py): the plan's order, as one pass gives
            self.an.index.reorder(self.plan.load)

    def index_paths(self, paths) -> None:
        """Index the facts of those of `paths` that were loaded and are not indexed yet (in that order)."""
        from convex_lsp.analysis.engine import build_model

        an = self.an
        guard = an.index.guard
        for path in paths:
            if path in self.in_index:
                continue
            facts = self.parsed.pop(path, None)  # the facts of the files parsed in the first pass
            if facts is None:
                if path not in self.cached_entries:
                    continue  # not loaded yet
                entry = self.cached_entries.pop(path, None)
                if entry is _UNREAD:
                    got = self.cache.get_facts(self.keys[path])
                    entry = got[0] if got is not None else None
                facts = self.cache.facts_of(self.keys[path], entry) if entry is not None else None
                if facts is None:  # the entry did not decode: parse the file (its tree is not kept)
                    facts = build_model(path, None, an.workspace).facts
                    if path in self.keys:  # replace the bad or missing entry
                        self.cache.store_facts(self.keys[path], facts)
            an.index.set_facts(path, facts)
            self.in_index.add(path)
            if guard is not None:
                guard.indexed(path)

    def findings_key(self, path: str) -> Optional[str]:
        if self.cache is None or self.views_digest is None or path not in self.keys:
            return None
        from convex_lsp.analysis.cache import config_fingerprint, digest

        cfg = self.plan.config_for(path)
        fp = self._config_fps.get(id(cfg))
        if fp is None:
            fp = self._config_fps[id(cfg)] = config_fingerprint(cfg)
        return digest(self.cache.tool, "findings", self.keys[path], fp, self.views_digest, self.with_fixes)

    def cached_findings(self, path: str, key: str) -> Optional[list]:
        """`path`'s findings under `key`, from the run summary (findings are stored there only:
        their keys hold every file's view, so an entry of their own would outlive no summary)."""
        from convex_lsp.analysis.cache import decode_findings, deps_hold

        known = self.old_findings.get(path)
        if type(known) is list and len(known) == 3 and known[0] == key and deps_hold(known[2], self.keys):
            found = decode_findings(known[1])
            if found is not None:
                self.new_findings[path] = known
                return found
        self.changed = True
        return None

    def store_findings(self, path: str, key: str, found: list, deps: dict) -> None:
        from convex_lsp.analysis.cache import NotCacheable, encode

        try:
            enc = encode(found)
        except (NotCacheable, RecursionError):
            return
        self.new_findings[path] = [key, enc, deps]

    def close(self) -> None:
        if self.cache is None:
            return
        if self.changed and self.summary_key is not None and len(self.new_facts) == len(self.plan.load):
            findings = dict(self.new_findings)
            for path, known in self.old_findings.items():  # files not linted this run (other targets)
                if path not in findings and path in self.new_facts:
                    findings[path] = known
            self.cache.put_manifest(self.summary_key, self.new_facts, findings)
        self.cache.trim()


def _read(path: str) -> Optional[bytes]:
    from convex_lsp.analysis.source import UnreadableFile, read_source_bytes

    try:
        return read_source_bytes(path)
    except UnreadableFile:
        return None


def lint_file_cached(plan, path: str, state: _CacheState, with_fixes: bool,
                     found: Optional[list[Finding]] = None) -> list[Finding]:
    """`path`'s findings: from the cache, else `found` (linted before, server/units.py), else linted
    now; stored in the cache when they were not read from it."""
    key = state.findings_key(path)
    if key is not None and found is None:
        got = state.cached_findings(path, key)
        if got is not None:
            return got
    if found is None:
        state.ensure_index()
        an = state.an
        model = an.models.get(path)
        if model is None:
            return []
        found = lint_models([model], an.index, plan.config_for, plan.targets, an, with_fixes)
    if key is not None:
        deps = _other_files(found, path, state.keys)
        if deps is not None:
            state.store_findings(path, key, found, deps)
    return found


def _other_files(found: list[Finding], path: str, keys: dict) -> Optional[dict]:
    """The other files (path -> facts key) the findings report into or fix: their positions are
    in the findings, so the entry holds only while they are unchanged. None: not cacheable."""
    deps: dict[str, str] = {}
    for f in found:
        paths = [f.path] + ([e.path for e in f.fix.edits] if f.fix is not None else [])
        for p in paths:
            if p != path and p not in deps:
                k = keys.get(p)
                if k is None:
                    return None
                deps[p] = k
    return deps
