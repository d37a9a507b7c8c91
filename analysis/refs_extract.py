"""Reference extraction for the workspace reference graph (one file at a time, into `FileFacts`).

What a file says about Convex functions, tables and indexes, wherever it lives (functions
folder, client code, tests, scripts):
- function references: `api.a.b`, `internal.a.b`, `components.x.a.b` in value and type
  positions, `anyApi.a.b`, `makeFunctionReference("a/b:f")` and `"a/b:f"` strings given to a
  hook, a client call or `ctx.run*` -> `ApiRefFact` with the kind of use and one span per segment;
- table references beyond query chains: `db.get("t", id)` and the other explicit-table calls,
  `Id<"t">`, `Doc<"t">` -> `TableRefFact`;
- index references beyond query chains: the index argument of convex-helpers' relationship
  helpers (`getManyFrom(db, "t", "by_x", v)` ...) and `withIndex("x")` on a query whose table is
  not known -> `IndexUseFact` (table None when unknown).

`wanted(data)` is the byte pre-filter for files outside the functions folder: a file none of
whose bytes could start a reference is never parsed.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from tree_sitter import Node

from . import convex as cx
from .facts import ApiRefFact, IndexUseFact, TableRefFact
from .syntax import FUNCTION_TYPES, call_args, member_property, string_value, text, unwrap

# kinds of use
CLIENT_HOOK, CLIENT_CALL, TEST, SCHEDULER, RUN, CRON, HTTP, TYPE, OTHER = (
    "client-hook", "client-call", "test", "scheduler", "run", "cron", "http", "type", "other")
BACKEND_KINDS = frozenset({SCHEDULER, RUN, CRON, HTTP})
DYNAMIC = "*"  # IndexUseFact.index of a computed index name (`withIndex(name, …)`)

_PREFILTER = (b"_generated/api", b"_generated/dataModel", b"makeFunctionReference", b"anyApi", b"withIndex",
              b"withSearchIndex", b"vectorSearch", b"getManyFrom", b"getOneFrom", b"getManyVia", b"db.", b"v.id(")
_STRING_REF_BYTES = re.compile(rb"""["'`][\w./-]+:[A-Za-z_$][\w$]*["'`]""")
# its tail, searched for first: ten times cheaper (no scan at every quote), and most files have none
_STRING_REF_TAIL = re.compile(rb""":[A-Za-z_$][\w$]*["'`]""")


def _has_string_ref(data: bytes) -> bool:
    """`_STRING_REF_BYTES.search(data) is not None` (a match of it ends in a match of its tail)."""
    return _STRING_REF_TAIL.search(data) is not None and _STRING_REF_BYTES.search(data) is not None
FN_STRING_RE = re.compile(r"^([\w.-]+(?:/[\w.-]+)*):([A-Za-z_$][\w$]*)$")

TEST_PATH_RE = re.compile(
    r"(\.(test|spec)\.[cm]?[jt]sx?$)|(^|/)(__tests__|__mocks__|tests?|e2e|cypress|playwright)/"
    r"|(^|/)(test|vitest|jest)\.setup\.[cm]?[jt]s$")

RUN_NAMES = {"runQuery": 0, "runMutation": 0, "runAction": 0}
SCHEDULE_NAMES = {"runAfter": 1, "runAt": 1}
CRON_METHODS = {"interval": 2, "cron": 2, "hourly": 2, "daily": 2, "weekly": 2, "monthly": 2}
CLIENT_CALL_FUNCS = frozenset({"fetchQuery", "fetchMutation", "fetchAction", "preloadQuery",
                               "convexQuery", "convexAction"})
CLIENT_METHODS = frozenset({"query", "mutation", "action", "onUpdate", "watchQuery", "prewarmQuery",
                            "consistentQuery", "subscribe"})
# relationship helpers of convex-helpers: name -> (table argument, index argument)
RELATION_HELPERS = {"getOneFrom": (1, 2), "getOneFromOrThrow": (1, 2), "getManyFrom": (1, 2),
                    "getManyVia": (1, 3), "getManyViaOrThrow": (1, 3)}
# db methods whose first argument may be a table name (the explicit-table API): name -> arity
TABLE_FIRST = {"get": 2, "delete": 2, "patch": 3, "replace": 3, "normalizeId": 2}
_TYPE_CONTEXTS = frozenset({
    "type_annotation", "type_alias_declaration", "interface_declaration", "type_arguments", "type_query",
    "type_parameters", "generic_type", "type_predicate", "ambient_declaration", "opting_type_annotation",
    "omitting_type_annotation", "implements_clause",
})
_STOP = frozenset({"statement_block", "program", "class_body", "arguments", "object", "array"})


_ROLE_NAMES = frozenset(RUN_NAMES) | CLIENT_CALL_FUNCS | frozenset(SCHEDULE_NAMES) | frozenset(CRON_METHODS) \
    | CLIENT_METHODS


def _is_hook(name: str) -> bool:
    return name.startswith("use") and len(name) > 3 and name[3].isupper()


def _role_name(name: str) -> bool:
    """Could a call of a callee of this name (`f(…)` or `x.f(…)`) take a function reference? The
    first test of `_Ctx.call_role`; `_string_refs` asks the callee index for these names only."""
    return name in _ROLE_NAMES or _is_hook(name)


def wanted(data: bytes) -> bool:
    """Could this file hold a reference? (The cheap test before any parse of a non-functions file.)"""
    return any(tok in data for tok in _PREFILTER) or _has_string_ref(data)


# a word each match of TEST_PATH_RE holds: a path with none of them is no test's (no regex scan)
_TEST_WORDS = ("test", "spec", "__", "e2e", "cypress", "playwright", "jest")


def is_test_path(path: str) -> bool:
    if not any(w in path for w in _TEST_WORDS):
        return False
    return TEST_PATH_RE.search(path.replace(os.sep, "/")) is not None


def parse_function_string(s: str) -> Optional[tuple[str, ...]]:
    """"a/b:f" -> ("a", "b", "f"); "a/b" -> ("a", "b", "default"); None when it is no function name."""
    m = FN_STRING_RE.match(s)
    if m is not None:
        module, name = m.group(1), m.group(2)
    elif re.match(r"^[\w-]+(/[\w-]+)*$", s):
        module, name = s, "default"
    else:
        return None
    module = re.sub(r"\.(js|ts|jsx|tsx|mjs|cjs)$", "", module)
    return tuple(module.split("/")) + (name,)


def _string_segments(model, lit: Node) -> tuple[tuple[str, ...], tuple, object] | None:
    s = string_value(lit)
    if s is None:
        return None
    parts = parse_function_string(s)
    if parts is None:
        return None
    base = lit.start_byte + 1
    spans = []
    pos = 0
    raw = s.encode("utf-8")
    mod = raw.split(b":")[0]
    for seg in mod.split(b"/"):
        seg_text = seg
        for ext in (b".js", b".ts", b".jsx", b".tsx", b".mjs", b".cjs"):
            if seg_text.endswith(ext) and pos + len(seg) == len(mod):
                seg_text = seg_text[: -len(ext)]
        spans.append(model.span(base + pos, base + pos + len(seg_text)))
        pos += len(seg) + 1
    if b":" in raw:
        spans.append(model.span(base + pos, base + len(raw)))
    else:
        spans.append(model.span(base, base))  # the implicit `default`
    return parts, tuple(spans), model.span(base, lit.end_byte - 1)


def _in_type_position(node: Node) -> bool:
    cur = node.parent
    while cur is not None:
        t = cur.type
        if t in _TYPE_CONTEXTS:
            return True
        if t in FUNCTION_TYPES or t in ("statement_block", "program", "class_body"):
            return False
        cur = cur.parent
    return False



def _in_http_action(model, node: Node) -> bool:
    cur = node.parent
    while cur is not None:
        if cur.type == "call_expression":
            fn = cur.child_by_field_id(model.F.function)
            if fn is not None and fn.type == "identifier" and text(fn) in ("httpAction", "httpActionGeneric"):
                return True
        cur = cur.parent
    return False


class _Ctx:
    """Per-file state of one extraction."""

    def __init__(self, model, light: bool = False):
        self.model = model
        self.light = light
        self.test = is_test_path(model.path) or any(i.source == "convex-test" for i in model.facts.imports)
        self._crons: Optional[set[str]] = None

    def crons(self) -> set[str]:
        if self.light:
            return set()  # crons are defined in the functions folder
        if self._crons is None:
            from .rules._refs import cron_objects

            self._crons = cron_objects(self.model)
        return self._crons

    def call_role(self, call: Node) -> Optional[tuple[str, int, str]]:
        """(kind, argument index of the function reference, context name) of a call that takes a
        function reference, or None."""
        fn = call.child_by_field_id(self.model.F.function)
        if fn is None:
            return None
        if fn.type == "identifier":
            name = text(fn)
            if not _role_name(name):
                return None
            if name in RUN_NAMES:
                return (TEST if self.test else RUN), 0, name
            if name in CLIENT_CALL_FUNCS:
                return (TEST if self.test else (CLIENT_HOOK if name.startswith("convex") else CLIENT_CALL)), 0, name
            if _is_hook(name):
                return (TEST if self.test else CLIENT_HOOK), 0, name
            return None
        if fn.type != "member_expression":
            return None
        method = text(fn.child_by_field_id(self.model.F.property))
        if not _role_name(method):
            return None
        if method in RUN_NAMES:
            return (TEST if self.test else RUN), 0, method
        if method in SCHEDULE_NAMES:
            return (TEST if self.test else SCHEDULER), 1, method
        if method in CRON_METHODS:
            obj = unwrap(fn.child_by_field_id(self.model.F.object))
            if obj is not None and obj.type == "identifier" and text(obj) in self.crons():
                return CRON, CRON_METHODS[method], "cron"
            return None
        if method in CLIENT_METHODS:
            if self.test:
                return TEST, 0, method
            obj = unwrap(fn.child_by_field_id(self.model.F.object))
            if obj is not None and obj.type == "identifier" and (
                    text(obj) in ("ctx", "context") if self.light else cx.is_ctx_identifier(obj)):
                return None
            return CLIENT_CALL, 0, method
        return None

    def kind_of(self, node: Node) -> tuple[str, str]:
        """(kind, context) of a reference expression `node`."""
        if _in_type_position(node):
            return TYPE, ""
        outer, p = cx._top_and_parent(node)
        if p is not None and p.type == "arguments" and p.parent is not None and p.parent.type == "call_expression":
            call = p.parent
            role = self.call_role(call)
            if role is not None:
                kind, idx, ctxname = role
                args = call_args(call)
                if idx < len(args) and args[idx].id == outer.id or (kind == CLIENT_HOOK and args and args[0].id == outer.id):
                    if kind in (RUN, SCHEDULER) and _in_http_action(self.model, call):
                        kind = HTTP
                    return kind, ctxname
            from .syntax import callee_name

            return (TEST if self.test else OTHER), callee_name(call) or ""
        return (TEST if self.test else OTHER), ""


def extract_references(model, light: bool = False) -> None:
    """Fill `model.facts.api_refs` (every root), and add the table and index references query
    chains do not give (`_extract_chains_and_refs` gives those). `light`: a reference-only file
    (client code, tests, scripts) whose model has no call list nor query chains: the calls that
    matter are found from their names in the bytes, and table and index references from the
    calls themselves."""
    if getattr(model, "root", None) is None:
        return
    st = _Ctx(model, light)
    facts = model.facts
    generated = {}  # local -> imported (api | internal | components)
    any_api = []
    for imp in facts.imports:
        if imp.type_only and imp.imported != "components":
            pass
        if cx.GENERATED_API_RE.search(imp.source) and imp.imported in ("api", "internal", "components"):
            generated[imp.local] = imp.imported
        elif imp.source == "convex/server" and imp.imported == "anyApi":
            any_api.append(imp.local)
    roots = dict(generated)
    for local in any_api:
        roots[local] = "string"
    if roots:
        for ident in model._identifiers_named(tuple(roots)):
            _member_ref(model, st, ident, roots[text(ident)])
    _string_refs(model, st)
    if light:
        _light_table_and_index_refs(model)
        _id_doc_refs(model)
    else:
        _table_refs(model)
        _index_refs(model)


def _calls_at(model, names) -> list[Node]:
    """The calls whose callee is spelled `name(` (an identifier or a member's property) for each of
    `names`, found from the bytes, in document order."""
    data = model.src.data
    root = model.root
    out = []
    for name in names:
        raw = name.encode("utf-8") if isinstance(name, str) else name
        i = data.find(raw + b"(")
        while i != -1:
            node = root.named_descendant_for_byte_range(i, i + len(raw))
            if node is not None and node.start_byte == i and node.end_byte == i + len(raw) \
                    and node.type in ("identifier", "property_identifier"):
                p = node.parent
                call = p if node.type == "identifier" else (p.parent if p is not None else None)
                if call is not None and call.type == "call_expression":
                    fn = call.child_by_field_id(model.F.function)
                    if fn is not None and (fn.id == node.id or (p is not None and fn.id == p.id)):
                        out.append(call)
            i = data.find(raw + b"(", i + 1)
    out.sort(key=lambda n: n.start_byte)
    return out


def _db_like(obj: Optional[Node]) -> bool:
    """`ctx.db`, `db`, `context.db`, `t.db`: what a reference-only file queries through."""
    obj = unwrap(obj)
    if obj is None:
        return False
    if obj.type == "identifier":
        return text(obj) == "db"
    if obj.type == "member_expression":
        return text(member_property(obj)) == "db"
    return False


def _chain_table(call: Node) -> Optional[str]:
    """The table of `<db>.query("t")…withIndex(…)` walked down from a step of the chain."""
    cur = call
    for _ in range(16):
        fn = cur.child_by_field_name("function") if cur.type == "call_expression" else None
        if fn is None or fn.type != "member_expression":
            return None
        obj = unwrap(fn.child_by_field_name("object"))
        if obj is None:
            return None
        if obj.type == "call_expression":
            ofn = obj.child_by_field_name("function")
            if ofn is not None and ofn.type == "member_expression" and text(member_property(ofn)) in ("query", "table"):
                args = call_args(obj)
                return string_value(args[0]) if args else None
            cur = obj
            continue
        return None
    return None


def _light_table_and_index_refs(model) -> None:
    facts = model.facts
    data = model.src.data
    if b"db." in data or b"db\n" in data:
        for call in _calls_at(model, ("query", "insert", "table") + tuple(TABLE_FIRST)):
            fn = call.child_by_field_id(model.F.function)
            if fn is None or fn.type != "member_expression" or not _db_like(fn.child_by_field_id(model.F.object)):
                continue
            method = text(member_property(fn))
            args = call_args(call)
            if method in TABLE_FIRST and len(args) != TABLE_FIRST[method]:
                continue
            t = string_value(args[0]) if args else None
            if t is not None:
                facts.table_refs.append(TableRefFact(t, model.span(args[0]), method))
    if b"v.id(" in data:
        for call in _calls_at(model, ("id",)):
            fn = call.child_by_field_id(model.F.function)
            obj = fn.child_by_field_id(model.F.object) if fn is not None and fn.type == "member_expression" else None
            args = call_args(call)
            t = string_value(args[0]) if args and obj is not None and text(obj) == "v" else None
            if t is not None:
                facts.table_refs.append(TableRefFact(t, model.span(args[0]), "v.id"))
    for call in _calls_at(model, ("withIndex", "withSearchIndex")):
        args = call_args(call)
        if not args:
            continue
        fn = call.child_by_field_id(model.F.function)
        if fn is None or fn.type != "member_expression":
            continue
        iname = string_value(args[0])
        facts.index_uses.append(IndexUseFact(_chain_table(call), iname if iname is not None else DYNAMIC,
                                             text(member_property(fn)), model.span(args[0]),
                                             model.span(args[0].start_byte + 1, args[0].end_byte - 1)))
    _helper_index_refs(model, _calls_at(model, tuple(RELATION_HELPERS) + ("vectorSearch",)))


def _member_ref(model, st: _Ctx, ident: Node, root: str) -> None:
    path: list[str] = []
    segs = []
    cur = ident
    while True:
        parent = cur.parent  # (each `parent` walks down from the root: asked once a level)
        if parent is None or parent.type not in ("member_expression", "subscript_expression"):
            break
        obj = parent.child_by_field_id(model.F.object)
        if obj is None or obj.id != cur.id:
            break
        if parent.type == "member_expression":
            prop = member_property(parent)  # (the `property` field is wrong inside `typeof`)
            if prop is None or prop.type not in ("property_identifier", "private_property_identifier"):
                break
            path.append(text(prop))
            segs.append(model.span(prop))
        else:
            idx = parent.child_by_field_id(model.F.index)
            s = string_value(idx)
            if s is None:
                break
            path.append(s)
            segs.append(model.span(idx.start_byte + 1, idx.end_byte - 1))
        cur = parent
    if not path:
        return
    # `api.tasks.list.name` is not a thing; a call `api.a.b(...)` neither: keep what is written
    kind, context = st.kind_of(cur)
    model.facts.api_refs.append(ApiRefFact(root, tuple(path), model.span(cur), context, kind, tuple(segs)))


def _string_refs(model, st: _Ctx) -> None:
    facts = model.facts
    make_ref = {i.local for i in facts.imports if i.source == "convex/server" and i.imported == "makeFunctionReference"}
    data = model.src.data
    has_strings = _has_string_ref(data)
    if not make_ref and not has_strings:
        return
    if st.light:
        calls = _calls_at(model, tuple(make_ref))
        for m in _STRING_REF_BYTES.finditer(data) if has_strings else ():
            node = model.root.named_descendant_for_byte_range(m.start(), m.end())
            if node is not None and node.type in ("string", "template_string") and node.parent is not None \
                    and node.parent.type == "arguments" and node.parent.parent is not None:
                calls.append(node.parent.parent)
        seen_calls: set[int] = set()
        calls = [c for c in calls if not (c.id in seen_calls or seen_calls.add(c.id))]
    elif has_strings:
        # the calls `_Ctx.call_role` may answer for (it goes by the callee's name first)
        calls = model.calls_named(*make_ref, *(n for n in model.callee_names() if _role_name(n)))
    else:
        calls = model.calls_named(*make_ref)
    for call in calls:
        fn = call.child_by_field_id(model.F.function)
        if fn is None:
            continue
        if fn.type == "identifier" and text(fn) in make_ref:
            args = call_args(call)
            if args and args[0].type in ("string", "template_string"):
                got = _string_segments(model, args[0])
                if got is not None:
                    kind, ctxname = st.kind_of(call)
                    facts.api_refs.append(ApiRefFact("string", got[0], got[2], ctxname, kind, got[1]))
            continue
        if not has_strings:
            continue
        role = st.call_role(call)
        if role is None:
            continue
        kind, idx, ctxname = role
        args = call_args(call)
        if idx >= len(args) or args[idx].type not in ("string", "template_string"):
            continue
        s = string_value(args[idx])
        if s is None or FN_STRING_RE.match(s) is None:
            continue  # only "module:function" strings: a bare word is no reference
        got = _string_segments(model, args[idx])
        if got is not None:
            if kind in (RUN, SCHEDULER) and _in_http_action(model, call):
                kind = HTTP
            facts.api_refs.append(ApiRefFact("string", got[0], got[2], ctxname, kind, got[1]))


def _table_refs(model) -> None:
    facts = model.facts
    for call, (is_identifier, method, _, _) in model.calls_named_with_callees(*TABLE_FIRST):
        if is_identifier:
            continue  # (a member's property only)
        args = call_args(call)
        if len(args) != TABLE_FIRST[method]:
            continue
        t = string_value(args[0])
        if t is None:
            continue
        kind = cx.ctx_call(call)
        if kind is not None and kind[0] == "db":
            facts.table_refs.append(TableRefFact(t, model.span(args[0]), method))
    _id_doc_refs(model)


def _id_doc_refs(model) -> None:
    """`Id<"t">`, `Doc<"t">` (from `_generated/dataModel`)."""
    facts = model.facts
    dm = {i.local: i.imported for i in facts.imports
          if i.imported in ("Id", "Doc") and re.search(r"(^|/)_generated/dataModel(\.js|\.ts)?$", i.source)}
    if not dm:
        return
    data = model.src.data
    for local, imported in dm.items():
        raw = local.encode("utf-8") + b"<"
        i = data.find(raw)
        while i != -1:
            node = model.root.named_descendant_for_byte_range(i, i + len(raw) - 1)
            if node is not None and node.type == "type_identifier" and node.parent is not None \
                    and node.parent.type == "generic_type":
                targs = node.parent.child_by_field_name("type_arguments")
                lits = [c for c in targs.named_children] if targs is not None else []
                if len(lits) == 1 and lits[0].type == "literal_type" and lits[0].named_children \
                        and lits[0].named_children[0].type == "string":
                    s = lits[0].named_children[0]
                    v = string_value(s)
                    if v:
                        facts.table_refs.append(TableRefFact(v, model.span(s), imported))
            i = data.find(raw, i + 1)


def _helper_index_refs(model, calls) -> None:
    """Index arguments of the relationship helpers (`getManyFrom(db, "t", "by_x", v)`) and of
    `ctx.vectorSearch("t", "by_embedding", …)`."""
    facts = model.facts
    for call in calls:
        fn = call.child_by_field_id(model.F.function)
        if fn is None:
            continue
        if fn.type == "identifier":
            name = text(fn)
            spec = RELATION_HELPERS.get(name)
            if spec is None:
                continue
            args = call_args(call)
            if len(args) <= spec[1]:
                continue
            table, ix = string_value(args[spec[0]]), args[spec[1]]
            iname = string_value(ix)
            if iname is None:
                iname = DYNAMIC  # a computed name: may be any index of the table
            facts.index_uses.append(IndexUseFact(table, iname, name, model.span(ix),
                                                 model.span(ix.start_byte + 1, ix.end_byte - 1)))
        elif fn.type == "member_expression" and text(member_property(fn)) == "vectorSearch":
            args = call_args(call)
            if len(args) >= 2:
                table, iname = string_value(args[0]), string_value(args[1])
                if table is not None:
                    ix = args[1]
                    facts.index_uses.append(IndexUseFact(table, iname if iname is not None else DYNAMIC,
                                                         "vectorSearch", model.span(ix),
                                                         model.span(ix.start_byte + 1, ix.end_byte - 1)))


def _index_refs(model) -> None:
    facts = model.facts
    seen = {u.span.start for u in facts.index_uses}
    chain_table: dict[int, Optional[str]] = {}
    for chain in getattr(model, "query_chains", ()):
        for step in chain.steps:
            if step.method in ("withIndex", "withSearchIndex"):
                chain_table[step.call.id] = chain.table
    _helper_index_refs(model, model.calls_named(*RELATION_HELPERS, "vectorSearch"))
    for call, (is_identifier, method, _, _) in model.calls_named_with_callees("withIndex", "withSearchIndex"):
        if not is_identifier:  # (a member's property)
            args = call_args(call)
            if not args or args[0].start_byte in seen:
                continue
            iname = string_value(args[0])
            if iname is None:
                iname = DYNAMIC
            # a computed name, or a query chain the recognisers could not root (table unknown)
            facts.index_uses.append(IndexUseFact(chain_table.get(call.id), iname, method, model.span(args[0]),
                                                 model.span(args[0].start_byte + 1, args[0].end_byte - 1)))
