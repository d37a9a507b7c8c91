"""Incremental linting of an open document, statement by statement.

A full lint of a 3,000-line module costs ~150 ms (facts + 50 rules over every node); an edit
usually touches one top-level statement. `Snapshot` keeps, for the last text linted, its
top-level statements (bytes, whether they are *local*) and the raw findings (before
suppression comments) of each. `relint()` then:

1. splits the new tree's top-level statements and matches them to the old ones by text
   (common prefix and suffix);
2. gives up (returns None: lint the whole file) unless every changed statement is *local*:
   a declaration of one registered function (`export const list = query({...})`), before and
   after the edit, with the same name. Imports, helpers, constants, the schema, routes, type
   declarations and comments are *context*: when one of them changes, everything is linted;
3. builds a *synthetic* text: the document with every unchanged local statement replaced by
   spaces (newlines kept), so every offset, row and column of what remains is the document's
   own; statements that mention a changed statement's name (or are mentioned by it), what
   they mention in turn, local statements that context mentions, and every statement that
   mentions a keep word (`Rule.keep_words`) another present statement mentions stay in. Only the ranges
   that stay are parsed (tree-sitter's included ranges) and the result is linted like any
   file: only context and the changed statements cost anything;
4. merges the synthetic run's findings with the cached findings of the blanked statements,
   shifted to their new offsets (byte offsets in `Finding.data` too), then applies the
   suppression comments of the whole file.

The workspace index is not updated here (that needs the whole file's facts): the caller
re-analyses the file in full when the editor pauses (`Session.refresh`), which also corrects
the rare finding that depends on another statement in a way step 3 does not see.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

import tree_sitter as ts
from tree_sitter import Node

from .config import Config
from .engine import build_model, finish_findings, raw_findings
from .facts import Span
from .index import WorkspaceIndex
from .model import FileModel, Suppression, parse_suppression
from .project import Workspace
from .registry import Finding, Rule, offsets_in, shift_data
from .source import LineIndex, kind_for_path, parser_for

_BLANK = bytes(c if c in (10, 13) else 32 for c in range(256))
_WORD = re.compile(rb"[A-Za-z_$][\w$]*")
_DECL_NAME = re.compile(rb"^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)")

@dataclass
class Stmt:
    start: int
    end: int
    text: bytes
    name: Optional[str]  # the registration it declares (local statements); None: context
    words: frozenset  # identifier-like words in it (bytes), for dependencies between statements
    comments: tuple = ()  # (start, end, text) of suppression comments inside
    errors: tuple = ()  # syntax error ranges inside
    pinned: bool = False  # a local statement context mentions: never blanked (see _pin)

    @property
    def local(self) -> bool:
        return self.name is not None

    def shifted(self, delta: int) -> "Stmt":
        if not delta:
            return self
        return Stmt(self.start + delta, self.end + delta, self.text, self.name, self.words,
                    tuple((a + delta, b + delta, t) for a, b, t in self.comments),
                    tuple((a + delta, b + delta) for a, b in self.errors), self.pinned)


@dataclass
class Snapshot:
    data: bytes
    stmts: list[Stmt]
    raw: list[list[Finding]]  # per statement: raw findings inside it (before suppressions); the
    # findings inside no single statement are not kept: every incremental lint reports them afresh
    key: Any = None  # what else the findings depend on (index generation, config)
    keep: frozenset = frozenset()  # words (bytes) whose mentions keep a declaration linted (Rule.keep_words)
    lines: Optional[LineIndex] = None  # of `data`
    stats: dict = field(default_factory=dict)


# ------------------------------------------------------------------ statements


def local_name(stmt: Node, regs_by_decl: dict[int, Any]) -> Optional[str]:
    """The registration a top-level statement declares, when that is all it does."""
    decl = stmt
    if stmt.type == "export_statement":
        decl = stmt.child_by_field_name("declaration")
        if decl is None:
            return None
    if decl.type not in ("lexical_declaration", "variable_declaration"):
        return None
    declarators = [c for c in decl.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1:
        return None
    reg = regs_by_decl.get(declarators[0].id)
    if reg is None or not reg.fact.name:
        return None
    return reg.fact.name


def _regs_by_decl(model: FileModel) -> dict[int, Any]:
    return {r.decl.id: r for r in model.registrations if r.decl is not None}


def _stmt(node: Node, data: bytes, name: Optional[str], model: FileModel,
          words: Optional[frozenset] = None) -> Stmt:
    a, b = node.start_byte, node.end_byte
    comments = tuple((s.span.start, s.span.end, data[s.span.start:s.span.end].decode("utf-8", "replace"))
                     for s in model.suppressions if a <= s.span.start and s.span.end <= b)
    errors = tuple((x, y) for x, y in model.errors if a <= x and y <= b)
    if words is None:
        words = frozenset(_WORD.findall(data, a, b))
    return Stmt(a, b, data[a:b], name, words, comments, errors)


def _assign(stmts: list[Stmt], findings: list[Finding], path: str) -> tuple[list[list[Finding]], list[Finding]]:
    """Group raw findings by the statement that contains them; the rest are loose."""
    starts = [s.start for s in stmts]
    per: list[list[Finding]] = [[] for _ in stmts]
    loose: list[Finding] = []
    for f in findings:
        i = bisect.bisect_right(starts, f.start) - 1
        if f.path == path and i >= 0 and f.start <= f.end <= stmts[i].end:
            per[i].append(f)
        else:
            loose.append(f)
    return per, loose


def keep_words(model: FileModel, index: WorkspaceIndex, rules: list[tuple[Rule, str]]) -> frozenset:
    """The words of the rules' `keep_words` hooks for a model (see `Rule.keep_words`)."""
    from .engine import FileContext

    out: set[bytes] = set()
    for rule, sev in rules:
        if rule.keep_words is None:
            continue
        try:
            out.update(w.encode("utf-8") for w in rule.keep_words(FileContext(model, index, rule, sev)) if w)
        except Exception:  # a broken hook must not cost the lint: keep everything instead
            return frozenset({b""})
    return frozenset(out)


def snapshot(model: FileModel, raw: list[Finding], key: Any, keep: frozenset = frozenset()) -> Optional[Snapshot]:
    """The snapshot of a fully linted model (None when the file cannot be linted piecewise)."""
    if b"" in keep:
        return None
    if model.src.tree is None or model.src.error is not None:
        return None
    data = model.src.data
    regs = _regs_by_decl(model)
    kids = model.root.children
    stmts = [_stmt(k, data, local_name(k, regs), model) for k in kids]
    per, _ = _assign(stmts, raw, model.path)
    _pin(stmts)
    return Snapshot(data=data, stmts=stmts, raw=per, key=key, lines=model.src.lines, keep=keep)


def _pin(stmts: list[Stmt]) -> None:
    """A local statement that context mentions (`export { list }`, `http.route({ handler: f })`,
    a rate limit named like it, a duplicate name) is never blanked: context findings may depend
    on it. Edits inside it are still linted incrementally (context is linted afresh with it)."""
    names: dict[bytes, int] = {}
    for s in stmts:
        if s.local:
            n = s.name.encode()
            names[n] = names.get(n, 0) + 1
    context_words: set = set()
    for s in stmts:
        if not s.local:
            context_words |= s.words
    for i, s in enumerate(stmts):
        if s.local:
            n = s.name.encode()
            if n in context_words or names[n] > 1:
                stmts[i] = dataclasses.replace(s, pinned=True)


# ------------------------------------------------------------------ the incremental lint


def _clone(f: Finding) -> Finding:
    g = object.__new__(Finding)
    g.__dict__.update(f.__dict__)
    return g


def _shift_finding(f: Finding, delta: int) -> Finding:
    if not delta:
        return f
    g = _clone(f)
    g.start += delta
    g.end += delta
    g.data = shift_data(f.data, delta)
    return g


def _moves_with(f: Finding, lo: int, hi: int) -> bool:
    """Do the finding and every offset in its data lie inside its statement (lo..hi)? Only then
    is moving them with the statement right."""
    return lo <= f.start and f.end <= hi and all(lo <= v <= hi for v in offsets_in(f.data))


def _parse_without(path: str, data: bytes, skipped: list[Node], lines: LineIndex) -> ts.Tree:
    """Parse `data` except the ranges of the `skipped` statements (tree-sitter's included ranges:
    the skipped bytes are not even read, so a 3,000-line file with all but a few statements
    blanked costs what those few cost). What lies between statements (newlines ending line
    comments) is parsed as it is."""
    parser = parser_for(kind_for_path(path), "ranges")
    ranges = []
    cur_b, cur_p = 0, (0, 0)
    for n in skipped:
        if n.start_byte > cur_b:
            ranges.append(ts.Range(cur_p, n.start_point, cur_b, n.start_byte))
        cur_b, cur_p = n.end_byte, n.end_point
    if len(data) > cur_b or not ranges:
        row = lines.row_of(len(data))
        ranges.append(ts.Range(cur_p, (row, len(data) - lines.starts[row]), cur_b, len(data)))
    parser.included_ranges = ranges
    return parser.parse(data)


FALLBACKS: Counter = Counter()  # why whole files were linted instead (for tests and the benchmark)


def _fallback(reason: str) -> None:
    FALLBACKS[reason] += 1
    return None


def relint(snap: Snapshot, path: str, data: bytes, tree, ws: Workspace, index: WorkspaceIndex,
           config: Config, rules: list[tuple[Rule, str]]) -> Optional[tuple[list[Finding], Snapshot]]:
    """Findings of `data` (parsed as `tree`) from `snap`, or None when the whole file must be linted."""
    root = tree.root_node
    kids = root.children
    old = snap.stmts
    n_old, n_new = len(old), len(kids)
    texts = [data[k.start_byte:k.end_byte] for k in kids]
    p = 0
    while p < n_old and p < n_new and old[p].text == texts[p]:
        p += 1
    q = 0
    while q < n_old - p and q < n_new - p and old[n_old - 1 - q].text == texts[n_new - 1 - q]:
        q += 1
    changed_old = old[p:n_old - q]
    changed_new = list(range(p, n_new - q))
    if len(changed_old) != len(changed_new) or any(not s.local for s in changed_old):
        return _fallback("context")
    if any(k.type == "ERROR" or k.is_missing for k in kids):
        return _fallback("top-level syntax error")
    for s, i in zip(changed_old, changed_new):
        m = _DECL_NAME.match(texts[i])
        if m is None or m.group(1).decode() != s.name:
            return _fallback("declaration renamed")
    # old index of each new statement outside the changed run; its shift
    def old_of(i: int) -> int:
        return i if i < p else i - n_new + n_old

    changed_names = {s.name.encode() for s in changed_old}
    changed_words: set = set()
    for s in changed_old:
        changed_words |= s.words
    new_words = {i: frozenset(_WORD.findall(texts[i])) for i in changed_new}
    for w in new_words.values():
        changed_words |= w
    # statements present in the synthetic text (linted afresh): context, the changed ones, the
    # local statements whose findings may depend on a changed one (they mention its name), and,
    # transitively, every local statement a present one mentions (its findings may depend on it)
    # A keep word (`Rule.keep_words`) ties together every statement that mentions it: once one of
    # them is present, all are (the finding that depends on the mentions may sit in any of them, or
    # on context, or on the declaration it names, which mentions itself). A changed statement
    # counts with its old words too (a mention it lost may have been the one a finding was on).
    keep = [False] * n_new
    local_at: dict[bytes, int] = {}
    mentions: dict[bytes, list[int]] = {}
    todo: list[int] = []
    kw = snap.keep
    for i in range(n_new):
        if p <= i < n_new - q:
            words = new_words[i] | changed_old[i - p].words
        else:
            s = old[old_of(i)]
            words = s.words
            if s.local:
                local_at[s.name.encode()] = i
        if kw:
            for w in (words & kw):
                mentions.setdefault(w, []).append(i)
    for i in range(n_new):
        if p <= i < n_new - q:
            keep[i] = True
            todo.append(i)
            continue
        s = old[old_of(i)]
        if not s.local or s.pinned or s.name.encode() in changed_words or (s.words & changed_names):
            keep[i] = True
            todo.append(i)
    while todo:
        i = todo.pop()
        if p <= i < n_new - q:
            words = new_words[i] | changed_old[i - p].words
        else:
            words = old[old_of(i)].words
        for w in words:
            j = local_at.get(w)
            if j is not None and not keep[j]:
                keep[j] = True
                todo.append(j)
            if w in kw:
                for j in mentions.pop(w, ()):
                    if not keep[j]:
                        keep[j] = True
                        todo.append(j)
    buf = bytearray(data)
    for i, k in enumerate(kids):
        if not keep[i]:
            a, b = k.start_byte, k.end_byte
            buf[a:b] = texts[i].translate(_BLANK)
    synth = bytes(buf)
    kept = [k for i, k in enumerate(kids) if keep[i]]
    lines = LineIndex(data)
    blanked = [k for i, k in enumerate(kids) if not keep[i]]
    model = build_model(path, synth, ws, parsed=_parse_without(path, synth, blanked, lines),
                        lines=LineIndex.sharing_rows(synth, lines))
    if model.src.tree is None or model.src.error is not None:
        return _fallback("unparseable")
    spans = [(k.start_byte, k.end_byte) for k in kept]
    skids = model.root.children
    if [(k.start_byte, k.end_byte) for k in skids] != spans:
        return _fallback("blanking changed the parse")  # a missing semicolon, say
    regs = _regs_by_decl(model)
    by_span = {(k.start_byte, k.end_byte): k for k in skids}
    for i in changed_new:
        node = by_span[(kids[i].start_byte, kids[i].end_byte)]
        name = local_name(node, regs)
        if name is None or name != changed_old[i - p].name:
            return _fallback("no longer a function declaration")
    fresh = raw_findings(model, index, config, rules)
    # the merged statement list and findings
    stmts: list[Stmt] = []
    per: list[list[Finding]] = []
    for i, k in enumerate(kids):
        if p <= i < n_new - q:
            node = by_span[(k.start_byte, k.end_byte)]
            st = _stmt(node, data, changed_old[i - p].name, model, new_words[i])
            st.pinned = changed_old[i - p].pinned  # context, unchanged, mentions it as before
            stmts.append(st)
            per.append([])
            continue
        j = old_of(i)
        delta = k.start_byte - old[j].start
        stmts.append(old[j].shifted(delta))
        if keep[i]:
            per.append([])
        elif delta:
            lo, hi = old[j].start, old[j].end
            if not all(_moves_with(f, lo, hi) for f in snap.raw[j]):
                return _fallback("a finding's data points outside its statement")
            per.append([_shift_finding(f, delta) for f in snap.raw[j]])
        else:
            per.append(snap.raw[j])
    # suppressions of the whole file: the synthetic model's plus the blanked statements' (a file-level
    # one is placed against the file's first statement, which the synthetic text may lack)
    first = next((k.start_byte for k in kids if k.is_named and k.type != "comment"), None)
    sups: list[Suppression] = []
    for sp in model.suppressions:
        a, b = sp.span.start, sp.span.end
        again = parse_suppression(data[a:b].decode("utf-8", "replace"), a, b, sp.span, lines, first)
        if again is not None:
            sups.append(again)
    errors = list(model.errors)
    for i, s in enumerate(stmts):
        if keep[i]:
            continue
        errors.extend(s.errors)
        for a, b, raw in s.comments:
            sp = parse_suppression(raw, a, b, _span(lines, a, b), lines, first)
            if sp is not None:
                sups.append(sp)
    sups.sort(key=lambda x: x.span.start)
    errors.sort()
    view = SimpleNamespace(path=path, suppressions=sups, errors=errors, src=SimpleNamespace(lines=lines))
    fresh_per, loose = _assign(stmts, fresh, path)
    for i, group in enumerate(fresh_per):
        if group:
            per[i] = group
    # (finish_findings fills in positions: on cached findings too, which is harmless, as they
    # are recomputed from the offsets on every run)
    findings = finish_findings(view, [f for group in per for f in group] + loose, config)
    new_snap = Snapshot(data=data, stmts=stmts, raw=per, key=snap.key, lines=lines, keep=snap.keep,
                        stats={"relinted": len(kept), "statements": n_new})
    return findings, new_snap


def _span(lines: LineIndex, a: int, b: int) -> Span:
    sr, sc = lines.position(a)
    er, ec = lines.position(b)
    return Span(a, b, sr, sc, er, ec)
