"""Validator algebra: Convex validators (and inferred return values) as plain `Shape`s.

One representation serves both sides:
- a `returns` validator parsed from source (`parse_validator`), with shared constants,
  spreads of field objects from other files, `schema.tables.t.validator`, `doc(schema, "t")`,
  `v.nullable`, `.optional()`, `paginationResultValidator(...)`, `.extend/.pick/.omit/.partial`;
- the set of values a handler can return (analysis/returns_infer.py), described as a validator.

Some shapes are symbolic (a table's document, a constant of another file, a helper's result,
a called function's `returns`): `Resolver` expands them against the workspace index when they
are compared or rendered. `judge(value, validator)` answers accepted / rejected (with the
reason and the field path) / unknown. Nothing here imports pygls; shapes are picklable, so
they travel in `FileFacts.extra`.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from tree_sitter import Node

from .records import record, field
from .syntax import call_args, string_value, text, unwrap


# ------------------------------------------------------------------ shapes
# Shapes and fields are made by the thousand: their `__init__` sets the instance's dict at once (the
# one a frozen record writes field by field through `object.__setattr__`, 3x slower for a Shape)
_set_fields = object.__setattr__


@record(frozen=True)
class Field:
    name: str  # "..." for a spread (shape: what is spread)
    shape: "Shape"
    optional: bool = False
    source: str = field(default="", compare=False)  # the table whose documents carry the field

    def __init__(self, name: str, shape: "Shape", optional: bool = False, source: str = ""):
        _set_fields(self, "__dict__", {"name": name, "shape": shape, "optional": optional, "source": source})


@record(frozen=True)
class Shape:
    """kind: any unknown never null string number boolean int64 bytes id literal undefined
    array object record union optional | symbolic: doc tablefields ref helper fnret paginate op."""

    kind: str
    table: str = ""
    value: Any = None  # literal value; op payload; ref/helper/fnret target
    items: tuple = ()  # union members; (elem,) array/paginate/optional; (key, val) record; (base,) op
    fields: tuple = ()  # object: tuple[Field]
    open: bool = False  # object: fields the analysis cannot see may be present
    origin: str = field(default="", compare=False)  # for messages: "`.unique()`", "`ctx.db.get`"
    maybe: bool = field(default=False, compare=False)  # a union member the handler may not produce

    def __init__(self, kind: str, table: str = "", value: Any = None, items: tuple = (), fields: tuple = (),
                 open: bool = False, origin: str = "", maybe: bool = False):
        _set_fields(self, "__dict__", {"kind": kind, "table": table, "value": value, "items": items,
                                       "fields": fields, "open": open, "origin": origin, "maybe": maybe})


UNKNOWN = Shape("unknown")
ANY = Shape("any")
NULL = Shape("null")
STRING = Shape("string")
NUMBER = Shape("number")
BOOLEAN = Shape("boolean")
NEVER = Shape("never")
UNDEFINED = Shape("undefined")

LEAVES = {"string": STRING, "number": NUMBER, "float64": NUMBER, "boolean": BOOLEAN, "null": NULL,
          "int64": Shape("int64"), "bigint": Shape("int64"), "bytes": Shape("bytes"), "any": ANY}


def union(members, origin: str = "") -> Shape:
    flat: list[Shape] = []
    for m in members:
        if m.kind == "union":
            for x in m.items:
                if x not in flat:
                    flat.append(x)
        elif m.kind == "never":
            continue
        elif m not in flat:
            flat.append(m)
        else:  # same shape twice: a certain member wins over a maybe one
            i = flat.index(m)
            if flat[i].maybe and not m.maybe:
                flat[i] = m
    if not flat:
        return NEVER
    if len(flat) == 1:
        return flat[0]
    return Shape("union", items=tuple(flat), origin=origin)


def nullable(s: Shape, origin: str = "", maybe: bool = False) -> Shape:
    return union([s, Shape("null", origin=origin, maybe=maybe)])


SYMBOLIC = frozenset({"ref", "doc", "helper", "fnret", "op", "get", "nonnull", "maybenull"})


def without_null(s: Shape) -> Shape:
    if s.kind == "doc":
        return s
    if s.kind in SYMBOLIC:
        return Shape("nonnull", items=(s,)) if s.kind != "nonnull" else s
    if s.kind in ("null", "undefined"):  # `x!`, `if (!x) throw`: neither null nor undefined
        return NEVER
    if s.kind == "union":
        return union([m for m in s.items if m.kind not in ("null", "undefined")])
    return s


def with_maybe_null(s: Shape) -> Shape:
    """The null members of `s` become uncertain (a condition may have ruled them out)."""
    if s.kind == "doc":
        return s
    if s.kind in SYMBOLIC:
        return Shape("maybenull", items=(s,))
    if s.kind == "union":
        return Shape("union", items=tuple(Shape("null", origin=m.origin, maybe=True) if m.kind == "null" else m
                                          for m in s.items), origin=s.origin)
    return s


def has_unknown(s: Shape, res: "Resolver", depth: int = 0) -> bool:
    """Is anything in `s` not understood (unknown, open, a maybe member, unresolvable)?"""
    if depth > 12:
        return True
    r = res.resolve(s)
    if r.kind in ("unknown", "undefined", "tablefields", "paginate") or r.kind in SYMBOLIC:
        return True
    if r.maybe:
        return True
    if r.kind == "object":
        return r.open or any(has_unknown(f.shape, res, depth + 1) for f in r.fields)
    return any(has_unknown(i, res, depth + 1) for i in r.items)


# ------------------------------------------------------------------ parsing validators
def _is_v(node: Optional[Node], v_names, read=text) -> bool:
    return node is not None and node.type == "identifier" and read(node) in v_names


def _literal_value(node: Optional[Node], read=text):
    node = unwrap(node)
    if node is None:
        return None
    s = string_value(node)
    if s is not None:
        return ("s", s)
    if node.type == "number":
        try:
            return ("n", float(read(node).replace("_", "")))
        except ValueError:
            return None
    if node.type == "unary_expression" and read(node).startswith("-") and node.named_children \
            and node.named_children[-1].type == "number":
        try:
            return ("n", -float(read(node.named_children[-1])))
        except ValueError:
            return None
    if node.type in ("true", "false"):
        return ("b", node.type == "true")
    return None


def literal(value) -> Shape:
    return Shape("literal", value=value)


# the plain functions whose call parse_validator reads as a validator (any other `f(…)` is unknown)
PLAIN_VALIDATOR_CALLS = frozenset({"paginationResultValidator", "doc", "nullable"})


def parse_validator(node: Optional[Node], path: str, v_names=("v",), depth: int = 0, read=text) -> Shape:
    """A validator expression (source node of file `path`) -> Shape. Identifiers become
    `ref` shapes (resolved later through the file's constants and imports). `read`: the text of a
    node (its file model's `text_of`, when the caller has the model: cheaper than `text`)."""
    node = unwrap(node)
    if node is None or depth > 30:
        return UNKNOWN
    t = node.type
    if t == "identifier":
        return Shape("ref", value=(path, read(node)))
    if t == "object":
        return _parse_fields(node, path, v_names, depth, read)
    if t == "member_expression":
        # schema.tables.t.validator -> the table's fields (no system fields)
        prop = read(node.child_by_field_name("property"))
        obj = unwrap(node.child_by_field_name("object"))
        if prop == "validator" and obj is not None and obj.type == "member_expression":
            tables = unwrap(obj.child_by_field_name("object"))
            if tables is not None and tables.type == "member_expression" \
                    and read(tables.child_by_field_name("property")) == "tables":
                return Shape("tablefields", table=read(obj.child_by_field_name("property")))
        if prop == "fields" and obj is not None:  # someValidator.fields: the object's fields
            return Shape("op", value=("fields",), items=(parse_validator(obj, path, v_names, depth + 1, read),))
        if obj is not None and obj.type == "identifier":  # validators.task, V.task (namespace import)
            return Shape("ref", value=(path, f"{read(obj)}.{prop}"))
        return UNKNOWN
    if t != "call_expression":
        return UNKNOWN
    fn = node.child_by_field_name("function")
    if fn is None:
        return UNKNOWN
    if fn.type == "identifier":
        name = read(fn)
        if name not in PLAIN_VALIDATOR_CALLS:
            return UNKNOWN  # `query({…})`, `defineTable(…)`: not a validator
        args = call_args(node)
        if name == "paginationResultValidator" and args:
            return paginated(parse_validator(args[0], path, v_names, depth + 1, read))
        if name == "doc" and len(args) == 2 and string_value(args[1]) is not None:
            return Shape("doc", table=string_value(args[1]))
        if name in ("nullable",) and args:
            return nullable(parse_validator(args[0], path, v_names, depth + 1, read))
        return UNKNOWN
    if fn.type != "member_expression":
        return UNKNOWN
    # `v.string()` written plainly (most calls): the callee's text tells the object and the method
    head, dot, method = read(fn).partition(".")
    if dot and head in v_names and head not in _NOT_NAMES and _NAME.fullmatch(method) is not None:
        return _parse_v_call(method, call_args(node), path, v_names, depth, read)
    args = call_args(node)
    obj = unwrap(fn.child_by_field_name("object"))
    method = read(fn.child_by_field_name("property"))
    if _is_v(obj, v_names, read):
        return _parse_v_call(method, args, path, v_names, depth, read)
    if method == "doc" and len(args) == 1 and string_value(args[0]) is not None:
        return Shape("doc", table=string_value(args[0]))  # typedV(schema).doc("t")
    base = parse_validator(obj, path, v_names, depth + 1, read)
    if method == "optional" and not args:
        return Shape("optional", items=(base,))
    if method == "nullable" and not args:
        return nullable(base)
    if method in ("pick", "omit"):
        keys = tuple(string_value(a) for a in args)
        if any(k is None for k in keys):
            return UNKNOWN
        return Shape("op", value=(method,) + keys, items=(base,))
    if method == "partial" and not args:
        return Shape("op", value=("partial",), items=(base,))
    if method == "extend" and len(args) == 1:
        ext = parse_validator(args[0], path, v_names, depth + 1, read)
        return Shape("op", value=("extend",), items=(base, ext))
    return UNKNOWN


def pair_key(pair: Node, read=text) -> Optional[str]:
    """The name of an object literal's `key: value` member (None for a computed key)."""
    key = pair.child_by_field_name("key")
    if key is None or key.type == "computed_property_name":
        return None
    return string_value(key) if key.type == "string" else read(key)


def _parse_fields(obj: Node, path: str, v_names, depth: int, read=text) -> Shape:
    fields: list[Field] = []
    open_ = False
    for c in obj.named_children:
        if c.type == "pair":
            name = pair_key(c, read)
            if name is None:
                open_ = True
                continue
            fields.append(Field(name, parse_validator(c.child_by_field_name("value"), path, v_names, depth + 1, read)))
        elif c.type == "shorthand_property_identifier":
            fields.append(Field(read(c), Shape("ref", value=(path, read(c)))))
        elif c.type == "spread_element":
            inner = c.named_children[0] if c.named_children else None
            fields.append(Field("...", parse_validator(inner, path, v_names, depth + 1, read)))
        elif c.type != "comment":
            open_ = True
    return Shape("object", fields=tuple(fields), open=open_)


def _parse_v_call(method: str, args: list, path: str, v_names, depth: int, read=text) -> Shape:
    if method in LEAVES:
        return LEAVES[method]
    if method == "id":
        t = string_value(args[0]) if args else None
        return Shape("id", table=t) if t is not None else UNKNOWN
    if method == "literal":
        lv = _literal_value(args[0], read) if args else None
        return literal(lv) if lv is not None else UNKNOWN
    if method == "array":
        return Shape("array", items=(parse_validator(args[0], path, v_names, depth + 1, read),)) if args else UNKNOWN
    if method == "object":
        a = unwrap(args[0]) if args else None
        if a is None:
            return UNKNOWN
        if a.type == "object":
            return _parse_fields(a, path, v_names, depth + 1, read)
        return Shape("op", value=("asobject",), items=(parse_validator(a, path, v_names, depth + 1, read),))
    if method == "record" and len(args) == 2:
        return Shape("record", items=(parse_validator(args[0], path, v_names, depth + 1, read),
                                      parse_validator(args[1], path, v_names, depth + 1, read)))
    if method == "union":
        return union([parse_validator(a, path, v_names, depth + 1, read) for a in args]) if args else NEVER
    if method == "optional" and args:
        return Shape("optional", items=(parse_validator(args[0], path, v_names, depth + 1, read),))
    if method == "nullable" and args:
        return nullable(parse_validator(args[0], path, v_names, depth + 1, read))
    return UNKNOWN


PAGE_STATUS = union([literal(("s", "SplitRecommended")), literal(("s", "SplitRequired")), NULL])


def paginated(elem: Shape) -> Shape:
    """What `.paginate()` returns (and what `paginationResultValidator(elem)` accepts)."""
    return Shape("object", fields=(
        Field("page", Shape("array", items=(elem,))),
        Field("continueCursor", STRING),
        Field("isDone", BOOLEAN),
        Field("splitCursor", union([STRING, NULL]), optional=True, source="paginate"),
        Field("pageStatus", PAGE_STATUS, optional=True, source="paginate"),
    ), origin="`.paginate()`")


# ------------------------------------------------------------------ parsing text (other files)
_TEXT_CACHE: dict[tuple[str, str], Shape] = {}

# A schema field's or a `returns` text is mostly a few `v.<member>(…)` calls and names: read those
# without a parse (`_read_simple`); anything else is parsed (a tree-sitter parse costs ~50 us).
_SIMPLE_TOKEN = re.compile(r'[ \t\r\n]*(?:([A-Za-z_$][A-Za-z0-9_$]*)|"([^"\\\r\n]*)"|([.(),]))')
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# words the grammar does not read as an `identifier` (or may not): the text is parsed
_NOT_NAMES = frozenset({
    "null", "undefined", "true", "false", "this", "super", "new", "typeof", "void", "delete", "await", "yield",
    "function", "class", "async", "import", "export", "in", "instanceof", "of", "let", "var", "const", "if",
    "else", "return", "throw", "try", "catch", "finally", "switch", "case", "default", "for", "while", "do",
    "break", "continue", "with", "debugger", "enum", "extends", "implements", "interface", "package",
    "private", "protected", "public", "static", "get", "set", "as", "satisfies", "keyof", "infer", "is",
    "declare", "namespace", "module", "type", "abstract", "readonly", "unique", "asserts", "accessor",
    "override", "global", "require", "from", "target", "meta",
})


def _read_simple(src: str, path: str):
    """`parse_validator` of `src` when it is made of names, `v.<member>(…)` calls of the members
    read below and plain double-quoted strings (their arguments); None for anything else."""
    toks: list = []
    pos, end = 0, len(src.rstrip(" \t\r\n"))
    while pos < end:
        m = _SIMPLE_TOKEN.match(src, pos)
        if m is None:
            return None
        name, string, punct = m.groups()
        toks.append(("n", name) if name is not None else ("s", string) if string is not None else ("p", punct))
        pos = m.end()
    if pos != end:
        return None
    toks.append(("p", ""))  # the end
    got = _simple_expr(toks, 0, path, 0)
    if got is None or got[1] != len(toks) - 1:
        return None
    return got[0]


def _simple_expr(toks: list, i: int, path: str, depth: int):
    kind, tok = toks[i]
    if kind != "n" or tok in _NOT_NAMES or depth > 20:
        return None
    if toks[i + 1] != ("p", "."):
        return Shape("ref", value=(path, tok)), i + 1  # a name
    if tok != "v" or toks[i + 2][0] != "n" or toks[i + 3] != ("p", "("):
        return None
    method = toks[i + 2][1]
    i += 4
    args: list = []
    if toks[i] == ("p", ")"):
        i += 1
    else:
        while True:
            if toks[i][0] == "s":
                args.append(toks[i])
                i += 1
            else:
                got = _simple_expr(toks, i, path, depth + 1)
                if got is None:
                    return None
                args.append(got[0])
                i = got[1]
            if toks[i] == ("p", ")"):
                i += 1
                break
            if toks[i] != ("p", ",") or toks[i + 1] == ("p", ")"):
                return None  # (a trailing comma: parsed)
            i += 1
    shapes = [a for a in args if isinstance(a, Shape)]
    strings = [a[1] for a in args if not isinstance(a, Shape)]
    if method in LEAVES:
        out = LEAVES[method] if not args else None
    elif strings:
        if len(args) != 1 or method not in ("id", "literal"):
            return None
        out = Shape("id", table=strings[0]) if method == "id" else literal(("s", strings[0]))
    elif method == "array" and len(shapes) == 1:
        out = Shape("array", items=(shapes[0],))
    elif method == "optional" and len(shapes) == 1:
        out = Shape("optional", items=(shapes[0],))
    elif method == "nullable" and len(shapes) == 1:
        out = nullable(shapes[0])
    elif method == "record" and len(shapes) == 2:
        out = Shape("record", items=(shapes[0], shapes[1]))
    elif method == "union" and shapes:
        out = union(shapes)
    else:
        out = None
    return (out, i) if out is not None else None


def parse_validator_text(src: str, path: str) -> Shape:
    """A validator written as text in file `path` (a fact's `returns_text`, a schema field)."""
    key = (path, src)
    hit = _TEXT_CACHE.get(key)
    if hit is not None:
        return hit
    shape = _read_simple(src, path)
    if shape is None:
        from .source import parser_for

        data = ("(" + src + ");").encode("utf-8")
        tree = parser_for("ts", "validator-text").parse(data)
        root = tree.root_node
        shape = UNKNOWN
        if not root.has_error and root.named_children and root.named_children[0].type == "expression_statement":
            stmt = root.named_children[0]
            shape = parse_validator(stmt.named_children[0] if stmt.named_children else None, path)
    if len(_TEXT_CACHE) > 20000:
        _TEXT_CACHE.clear()
    _TEXT_CACHE[key] = shape
    return shape


# ------------------------------------------------------------------ resolution
EXTRA_KEY = "returns_validator_mismatch"  # FileFacts.extra key of the returns fact extractor


class Resolver:
    """Expands symbolic shapes against the workspace index (schema, other files' constants,
    helpers' return shapes, functions' `returns`)."""

    def __init__(self, index, path: str):
        self.index = index
        self.path = path
        self.schema = index.schema_for(path) if index is not None else None
        self._memo: dict = {}
        self._active: set = set()
        # resolutions cut (too deep, or a name met inside its own resolution): an answer worked out
        # with none is the same whenever it is asked again no deeper (see _flatten)
        self.cuts = 0
        self._flat: dict[int, tuple] = {}  # id(object shape) -> (it, the depth it was flattened at, flat)
        self._judged: dict[tuple, tuple] = {}  # judge's answers worked out with no cut (see judge)

    # --- other files' summaries
    def _summary(self, path: str) -> Optional[dict]:
        f = self.index.facts.get(path) if self.index is not None else None
        return f.extra.get(EXTRA_KEY) if f is not None else None

    def lookup(self, path: str, name: str, kind: str = "consts", depth: int = 0) -> Optional[tuple[str, Any]]:
        """(file, entry) of the constant/helper `name` as seen from `path` (imports followed)."""
        if depth > 10 or self.index is None:
            return None
        summ = self._summary(path)
        if summ is not None and name in summ.get(kind, {}):
            return path, summ[kind][name]
        f = self.index.facts.get(path)
        if f is None:
            return None
        head, _, rest = name.partition(".")
        imp = f.import_of(head if rest else name)
        if imp is None or imp.type_only:
            return None
        target = self.index.resolve_module(path, imp.source)
        if target is None:
            return None
        if imp.imported == "*":
            if not rest:
                return None
            found = self.index.resolve_export(target, rest)
        else:
            if rest:
                return None
            found = self.index.resolve_export(target, imp.imported)
        if found is None:
            return None
        return self.lookup(found[0], found[1], kind, depth + 1)

    def resolve(self, s: Shape, depth: int = 0) -> Shape:
        """`s` with its top level made concrete (objects flattened: spreads merged, optional
        fields marked); unknown when something cannot be followed."""
        if depth > 20:
            self.cuts += 1
            return UNKNOWN
        k = s.kind
        if k == "ref":
            return self._once(("ref", s.value), lambda: self._ref(s, depth))
        if k in ("doc", "tablefields"):
            return self._once((k, s.table), lambda: self._table_shape(s.table, system=(k == "doc")))
        if k == "helper":
            def helper():
                found = self.lookup(s.value[0], s.value[1], "helpers")
                return self.resolve(found[1], depth + 1) if found is not None else UNKNOWN
            return self._once(("helper", s.value), helper)
        if k == "fnret":
            return self.resolve(self._function_returns(s.value), depth + 1)
        if k == "paginate":
            return paginated(s.items[0])
        if k == "op":
            return self._op(s, depth)
        if k in ("nonnull", "maybenull"):
            inner = self.resolve(s.items[0], depth + 1)
            out = without_null(inner) if k == "nonnull" else with_maybe_null(inner)
            return self.resolve(out, depth + 1) if out.kind in SYMBOLIC and out.kind not in ("nonnull", "maybenull") \
                else (UNKNOWN if out.kind in ("nonnull", "maybenull") else out)
        if k == "get":  # ctx.db.get(<an id read from a document>)
            ids = self.resolve(without_null(self.resolve(s.items[0], depth + 1)), depth + 1)
            if ids.kind == "id" and ids.table and not ids.table.startswith("_"):
                return self.resolve(nullable(Shape("doc", table=ids.table), origin=s.origin), depth + 1)
            return UNKNOWN
        if k == "object":
            return self._flatten(s, depth)
        if k == "union":
            members = [self.resolve(m, depth + 1) if m.kind in SYMBOLIC else m for m in s.items]
            if any(m.kind == "unknown" for m in members):
                return Shape("union", items=tuple(members), origin=s.origin)
            return union(members, s.origin) if members != list(s.items) else s
        return s

    def _once(self, key, compute) -> Shape:
        """Memoised resolution of a named thing; unknown when it refers to itself."""
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            self.cuts += 1
            return UNKNOWN
        self._active.add(key)
        try:
            out = compute()
        finally:
            self._active.discard(key)
        self._memo[key] = out
        return out

    def _ref(self, s: Shape, depth: int) -> Shape:
        found = self.lookup(*s.value)
        if found is not None:
            return self.resolve(found[1], depth + 1)
        if "." in s.value[1]:  # a field of an object constant: `validators.task`
            head, _, prop = s.value[1].partition(".")
            base = self.resolve(Shape("ref", value=(s.value[0], head)), depth + 1)
            f = next((f for f in base.fields if f.name == prop), None) if base.kind == "object" else None
            return self.resolve(f.shape, depth + 1) if f is not None and not f.optional else UNKNOWN
        return UNKNOWN

    def _flatten(self, s: Shape, depth: int) -> Shape:
        """An object shape with its spreads merged and its symbolic fields resolved. Judging asks for
        the same objects again and again: a flattening met with no cut is kept, and given again to a
        question asked no deeper (the names it resolved are memoised: the same answer)."""
        got = self._flat.get(id(s))
        if got is not None and got[0] is s and depth <= got[1]:
            return got[2]
        cuts = self.cuts
        out = self._flatten_now(s, depth)
        if self.cuts == cuts:
            self._flat[id(s)] = (s, depth, out)
        return out

    def _flatten_now(self, s: Shape, depth: int) -> Shape:
        if not any(f.name == "..." or f.shape.kind == "optional" or (f.shape.kind in SYMBOLIC and f.shape.kind != "doc")
                   for f in s.fields):
            return s
        out: dict[str, Field] = {}
        open_ = s.open
        for f in s.fields:
            if f.name == "...":
                r = self.resolve(f.shape, depth + 1)
                if r.kind == "object":
                    open_ = open_ or r.open
                    for g in r.fields:
                        before = out.get(g.name)
                        if g.optional and before is not None and not before.optional:
                            # a field the spread may not carry keeps the earlier value then
                            g = Field(g.name, union([before.shape, g.shape]), False, g.source or before.source)
                        out[g.name] = g
                elif r.kind in ("null", "undefined"):
                    continue
                else:
                    open_ = True
                    # a spread we cannot see may also override the fields before it
                    out = {n: Field(n, UNKNOWN, True) for n in out}
                continue
            shape, opt = f.shape, f.optional
            if shape.kind in SYMBOLIC and shape.kind != "doc":
                shape = self.resolve(shape, depth + 1)
            if shape.kind == "optional":
                shape, opt = shape.items[0], True
            if shape.kind == "undefined":
                shape, opt = UNKNOWN, True
            elif shape.kind == "union" and any(m.kind == "undefined" for m in shape.items):
                shape, opt = union([m for m in shape.items if m.kind != "undefined"]), True
            out[f.name] = f if shape is f.shape and opt == f.optional else Field(f.name, shape, opt, f.source)
        return Shape("object", fields=tuple(out.values()), open=open_, origin=s.origin)

    def _op(self, s: Shape, depth: int) -> Shape:
        op = s.value[0]
        base = self.resolve(s.items[0], depth + 1)
        if op == "prop":
            return self._prop(base, s.value[1], depth)
        if op in ("fields", "asobject"):
            return base if base.kind == "object" else UNKNOWN
        if op == "pin":  # documents a query pinned fields of: the literal, or unknown
            if base.kind != "object":
                return UNKNOWN
            pins = dict(s.value[1])
            fields = []
            for f in base.fields:
                if f.name in pins or "*" in pins:
                    lit = pins.get(f.name)
                    if lit is not None:
                        f = Field(f.name, literal(lit), False, f.source)
                    elif self._literal_union(f.shape, depth):
                        f = Field(f.name, UNKNOWN, f.optional, f.source)  # the query may keep one literal only
                fields.append(f)
            return Shape("object", fields=tuple(fields), open=base.open, origin=base.origin)
        if op == "elem":
            base = without_null(base) if base.kind == "union" else base
            return self.resolve(base.items[0], depth + 1) if base.kind == "array" else UNKNOWN
        if op == "either":  # `...(c ? {a} : {b})`: a field of one side only may be absent
            other = self.resolve(s.items[1], depth + 1)
            if base.kind != "object" or other.kind != "object":
                return UNKNOWN
            a = {f.name: f for f in base.fields}
            b = {f.name: f for f in other.fields}
            out = []
            for name in list(a) + [n for n in b if n not in a]:
                fa, fb = a.get(name), b.get(name)
                if fa is not None and fb is not None:
                    out.append(Field(name, union([fa.shape, fb.shape]), fa.optional or fb.optional, fa.source))
                else:
                    f = fa or fb
                    out.append(Field(name, f.shape, True, f.source))
            return Shape("object", fields=tuple(out), open=base.open or other.open)
        if base.kind != "object":
            return UNKNOWN
        if op == "pick":
            keep = set(s.value[1:])
            return Shape("object", fields=tuple(f for f in base.fields if f.name in keep), open=base.open)
        if op == "omit":
            drop = set(s.value[1:])
            return Shape("object", fields=tuple(f for f in base.fields if f.name not in drop), open=base.open)
        if op == "partial":
            return Shape("object", fields=tuple(Field(f.name, f.shape, True, f.source) for f in base.fields),
                         open=base.open)
        if op == "extend":
            ext = self.resolve(s.items[1], depth + 1)
            if ext.kind != "object":
                return UNKNOWN
            out = {f.name: f for f in base.fields}
            for f in ext.fields:
                out[f.name] = f
            return Shape("object", fields=tuple(out.values()), open=base.open or ext.open)
        return UNKNOWN

    def _literal_union(self, s: Shape, depth: int) -> bool:
        r = self.resolve(s, depth + 1)
        if r.kind == "optional":
            r = self.resolve(r.items[0], depth + 1)
        return r.kind == "union" and any(self.resolve(m, depth + 1).kind == "literal" for m in r.items)

    def _prop(self, base: Shape, name: str, depth: int) -> Shape:
        """A property read on a value: a document field (`undefined` too where it is optional)."""
        if base.kind == "union":
            parts = [self._prop(self.resolve(m, depth + 1), name, depth + 1) for m in base.items if m.kind != "null"]
            return union(parts) if parts and all(p.kind != "unknown" for p in parts) else UNKNOWN
        if base.kind != "object" or base.open:
            return UNKNOWN
        f = next((f for f in base.fields if f.name == name), None)
        if f is None:
            return UNKNOWN
        shape = self.resolve(f.shape, depth + 1)
        if shape.kind == "optional":
            shape = union([shape.items[0], UNDEFINED])
        elif f.optional:
            shape = union([shape, UNDEFINED])
        return shape

    def _table_shape(self, table: str, system: bool) -> Shape:
        schema = self.schema
        if schema is None or table not in schema.tables or table in schema.opaque_tables:
            return UNKNOWN
        t = schema.table(table)
        file = t.file or schema.file
        if t.fields and not t.open_fields:
            base = Shape("object", fields=tuple(
                Field(name, parse_validator_text(vt, file)) for name, vt in t.fields.items()))
        elif t.doc_validator:
            base = parse_validator_text(t.doc_validator, file)
        else:
            return UNKNOWN
        base = self.resolve(base)
        if base.kind != "object":
            return UNKNOWN
        fields = [Field(f.name, f.shape, f.optional, table) for f in base.fields]
        if system:
            fields = [f for f in fields if f.name not in ("_id", "_creationTime")]
            fields += [Field("_id", Shape("id", table=table), False, table),
                       Field("_creationTime", NUMBER, False, table)]
        return Shape("object", fields=tuple(fields), open=base.open, origin=f"`{table}`")

    def _function_returns(self, target) -> Shape:
        """`ctx.runQuery(api.a.b)`: the callee's `returns` validator, else its inferred result."""
        path, api_path = target
        if self.index is None:
            return UNKNOWN
        info = self.index.function(path, api_path)
        if info is None:
            return UNKNOWN
        if info.fact.has_returns and info.fact.returns_text:
            return parse_validator_text(info.fact.returns_text, info.file)
        summ = self._summary(info.file)
        if summ is not None and info.name in summ.get("functions", {}):
            return summ["functions"][info.name]
        return UNKNOWN


# ------------------------------------------------------------------ judging
@record
class Verdict:
    kind: str  # accepted | rejected | unknown
    reason: str = ""  # missing-field extra-field optional-required null literal wrong-type array-object
    path: str = ""  # the field path ("" for the value itself)
    detail: str = ""  # the sentence for the message
    value: Optional[Shape] = None  # the member of the value that was rejected


ACCEPTED = Verdict("accepted")
UNKNOWN_V = Verdict("unknown")

_TYPE_WORDS = {"string": "a string", "number": "a number", "boolean": "a boolean", "null": "`null`",
               "int64": "a bigint", "bytes": "bytes", "id": "an id", "literal": "a literal",
               "array": "an array", "object": "an object", "record": "a record", "any": "any value"}


def describe(s: Shape) -> str:
    if s.kind == "id":
        return f'an id of `{s.table}`'
    if s.kind == "literal":
        return "`" + _lit_text(s.value) + "`"
    return _TYPE_WORDS.get(s.kind, s.kind)


def _lit_text(lv) -> str:
    kind, val = lv
    if kind == "s":
        return '"' + val + '"'
    if kind == "b":
        return "true" if val else "false"
    return repr(int(val)) if float(val).is_integer() else repr(val)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _q(path: str) -> str:
    """A field path for a message: `[].qty` reads "`qty` of each element"."""
    if path.startswith("[]."):
        return f"`{path[3:]}` of each element"
    if path == "[]":
        return "an element"
    return f"`{path}`"


def judge(value: Shape, validator: Shape, res: Resolver, path: str = "", depth: int = 0) -> Verdict:
    """Does every value `value` describes pass `validator`? Rejected only when some value the
    handler can certainly produce fails; unknown wherever the analysis cannot tell.

    The same question comes again and again (the sites of a handler share shapes, a union's members
    are judged against every member of the other side: ~40% of the questions on a project are
    repeats): an answer worked out with no cut (of the Resolver, or of this depth bound) is kept and
    given again to the same question asked no deeper, as `Resolver._flatten` does. Without a cut the
    answer depends only on what the Resolver has memoised, which later questions read the same."""
    key = (id(value), id(validator), path)
    got = res._judged.get(key)
    if got is not None and got[0] is value and got[1] is validator and depth <= got[2]:
        return got[3]
    cuts = res.cuts
    out = _judge(value, validator, res, path, depth)
    if res.cuts == cuts:
        res._judged[key] = (value, validator, depth, out)
    return out


def _judge(value: Shape, validator: Shape, res: Resolver, path: str, depth: int) -> Verdict:
    if depth > 24:
        res.cuts += 1
        return UNKNOWN_V
    val = res.resolve(validator)
    if val.kind == "any":
        return ACCEPTED
    if val.kind in ("unknown", "optional"):
        return UNKNOWN_V
    v = res.resolve(value)
    if v.kind in ("unknown", "any", "undefined", "optional") or v.kind in SYMBOLIC:
        return UNKNOWN_V
    if v.kind == "never":
        return ACCEPTED
    if v.kind == "union":
        unknown = False
        for m in v.items:
            r = judge(m, val, res, path, depth + 1)
            if r.kind == "rejected":
                if m.maybe:
                    unknown = True
                    continue
                return r
            if r.kind == "unknown":
                unknown = True
        return UNKNOWN_V if unknown else ACCEPTED
    if val.kind == "union":
        results = []
        for m in val.items:
            r = judge(v, m, res, path, depth + 1)
            if r.kind == "accepted":
                return ACCEPTED  # (the members after it cannot change that)
            results.append(r)
        if any(r.kind == "unknown" for r in results):
            return UNKNOWN_V
        return _best_rejection(v, val, results, res)
    return _judge_single(v, val, res, path, depth)


def _best_rejection(v: Shape, val: Shape, results: list[Verdict], res: Resolver) -> Verdict:
    """Which member's complaint to report: one of the same kind as the value (the object the
    validator meant), else a plain "not allowed"."""
    same = [(r, m) for r, m in zip(results, val.items) if res.resolve(m).kind == v.kind]
    if v.kind == "null":
        return Verdict("rejected", "null", results[0].path,
                       f"{v.origin or 'the handler'} can return `null` but the validator does not allow `null`", v)
    if len(same) == 1:
        return same[0][0]
    if same and v.kind == "object":
        # the member that differs least (fewest missing + extra fields)
        def distance(m: Shape) -> int:
            a = {f.name for f in v.fields}
            b = {f.name for f in res.resolve(m).fields}
            return len(a ^ b)
        r, _ = min(same, key=lambda rm: distance(rm[1]))
        return r
    allowed = ", ".join(sorted({describe(res.resolve(m)) for m in val.items}))
    if v.kind == "literal" and all(res.resolve(m).kind == "literal" for m in val.items):
        p = results[0].path if results else ""
        return Verdict("rejected", "literal", p, f"{_at(p)}`{_lit_text(v.value)}` can be returned but the "
                                                 f"validator allows only {allowed}", v)
    return Verdict("rejected", "wrong-type", results[0].path if results else "",
                   f"{_at(results[0].path if results else '')}{describe(v)} is returned but the validator allows {allowed}", v)


def _at(path: str) -> str:
    if path == "[]":
        return "each element: "
    return f"{_q(path)}: " if path else ""


def _judge_single(v: Shape, val: Shape, res: Resolver, path: str, depth: int) -> Verdict:
    vk, wk = v.kind, val.kind
    if wk == "null":
        if vk == "null":
            return ACCEPTED
        return Verdict("rejected", "null" if vk != "id" else "wrong-type", path,
                       f"{_at(path)}{describe(v)}{_from(v)} is returned but the validator is `v.null()`", v)
    if vk == "null":
        return Verdict("rejected", "null", path,
                       f"{_at(path)}{v.origin or 'the handler'} can return `null` but the validator does not allow `null`"
                       if not path else f"{_q(path)} can be `null`{_from(v)} but the validator does not allow `null`", v)
    if wk == "literal":
        if vk == "literal":
            if v.value == val.value:
                return ACCEPTED
            return Verdict("rejected", "literal", path,
                           f"{_at(path)}`{_lit_text(v.value)}` can be returned but the validator allows "
                           f"only `{_lit_text(val.value)}`", v)
        if _prim(vk) and vk != _lit_kind(val.value):
            return _wrong(v, val, path)
        return UNKNOWN_V  # a string may or may not be that literal
    if wk in ("string", "number", "boolean", "int64", "bytes"):
        if vk == wk or (vk == "literal" and _lit_kind(v.value) == wk) or (vk == "id" and wk == "string"):
            return ACCEPTED
        if vk in ("record", "array", "object", "id") or _prim(vk) or vk == "literal":
            return _wrong(v, val, path)
        return UNKNOWN_V
    if wk == "id":
        if vk == "id":
            return ACCEPTED if v.table == val.table else _wrong(v, val, path)
        if vk == "string":
            return UNKNOWN_V  # may well be an id of that table
        return _wrong(v, val, path)
    if wk == "array":
        if vk != "array":
            if vk == "object":
                return Verdict("rejected", "array-object", path,
                               f"{_at(path)}an object{_from(v)} is returned but the validator expects an array", v)
            return _wrong(v, val, path)
        return judge(v.items[0], val.items[0], res, path + "[]", depth + 1)
    if wk == "record":
        if vk == "object":
            if v.open:
                return UNKNOWN_V
            unknown = False
            for f in v.fields:
                kv = judge(literal(("s", f.name)), val.items[0], res, _join(path, f.name), depth + 1)
                r = judge(f.shape, val.items[1], res, _join(path, f.name), depth + 1)
                for x in (kv, r):
                    if x.kind == "rejected":
                        return x
                    if x.kind == "unknown":
                        unknown = True
            return UNKNOWN_V if unknown else ACCEPTED
        if vk == "record":
            a = judge(v.items[0], val.items[0], res, path, depth + 1)
            b = judge(v.items[1], val.items[1], res, path, depth + 1)
            for x in (a, b):
                if x.kind != "accepted":
                    return x
            return ACCEPTED
        return _wrong(v, val, path)
    if wk == "object":
        if vk == "array":
            return Verdict("rejected", "array-object", path,
                           f"{_at(path)}an array{_from(v)} is returned but the validator expects an object", v)
        if vk != "object":
            return _wrong(v, val, path)
        return _judge_object(v, val, res, path, depth)
    return UNKNOWN_V


def _prim(kind: str) -> bool:
    return kind in ("string", "number", "boolean", "int64", "bytes", "null")


def _lit_kind(lv) -> str:
    return {"s": "string", "n": "number", "b": "boolean"}[lv[0]]


def _from(v: Shape) -> str:
    return f" ({v.origin})" if v.origin and v.origin != "code" else ""


def _wrong(v: Shape, val: Shape, path: str) -> Verdict:
    if v.kind == "literal" and val.kind == "literal":
        return Verdict("rejected", "literal", path, f"{_at(path)}`{_lit_text(v.value)}` is returned but the validator "
                                                    f"allows only `{_lit_text(val.value)}`", v)
    return Verdict("rejected", "wrong-type", path,
                   f"{_at(path)}{describe(v)}{_from(v)} is returned but the validator expects {describe(val)}", v)


def _judge_object(v: Shape, val: Shape, res: Resolver, path: str, depth: int) -> Verdict:
    mine = {f.name: f for f in v.fields}
    theirs = {f.name: f for f in val.fields}
    unknown = v.open or val.open
    if not val.open:
        # a field every document has first: the surest complaint
        for name, f in sorted(mine.items(), key=lambda kv: kv[1].optional):
            if name in theirs or f.shape.kind in ("unknown", "undefined"):
                continue
            if f.source == "paginate":
                continue  # splitCursor/pageStatus: present on some pages only
            where = _join(path, name)
            if f.source:
                if f.optional:
                    msg = (f"{_q(where)} may be in a `{f.source}` document (optional in the schema) but is not "
                           "in the validator")
                else:
                    msg = f"{_q(where)} is in every `{f.source}` document but not in the validator"
            else:
                msg = f"{_q(where)} is returned but not in the validator"
            return Verdict("rejected", "extra-field", where, msg, v)
    if not v.open:
        for name, g in theirs.items():
            if g.optional:
                continue
            where = _join(path, name)
            f = mine.get(name)
            if f is None:
                src = next((x.source for x in v.fields if x.source and x.source != "paginate"), "")
                msg = (f"the validator requires {_q(where)} but `{src}` documents have no `{name}` field" if src
                       else f"the validator requires {_q(where)} but the returned object has no `{name}`")
                return Verdict("rejected", "missing-field", where, msg, v)
            if f.optional and f.shape.kind != "unknown":
                msg = (f"the validator requires {_q(where)} but it is optional in `{f.source}` documents" if f.source
                       else f"the validator requires {_q(where)} but the returned object may lack it")
                return Verdict("rejected", "optional-required", where, msg, v)
    for name, f in mine.items():
        g = theirs.get(name)
        if g is None:
            continue
        r = judge(f.shape, g.shape, res, _join(path, name), depth + 1)
        if r.kind == "rejected":
            if r.reason == "literal" and f.source and not r.detail.startswith("`" + _join(path, name) + "`: "):
                pass
            return r
        if r.kind == "unknown":
            unknown = True
    return UNKNOWN_V if unknown else ACCEPTED


# ------------------------------------------------------------------ rendering
# A rendered validator is a small tree, laid out on one line or over several:
#   str (atomic text) | ("call", head, [args]) | ("obj", [(key, tree)]) ; key "..." spreads its tree (a str)
def render_tree(s: Shape, res: Resolver, v: str = "v", depth: int = 0, docs=None):
    """A validator for `s` (None when `s` is not fully known). `docs(table)` may return the tree
    to use for a table's documents (built on a named constant of the schema)."""
    if depth > 16:
        return None
    if s.kind == "doc" and docs is not None:
        named = docs(s.table)
        if named is not None:
            return named
    if s.kind == "paginate":
        inner = render_tree(s.items[0], res, v, depth + 1, docs)
        return ("call", "paginationResultValidator", [inner]) if inner is not None else None
    r = res.resolve(s)
    if r.maybe:
        return None
    k = r.kind
    if k in ("string", "number", "boolean", "null", "int64", "bytes", "any"):
        return f"{v}.{k}()"
    if k == "id":
        return f'{v}.id("{r.table}")'
    if k == "literal":
        return f"{v}.literal({_lit_text(r.value)})"
    if k in ("array", "record", "union"):
        parts = [render_tree(m, res, v, depth + 1, docs) for m in r.items]
        if any(p is None for p in parts):
            return None
        if k == "union":
            nonnull = [p for p, m in zip(parts, r.items) if m.kind != "null"]
            if len(nonnull) == 1 and len(parts) == 2:  # `X | null`: X first
                parts = nonnull + [f"{v}.null()"]
        return ("call", f"{v}.{k}", parts)
    if k == "object":
        if r.open:
            return None
        entries = []
        for f in r.fields:
            inner = render_tree(f.shape, res, v, depth + 1, docs)
            if inner is None:
                return None
            key = f.name if _ident(f.name) else '"' + f.name + '"'
            entries.append((key, ("call", f"{v}.optional", [inner]) if f.optional else inner))
        return ("call", f"{v}.object", [("obj", entries)])
    return None


def flat(tree) -> str:
    if isinstance(tree, str):
        return tree
    if tree[0] == "call":
        return f"{tree[1]}({', '.join(flat(a) for a in tree[2])})"
    if not tree[1]:
        return "{}"
    return "{ " + ", ".join(("..." + flat(t)) if k == "..." else f"{k}: {flat(t)}" for k, t in tree[1]) + " }"


def layout(tree, indent: str, unit: str, col: int, width: int = 100, trailing: bool = True,
           nl: str = "\n") -> str:
    """`tree` as text starting at column `col` on a line indented by `indent`: on one line when it
    fits in `width`, else broken one member per line like hand-written code."""
    one = flat(tree)
    if isinstance(tree, str) or col + len(one) <= width:
        return one
    comma = "," if trailing else ""
    inner = indent + unit
    if tree[0] == "call":
        args = tree[2]
        if len(args) == 1:  # v.array(X), v.object({...}): break inside X
            return f"{tree[1]}(" + layout(args[0], indent, unit, col + len(tree[1]) + 1, width, trailing, nl) + ")"
        body = (","+nl).join(inner + layout(a, inner, unit, len(inner), width, trailing, nl) for a in args)
        return f"{tree[1]}({nl}{body}{comma}{nl}{indent})"
    lines = []
    for k, t in tree[1]:
        head = "..." if k == "..." else f"{k}: "
        lines.append(inner + head + layout(t, inner, unit, len(inner) + len(head), width, trailing, nl))
    return "{" + nl + ("," + nl).join(lines) + comma + nl + indent + "}"


def widen_code_literals(s: Shape) -> Shape:
    """Literals written in the handler (`return "ok"`, `{ done: true }`) as their type, for a
    validator a person would write; literal unions of the schema stay."""
    if s.kind == "literal" and s.origin == "code":
        return {"s": STRING, "n": NUMBER, "b": BOOLEAN}[s.value[0]]
    if s.kind == "union":
        return union([widen_code_literals(m) for m in s.items], s.origin)
    if s.kind in ("array", "paginate"):
        return Shape(s.kind, items=tuple(widen_code_literals(m) for m in s.items), origin=s.origin)
    if s.kind == "object":
        return Shape("object", fields=tuple(Field(f.name, widen_code_literals(f.shape), f.optional, f.source)
                                            for f in s.fields), open=s.open, origin=s.origin)
    return s


def render(s: Shape, res: Resolver, v: str = "v", docs=None) -> Optional[str]:
    tree = render_tree(s, res, v, 0, docs)
    return flat(tree) if tree is not None else None


def _ident(name: str) -> bool:
    import re

    return re.match(r"^[A-Za-z_$][\w$]*$", name) is not None


def relative_module(from_path: str, to_path: str) -> str:
    """`./model/tasks` style specifier of `to_path` from the file `from_path`."""
    stem = os.path.splitext(to_path)[0]
    rel = os.path.relpath(stem, os.path.dirname(from_path)).replace(os.sep, "/")
    return rel if rel.startswith(".") else "./" + rel
