"""Validator texts read without a parse (`_read_simple`: names, `v.<member>(…)` calls and plain
strings) give the shape the parse gives; any other text is parsed."""

from __future__ import annotations

import itertools

import pytest

from convex_lsp.analysis import validator_algebra as va

TEXTS = [
    'v.string()', 'v.number()', 'v.float64()', 'v.int64()', 'v.bigint()', 'v.boolean()', 'v.null()', 'v.bytes()',
    'v.any()', 'v.id("users")', 'v.id("")', 'v.literal("a")', 'v.literal("ünï")', 'vStatus', 'options', '$x', '_y1',
    'v.optional(v.string())', 'v.optional(vTemplate)', 'v.array(v.id("threads"))', 'v.array(vMessageDoc)',
    'v.union(v.string(), v.null())', 'v.union(v.literal("a"), v.literal("b"), v.literal("c"))',
    'v.record(v.string(), v.any())', 'v.nullable(v.number())', 'v.optional(v.union(v.number(), v.null()))',
    'v.array(\n        v.union(v.string(),\n v.null()))', ' v.string() ', 'v . string ( )',
    # parsed: other forms, or not what they look like
    'v.string("x")', 'v.union()', 'v.union(v.string(),)', 'v.id(\'users\')', 'v.id(`users`)', 'v.id("a\\"b")',
    'v.literal(1)', 'v.literal(true)', 'v.id("x", "y")', 'v.array()', 'v.array(v.string(), v.number())',
    'v.record(v.string())', 'v.object({ a: v.string() })', 'v.string().optional()', 'x.string()', 'v.string',
    'vX.fields', 'schema.tables.t.validator', 'null', 'undefined', 'true', 'this', 'new', 'v.optional(null)',
    'foo(x)', 'a, b', '(v.string())', 'v.string() // c', 'v.string() /* c */', 'v.string())', 'v.string(', '',
    'v.unknownMember()', 'doc(schema, "t")', 'paginationResultValidator(v.string())', 'v.string();',
    'v.optional(v.optional(v.optional(v.string())))', 'ünïcode', 'v.union(v.string(), undefined)',
]


@pytest.mark.parametrize("text", TEXTS)
def test_read_without_a_parse_as_parsed(text, monkeypatch):
    fast = va._read_simple(text, "/w/convex/schema.ts")
    monkeypatch.setattr(va, "_read_simple", lambda src, path: None)
    va._TEXT_CACHE.clear()
    parsed = va.parse_validator_text(text, "/w/convex/schema.ts")
    va._TEXT_CACHE.clear()
    if fast is not None:
        assert repr(fast) == repr(parsed)


def test_the_common_texts_are_read_without_a_parse():
    read = [t for t in TEXTS if va._read_simple(t, "/p") is not None]
    assert len(read) == 30 and "v.string(\"x\")" not in read and "(v.string())" not in read


def test_nested_texts_as_parsed(monkeypatch):
    leaves = ['v.string()', 'v.id("t")', 'name', 'v.literal("x")']
    wraps = ['v.optional({})', 'v.array({})', 'v.union({}, v.null())', 'v.record(v.string(), {})', 'v.nullable({})']
    texts = [w2.format(w1.format(leaf)) for leaf, w1, w2 in itertools.product(leaves, wraps, wraps)]
    texts.append("v.optional(" * 40 + "v.string()" + ")" * 40)  # deeper than the parser reads
    for text in texts:
        fast = va._read_simple(text, "/p")
        monkeypatch.setattr(va, "_read_simple", lambda src, path: None)
        va._TEXT_CACHE.clear()
        parsed = va.parse_validator_text(text, "/p")
        monkeypatch.undo()
        assert fast is None or repr(fast) == repr(parsed), text
    va._TEXT_CACHE.clear()
