"""Per-file extraction: `FileModel` holds the nodes rules look at, and produces `FileFacts`.

Built once per (path, bytes). Compiled tree-sitter queries (built once per process) find
the few interesting node kinds; everything else is looked at only around them.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from typing import Optional

import tree_sitter as ts
from tree_sitter import Node

from . import convex as cx
from . import lazy_re
from .facts import (
    BuilderDef,
    ExportFact,
    FileFacts,
    HelperFact,
    ImportFact,
    IndexFact,
    IndexUseFact,
    RegistrationFact,
    SchemaEntry,
    SchemaFact,
    Span,
    TableFact,
    TableRefFact,
)
from .records import record, field
from .byte_scan import name_starts
from .refs_extract import extract_references
from .source import SourceFile, kind_for_path, language
from .syntax import (
    FUNCTION_TYPES,
    call_args,
    callee_name,
    error_ranges,
    object_pairs,
    pair_value,
    string_value,
    text,
    text_reader,
    unwrap,
)

# node types the main query also captures for `nodes_of_type` (one pass over the tree: a
# separate query per type would walk the whole tree again in C each time): the ones rules ask for
# (and the functions, for convex.set_function_index). Not the member expressions: a fifth of the
# file's named nodes, each capture costing ~2.5k instructions, for the few rules that look for a
# name's members (`members_on`, `members_named`: from the bytes)
_PREFETCHED_TYPES = ("as_expression", "subscript_expression", "variable_declarator",
                     "new_expression", "string", "template_string")
_QUERIES: dict[str, ts.Query] = {}
# node types `nodes_of_type_between` finds from the bytes: the keyword only they spell outside
# strings, comments and names (`if (…)`, `a ? b : c`)
_TOKEN_OF = {"if_statement": b"if", "ternary_expression": b"?"}
_COMMENT_OPENER = lazy_re.compile(rb"/[/*]")  # (what every comment node starts with)



def _query(kind: str) -> ts.Query:
    q = _QUERIES.get(kind)
    if q is None:
        lang = language(kind)
        functions = sorted(t for t in FUNCTION_TYPES if lang.id_for_node_kind(t, True) is not None)
        src = "(call_expression) @call\n(import_statement) @import\n" + "\n".join(
            f"({t}) @{t}" for t in _PREFETCHED_TYPES) + "\n" + "\n".join(f"({t}) @function" for t in functions)
        q = _QUERIES[kind] = ts.Query(lang, src)
    return q


_TYPE_QUERIES: dict[tuple[str, tuple[str, ...]], ts.Query] = {}


def _type_query(kind: str, types: tuple[str, ...]) -> ts.Query:
    """A compiled query capturing every named node of the given types (built once per process)."""
    key = (kind, types)
    q = _TYPE_QUERIES.get(key)
    if q is None:
        q = _TYPE_QUERIES[key] = ts.Query(language(kind), "\n".join(f"({t}) @n" for t in types))
    return q


def document_order(node: Node) -> tuple[int, int]:
    """Sort key of a pre-order walk: by start, an ancestor before the nodes it contains."""
    return node.start_byte, -node.end_byte


_START = operator.attrgetter("start_byte")
_END = operator.attrgetter("end_byte")


def sort_document_order(nodes: list[Node]) -> list[Node]:
    """`nodes.sort(key=document_order)`, in place, with keys read in C (two stable sorts: by end,
    descending, then by start): a Python key function is most of the cost of sorting nodes."""
    nodes.sort(key=_END, reverse=True)
    nodes.sort(key=_START)
    return nodes


def sort_by_start(nodes: list[Node]) -> list[Node]:
    """`nodes.sort(key=lambda n: n.start_byte)`, in place, the key read in C."""
    nodes.sort(key=_START)
    return nodes


class Fields:
    """A grammar's field ids (`node.child_by_field_id(F.name)` is `node.child_by_field_name("name")`
    without looking the name up among the grammar's field names on every call: a third of the cost of
    the call). The two grammars number their fields differently: for the nodes of one tree only."""

    __slots__ = ("alias", "arguments", "declaration", "function", "index", "key", "left", "name", "object",
                 "property", "right", "source", "value")

    def __init__(self, kind: str):
        lang = language(kind)
        for name in self.__slots__:
            setattr(self, name, lang.field_id_for_name(name))


@functools.lru_cache(maxsize=None)
def fields_of(kind: str) -> Fields:
    """The field ids of the grammar `kind` (`source.kind_for_path`) parses with."""
    return Fields(kind)


# a member expression spelled `name.name` (ASCII): its object is an identifier, or one of these
# words' own nodes (`this` is taken as an identifier is: see `_calls_facts`)
_NAME_DOT_NAME = lazy_re.compile(rb"([A-Za-z_$][\w$]*)\.[A-Za-z_$][\w$]*")
_NOT_IDENTIFIERS = frozenset({b"super", b"null", b"undefined", b"true", b"false", b"import", b"new"})


@functools.lru_cache(maxsize=4096)
def _is_auth_name(name: str) -> bool:
    return cx.AUTH_CALL_RE.match(name) is not None


# the directive must open the comment (`// convex-lsp-…`, `/* convex-lsp-… */`): prose that merely
# mentions it is not a suppression
SUPPRESS_RE = lazy_re.compile(
    r"^(?://|/\*)[\s*]*convex-lsp-(disable-next-line|disable-line|disable)(?=\s|$|\*/)([^\n*]*)"
)


@record
class Suppression:
    kind: str  # next-line | line | file | misplaced-file (a file directive after the first statement: no effect)
    rules: tuple[str, ...]  # empty = all
    line: int  # 0-based row the comment is on
    target_line: int  # row it applies to (-1 for the whole file)
    span: Span
    used: set = field(default_factory=set)


def parse_suppression(raw: str, start: int, end: int, span: Span, lines, first_stmt: Optional[int]) -> Optional[Suppression]:
    """The suppression a comment (`raw`, at bytes start..end) makes, if any. `first_stmt`: where the
    file's first non-comment statement starts (a file-level directive after it has no effect)."""
    m = SUPPRESS_RE.search(raw)
    if m is None:
        return None
    kind = {"disable-next-line": "next-line", "disable-line": "line", "disable": "file"}[m.group(1)]
    rest = m.group(2).strip()
    if rest.startswith("--"):
        rest = ""
    rest = rest.split("--")[0]
    rules = tuple(r.strip() for r in rest.replace(",", " ").split() if r.strip())
    row = lines.row_of(start)
    if kind == "file":
        if first_stmt is not None and start > first_stmt:
            # only before the first statement; kept so CVX901 can say it has no effect
            return Suppression("misplaced-file", rules, row, -2, span)
        target = -1
    elif kind == "next-line":
        target = lines.row_of(end) + 1
    else:
        target = row
    return Suppression(kind, rules, row, target, span)


@record
class ImportStmt:
    """One import statement (`read_import`)."""

    node: Node  # import_statement
    source: str
    src_node: Optional[Node]  # (the source string node: see `source_node`)
    type_only: bool  # `import type ...` or every specifier is `type`
    side_effect: bool  # `import "./x"`
    locals: list[str]  # value bindings it introduces
    bindings: list[ImportFact] = field(default_factory=list)  # every name it binds (type-only too), as facts

    @property
    def source_node(self) -> Node:
        """The source string node (found when first asked: most statements are never reported)."""
        got = self.src_node
        if got is None:
            got = self.src_node = self.node.child_by_field_name("source")
        return got


_ID = rb"[A-Za-z_$][\w$]*"
# an import statement spelled plainly (ASCII names, no comment, no attributes): its parts are what
# the statement's nodes say, read from its bytes (`read_import`'s way for a statement without errors)
_PLAIN_IMPORT = lazy_re.compile(
    rb"import\s*(?:(?P<clause>[\w$\s,*{}]*[\w$*}])\s*from\s*)?(?P<src>\"[^\"\\\n]*\"|'[^'\\\n]*')\s*;?")
_DEFAULT = lazy_re.compile(rb"(?s)(" + _ID + rb")(?:\s*,\s*(.*))?")
_NAMESPACE = lazy_re.compile(rb"\*\s*as\s+(" + _ID + rb")")
_SPEC = lazy_re.compile(rb"\s*(?:(type)\s+)?(" + _ID + rb")(?:\s+as\s+(" + _ID + rb"))?\s*")
_STMT_TYPE = lazy_re.compile(rb"type\s+(?=[{*A-Za-z_$])")  # `import type …` (a default named `type` has none)
_TYPE_WORDS = frozenset({"type", "typeof", "as", "from"})  # (a modifier or a name: the nodes tell)


def _whole_binding(found: Optional[re.Match], imported: str, source: str, type_only: bool) -> Optional[tuple]:
    """The default or namespace binding whose local name is `found`'s first group, as an
    `ImportFact`'s fields; None when the pattern did not match or the name is one of `_TYPE_WORDS`
    (then the nodes are read)."""
    if found is None:
        return None
    local = found.group(1).decode("ascii")
    return None if local in _TYPE_WORDS else (local, imported, source, type_only)


# statement bytes -> what `_plain_import_parts` reads from them: a project's files import the same
# few modules in the same words (bounded: cleared when full)
_PLAIN_READS: dict[bytes, Optional[tuple]] = {}
_PLAIN_READS_MAX = 4096
_UNREAD = object()


def _read_plain_import(stmt: Node, data: bytes) -> Optional[ImportStmt]:
    """`read_import` from the bytes, for a statement (without errors) spelled as `_PLAIN_IMPORT`
    says; None when it is not (then the nodes are read). The same words are read once per process."""
    raw = data[stmt.start_byte:stmt.end_byte]
    got = _PLAIN_READS.get(raw, _UNREAD)
    if got is _UNREAD:
        if len(_PLAIN_READS) >= _PLAIN_READS_MAX:
            _PLAIN_READS.clear()
        got = _PLAIN_READS[raw] = _plain_import_parts(raw)
    if got is None:
        return None
    source, type_only, side_effect, locals_, bindings = got
    return ImportStmt(stmt, source, None, type_only, side_effect, list(locals_),
                      [ImportFact(*b) for b in bindings])


def _plain_import_parts(raw: bytes) -> Optional[tuple]:
    """What `_read_plain_import` reads from a statement's bytes: (source, type only, side effect
    only, locals, the bindings as `ImportFact`s' fields), or None."""
    m = _PLAIN_IMPORT.fullmatch(raw)
    if m is None:
        return None
    source = m.group("src")[1:-1].decode("utf-8", "replace")
    clause = m.group("clause")
    if clause is None:
        return source, False, True, (), ()
    locals_: list[str] = []
    bindings: list[tuple] = []
    rest: Optional[bytes] = clause
    stmt_type = False  # `import type …`: every binding is a type's
    t = _STMT_TYPE.match(clause)
    if t is not None:
        stmt_type = True
        rest = clause = clause[t.end():]
    if not clause.startswith((b"{", b"*")):
        d = _DEFAULT.fullmatch(clause)
        fact = _whole_binding(d, "default", source, stmt_type)
        if fact is None:
            return None
        locals_.append(fact[0])
        bindings.append(fact)
        rest = d.group(2)
    if rest is None:
        pass
    elif rest.startswith(b"*"):
        fact = _whole_binding(_NAMESPACE.fullmatch(rest), "*", source, stmt_type)
        if fact is None:
            return None
        locals_.append(fact[0])
        bindings.append(fact)
    elif rest.startswith(b"{") and rest.endswith(b"}") and rest.count(b"{") == 1 and rest.count(b"}") == 1:
        specs = rest[1:-1].split(b",")
        if not specs[-1].strip():
            specs.pop()  # a trailing comma (or none at all: `{}`)
        for raw in specs:
            sm = _SPEC.fullmatch(raw)
            if sm is None:
                return None
            name = sm.group(2).decode("ascii")
            alias = sm.group(3)
            local = alias.decode("ascii") if alias is not None else name
            if name in _TYPE_WORDS or local in _TYPE_WORDS:
                return None
            spec_type = sm.group(1) is not None
            if spec_type and stmt_type:
                return None  # (`import type { type A }`: the nodes tell)
            bindings.append((local, name, source, stmt_type or spec_type))
            if not spec_type:
                locals_.append(local)
    else:
        return None
    type_only = stmt_type or (bool(bindings) and not locals_)  # (a binding per name the clause spells)
    return source, type_only, False, () if stmt_type else tuple(locals_), tuple(bindings)


def read_import(stmt: Node, text_of=text, data: Optional[bytes] = None) -> Optional[ImportStmt]:
    """What an import statement binds (None without a plain string source). `text_of`: `text`, or
    the model's reader of this tree; `data`: the bytes of the statement's file, when known (a plain
    statement is read from them: `_read_plain_import`)."""
    if data is not None and not stmt.has_error:
        got = _read_plain_import(stmt, data)
        if got is not None:
            return got
    src = stmt.child_by_field_name("source")
    source = string_value(src)
    if source is None:
        return None
    stmt_type = any(c.type == "type" for c in stmt.children)
    clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
    if clause is None:
        return ImportStmt(stmt, source, src, stmt_type, True, [])
    locals_: list[str] = []
    bindings: list[ImportFact] = []
    n_specs = 0
    for c in clause.named_children:
        if c.type == "identifier":
            n_specs += 1
            local = text_of(c)
            locals_.append(local)
            bindings.append(ImportFact(local, "default", source, stmt_type))
        elif c.type == "namespace_import":
            n_specs += 1
            ident = next((x for x in c.named_children if x.type == "identifier"), None)
            if ident is not None:
                local = text_of(ident)
                locals_.append(local)
                bindings.append(ImportFact(local, "*", source, stmt_type))
        elif c.type == "named_imports":
            for spec in c.named_children:
                if spec.type != "import_specifier":
                    continue
                n_specs += 1
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                spec_type = any(x.type == "type" for x in spec.children)
                imported = string_value(name) if name is not None and name.type == "string" else text_of(name)
                bindings.append(ImportFact(text_of(alias) if alias is not None else imported, imported, source,
                                           stmt_type or spec_type))
                if not spec_type:
                    locals_.append(text_of(alias) if alias is not None else text_of(name))
    type_only = stmt_type or (n_specs > 0 and not locals_)
    return ImportStmt(stmt, source, src, type_only, False, [] if stmt_type else locals_, bindings)


@cx._memo
def top_level_imports(root: Node) -> list[ImportStmt]:
    """The file's top-level import statements, read (several rules ask: once per file while it is
    linted; the model's pass over the imports gives it)."""
    out = []
    for stmt in root.named_children:
        if stmt.type == "import_statement":
            got = read_import(stmt)
            if got is not None:
                out.append(got)
    return out


# `export` and the word after it (`default`, or another: `const`, `{`...), spelled plainly
_EXPORT_NEXT = lazy_re.compile(rb"export[ \t\r\n]+(default(?![\w$]))?")


def _export_default(stmt: Node, data: bytes) -> bool:
    """Is the export statement `export default …`, as its children say (a `default` among them)?
    Read from the bytes when the statement starts `export` then a word or a bracket (no decorator,
    no comment between the two words, no error)."""
    m = _EXPORT_NEXT.match(data, stmt.start_byte)
    if m is not None and (m.group(1) is not None or data[m.end():m.end() + 1] not in (b"/", b"")) \
            and not stmt.has_error:
        return m.group(1) is not None
    return any(c.type == "default" for c in stmt.children)


@record
class Registration:
    fact: RegistrationFact
    call: Node  # builder(...) call
    config: Optional[Node]  # the object literal (object syntax)
    handler: Optional[Node]  # the handler function node
    pairs: dict[str, Node]  # key -> pair node of the config object
    decl: Optional[Node]  # the variable_declarator, if any

    @property
    def builder(self) -> str:
        return self.fact.builder

    def value(self, key: str) -> Optional[Node]:
        p = self.pairs.get(key)
        return pair_value(p) if p is not None else None


class FileModel:
    text_of = staticmethod(text)  # (a model without a tree: replaced by a reader of the tree's bytes)

    def __init__(self, src: SourceFile, functions_dir: Optional[str] = None, module: Optional[str] = None,
                 refs_only: bool = False, memo: Optional[dict] = None, known: Optional[FileFacts] = None):
        """`known`: this file's facts, taken from these bytes before (a tree parsed again after it
        was let go): they become `self.facts`, and the passes that only fill facts are skipped."""
        self.src = src
        self.path = src.path
        self.F = fields_of(kind_for_path(src.path))  # (this tree's grammar's field ids)
        self.functions_dir = functions_dir
        self.module = module
        self.facts = FileFacts(path=src.path, functions_dir=functions_dir, module=module, error=src.error,
                               refs_only=refs_only)
        self.calls: list[Node] = []
        self._comments: Optional[list[Node]] = None  # see comments
        self.registrations: list[Registration] = []
        self.query_chains: list[cx.QueryChain] = []
        self.suppressions: list[Suppression] = []
        self.errors: list[tuple[int, int]] = []
        self.helper_nodes: dict[str, Node] = {}
        self._error_starts: list[int] = []
        # convex.file_cache store: memoised recogniser answers for this tree
        self.memo: dict = {} if memo is None else memo
        self._nodes_by_type: dict[tuple[str, ...], list[Node]] = {}  # see nodes_of_type()
        self._prefetched: dict[str, list[Node]] = {}  # type -> nodes captured by the main query, unsorted
        self._by_callee: Optional[dict[str, list[int]]] = None  # see calls_named()
        if src.tree is None:
            return
        root = src.tree.root_node
        self.root = root
        # `syntax.text` for this tree's nodes (cheaper: see text_reader)
        self.text_of = text_reader(src.data, root, self.memo)
        self.errors = error_ranges(root)
        if refs_only:
            # client code, tests, scripts: the imports, then the references found from their bytes
            # (no whole-tree query, no query chains: see refs_extract's light mode)
            self._extract_imports([c for c in root.named_children if c.type == "import_statement"])  # (all top-level)
            extract_references(self, light=True)
            return
        caps = ts.QueryCursor(_query(kind_for_path(src.path))).captures(root)
        cx.set_function_index(self.memo, root, sort_document_order(caps.get("function", [])))
        self.calls = sort_by_start(caps.get("call", []))
        top = root.named_children
        self._extract_imports(sort_by_start(caps.get("import", [])), top)
        self._extract_top_level(root, top)
        self._extract_registrations()
        self._extract_chains_and_refs()
        self._derive_helper_chains()
        self._derive_variable_chains()
        for t in _PREFETCHED_TYPES:
            self._prefetched[t] = caps.get(t, [])
        if known is None:
            extract_references(self)  # facts only
            self._extract_schema()  # facts only
        self._extract_suppressions()
        if known is not None:
            self.facts = known

    # ------------------------------------------------------------------ helpers
    def span(self, node_or_start, end: Optional[int] = None) -> Span:
        if end is None:
            start, end = node_or_start.start_byte, node_or_start.end_byte
        else:
            start = node_or_start
        sr, sc, er, ec = self.src.lines.positions(start, end)
        return Span(start, end, sr, sc, er, ec)

    def in_error(self, node: Node) -> bool:
        s, e = node.start_byte, node.end_byte
        for a, b in self.errors:
            if a < e and s < b:
                return True
        return False

    def nodes_of_type(self, *types: str) -> list[Node]:
        """Every named node of these types in the file, in document order (pre-order: an
        ancestor before the nodes it contains). Found by one compiled query instead of a walk
        from Python, and kept for the model's lifetime: rules asking for the same types share it."""
        key = tuple(sorted(set(types)))
        cache = self._nodes_by_type
        found = cache.get(key)
        if found is None:
            if self._prefetched and all(t in self._prefetched for t in key):
                found = [n for t in key for n in self._prefetched[t]]
                sort_document_order(found)
            elif self.src.tree is None:
                found = []
            else:
                caps = ts.QueryCursor(_type_query(kind_for_path(self.src.path), key)).captures(self.root)
                found = sort_document_order(caps.get("n", []))
            cache[key] = found
        return found

    @property
    def comments(self) -> list[Node]:
        """The file's comment nodes, by start. Found from the bytes when first asked (few files
        ask: the ones with a suppression, CVX406 looking above an unused function): where `//` or
        `/*` is, the node there is a comment that starts there, or another (a string, a regular
        expression...) holding those bytes."""
        got = self._comments
        if got is None:
            got = self._comments = []
            if self.src.tree is not None:
                data = self.src.data
                find = self.root.named_descendant_for_byte_range
                m = _COMMENT_OPENER.search(data)
                while m is not None:
                    i = m.start()
                    n = find(i, i + 2)
                    if n is not None and n.type == "comment" and n.start_byte == i:
                        got.append(n)
                        m = _COMMENT_OPENER.search(data, n.end_byte)
                    else:
                        m = _COMMENT_OPENER.search(data, i + 1)
        return got

    def nodes_of_type_between(self, lo: int, hi: int, *types: str) -> list[Node]:
        """The named nodes of these types lying within bytes lo..hi, in document order. A type
        spelled with a keyword of its own (`_TOKEN_OF`) is found from that keyword's places in those
        bytes (the smallest named node around each: the node it belongs to, or a string, comment,
        name... holding those bytes); no query over the whole tree is compiled nor run for it."""
        if not all(t in _TOKEN_OF for t in types) or self.src.tree is None:
            return [n for n in self.nodes_of_type(*types) if lo <= n.start_byte and n.end_byte <= hi]
        data = self.src.data
        find = self.root.named_descendant_for_byte_range
        found: dict[tuple[int, int, str], Node] = {}
        for t in set(types):
            token = _TOKEN_OF[t]
            size = len(token)
            i = data.find(token, lo, hi)
            while i != -1:
                n = find(i, i + size)
                if n is not None and n.type == t and lo <= n.start_byte and n.end_byte <= hi:
                    found[(n.start_byte, n.end_byte, t)] = n
                i = data.find(token, i + 1, hi)
        return sort_document_order(list(found.values()))

    def members_on(self, names) -> list[Node]:
        """The member expressions whose object is an identifier spelled as one of `names` (`v.string`,
        `v?.x`; not `(v).x`), in document order. Found from the names' places in the bytes: the
        smallest named node around a name and the byte after it is the member expression whose object
        it is, if any (member expressions are many: the main query does not capture them)."""
        if self.src.tree is None or not names:
            return []
        find = self.root.named_descendant_for_byte_range
        f_object = self.F.object
        data = self.src.data
        out = []
        for raw in {n.encode("utf-8") for n in names}:
            size = len(raw)
            for i in name_starts(data, raw):
                n = find(i, i + size + 1)
                if n is not None and n.type == "member_expression":
                    obj = n.child_by_field_id(f_object)
                    if obj is not None and obj.start_byte == i and obj.end_byte == i + size \
                            and obj.type == "identifier":
                        out.append(n)
        return sort_by_start(out) if len(names) > 1 else out

    def members_named(self, prop: str, within: Optional[Node] = None) -> list[Node]:
        """The member expressions whose property is the name `prop` (`ctx.db`, `x?.db`), inside `within`
        (the whole file: None), in document order. Found from the name's places in the bytes (the
        property node there, then its parent), as `members_on`."""
        if self.src.tree is None:
            return []
        lo, hi = (within.start_byte, within.end_byte) if within is not None else (0, len(self.src.data))
        find = self.root.named_descendant_for_byte_range
        out = []
        raw = prop.encode("utf-8")
        for i in name_starts(self.src.data, raw, lo, hi):
            n = find(i, i + len(raw))
            if n is not None and n.type == "property_identifier" and n.start_byte == i and n.end_byte == i + len(raw):
                p = n.parent
                if p is not None and p.type == "member_expression" and (within is None or p != within):
                    out.append(p)
        return sort_document_order(out)

    def nodes_any_order(self, *types: str) -> list[Node]:
        """`nodes_of_type(*types)` in no particular order, for a rule whose answer does not depend
        on it: the nodes the main query captured, without the sort (a few ms per rule over a
        project), when it captured them all."""
        got = self._prefetched
        if got and all(t in got for t in types):
            if len(types) == 1:
                return got[types[0]]
            return [n for t in types for n in got[t]]
        return self.nodes_of_type(*types)

    def nodes_of_type_within(self, node: Node, *types: str) -> list[Node]:
        """`nodes_of_type(*types)` strictly inside `node` (document order), found by bisection."""
        found = self.nodes_of_type(*types)
        if not found:
            return []
        key = (tuple(sorted(set(types))), "starts")
        starts = self._nodes_by_type.get(key)
        if starts is None:
            starts = self._nodes_by_type[key] = [n.start_byte for n in found]
        lo = bisect.bisect_left(starts, node.start_byte)
        end = node.end_byte
        out = []
        for i in range(lo, len(found)):
            n = found[i]
            if n.start_byte >= end:
                break
            if n.end_byte <= end and n.id != node.id:
                out.append(n)
        return out

    def _identifiers_named(self, names: tuple[str, ...]) -> list[Node]:
        """The identifier nodes spelled as one of `names`, by start: each name is searched for
        in the bytes and the node exactly there is checked (cheaper than a query predicate,
        which reads the text of every identifier)."""
        data = self.src.data
        out = []
        for name in names:
            raw = name.encode("utf-8")
            i = data.find(raw)
            while i != -1:
                node = self.root.named_descendant_for_byte_range(i, i + len(raw))
                if node is not None and node.type == "identifier" and node.start_byte == i \
                        and node.end_byte == i + len(raw):
                    out.append(node)
                i = data.find(raw, i + 1)
        sort_by_start(out)
        return out

    @property
    def is_tsx(self) -> bool:
        return self.path.endswith(".tsx")

    # ------------------------------------------------------------------ imports
    def _extract_imports(self, nodes: list[Node], top: Optional[list[Node]] = None) -> None:
        """The imports' facts (`nodes`: every import statement, by start), read by `read_import`. Its
        answers for the top-level statements (`top`: the file's top-level statements; None: `nodes`
        are) are what `top_level_imports` gives: kept in the model's memo for the rules that ask."""
        top_ids = None if top is None else {c.id for c in top if c.type == "import_statement"}
        stmts = []
        imports = self.facts.imports
        text_of = self.text_of
        data = self.src.data
        for node in nodes:
            stmt = read_import(node, text_of, data)
            if stmt is None:
                continue
            imports += stmt.bindings
            if top_ids is None or node.id in top_ids:
                stmts.append(stmt)
        cx.memo_answer(self.memo, top_level_imports, self.root, stmts)  # (one walk of the imports less)

    def import_of(self, local: str) -> Optional[ImportFact]:
        return self.facts.import_of(local)

    def builder_name_local_kind(self, name: str) -> Optional[tuple[str, str]]:
        """Resolve a builder name without the workspace (imports of _generated/server and
        convex/server only). The index resolves custom builders across files."""
        imp = self.import_of(name)
        if imp is not None and not imp.type_only:
            if cx.GENERATED_SERVER_RE.search(imp.source):
                return cx.BASE_BUILDERS.get(imp.imported)
            if imp.source == "convex/server":
                return cx.GENERIC_BUILDERS.get(imp.imported)
        return None

    # ------------------------------------------------------------ top level
    def _extract_top_level(self, root: Node, top: Optional[list[Node]] = None) -> None:
        facts = self.facts
        f_declaration = self.F.declaration
        for stmt in (root.named_children if top is None else top):
            exported = False
            decl = stmt
            t = stmt.type
            if t == "export_statement":
                exported = True
                decl = stmt.child_by_field_id(f_declaration)
                self._extract_export(stmt, decl)
                if decl is None:
                    continue
                t = decl.type
            elif t == "expression_statement" and not facts.use_node and not facts.registrations:
                first = stmt.named_child(0)
                s = string_value(first) if first is not None else None
                if s == "use node" and self._is_directive_position(stmt):
                    facts.use_node = True
                    facts.use_node_span = self.span(stmt)
                continue
            if t in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    if d.type == "variable_declarator":
                        self._top_level_declarator(d, exported)
            elif t in ("function_declaration", "generator_function_declaration"):
                name = self.text_of(decl.child_by_field_id(self.F.name))
                if name:
                    self._add_helper(name, decl, exported)

    def _is_directive_position(self, stmt: Node) -> bool:
        prev = stmt.prev_named_sibling
        while prev is not None:
            if prev.type == "comment":
                prev = prev.prev_named_sibling
                continue
            if prev.type == "expression_statement" and prev.named_children and prev.named_children[0].type == "string":
                prev = prev.prev_named_sibling
                continue
            return False
        return True

    def _extract_export(self, stmt: Node, decl: Optional[Node]) -> None:
        """`decl`: the statement's declaration (its field), or None."""
        facts = self.facts
        if _export_default(stmt, self.src.data):
            value = stmt.child_by_field_id(self.F.value) or decl
            local = None
            v = unwrap(value)
            if v is not None and v.type == "identifier":
                local = self.text_of(v)
            elif v is not None and v.type in ("function_declaration", "class_declaration"):
                local = self.text_of(v.child_by_field_id(self.F.name)) or None
            facts.exports.append(ExportFact("default", local))
            facts.default_export = self._describe_default(v)
            return
        if decl is not None:
            if decl.type in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    if d.type == "variable_declarator":
                        n = d.child_by_field_id(self.F.name)
                        if n is not None and n.type == "identifier":
                            facts.exports.append(ExportFact(self.text_of(n), self.text_of(n)))
            else:
                n = decl.child_by_field_id(self.F.name)
                if n is not None:
                    facts.exports.append(ExportFact(self.text_of(n), self.text_of(n)))
            return
        source = string_value(stmt.child_by_field_id(self.F.source))
        clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
        if clause is None:
            if source is not None:
                ns = next((c for c in stmt.named_children if c.type == "namespace_export"), None)
                if ns is not None:
                    name = self.text_of(ns.named_children[-1]) if ns.named_children else ""
                    facts.exports.append(ExportFact(name, None, source=source, star=False))
                else:
                    facts.exports.append(ExportFact("*", None, source=source, star=True))
            return
        for spec in clause.named_children:
            if spec.type != "export_specifier":
                continue
            name = self.text_of(spec.child_by_field_id(self.F.name))
            alias = spec.child_by_field_id(self.F.alias)
            facts.exports.append(ExportFact(self.text_of(alias) if alias is not None else name, name, source=source))

    def _describe_default(self, v: Optional[Node]) -> str:
        if v is None:
            return "other"
        if v.type == "call_expression":
            return callee_name(v) or "call"
        if v.type == "identifier":
            # resolve to the initializer of a top-level const
            name = self.text_of(v)
            for stmt in self.root.named_children:
                decl = stmt.child_by_field_id(self.F.declaration) if stmt.type == "export_statement" else stmt
                if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
                    continue
                for d in decl.named_children:
                    if d.type == "variable_declarator" and self.text_of(d.child_by_field_id(self.F.name)) == name:
                        init = unwrap(d.child_by_field_id(self.F.value))
                        if init is not None and init.type == "call_expression":
                            return callee_name(init) or "call"
                        return "identifier"
            return "identifier"
        return v.type

    def _top_level_declarator(self, d: Node, exported: bool) -> None:
        name_node = d.child_by_field_id(self.F.name)
        value = unwrap(d.child_by_field_id(self.F.value))
        if name_node is None or name_node.type != "identifier" or value is None:
            return
        name = self.text_of(name_node)
        vt = value.type
        if vt == "call_expression":
            fn = value.child_by_field_id(self.F.function)
            callee = self.text_of(fn) if fn is not None and fn.type == "identifier" else None
            if callee in cx.CUSTOM_FACTORIES:
                args = call_args(value)
                base = unwrap(args[0]) if args else None
                base_name = self.text_of(base) if base is not None and base.type == "identifier" else None
                auth, calls = self._calls_facts(value)
                self.facts.builders[name] = BuilderDef(
                    name=name, factory=callee, base=base_name,
                    authenticates=auth, span=self.span(d), calls=calls,
                )
                return
            table = self._table_from_expr(value, None)
            if table is not None:
                self.facts.tables[name] = table
                return
        elif vt == "identifier":
            ref = self.text_of(value)
            if ref in self.facts.builders or self.builder_name_local_kind(ref) is not None or self.import_of(ref):
                self.facts.builders[name] = BuilderDef(name=name, factory="alias", base=ref,
                                                       authenticates=False, span=self.span(d))
            return
        elif vt == "object":
            group: dict[str, TableFact] = {}
            for key, pair in object_pairs(value).items():
                if pair.type != "pair":
                    continue
                t = self._table_from_expr(unwrap(pair_value(pair)), key, key_node=pair.child_by_field_id(self.F.key))
                if t is not None:
                    group[key] = t
            if group:
                self.facts.table_groups[name] = group
            return
        if vt in ("arrow_function", "function_expression"):
            self._add_helper(name, value, exported)

    def _add_helper(self, name: str, fn: Node, exported: bool) -> None:
        self.helper_nodes[name] = fn
        auth, calls = self._calls_facts(fn)
        self.facts.helpers[name] = HelperFact(name=name, exported=exported, authenticates=auth, calls=calls)

    def _calls_facts(self, node: Node) -> tuple[bool, tuple[str, ...]]:
        """(a call inside `node` looks like an auth check: `syntax.callee_name` matching AUTH_CALL_RE,
        the names of its plain calls: `f` for `f(…)`, `a.f` for `a.f(…)`), in one pass over the
        callee index (each name matched once per process)."""
        out: list[str] = []
        auth = False
        raw = self._raw_callees
        data = self.src.data
        for i in self._calls_within_idx(node):
            got = raw[i]
            if got is None:
                continue
            if got[1] and not auth and _is_auth_name(got[1]):
                auth = True
            if got[0]:
                out.append(got[1])
                continue
            fn = got[2]
            m = _NAME_DOT_NAME.fullmatch(data, fn.start_byte, fn.end_byte)
            if m is not None and m.group(1) not in _NOT_IDENTIFIERS:
                out.append(m.group().decode("ascii"))  # (`a.f` spelled plainly: an identifier's property)
                continue
            obj = unwrap(fn.child_by_field_id(self.F.object))
            if obj is not None and obj.type in ("identifier", "this"):
                if got[3].type in ("property_identifier", "private_property_identifier"):
                    out.append(self.text_of(obj) + "." + got[1])
        return auth, tuple(out)

    def calls_within(self, node: Node) -> list[Node]:
        """All call_expressions inside node (document order), via bisect on `self.calls`."""
        calls = self.calls
        return [calls[i] for i in self._calls_within_idx(node)]

    def _calls_within_idx(self, node: Node) -> list[int]:
        """The positions in `calls` of the calls inside `node`."""
        starts, ends = self._call_spans()
        lo = bisect.bisect_left(starts, node.start_byte)
        end = node.end_byte
        hi = bisect.bisect_left(starts, end, lo)
        return [i for i in range(lo, hi) if ends[i] <= end]

    def calls_named_with_callees(self, *names: str) -> list[tuple[Node, tuple]]:
        """`calls_named(*names)`, each call with its `raw_callees` entry (is an identifier, name,
        callee node, property node or None): the callee read once, by the callee index."""
        by = self._by_callee
        if by is None:
            by = self._callee_index()
        raw, calls = self._raw, self.calls
        if len(names) == 1:
            found = by.get(names[0], ())
        else:
            found = [p for p in map(by.get, set(names)) if p]
            found = sorted(itertools.chain.from_iterable(found)) if len(found) > 1 else found[0] if found else ()
        return [(calls[i], raw[i]) for i in found]

    def calls_named(self, *names: str) -> list[Node]:
        """The calls whose callee is written `name(…)` or `<anything>.name(…)` (the member's property;
        a wrapped callee, `(f)(…)`, `f!(…)`, is not named: rules/_calls.py adds those), for each of
        `names`, in document order (as in `calls`). Found from an index of the file's calls by callee
        name built once per model: a rule looking for a few methods need not read the callee of every
        call again. A pre-filter: the caller still checks the callee's shape. (With several names,
        their lists of positions merged in C.)"""
        by = self._by_callee
        if by is None:
            by = self._callee_index()
        calls = self.calls
        if len(names) == 1:
            return [calls[i] for i in by.get(names[0], ())]
        found = [p for p in map(by.get, set(names)) if p]
        if not found:
            return []
        return [calls[i] for i in (sorted(itertools.chain.from_iterable(found)) if len(found) > 1 else found[0])]

    def callee_names(self) -> set[str]:
        """Every callee name `calls_named` knows in this file."""
        by = self._by_callee
        if by is None:
            by = self._callee_index()
        return set(by)

    def _callee_index(self) -> dict[str, list[int]]:
        by: dict[str, list[int]] = {}
        # per call: (is an identifier, name, callee node) when the callee is a plain identifier or
        # member expression (what syntax.callee_name reads), else None
        raw: list[Optional[tuple[bool, str, Node]]] = [None] * len(self.calls)
        f_function, f_property = self.F.function, self.F.property
        text_of = self.text_of
        for i, call in enumerate(self.calls):
            fn = call.child_by_field_id(f_function)  # (child_by_field_id(self.F.function), without the name's look-up)
            if fn is None:
                continue
            t = fn.type
            if t == "identifier":
                name = text_of(fn)
            elif t == "member_expression":
                prop = fn.child_by_field_id(f_property)
                if prop is None:
                    continue
                name = text_of(prop)
            else:
                continue
            raw[i] = (t == "identifier", name, fn, prop if t != "identifier" else None)
            got = by.get(name)
            if got is None:
                by[name] = [i]
            else:
                got.append(i)
        self._by_callee = by
        self._raw = raw
        return by

    @property
    def _raw_callees(self) -> list:
        if self._by_callee is None:
            self._callee_index()
        return self._raw

    def raw_callees(self) -> list:
        """Per call of `calls` (same positions): `(is an identifier, name, callee node, property node
        or None)` when the callee is a plain identifier or a member expression with a property (the
        name `calls_named` files it under: the identifier's text or the property's), else None."""
        return self._raw_callees

    def _call_spans(self) -> tuple[list[int], list[int]]:
        """The starts and the ends of `calls` (read once)."""
        got = getattr(self, "_spans_of_calls", None)
        if got is None:
            got = self._spans_of_calls = ([c.start_byte for c in self.calls], [c.end_byte for c in self.calls])
        return got

    # ------------------------------------------------------------ registrations
    def _is_builder_candidate(self, name: str) -> bool:
        if name in self.facts.builders or self.builder_name_local_kind(name) is not None:
            return True
        imp = self.import_of(name)
        return imp is not None and not imp.type_only and (imp.source.startswith(".") or imp.source.startswith("@/") or imp.source.startswith("~/"))

    def _extract_registrations(self) -> None:
        # (a candidate is a builder defined here or an imported name: look at those names only)
        imported = {i.local for i in self.facts.imports}  # (`import_of(name) is not None`, in one set)
        builders = [name for name in self.callee_names()
                    if (name in self.facts.builders or name in imported) and self._is_builder_candidate(name)]
        if not builders:
            return
        for call, (is_identifier, name, _, _) in self.calls_named_with_callees(*builders):
            if not is_identifier:
                continue
            args = call_args(call)
            if len(args) != 1:
                continue
            arg = args[0]
            if arg.type == "object":
                pairs = object_pairs(arg)
                if "handler" not in pairs:
                    continue
                handler = pair_value(pairs["handler"])
                handler = unwrap(handler) if handler is not None and handler.type != "method_definition" else handler
                self._add_registration(call, name, arg, handler, pairs)
            elif arg.type in ("arrow_function", "function_expression"):
                if name in cx.CUSTOM_FACTORIES:
                    continue
                self._add_registration(call, name, None, arg, {})

    def _add_registration(self, call: Node, builder: str, config: Optional[Node], handler: Optional[Node],
                          pairs: dict[str, Node]) -> None:
        decl = None
        decl_parent = None
        outer = call
        p = outer.parent  # (each `parent` walks down from the root: asked once a level)
        while p is not None and p.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
            outer = p
            p = outer.parent
        name = None
        exported = False
        start = call.start_byte
        value = p.child_by_field_id(self.F.value) if p is not None and p.type == "variable_declarator" else None
        if value is not None and value.id == outer.id:
            decl = p
            nn = p.child_by_field_id(self.F.name)
            if nn is not None and nn.type == "identifier":
                name = self.text_of(nn)
                start = nn.start_byte
            pp = decl_parent = p.parent
            gp = pp.parent if pp is not None else None
            exported = gp is not None and gp.type == "export_statement"
            if not exported and name:
                exported = any(e.local == name and e.source is None for e in self.facts.exports)
        elif p is not None and p.type == "export_statement":
            name = "default"
            exported = True
            start = p.start_byte
        if config is not None:
            end = config.start_byte + 1
        else:
            argsnode = call.child_by_field_id(self.F.arguments)
            end = argsnode.start_byte + 1 if argsnode is not None else call.end_byte
        args_v = pair_value(pairs["args"]) if "args" in pairs else None
        ret_v = pair_value(pairs["returns"]) if "returns" in pairs else None
        arg_names: tuple[str, ...] = ()
        if args_v is not None and unwrap(args_v) is not None and unwrap(args_v).type == "object":
            arg_names = tuple(object_pairs(unwrap(args_v)).keys())
        auth, calls = self._calls_facts(handler) if handler is not None else (False, ())
        fact = RegistrationFact(
            name=name, exported=exported, builder=builder,
            syntax="object" if config is not None else "bare",
            has_args="args" in pairs, has_returns="returns" in pairs,
            authenticates=auth,
            span=self.span(start, end),
            args_text=self.text_of(args_v) if args_v is not None else None,
            returns_text=self.text_of(ret_v) if ret_v is not None else None,
            arg_names=arg_names,
            calls=calls,
            end=call.end_byte,
            decl_start=decl_parent.start_byte if decl_parent is not None else -1,
        )
        self.facts.registrations.append(fact)
        self.registrations.append(Registration(fact=fact, call=call, config=config, handler=handler,
                                               pairs=pairs, decl=decl))

    def registration_of(self, node: Node) -> Optional[Registration]:
        """The registration whose handler contains node (innermost)."""
        best = None
        for reg in self.registrations:
            h = reg.handler
            if h is not None and h.start_byte <= node.start_byte and node.end_byte <= h.end_byte:
                if best is None or h.start_byte >= best.handler.start_byte:
                    best = reg
        return best

    # ------------------------------------------------------------ chains, refs
    def _extract_chains_and_refs(self) -> None:
        facts = self.facts
        for call, (is_identifier, prop, fn, _) in self.calls_named_with_callees("query", "table", "insert", "id"):
            if not is_identifier:  # (a member's property)
                if prop == "query":
                    chain = cx.query_chain_from_root(call)
                    if chain is not None:
                        self.query_chains.append(chain)
                        if chain.table is not None and chain.table_node is not None \
                                and chain.table_node.parent is not None and chain.table_node.parent.parent == call:
                            facts.table_refs.append(TableRefFact(chain.table, self.span(chain.table_node),
                                                                 "system" if chain.system else "query"))
                        self._index_uses_of(chain.table, chain.steps)
                elif prop == "table":
                    kind = cx.ctx_call(call)  # ctx.db.table("t") (1.51)
                    if kind is not None and kind[0] == "db":
                        a = call_args(call)
                        t = string_value(a[0]) if a else None
                        if t is not None:
                            facts.table_refs.append(TableRefFact(t, self.span(a[0]), "table"))
                elif prop == "insert":
                    kind = cx.ctx_call(call)
                    if kind is not None and kind[0] == "db":
                        a = call_args(call)
                        t = string_value(a[0]) if a else None
                        if t is not None:
                            facts.table_refs.append(TableRefFact(t, self.span(a[0]), "insert"))
                elif prop == "id":
                    obj = fn.child_by_field_id(self.F.object)
                    if obj is not None and obj.type == "identifier" and self.text_of(obj) == "v":
                        a = call_args(call)
                        t = string_value(a[0]) if a else None
                        if t is not None:
                            facts.table_refs.append(TableRefFact(t, self.span(a[0]), "v.id"))

    def _index_uses_of(self, table: Optional[str], steps) -> None:
        for step in steps:
            if step.method in ("withIndex", "withSearchIndex"):
                a = call_args(step.call)
                idx = string_value(a[0]) if a else None
                if idx is not None:
                    eqs = cx.index_eq_fields(a[1] if len(a) > 1 else None)
                    self.facts.index_uses.append(IndexUseFact(
                        table, idx, step.method, self.span(a[0]),
                        self.span(a[0].start_byte + 1, a[0].end_byte - 1),
                        tuple(f for op, f, _ in eqs if op == "eq"),
                    ))

    def _derive_variable_chains(self) -> None:
        """`let q = ctx.db.query("t"); if (s) q = q.filter(…); return await q.collect();`: a use of the
        variable continues the chain stored in it. Each use gets the stored steps, then the steps of the
        reassignments `q = q.…` written before it (in this function), then its own. A variable assigned
        anything else (another query, a helper's result), or used in a nested function, is not followed."""
        stored = []
        for chain in self.query_chains:
            got = cx.chain_variable(chain)
            if got is not None and chain.root.type != "identifier" and got[1].type == "variable_declarator":
                stored.append((chain, got))
        for chain, (name, decl) in stored:
            scope = cx.enclosing_functions(decl)
            self._follow_variable(chain, name, decl, scope[0] if scope else self.root)

    def _follow_variable(self, base: "cx.QueryChain", name: str, decl: Node, body: Node) -> None:
        uses: list[Node] = []
        reassigned: list[tuple[Node, Node]] = []  # (assignment, identifier its right side starts from)
        home = cx.enclosing_functions(decl)[:1]
        for ident in self._identifiers_in(body, name):
            if ident.start_byte < decl.end_byte:
                continue
            if cx.enclosing_functions(ident)[:1] != home:
                return  # used inside a nested function: not followed
            p = ident.parent
            left = p.child_by_field_id(self.F.left) if p is not None and p.type == "assignment_expression" else None
            if left is not None and left.id == ident.id:
                right = p.child_by_field_id(self.F.right)
                start = cx._expression_top(right) if right is not None else None
                while start is not None and start.type in ("call_expression", "member_expression"):
                    start = start.child_by_field_id(self.F.function) if start.type == "call_expression" \
                        else start.child_by_field_id(self.F.object)
                if start is None or start.type != "identifier" or self.text_of(start) != name:
                    return  # assigned something else
                reassigned.append((p, start))
                continue
            if p is not None and p.type in ("update_expression", "augmented_assignment_expression"):
                return
            uses.append(ident)
        for ident in uses:
            steps = cx.steps_above(ident)
            if not steps and not cx.is_for_await_source(ident):
                continue
            prior = list(base.steps)
            for assign, start in reassigned:
                if assign.end_byte <= ident.start_byte:
                    prior += cx.steps_above(start)
            self.query_chains.append(cx.QueryChain(root=ident, table=base.table, table_node=base.table_node,
                                                   steps=prior + steps, system=base.system,
                                                   use=None if steps else ident))
            self._index_uses_of(base.table, steps)

    def _identifiers_in(self, body: Node, name: str) -> list[Node]:
        lo, hi = body.start_byte, body.end_byte
        return [n for n in self._identifiers_named((name,)) if lo <= n.start_byte and n.end_byte <= hi]

    def _derive_helper_chains(self) -> None:
        """`function messagesQuery(ctx, id) { return ctx.db.query("messages").withIndex(…); }` then
        `messagesQuery(ctx, id).filter(…).first()`: the call continues the helper's chain. The derived
        chain holds the helper's steps followed by the caller's (local helpers only)."""
        by_fn: dict[int, cx.QueryChain] = {}
        for chain in self.query_chains:
            fn = cx.helper_returned_chain(chain)
            if fn is not None:
                by_fn[fn.id] = chain
        if not by_fn:
            return
        returning = {name: by_fn[node.id] for name, node in self.helper_nodes.items() if node.id in by_fn}
        if not returning:
            return
        for call in self.calls_named(*returning):
            fn = call.child_by_field_id(self.F.function)
            if fn is None or fn.type != "identifier":
                continue
            base = returning.get(self.text_of(fn))
            if base is None:
                continue
            steps = cx.steps_above(call)
            if steps:
                self.query_chains.append(cx.QueryChain(root=call, table=base.table, table_node=base.table_node,
                                                       steps=list(base.steps) + steps, system=base.system))

    # ------------------------------------------------------------ schema
    def _extract_schema(self) -> None:
        for call in self.calls_named("defineSchema"):
            fn = call.child_by_field_id(self.F.function)
            if fn is None or fn.type != "identifier" or self.text_of(fn) != "defineSchema":
                continue
            args = call_args(call)
            obj = unwrap(args[0]) if args else None
            if obj is None or obj.type != "object":
                continue
            entries: list[SchemaEntry] = []
            for child in obj.named_children:
                if child.type == "pair":
                    key = child.child_by_field_id(self.F.key)
                    tname = string_value(key) if key is not None and key.type == "string" else self.text_of(key)
                    val = unwrap(child.child_by_field_id(self.F.value))
                    t = self._table_from_expr(val, tname, key_node=key)
                    if t is not None:
                        entries.append(SchemaEntry("table", tname, table=t, span=self.span(key)))
                    elif val is not None and val.type in ("identifier", "member_expression"):
                        entries.append(SchemaEntry("ref", tname, ref=self.text_of(val), span=self.span(key)))
                    else:
                        entries.append(SchemaEntry("unknown", tname, span=self.span(key)))
                elif child.type == "shorthand_property_identifier":
                    entries.append(SchemaEntry("ref", self.text_of(child), ref=self.text_of(child), span=self.span(child)))
                elif child.type == "spread_element":
                    inner = unwrap(child.named_children[0]) if child.named_children else None
                    entries.append(SchemaEntry("spread", None, ref=self.text_of(inner) if inner is not None else None,
                                               span=self.span(child)))
            self.facts.schema = SchemaFact(entries=entries, span=self.span(call))
            return

    def _table_from_expr(self, expr: Optional[Node], name: Optional[str], key_node: Optional[Node] = None) -> Optional[TableFact]:
        """`defineTable({...}).index(...).searchIndex(...)` -> TableFact."""
        if expr is None or expr.type != "call_expression":
            return None
        steps: list[tuple[str, Node]] = []
        cur = expr
        while cur is not None and cur.type == "call_expression":
            fn = cur.child_by_field_id(self.F.function)
            if fn is None:
                return None
            if fn.type == "identifier":
                if self.text_of(fn) != "defineTable":
                    return None
                break
            if fn.type != "member_expression":
                return None
            steps.append((self.text_of(fn.child_by_field_id(self.F.property)), cur))
            cur = unwrap(fn.child_by_field_id(self.F.object))
        else:
            return None
        define = cur
        dargs = call_args(define)
        doc = unwrap(dargs[0]) if dargs else None
        fields: dict[str, str] = {}
        field_spans: dict[str, Span] = {}
        open_fields = True
        if doc is not None and doc.type == "object":
            open_fields = False
            for key, pair in object_pairs(doc).items():
                if pair.type == "pair":
                    fields[key] = self.text_of(pair_value(pair))
                    field_spans[key] = self.span(pair.child_by_field_id(self.F.key))
                elif pair.type == "shorthand_property_identifier":
                    fields[key] = key
                    field_spans[key] = self.span(pair)
                    open_fields = open_fields  # validator reference, still a known field name
            if any(c.type == "spread_element" for c in doc.named_children):
                open_fields = True
        elif doc is not None and doc.type == "call_expression" and self.text_of(doc.child_by_field_id(self.F.function)) == "v.object":
            inner = call_args(doc)
            if inner and inner[0].type == "object":
                open_fields = False
                for key, pair in object_pairs(inner[0]).items():
                    if pair.type == "pair":
                        fields[key] = self.text_of(pair_value(pair))
                        field_spans[key] = self.span(pair.child_by_field_id(self.F.key))
        indexes: list[IndexFact] = []
        for method, call in reversed(steps):
            if method not in ("index", "searchIndex", "vectorIndex"):
                continue
            a = call_args(call)
            if not a:
                continue
            iname = string_value(a[0])
            if iname is None:
                continue
            kind = {"index": "db", "searchIndex": "search", "vectorIndex": "vector"}[method]
            fields_list: list[str] = []
            fields_ok = True
            staged = False
            search_field = None
            filter_fields: list[str] = []
            spec = unwrap(a[1]) if len(a) > 1 else None
            arr = None
            if spec is not None and spec.type == "array":
                arr = spec
            elif spec is not None and spec.type == "object":
                sp = object_pairs(spec)
                if "fields" in sp:
                    arr = unwrap(pair_value(sp["fields"]))
                if "staged" in sp and self.text_of(pair_value(sp["staged"])) == "true":
                    staged = True
                if "searchField" in sp:
                    search_field = string_value(pair_value(sp["searchField"]))
                if "vectorField" in sp:
                    search_field = string_value(pair_value(sp["vectorField"]))
                if "filterFields" in sp:
                    ff = unwrap(pair_value(sp["filterFields"]))
                    if ff is not None and ff.type == "array":
                        filter_fields = [s for s in (string_value(x) for x in ff.named_children) if s is not None]
            if kind == "db":
                if arr is not None and arr.type == "array":
                    for el in arr.named_children:
                        s = string_value(el)
                        if s is None:
                            fields_ok = False
                        else:
                            fields_list.append(s)
                else:
                    fields_ok = False
            indexes.append(IndexFact(
                name=iname, fields=tuple(fields_list), kind=kind, staged=staged,
                span=self.span(a[0]), name_span=self.span(a[0].start_byte + 1, a[0].end_byte - 1),
                file=self.path, fields_ok=fields_ok, search_field=search_field,
                filter_fields=tuple(filter_fields),
            ))
        return TableFact(name=name, fields=fields, field_spans=field_spans, indexes=indexes,
                         span=self.span(key_node) if key_node is not None else self.span(define),
                         file=self.path, open_fields=open_fields,
                         doc_validator=self.text_of(doc) if doc is not None else None)

    # ------------------------------------------------------------ suppressions
    def _extract_suppressions(self) -> None:
        if b"convex-lsp-" not in self.src.data:
            return  # every directive names itself (SUPPRESS_RE): no comment to read
        first_stmt = next((c for c in self.root.named_children if c.type != "comment"), None)
        first = first_stmt.start_byte if first_stmt is not None else None
        for c in self.comments:
            s = parse_suppression(self.text_of(c), c.start_byte, c.end_byte, self.span(c), self.src.lines, first)
            if s is not None:
                self.suppressions.append(s)
