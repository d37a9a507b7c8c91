"""The engine: files -> models/facts -> workspace index -> rules -> findings.

`Analyzer` is shared by the CLI and the language server. It keeps one `FileModel` per
file (text + tree + facts) and the `WorkspaceIndex`; `lint(path)` runs the enabled rules
on one file and applies suppressions and the configured severities.
"""

from __future__ import annotations

import os
from typing import Iterable, Optional

from tree_sitter import Node

from .config import Config, default_config
from .convex import file_cache
from .facts import FileFacts, Span
from .index import BuilderInfo, SchemaModel, WorkspaceIndex
from .model import FileModel, Registration
from .project import TEST_FILE_RE, FunctionsDir, Workspace, relpath_within
from .refs_extract import wanted
from .registry import Finding, Rule, all_rules, extractors, get_rule
from .deferred import adopt_model
from .source import SourceFile

class LazyLog:
    """`logging.getLogger(name)`, imported on first use (start-up time: a clean run logs nothing)."""

    def __init__(self, name: str = "convex_lsp"):
        self.name = name

    def exception(self, msg: str, *args) -> None:
        import logging

        logging.getLogger(self.name).exception(msg, *args)


log = LazyLog()

PARSE_ERROR = "CVX902"
UNUSED_SUPPRESSION = "CVX901"


class _PerLint:
    """A FileContext answer every rule of one lint of the file shares (the index does not change
    while a file is linted): worked out when first read, then an attribute of the context (read
    at the cost of one; `raw_findings` makes one context per file). A context made without
    sharing (`shared=None`) works it out at every read."""

    __slots__ = ("compute", "name")

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__

    def __get__(self, ctx, owner=None):
        if ctx is None:
            return self
        got = self.compute(ctx)
        if ctx._shared is not None:
            ctx.__dict__[self.name] = got
        return got


class FileContext:
    """What a rule's `check` sees: one file's model plus the workspace index."""

    def __init__(self, model: FileModel, index: WorkspaceIndex, rule: Optional[Rule] = None,
                 severity: Optional[str] = None, config: Optional[Config] = None,
                 shared: Optional[dict] = None):
        self.model = model
        self.path = model.path
        self.facts: FileFacts = model.facts
        # whether rules of one lint of this file share answers (see `_PerLint`)
        self._shared = shared
        self.index = index
        self.config = config  # the file's configuration (None in tools that lint without one)
        self.for_rule(rule, severity)

    def for_rule(self, rule: Optional[Rule], severity: Optional[str] = None) -> "FileContext":
        """Ready for `rule` (no findings yet): one context serves every rule of a file's lint."""
        self.rule = rule
        self.severity = severity or (rule.severity if rule is not None and rule.severity != "off" else "warning")
        self.findings: list[Finding] = []
        return self

    # --- answers shared by the rules of a file's lint
    @_PerLint
    def functions_dir(self) -> Optional[FunctionsDir]:
        return self.index.functions_dir(self.model.path)

    @_PerLint
    def schema(self) -> Optional[SchemaModel]:
        return self.index.schema_for(self.model.path)

    def builder(self, reg: Registration) -> Optional[BuilderInfo]:
        return self.index.resolve_builder(self.model.path, reg.builder)

    def registrations(self) -> list[tuple[Registration, BuilderInfo]]:
        """Registrations whose builder resolves to a Convex builder."""
        return list(self._resolved_registrations)

    @_PerLint
    def _resolved_registrations(self) -> tuple[tuple[Registration, BuilderInfo], ...]:
        out = []
        for reg in self.model.registrations:
            b = self.builder(reg)
            if b is not None:
                out.append((reg, b))
        return tuple(out)

    def function_at(self, node: Node) -> Optional[tuple[Registration, BuilderInfo]]:
        reg = self.model.registration_of(node)
        if reg is None:
            return None
        b = self.builder(reg)
        return (reg, b) if b is not None else None

    def report(self, node_or_range, message: str, data: Optional[dict] = None,
               severity: Optional[str] = None, rule: Optional[Rule] = None, path: Optional[str] = None) -> None:
        rule = rule or self.rule
        assert rule is not None
        if isinstance(node_or_range, tuple):
            start, end = node_or_range
        elif isinstance(node_or_range, Span):  # a fact's span (a registration's, say)
            start, end = node_or_range.start, node_or_range.end
        else:
            start, end = node_or_range.start_byte, node_or_range.end_byte
        self.findings.append(Finding(
            code=rule.code, name=rule.name, path=path or self.model.path, start=start, end=end,
            message=message, severity=severity or self.severity, data=dict(data or {}),
            spec=rule.spec, url=rule.url, tags=rule.tags,
        ))


def build_model(path: str, data: Optional[bytes], ws: Workspace, old_tree=None, parsed=None,
                lines=None, known: Optional[FileFacts] = None) -> FileModel:
    """Parse + extract one file (also runs the rule modules' fact extractors; `known`: the facts
    of these bytes, taken before: a tree parsed again after it was let go keeps them, and neither
    the fact-only passes nor the extractors run again)."""
    memo: dict = {}  # per-tree answers of convex.py's recognisers, reused when linting
    with file_cache(memo):
        return _build_model(path, data, ws, old_tree, parsed, lines, memo, known)


def is_reference_only(ws: Workspace, path: str) -> bool:
    """A file read for references only, never linted: outside every functions folder, or a test
    inside one."""
    d = ws.dir_for(path)
    return d is None or _is_test_in(relpath_within(path, d.path))


def _is_test_in(rel: str) -> bool:
    """`rel` (a path relative to its functions folder) is a test file."""
    return bool(TEST_FILE_RE.search(rel.replace(os.sep, "/")))


def _build_model(path: str, data: Optional[bytes], ws: Workspace, old_tree=None, parsed=None,
                 lines=None, memo: Optional[dict] = None, known: Optional[FileFacts] = None) -> FileModel:
    fdir, module = ws.module_and_dir(path)
    rel = relpath_within(path, fdir) if fdir is not None else None
    generated = rel is not None and "_generated" in rel.split(os.sep)[:1]
    if not generated and (rel is None or _is_test_in(rel)):  # (is_reference_only, from what is known here)
        # client code, tests, scripts: the references only, and no parse at all for a file whose
        # bytes could not hold one
        src = SourceFile.unparsed(path, data)
        if src.error is None and wanted(src.data):
            src = SourceFile.from_bytes(path, src.data, old_tree, parsed, lines)
        return FileModel(src, None, None, refs_only=True, memo=memo)
    if generated:
        # only CVX508 looks at `_generated/` files, and only at their header: no parse, no facts
        src = SourceFile.unparsed(path, data)
    else:
        src = SourceFile.load(path) if data is None else SourceFile.from_bytes(path, data, old_tree, parsed, lines)
    if known is not None and (src.tree is None or generated or known.error or known.is_generated
                              or (known.path, known.functions_dir, known.module) != (path, fdir, module)):
        known = None  # (not a file whose facts a re-parse can keep)
    model = FileModel(src, fdir, module, memo=memo, known=known)
    if known is not None:
        adopt_model(known, model)  # the facts' deferred parts read this tree now
        return model
    model.facts.is_generated = generated
    if src.tree is not None and not model.facts.is_generated:
        for name, fn in extractors().items():
            try:
                model.facts.extra[name] = fn(model)
            except Exception:  # an extractor bug must not lose the file
                log.exception("fact extractor %s failed on %s", name, path)
    return model


def load_facts(path: str, ws: Workspace, cache=None, with_view: bool = True) -> tuple[FileFacts, Optional[FileModel]]:
    """A file's facts from disk: read from the persistent cache (analysis/cache.py) when its bytes
    were seen before, else parsed (and stored; `with_view=False`: without the position-free view
    digest that only `check`'s findings keys use). Returns (facts, the model when it was parsed)."""
    if cache is None:
        model = build_model(path, None, ws)
        return model.facts, model
    from .source import UnreadableFile, read_source_bytes

    try:
        data = read_source_bytes(path)
    except UnreadableFile:
        model = build_model(path, None, ws)
        return model.facts, model
    fdir, module = ws.module_and_dir(path)
    key = cache.facts_key(path, fdir, module, data)
    got = cache.get_facts(key, need_view=False)
    if got is not None:
        facts = cache.facts_of(key, got[0])
        if facts is not None:
            return facts, None
    model = build_model(path, data, ws)
    if with_view:
        cache.store_facts(key, model.facts)  # (facts and view encoded once)
    else:
        cache.put_facts(key, model.facts, None)
    return model.facts, model


class Analyzer:
    def __init__(self, workspace: Workspace, config: Optional[Config] = None):
        self.workspace = workspace
        self.config = config or default_config()
        self.index = WorkspaceIndex(workspace)
        self.models: dict[str, FileModel] = {}

    # ------------------------------------------------------------ loading
    def load_all(self, include_generated: bool = True) -> list[str]:
        paths = []
        for path, _ in self.workspace.source_files():
            if self.config.is_excluded(path):
                continue
            self.load(path)
            paths.append(path)
        if include_generated:
            for path, _ in self.workspace.generated_files():
                self.load(path)
                paths.append(path)
        for path in self.workspace.reference_files():
            self.load(path)
            paths.append(path)
        self.index.refs.warm()  # the reference maps are part of indexing, not of the first query
        return paths

    def load(self, path: str, data: Optional[bytes] = None, old_tree=None) -> set[str]:
        model = build_model(path, data, self.workspace, old_tree)
        self.models[path] = model
        return self.index.set_facts(path, model.facts)

    def set_facts(self, path: str, facts: FileFacts) -> None:
        """Index facts computed elsewhere (worker processes) without keeping a model."""
        self.index.set_facts(path, facts)

    def forget(self, path: str) -> set[str]:
        self.models.pop(path, None)
        return self.index.remove(path)

    # ------------------------------------------------------------ linting
    def enabled_rules(self, path: str, generated: bool = False) -> list[tuple[Rule, str]]:
        return enabled_rules(self.config, path, generated)

    def lint(self, path: str) -> list[Finding]:
        model = self.models.get(path)
        if model is None:
            return []
        return lint_model(model, self.index, self.config, self.enabled_rules(path, model.facts.is_generated))


def enabled_rules(config: Config, path: str, generated: bool = False) -> list[tuple[Rule, str]]:
    """(rule, severity) for the rules `config` turns on for `path` (`_generated/` files get only the
    rules written for them). Remembered per settings (as they are now: a changed configuration is
    asked again; the projects of a workspace that configure nothing share one answer), and per path
    only when `per-file-ignores` makes paths differ."""
    fp = config.fingerprint()
    if config.per_file_ignores:
        key = (fp, generated, path, config.root or os.getcwd())
    else:  # (the root, the fingerprint's last item, matters only to per-file-ignores)
        key = (fp[:-1], generated)
    got = _ENABLED.get(key)
    if got is None:
        if len(_ENABLED) > 4096:
            _ENABLED.clear()
        got = _ENABLED[key] = _enabled_rules(config, path, generated)
    return list(got)


_ENABLED: dict[tuple, list[tuple[Rule, str]]] = {}


def _enabled_rules(config: Config, path: str, generated: bool) -> list[tuple[Rule, str]]:
    out = []
    for rule in all_rules():
        if rule.check is None or rule.generated_files != generated:
            continue
        sev = config.effective_severity(rule.code, path)
        if sev is not None:
            out.append((rule, sev))
    return out


def lint_model(model: FileModel, index: WorkspaceIndex, config: Config,
               rules: Iterable[tuple[Rule, str]]) -> list[Finding]:
    with file_cache(model.memo):
        return _lint_model(model, index, config, rules)


def _lint_model(model: FileModel, index: WorkspaceIndex, config: Config,
                rules: Iterable[tuple[Rule, str]]) -> list[Finding]:
    path = model.path
    if model.facts.refs_only:
        return []  # client code, tests, scripts: read for references, never linted
    if model.src.error is not None:
        sev = config.effective_severity(PARSE_ERROR, path)
        if sev is None:
            return []
        r = get_rule(PARSE_ERROR)
        f = Finding(code=r.code, name=r.name, path=path, start=0, end=0,
                    message=f"Could not analyse this file: {model.src.error}", severity=sev,
                    spec=r.spec, url=r.url)
        return [f]
    return finish_findings(model, raw_findings(model, index, config, rules), config)


def raw_findings(model: FileModel, index: WorkspaceIndex, config: Config,
                 rules: Iterable[tuple[Rule, str]]) -> list[Finding]:
    """What the rules report on a parsed model (none inside syntax errors; configured severities;
    duplicates dropped), before suppression comments are applied."""
    path = model.path
    findings: list[Finding] = []
    if model.facts.refs_only:
        return findings
    ctx = FileContext(model, index, None, None, config, {})
    forcing = config.severity
    no_registrations = not model.registrations
    with file_cache(model.memo):
        for rule, sev in rules:
            if no_registrations and rule.needs_registrations:
                continue  # (it would find nothing to look at)
            if sev:
                ctx.rule, ctx.severity = rule, sev  # (`for_rule`, written out: its findings list is empty)
            else:
                ctx.for_rule(rule, sev)
            try:
                got = rule.check(ctx)  # (most rules report through `ctx` and return None)
                if got is not None:
                    for _ in got:
                        pass
            except Exception:
                log.exception("rule %s crashed on %s", rule.code, path)
                if ctx.findings:
                    ctx.findings = []
                continue
            found = ctx.findings
            if not found:
                continue
            ctx.findings = []
            forced = forcing.get(rule.code)
            for f in found:
                if f.path != path:
                    findings.append(f)
                    continue
                if _in_error(model, f.start, f.end):
                    continue
                if forced and forced != "off":
                    f.severity = forced
                findings.append(f)
    # (a helper's query steps are seen from each chain that continues them)
    return _dedupe(findings) if len(findings) > 1 else findings


def finish_findings(model, findings: list[Finding], config: Config) -> list[Finding]:
    """Apply suppression comments (and report unused ones), fill in positions, sort. `model` needs
    `path`, `suppressions`, `errors` and `src.lines` (a FileModel, or the incremental linter's view)."""
    findings = apply_suppressions(model, findings, config)
    if not findings:
        return findings  # (most files: their line index is not even made)
    positions = model.src.lines.positions
    for f in findings:
        f.srow, f.scol, f.erow, f.ecol = positions(f.start, f.end)
    if len(findings) > 1:
        findings.sort(key=_finding_order)
    return findings


def _finding_order(f: Finding) -> tuple:
    return (f.path, f.start, f.code)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.code, f.path, f.start, f.end)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _in_error(model: FileModel, start: int, end: int) -> bool:
    for a, b in model.errors:
        if a < max(end, start + 1) and start < b:
            return True
    return False


def apply_suppressions(model: FileModel, findings: list[Finding], config: Config) -> list[Finding]:
    sups = model.suppressions
    if not sups:
        return findings
    lines = model.src.lines
    kept: list[Finding] = []
    # computed afresh on every run: a model is linted again when other files change
    used: list[set[str]] = [set() for _ in sups]
    for s in sups:
        s.used = set()
    for f in findings:
        if f.path != model.path:
            kept.append(f)  # a finding reported into another file: that file's comments apply
            continue
        row = lines.row_of(f.start)
        suppressed = False
        for i, s in enumerate(sups):
            if s.target_line == -2 or (s.target_line != -1 and s.target_line != row):
                continue
            if s.rules and not _names_rule(s.rules, f):
                continue
            used[i].add(f.code)
            suppressed = True
        if not suppressed:
            kept.append(f)
    for s, u in zip(sups, used):
        s.used = u
    sev = config.effective_severity(UNUSED_SUPPRESSION, model.path)
    if sev is not None:
        r = get_rule(UNUSED_SUPPRESSION)
        for s, u in zip(sups, used):
            if u:
                continue
            if _in_error(model, s.span.start, s.span.end):
                continue
            named = ", ".join(s.rules) if s.rules else "all rules"
            if s.kind == "misplaced-file":
                message = (f"File-level suppression for {named} has no effect here: `convex-lsp-disable` "
                           "applies only before the first statement; move it to the top of the file")
            else:
                # a suppression naming only rules that are off here may be meant for another config
                codes = [get_rule(n) for n in s.rules]
                if codes and all(c is not None for c in codes) and all(
                        config.effective_severity(c.code, model.path) is None for c in codes):
                    continue
                message = f"Suppression comment for {named} suppressed nothing; remove it"
            kept.append(Finding(
                code=r.code, name=r.name, path=model.path, start=s.span.start, end=s.span.end,
                message=message,
                severity=sev, data={"comment_start": s.span.start, "comment_end": s.span.end},
                spec=r.spec, url=r.url, tags=r.tags,
            ))
    return kept


def _names_rule(names: tuple[str, ...], f: Finding) -> bool:
    for n in names:
        n = n.strip()
        if n.upper() == f.code or n.lower() == f.name:
            return True
    return False
