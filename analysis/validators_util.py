"""Helpers for the validator rule family (CVX102-CVX108).

- which local names are the `v` object of `convex/values`, and every `v.<member>` use;
- scope checks (a parameter or local named like the import shadows it);
- a small control-flow analysis: can a function body reach its end without `return`?
"""

from __future__ import annotations

import functools
import re
from typing import Iterator, Optional

from tree_sitter import Node

from . import byte_scan
from .convex import _memo, innermost_function
from .syntax import FUNCTION_TYPES, LOOP_TYPES, call_args, text, unwrap

VALUES_MODULE = "convex/values"

# The members of the `v` object exported by `convex/values` in the newest release known
# (`v.bigint` still exists, deprecated). Members added later than the oldest supported releases
# are in V_MEMBER_SINCE (a feature of analysis/convex_versions.py).
V_MEMBERS = frozenset({
    "id", "null", "number", "float64", "bigint", "int64", "commitTs", "boolean", "string", "bytes",
    "literal", "array", "object", "record", "union", "any", "optional", "nullable", "function",
})
V_MEMBER_SINCE = {"nullable": "v.nullable", "commitTs": "v.commitTs", "function": "v.function"}
# methods of validator values: method -> feature (`v.string().optional()`, `v.object({…}).pick(…)`)
V_METHOD_SINCE = {"optional": "validator-optional-method", "pick": "object-validator-methods",
                  "omit": "object-validator-methods", "partial": "object-validator-methods",
                  "extend": "object-validator-methods"}


def v_locals(model) -> set[str]:
    """Local names bound to the `v` export of `convex/values` (value imports only)."""
    return {imp.local for imp in model.facts.imports
            if imp.source == VALUES_MODULE and imp.imported == "v" and not imp.type_only}


def _pattern_names(pat: Optional[Node]) -> Iterator[str]:
    """Identifiers bound by a binding pattern (identifier, object/array pattern, defaults, rest)."""
    if pat is None:
        return
    t = pat.type
    if t in ("identifier", "shorthand_property_identifier_pattern"):
        yield text(pat)
    elif t in ("required_parameter", "optional_parameter"):
        yield from _pattern_names(pat.child_by_field_name("pattern"))
    elif t == "pair_pattern":
        yield from _pattern_names(pat.child_by_field_name("value"))
    elif t in ("object_assignment_pattern", "assignment_pattern"):
        yield from _pattern_names(pat.child_by_field_name("left"))
    elif t in ("object_pattern", "array_pattern", "rest_pattern"):
        for c in pat.named_children:
            yield from _pattern_names(c)


def is_shadowed(ident: Node, name: str) -> bool:
    """Is `name`, used at `ident`, bound by something nearer than the module's import?"""
    cur = ident.parent
    while cur is not None and cur.type != "program":
        if name in scope_names(cur):
            return True
        cur = cur.parent
    return False


_SCOPE_TYPES = FUNCTION_TYPES | {"statement_block", "switch_case", "switch_default", "for_statement",
                                 "for_in_statement", "catch_clause"}
_NO_NAMES: frozenset = frozenset()


@_memo
def scope_names(node: Node) -> frozenset:
    """The names `node` itself binds for the code inside it: a function's parameters (and a
    function expression's own name), a block's declarations, a `for` head's, a `catch` parameter.
    Memoised per node while a file is extracted or linted (`convex.file_cache`)."""
    t = node.type
    if t not in _SCOPE_TYPES:
        return _NO_NAMES
    out: set[str] = set()
    if t in FUNCTION_TYPES:
        single = node.child_by_field_name("parameter")
        if single is not None:
            out.add(text(single))
        params = node.child_by_field_name("parameters")
        if params is not None:
            for p in params.named_children:
                out.update(_pattern_names(p))
        if t in ("function_expression", "function"):
            fname = node.child_by_field_name("name")
            if fname is not None:
                out.add(text(fname))
    elif t in ("statement_block", "switch_case", "switch_default"):
        for st in node.named_children:
            out.update(_declared_names(st))
    elif t in ("for_statement", "for_in_statement"):
        init = node.child_by_field_name("initializer") or node.child_by_field_name("left")
        if init is not None:
            out.update(_declared_names(init))
            out.update(_pattern_names(init))
    else:  # catch_clause
        out.update(_pattern_names(node.child_by_field_name("parameter")))
    return frozenset(out) if out else _NO_NAMES


def _declares(stmt: Node, name: str) -> bool:
    """Does the statement declare `name` (`const/let/var` patterns, function or class)?"""
    return any(n == name for n in _declared_names(stmt))


def _declared_names(stmt: Node) -> Iterator[str]:
    """The names a declaration statement binds."""
    if stmt.type in ("lexical_declaration", "variable_declaration"):
        for d in stmt.named_children:
            if d.type == "variable_declarator":
                yield from _pattern_names(d.child_by_field_name("name"))
    elif stmt.type in ("function_declaration", "class_declaration", "generator_function_declaration"):
        yield text(stmt.child_by_field_name("name"))


def validator_members(model) -> list[tuple[Node, str]]:
    """Every `v.<member>` member expression on the convex/values `v` object: (member node, member)."""
    cached = getattr(model, "_cvx_validator_members", None)
    if cached is not None:
        return cached
    out: list[tuple[Node, str]] = []
    names = v_locals(model)
    if names and getattr(model, "root", None) is not None:
        data = model.src.data
        found = []
        # (the member expressions on those names, found from the names' places in the bytes: see
        # `FileModel.members_on`; the names read from the bytes, as `text` would, without keeping them)
        for n in model.members_on(names):
            obj = n.child_by_field_name("object")
            name = data[obj.start_byte:obj.end_byte].decode("utf-8", "replace")
            if name not in names:
                continue
            prop = n.child_by_field_name("property")
            if prop is not None and prop.type == "property_identifier":
                found.append((n, obj, name, prop))
        # a name bound again somewhere: the members inside a scope binding it are not on the import
        scopes = {name: _binding_scopes(model, name, {obj.start_byte for _, obj, nm, _ in found if nm == name})
                  for name in names if _declared_again(model, name)}
        for n, obj, name, prop in found:
            spans = scopes.get(name)
            if spans and any(s <= obj.start_byte and obj.end_byte <= e for s, e in spans):
                continue
            out.append((n, data[prop.start_byte:prop.end_byte].decode("utf-8", "replace")))
        out.sort(key=lambda x: x[0].start_byte)
    model._cvx_validator_members = out
    return out


_GAP = rb"[ \t\n\r\f\v]*"
_V_MEMBER_BYTES = frozenset(m.encode() for m in V_MEMBERS)


@functools.lru_cache(maxsize=16)
def _member_patterns(raw: bytes) -> tuple[re.Pattern, re.Pattern]:
    """For a name spelled `raw`: `plain` finds `name.member` / `name?.member` (ASCII spaces around
    the dot) and reads the member with any `\\` or non-ASCII byte that follows it; `odd` finds the
    name followed by what may start a comment, an HTML comment or a Unicode space before or after
    its dot (`/`, `<`, `-`, a non-ASCII byte). Both open with the name's bytes (searched for fast)."""
    name = re.escape(raw)
    plain = re.compile(name + _GAP + rb"\??\." + _GAP + rb"([A-Za-z0-9_$\\\x80-\xff]*)")
    odd = re.compile(name + _GAP + rb"(?:\??\." + _GAP + rb")?[/<\-\x80-\xff]")
    return plain, odd


_ASCII_NAME = re.compile(rb"[A-Za-z0-9_$]+")


def v_member_names(model) -> Optional[frozenset]:
    """The member names `validator_members(model)` can hold, read from the file's bytes without the
    tree: a set holding every one of them (maybe more), or None when the bytes cannot tell (a
    comment or a Unicode space between the name and its member, an escape or a non-ASCII character
    in a member's name, a `.` followed by no name). A rule reporting only some members returns at
    once when none of them can be there (the loop over every member expression costs more).

    Why it holds every member: `validator_members` keeps a member expression whose object is an
    identifier spelled like a `v_locals` name and whose property is a `property_identifier`. Such an
    object starts where the name's bytes are, after no word character unless a token may end there
    (`byte_scan.inside_word`); between it and the property tree-sitter allows only `.`/`?.` and
    extras: spaces (Unicode ones are non-ASCII bytes), comments (`/`) and HTML comments (`<!--`,
    `-->`). So either ASCII spaces, the dot, ASCII spaces and the property follow the name, and
    `plain` reads the property's whole text (a property ending before a `\\` or a non-ASCII byte
    would be longer: such a reading makes the answer None), or `odd` finds the name there (None).
    A `plain` reading of one of V_MEMBERS is kept wherever it is; another one, or an `odd` place,
    only outside a longer word."""
    cached = getattr(model, "_cvx_v_member_names", False)
    if cached is not False:
        return cached
    data = model.src.data
    out: Optional[set] = set()
    for name in v_locals(model):
        plain, odd = _member_patterns(name.encode("utf-8"))
        found = set(plain.findall(data))
        if not found <= _V_MEMBER_BYTES:
            found &= _V_MEMBER_BYTES
            for m in plain.finditer(data):
                member = m.group(1)
                if member in _V_MEMBER_BYTES or byte_scan.inside_word(data, m.start()):
                    continue
                if not _ASCII_NAME.fullmatch(member):
                    out = None  # no name, or one going on with an escape or a non-ASCII character
                    break
                found.add(member)
        if out is None or any(not byte_scan.inside_word(data, m.start()) for m in odd.finditer(data)):
            out = None
            break
        out.update(m.decode() for m in found)
    result = frozenset(out) if out is not None else None
    model._cvx_v_member_names = result
    return result


def _binding_scopes(model, name: str, uses: set) -> list[tuple[int, int]]:
    """The (start, end) of every scope node (not the program) binding `name` (`scope_names`): a
    node inside one of them is shadowed there (`is_shadowed`). The names a scope binds are spelled
    in it, so each is found from a place the name is written (`uses`: the starts of the member
    objects `name.x`, never a binding) by going down the tree from the root through the nodes
    holding it (a walk up asks tree-sitter for each parent from the root again)."""
    root = model.root
    raw = name.encode("utf-8")
    out: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    for i in byte_scan.name_starts(model.src.data, raw):
        if i in uses:
            continue
        cursor = root.walk()
        while cursor.goto_first_child_for_byte(i) is not None:
            node = cursor.node
            if node.start_byte > i:
                break  # in no child (between two)
            if node.id in seen:
                continue
            seen.add(node.id)
            if node.type in _SCOPE_TYPES and name in scope_names(node):
                out[node.id] = (node.start_byte, node.end_byte)
    return list(out.values())


@functools.lru_cache(maxsize=64)
def _not_before_dot(name: str) -> re.Pattern:
    """The name, not continued by an identifier character nor followed by `.` (the word's start is
    checked by the caller: a pattern opening with a literal is searched for fast)."""
    return re.compile(re.escape(name.encode("utf-8")) + rb"(?![\w$\x80-\xff])(?!\s*\.)")


def _declared_again(model, name: str) -> bool:
    """Might a declaration of the file (a parameter, a local, a `catch` or `for` variable) bind the
    name? Its name is never followed by `.`, and every use as the validator object is (`v.string()`,
    comments aside): a name found only before `.` and in the imports is bound by the import alone,
    and no walk up the tree is needed to know it is not shadowed."""
    data = model.src.data
    imports = None
    for m in _not_before_dot(name).finditer(data):
        i = m.start()
        if i > 0 and (data[i - 1] >= 0x80 or chr(data[i - 1]) in _WORD_CHARS):
            continue  # the end of a longer word
        if imports is None:
            imports = [(c.start_byte, c.end_byte) for c in model.root.named_children if c.type == "import_statement"]
        if not any(a <= i < b for a, b in imports):
            return True
    return False


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


def validator_call(node: Optional[Node], names: set[str]) -> Optional[tuple[str, Node]]:
    """`v.string()` -> ("string", call) when `node` is a call of a member of the `v` object."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    obj = fn.child_by_field_name("object")
    if obj is None or obj.type != "identifier" or text(obj) not in names:
        return None
    return text(fn.child_by_field_name("property")), node


def is_v_null(node: Optional[Node], names: set[str]) -> bool:
    vc = validator_call(node, names)
    return vc is not None and vc[0] == "null" and not call_args(vc[1])


# --------------------------------------------------------------------------- control flow
_NEVER_CALL_PREFIXES = ("throw", "fail", "assertNever", "unreachable", "panic", "abort")


def _breaks_to(target: Node, label: Optional[str]) -> bool:
    """Does a `break` inside `target` (not in nested functions) leave `target`?"""
    stack = list(target.named_children)
    while stack:
        n = stack.pop()
        if n.type in FUNCTION_TYPES or n.type == "class_body":
            continue
        if n.type == "break_statement":
            lab = n.child_by_field_name("label") or next(
                (c for c in n.named_children if c.type == "statement_identifier"), None)
            if lab is not None:
                if label is not None and text(lab) == label:
                    return True
            else:
                # an unlabeled break leaves the innermost loop/switch around it
                inner = n.parent
                while inner is not None and inner.id != target.id \
                        and inner.type not in LOOP_TYPES and inner.type != "switch_statement":
                    inner = inner.parent
                if inner is not None and inner.id == target.id:
                    return True
        stack.extend(n.named_children)
    return False


def _label_of(stmt: Node) -> Optional[str]:
    p = stmt.parent
    if p is not None and p.type == "labeled_statement":
        lab = p.child_by_field_name("label") or next(
            (c for c in p.named_children if c.type == "statement_identifier"), None)
        return text(lab) if lab is not None else None
    return None


def _always_true(cond: Optional[Node]) -> bool:
    cond = unwrap(cond)
    if cond is None or cond.type == "empty_statement":
        return True  # for (;;)
    if cond.type == "expression_statement":
        return _always_true(cond.named_children[0] if cond.named_children else None)
    if cond.type == "parenthesized_expression":
        return _always_true(cond.named_children[0] if cond.named_children else None)
    return cond.type == "true" or (cond.type == "number" and text(cond) not in ("0", "0.0"))


def can_complete(stmt: Optional[Node]) -> bool:
    """Can execution run past the end of `stmt` (as opposed to returning, throwing, jumping)?

    Errs towards "yes" only where the language says so (a loop may run zero times); calls are
    assumed to return, except ones plainly named as never-returning (`throwError(...)`)."""
    if stmt is None:
        return True
    t = stmt.type
    if t in ("return_statement", "throw_statement", "break_statement", "continue_statement"):
        return False
    if t == "statement_block":
        for s in stmt.named_children:
            if s.type == "comment":
                continue
            if not can_complete(s):
                return False
        return True
    if t == "if_statement":
        alt = stmt.child_by_field_name("alternative")
        if alt is None:
            return True
        body = next((c for c in alt.named_children if c.type != "comment"), None) if alt.type == "else_clause" else alt
        return can_complete(stmt.child_by_field_name("consequence")) or can_complete(body)
    if t == "switch_statement":
        body = stmt.child_by_field_name("body")
        clauses = [c for c in body.named_children if c.type in ("switch_case", "switch_default")] if body else []
        if not any(c.type == "switch_default" for c in clauses):
            return True
        if _breaks_to(stmt, _label_of(stmt)):
            return True
        last = clauses[-1]
        stmts = [c for c in last.named_children if c.type != "comment"
                 and (last.type == "switch_default" or c.id != (last.child_by_field_name("value") or last).id)]
        for s in stmts:
            if not can_complete(s):
                return False
        return True
    if t == "try_statement":
        fin = stmt.child_by_field_name("finalizer")
        if fin is not None:
            fbody = fin.child_by_field_name("body") or next(
                (c for c in fin.named_children if c.type == "statement_block"), None)
            if fbody is not None and not can_complete(fbody):
                return False
        handler = stmt.child_by_field_name("handler")
        if can_complete(stmt.child_by_field_name("body")):
            return True
        if handler is not None:
            hbody = handler.child_by_field_name("body")
            return can_complete(hbody)
        return False
    if t in ("while_statement", "for_statement"):
        if _always_true(stmt.child_by_field_name("condition")):
            return _breaks_to(stmt, _label_of(stmt))
        return True
    if t == "do_statement":
        if _breaks_to(stmt, _label_of(stmt)):
            return True
        if _always_true(stmt.child_by_field_name("condition")):
            return False
        body = stmt.child_by_field_name("body")
        return can_complete(body) or _has_continue(body)
    if t == "labeled_statement":
        body = stmt.child_by_field_name("body") or (stmt.named_children[-1] if stmt.named_children else None)
        lab = stmt.child_by_field_name("label")
        if body is not None and body.type not in LOOP_TYPES and lab is not None and _breaks_to(body, text(lab)):
            return True
        return can_complete(body)
    if t == "expression_statement":
        e = unwrap(stmt.named_children[0]) if stmt.named_children else None
        if e is not None and e.type == "call_expression":
            fn = e.child_by_field_name("function")
            name = text(fn.child_by_field_name("property")) if fn is not None and fn.type == "member_expression" \
                else text(fn)
            if name.startswith(_NEVER_CALL_PREFIXES) or text(fn) == "process.exit":
                return False
        return True
    return True


def _has_continue(node: Optional[Node]) -> bool:
    if node is None:
        return False
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        if n.type in FUNCTION_TYPES or n.type in LOOP_TYPES:
            continue
        if n.type == "continue_statement":
            return True
        stack.extend(n.named_children)
    return False


@_memo
def function_can_fall_off(fn: Node) -> bool:
    """Can this function's body finish without a `return`? Expression-bodied arrows never do.
    Memoised per function while a file is linted (three rules, the return inference and the
    fixes ask it of the same handlers)."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return False
    return can_complete(body)


def returns_value(fn: Node, data: Optional[bytes] = None) -> bool:
    """Does any `return` of this function (not of nested ones) carry a value other than
    `undefined`/`void 0`? Given the file's bytes, the returns are found from their keyword there
    (analysis/byte_scan.py) instead of a walk of the body."""
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":
        return True
    if data is not None:
        for n in byte_scan.own_returns(body, data, innermost_function):
            vals = [c for c in n.named_children if c.type != "comment"]
            if vals and text(vals[0]) not in ("undefined", "void 0"):
                return True
        return False
    stack = list(body.named_children)
    while stack:
        n = stack.pop()
        if n.type in FUNCTION_TYPES or n.type in ("class_declaration", "class"):
            continue
        if n.type == "return_statement":
            vals = [c for c in n.named_children if c.type != "comment"]
            if vals and text(vals[0]) not in ("undefined", "void 0"):
                return True
            continue
        stack.extend(n.named_children)
    return False
