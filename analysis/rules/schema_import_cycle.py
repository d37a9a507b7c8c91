"""CVX509 schema-import-cycle."""

from __future__ import annotations

import os

from ..deferred import defer
from ..registry import Rule
from ._refs import at_evaluation_time, import_statements, value_uses_in


def extract(model):
    """Relative value-import edges (with the source string's byte range) and, per source that may be
    a schema, the imported bindings read while the module is evaluated (worked out when first read:
    few files are, see analysis/deferred.py)."""
    if getattr(model, "root", None) is None:
        return None
    return defer(model, extract_now)


def extract_now(model):
    """`extract`'s summary, at once."""
    edges = []
    reads: dict[str, list[str]] = {}
    locals_by_source: dict[str, set[str]] = {}
    for imp in import_statements(model.root):
        if imp.type_only or not imp.source.startswith("."):
            continue
        edges.append((imp.source, imp.source_node.start_byte, imp.source_node.end_byte))
        if imp.locals and _may_be_schema(imp.source):
            locals_by_source.setdefault(imp.source, set()).update(imp.locals)
    for e in model.facts.exports:  # `export ... from "./x"` evaluates ./x too
        if e.source is not None and e.source.startswith("."):
            edges.append((e.source, -1, -1))
    wanted = set().union(*locals_by_source.values()) if locals_by_source else set()
    used = value_uses_in(model, wanted, where=at_evaluation_time, first=True)
    for source, names in locals_by_source.items():
        hot = sorted(n for n in names if used.get(n))
        if hot:
            reads[source] = hot
    return {"edges": edges, "reads": reads}


def _may_be_schema(source: str) -> bool:
    """Can this relative specifier resolve to a `schema.ts`? Only through a last segment naming it
    (`./schema`, `../schema.js`) or a folder (`.`, `..`): the reads of other imports are never
    looked at (`_find_cycle` wants the bindings read from the schema), so they are not searched for."""
    last = source.rstrip("/").rsplit("/", 1)[-1]
    return "schema" in last or last in ("", ".", "..")


def _info(index, path):
    f = index.facts.get(path)
    return f.extra.get("schema_import_cycle") if f is not None else None


def check(ctx):
    if ctx.facts.module != "schema":
        return
    me = _info(ctx.index, ctx.path)
    if not me:
        return
    reported = set()
    for source, start, end in me["edges"]:
        first = ctx.index.resolve_module(ctx.path, source)
        if first is None or first == ctx.path or first in reported:
            continue
        chain = _find_cycle(ctx.index, ctx.path, first)
        if chain is None:
            continue
        reported.add(first)
        names, reader = chain[-1], chain[-2]
        files = [os.path.basename(ctx.path)] + [_rel(ctx, p) for p in chain[:-1]] + [os.path.basename(ctx.path)]
        rng = (start, end) if start >= 0 else (0, 0)
        ctx.report(
            rng,
            f"Import cycle through the schema: {' -> '.join(files)}; `{_rel(ctx, reader)}` reads "
            f"`{names[0]}` from the schema while the schema is still being evaluated, so the deploy reads an "
            "uninitialized binding. Move the shared validators into a module that does not import the schema",
            data={"chain": [ctx.path] + chain[:-1] + [ctx.path], "binding": names[0]},
        )


def _rel(ctx, path):
    d = ctx.functions_dir
    return os.path.relpath(path, d.path).replace(os.sep, "/") if d is not None else os.path.basename(path)


def _find_cycle(index, schema, first):
    """[first, ..., reader, names] for a path of value imports from `first` to a module that reads a
    schema binding at evaluation time; None when there is none."""
    stack = [(first, [first])]
    seen = {first}
    while stack:
        path, chain = stack.pop()
        info = _info(index, path)
        if not info:
            continue
        for source, names in info["reads"].items():
            if index.resolve_module(path, source) == schema:
                return chain + [names]
        for source, _s, _e in info["edges"]:
            nxt = index.resolve_module(path, source)
            if nxt is None or nxt == schema or nxt in seen or len(chain) > 24:
                continue
            seen.add(nxt)
            stack.append((nxt, chain + [nxt]))
    return None


RULE = Rule(
    code="CVX509",
    name="schema-import-cycle",
    severity="error",
    spec="§11 File Structure",
    summary="Flags `schema.ts` importing (directly or through further relative value imports) a module that "
            "imports `schema.ts` back and reads one of its bindings at module level, outside any function. "
            "The message lists the import chain. Type-only imports, uses inside functions and `typeof schema` "
            "in types are fine.",
    why="When the deploy evaluates `schema.ts`, its imports run first; a module in that chain that reads a "
        "schema export at its top level meets a binding that is not initialized yet and throws, so the push "
        "fails with an error far from its cause (§11: shared validators belong in their own module).",
    bad="""// convex/schema.ts
import { taskFields } from "./model/tasks";
// convex/model/tasks.ts
import schema from "../schema";
export const taskDoc = schema.tables.tasks.validator;""",
    good="""// convex/validators.ts holds taskFields; schema.ts and model/tasks.ts both import it""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
)
