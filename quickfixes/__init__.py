"""The fix library shared by `check --fix`/`--diff` and the language server's code actions.

Plain data only (no LSP types). Entry points:

- `fixes_for(finding, analyzer) -> list[Fix]`: the catalog's fixes for one finding, computed
  from the finding's byte range, the file's model and the workspace index (a fix may edit
  several files, e.g. an index rename). The first fix is the preferred one.
- `suppression_fixes(finding, analyzer) -> list[Fix]`: "Disable <rule> for this line/file".
- `apply_edits(data, edits) -> bytes`.
- `fix_files(analyzer, paths, unsafe=False) -> FixReport`: lint, apply, re-load, repeat.
- `unified_diff(old, new, path) -> str` for `--diff`.
- `index_rename_blocker(table, new_name, schema) -> str | None` for CVX204's message.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable, Optional, Union

from ..analysis.engine import LazyLog
from ..analysis.records import record, field
from ..analysis.registry import Finding, Fix, TextEdit

log = LazyLog("convex_lsp.quickfixes")  # (logging imported on first use: start-up time)


def __getattr__(name: str):
    """`suppression_fixes` (the editor's "Disable <rule>" actions) and `index_rename_blocker`,
    imported when first asked for: a `check` run needs neither."""
    if name == "suppression_fixes":
        from .suppress import suppression_fixes

        return suppression_fixes
    if name == "index_rename_blocker":
        from .indexes import index_rename_blocker

        return index_rename_blocker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Fix", "TextEdit", "FixReport", "fixes_for", "suppression_fixes", "apply_edits", "fix_files",
    "unified_diff", "index_rename_blocker", "attach_fixes", "edits_overlap", "FIXERS",
]


# rule code -> (module of this package, its fix function); a module is imported when a finding
# first needs one of its fixes (start-up time: most runs need a few of them)
_FIXER_NAMES: dict[str, tuple[str, str]] = {
    "CVX101": ("returns", "fix_missing_returns"),
    "CVX102": ("args_syntax", "fix_missing_args"),
    "CVX103": ("args_syntax", "fix_bare_handler"),
    "CVX104": ("returns", "fix_implicit_undefined"),
    "CVX105": ("misc", "fix_bigint"),
    "CVX113": ("returns", "fix_returns_mismatch"),
    "CVX106": ("misc", "fix_string_id"),
    "CVX201": ("filters", "fix_filter_to_index"),
    "CVX202": ("misc", "fix_unbounded_collect"),
    "CVX204": ("indexes", "fix_index_name"),
    "CVX205": ("indexes", "fix_redundant_index"),
    "CVX217": ("indexes", "fix_unused_index"),
    "CVX206": ("did_you_mean", "fix_unknown_index"),
    "CVX210": ("indexes", "fix_add_index_for_filter"),
    "CVX208": ("did_you_mean", "fix_unknown_table"),
    "CVX215": ("pagination", "fix_pagination_opts"),
    "CVX307": ("misc", "fix_floating_promise"),
    "CVX312": ("rewrites", "fix_storage_metadata"),
    "CVX401": ("visibility", "fix_public_scheduled"),
    "CVX402": ("did_you_mean", "fix_unknown_function"),
    "CVX407": ("visibility", "fix_unexported_registration"),
    "CVX408": ("rewrites", "fix_top_of_hour_cron"),
    "CVX501": ("misc", "fix_missing_use_node"),
    "CVX503": ("misc", "fix_forbidden_use_node"),
    "CVX510": ("misc", "fix_misplaced_use_node"),
    "CVX901": ("misc", "fix_unused_suppression"),
}


def _fixer(code: str) -> Optional[Callable[[Finding, object], list[Fix]]]:
    fn = FIXERS.get(code)
    if fn is None:
        where = _FIXER_NAMES.get(code)
        if where is None:
            return None
        import importlib

        fn = FIXERS[code] = getattr(importlib.import_module(f"{__name__}.{where[0]}"), where[1])
    return fn


FIXERS: dict[str, Callable] = {}  # the fix functions imported so far (see _fixer)


def fixes_for(finding: Finding, analyzer) -> list[Fix]:
    """The catalog fixes for `finding` (empty when there is none or it cannot be computed)."""
    fn = _fixer(finding.code)
    if fn is None:
        return []
    try:
        fixes = fn(finding, analyzer) or []
    except Exception:  # a fix bug must never take the linter or the server down
        log.exception("fix for %s failed at %s:%s", finding.code, finding.path, finding.start)
        return []
    out = []
    for fx in fixes:
        fx.edits = [e for e in fx.edits if not _noop(e, analyzer)]
        if fx.edits and _well_formed(fx, analyzer):
            out.append(fx)
    return out


def _noop(e: TextEdit, analyzer) -> bool:
    new = e.new_text.encode("utf-8")
    if len(new) != e.end - e.start:
        return False  # (without copying the bytes an edit of a whole function replaces)
    model = analyzer.models.get(e.path)
    return model is not None and model.src.data[e.start:e.end] == new


def attach_fixes(findings: Iterable[Finding], analyzer) -> None:
    """Set `finding.fix` to its preferred fix (for the JSON output)."""
    for f in findings:
        if f.fix is None:
            fx = fixes_for(f, analyzer)
            f.fix = fx[0] if fx else None


def _well_formed(fx: Fix, analyzer) -> bool:
    by_path: dict[str, list[TextEdit]] = {}
    for e in fx.edits:
        model = analyzer.models.get(e.path)
        if model is None or not (0 <= e.start <= e.end <= len(model.src.data)):
            return False
        by_path.setdefault(e.path, []).append(e)
    for edits in by_path.values():
        edits = sorted(edits, key=lambda e: (e.start, e.end))
        for a, b in zip(edits, edits[1:]):
            if b.start < a.end:
                return False
    return True


# ------------------------------------------------------------------ applying
def apply_edits(data: bytes, edits: Iterable[TextEdit]) -> bytes:
    """Apply non-overlapping edits of one file (any order; inserts at one point keep their order)."""
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]))
    out: list[bytes] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise ValueError(f"overlapping edits at byte {e.start}")
        out.append(data[pos:e.start])
        out.append(e.new_text.encode("utf-8"))
        pos = e.end
    out.append(data[pos:])
    return b"".join(out)


def edits_overlap(a: TextEdit, b: TextEdit) -> bool:
    """Same file and either their ranges intersect or they start at the same offset (two
    inserts at one point would have an arbitrary order)."""
    if a.path != b.path:
        return False
    if a.start == b.start:
        return True
    return a.start < b.end and b.start < a.end


def unified_diff(old: Union[bytes, str], new: Union[bytes, str], path: str) -> str:
    o = old.decode("utf-8", "replace") if isinstance(old, bytes) else old
    n = new.decode("utf-8", "replace") if isinstance(new, bytes) else new
    import difflib

    lines = difflib.unified_diff(o.splitlines(keepends=True), n.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


@record
class FixReport:
    original: dict[str, bytes] = field(default_factory=dict)  # path -> bytes before any fix
    contents: dict[str, bytes] = field(default_factory=dict)  # path -> new bytes (changed files only)
    applied: Counter = field(default_factory=Counter)  # rule code -> fixes applied
    failures: list[str] = field(default_factory=list)  # human-readable
    passes: int = 0
    links: list[frozenset] = field(default_factory=list)  # paths one applied fix edits together


    @property
    def total(self) -> int:
        return sum(self.applied.values())

    def changed(self) -> dict[str, bytes]:
        return {p: b for p, b in self.contents.items() if self.original.get(p) != b}

    def diff(self, relpath: Callable[[str], str] = lambda p: p) -> str:
        return "".join(unified_diff(self.original[p], b, relpath(p)) for p, b in sorted(self.changed().items()))

    def write(self, confine: Optional[list[str]] = None, link_confine: Optional[list[str]] = None):
        """Write the changed files (atomic, checked, all-or-nothing: `write.write_changes`);
        returns its `WriteResult`."""
        from .write import write_changes

        changes = {p: (self.original[p], b) for p, b in self.changed().items()}
        return write_changes(changes, confine, self.links, link_confine)


def _error_count(analyzer, path: str) -> int:
    m = analyzer.models.get(path)
    return len(m.errors) if m is not None else 0


def _fix_key(f: Finding, fx: Fix) -> tuple:
    return (f.code, fx.title, tuple((e.path, e.start, e.end, e.new_text) for e in fx.edits))


_INDEX_NAME_CODES = ("CVX201", "CVX204", "CVX205", "CVX206")


def fix_files(analyzer, paths: Iterable[str], unsafe: bool = False, max_passes: int = 10,
              select: Optional[Callable[[Finding], bool]] = None) -> FixReport:
    """Apply fixes to `paths` (and the files cross-file fixes touch) until nothing changes.

    Each pass lints every path, takes the first applicable fix of each finding (safe only
    unless `unsafe`), skips a fix whose edits overlap one already chosen in this pass (it is
    retried on the next pass, against the new text), applies, and re-loads the changed files
    into the analyzer. A file whose fixed text would parse with more syntax errors than
    before keeps its text: the offending fix is reported in `failures` and not retried.
    Nothing is written to disk (see `FixReport.write`)."""
    paths = list(dict.fromkeys(paths))
    report = FixReport()
    rejected: set[tuple] = set()
    for n in range(max_passes):
        chosen: list[TextEdit] = []
        schema_fixes: dict[str, str] = {}
        picks: list[tuple[Finding, Fix]] = []
        for path in paths:
            for f in analyzer.lint(path):
                if select is not None and not select(f):
                    continue
                for fx in fixes_for(f, analyzer):
                    if fx.applicability != "safe" and not unsafe:
                        continue
                    if _fix_key(f, fx) in rejected:
                        continue
                    if any(edits_overlap(e, c) for e in fx.edits for c in chosen):
                        break  # retried next pass
                    if f.code in _INDEX_NAME_CODES:
                        # fixes that rename, remove or start using index names must not meet in
                        # one pass (a new `withIndex("old")` would miss a rename): one such rule
                        # per functions folder and pass
                        d = analyzer.index.functions_dir(f.path)
                        key = d.path if d is not None else f.path
                        if schema_fixes.setdefault(key, f.code) != f.code:
                            break
                    chosen.extend(fx.edits)
                    picks.append((f, fx))
                    break
        if not picks:
            break
        report.passes = n + 1
        by_path: dict[str, list[tuple[Finding, Fix]]] = {}
        for f, fx in picks:
            for p in {e.path for e in fx.edits}:
                by_path.setdefault(p, []).append((f, fx))
        # a fix spanning several files is applied everywhere or nowhere
        bad: set[int] = set()
        new_bytes: dict[str, bytes] = {}
        for p, items in by_path.items():
            data = analyzer.models[p].src.data
            before = _error_count(analyzer, p)
            result = _try_apply(analyzer, p, data, items, before, bad)
            new_bytes[p] = result
        if bad:
            for f, fx in picks:
                if id(fx) in bad:
                    rejected.add(_fix_key(f, fx))
                    report.failures.append(f"{f.path}: {f.code} fix `{fx.title}` would leave a syntax error; skipped")
            # recompute every file without the rejected fixes (cross-file fixes stay atomic)
            new_bytes = {}
            for p, items in by_path.items():
                keep = [e for f, fx in items if id(fx) not in bad for e in fx.edits if e.path == p]
                new_bytes[p] = apply_edits(analyzer.models[p].src.data, keep)
        applied_any = False
        for f, fx in picks:
            if id(fx) not in bad:
                report.applied[f.code] += 1
                applied_any = True
                touched = frozenset(e.path for e in fx.edits)
                if len(touched) > 1:
                    report.links.append(touched)
        for p, b in new_bytes.items():
            if p not in report.original:
                report.original[p] = analyzer.models[p].src.data
            if b != analyzer.models[p].src.data:
                analyzer.load(p, b)
            report.contents[p] = b
        if not applied_any:
            continue
    else:
        # still changing after max_passes
        leftover = [f for p in paths for f in analyzer.lint(p)
                    if any((fx.applicability == "safe" or unsafe) and _fix_key(f, fx) not in rejected
                           for fx in fixes_for(f, analyzer))]
        if leftover:
            report.failures.append(f"fixes did not converge after {max_passes} passes "
                                   f"({len(leftover)} fixable findings left)")
    return report


def _try_apply(analyzer, path: str, data: bytes, items, before: int, bad: set) -> bytes:
    from ..analysis.source import SourceFile
    from ..analysis.syntax import error_ranges

    def errors_of(b: bytes) -> int:
        src = SourceFile.from_bytes(path, b)
        return len(error_ranges(src.tree.root_node)) if src.tree is not None else 10 ** 6

    edits = [e for _, fx in items for e in fx.edits if e.path == path]
    result = apply_edits(data, edits)
    if errors_of(result) <= before:
        return result
    # find the culprits one by one
    for f, fx in items:
        own = [e for e in fx.edits if e.path == path]
        if errors_of(apply_edits(data, own)) > before:
            bad.add(id(fx))
    if not any(id(fx) in bad for _, fx in items):
        for _, fx in items:  # an interaction: give up on this file's fixes for this pass
            bad.add(id(fx))
    return result
