"""CVX214 multiple-paginate."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Optional

from tree_sitter import Node

from ..convex import is_ctx_identifier
from ..deferred import Deferred, defer
from ..indexes_util import dot_span
from ..paths_util import summarize_function, worst
from ..registry import Rule
from ..runtime_util import index_cache
from ..syntax import member_chain, text, unwrap

MAX_DEPTH = 8  # helpers calling helpers, across files


def paginate_calls(model) -> set[int]:
    """Ids of the `.paginate(…)` calls that end a database query: `ctx.db.query(…)…paginate()` (any
    name of ctx, `{ db }`, helpers returning a query) and Convex Ents' `ctx.table(…)…paginate()`.
    Library paginators (`paginator(db, schema)`, `stream(…)`) may run many pages and are not counted."""
    memo = _rule_memo(model)
    if "calls" in memo:
        return memo["calls"]
    ids: set[int] = set()
    if b"paginate" in model.src.data:  # else neither a chain nor a call can end in `.paginate(`
        ids = {c.terminal.call.id for c in model.query_chains
               if c.terminal is not None and c.terminal.method == "paginate"}
        for call in model.calls_named("paginate"):  # (the callee index: `paginate(…)` and `x.paginate(…)`)
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "member_expression":
                continue
            if call.id not in ids and _ents_root(fn.child_by_field_name("object")):
                ids.add(call.id)
    memo["calls"] = ids
    return ids


def _rule_memo(model) -> dict:
    """This rule's answers about one tree, in its model's per-tree store (`FileModel.memo`): the
    extractor's and the rule's share them."""
    return model.memo.setdefault("multiple_paginate", {})


def _ents_root(node: Optional[Node]) -> bool:
    """Does a method chain start at `ctx.table(…)` (Convex Ents)?"""
    node = unwrap(node)
    while node is not None:
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "member_expression":
                obj = unwrap(fn.child_by_field_name("object"))
                if text(fn.child_by_field_name("property")) == "table" and obj is not None \
                        and obj.type == "identifier" and is_ctx_identifier(obj):
                    return True
                node = obj
                continue
            return False
        if node.type == "member_expression":
            node = unwrap(node.child_by_field_name("object"))
            continue
        return False
    return False


def _classifier(model):
    """classify(call) for `summarize_function`, and the sorted starts of the calls it counts: a
    counted `.paginate()` is a leaf; a call of a plain function (`f(…)`, `ns.f(…)`) is a call event,
    but only when it may run one: `_Resolver` can follow its name from this file, and a local helper
    holds an event itself. Any other call runs no paginated query, which is what it evaluates to
    anyway. Every call of the file is classified once."""
    pag = paginate_calls(model)
    facts = model.facts
    imports: dict = {}
    for imp in facts.imports:
        imports.setdefault(imp.local, imp)  # `import_of` answers the first one
    namespaces = any(imp.imported == "*" for imp in imports.values())
    names: dict[str, bool] = {}
    found_calls: list[tuple[Node, tuple]] = []
    calls = model.calls
    # per call: (is an identifier, name, callee, property) for an identifier or member callee, else
    # None: read from there, not from the nodes (most calls are neither leaves nor followable)
    for i, got in enumerate(model.raw_callees()):  # in document order
        if pag:
            call = calls[i]
            if call.id in pag:
                fn = got[2] if got is not None else call.child_by_field_name("function")
                if fn is not None:
                    found_calls.append((call, ("leaf",) + dot_span(fn, call)))
                continue
        if got is not None and got[0]:
            name = got[1]  # `f(…)`
        elif namespaces:  # `ns.f(…)`
            fn = got[2] if got is not None else calls[i].child_by_field_name("function")
            if fn is None or fn.type != "member_expression":
                continue
            chain = member_chain(fn)
            if not chain or len(chain) > 2:
                continue
            name = ".".join(chain)
        else:
            continue
        followed = names.get(name)
        if followed is None:
            followed = names[name] = _followable(name, facts.helpers, imports.get)
        if followed:
            found_calls.append((calls[i], ("call", name)))
    idle = _idle_helpers(model.helper_nodes, found_calls)
    events = {call.id: kind for call, kind in found_calls if kind[0] == "leaf" or kind[1] not in idle}
    counted = [(call.start_byte, kind) for call, kind in found_calls if call.id in events]
    starts = [at for at, _ in counted]

    def classify(call: Node):
        return events.get(call.id)
    return classify, starts, [kind for _, kind in counted]


def _idle_helpers(helpers: dict, found: list) -> set[str]:
    """The local helpers that can run no paginated query: no leaf, no call of an import, no call of a
    helper that can, anywhere in their bytes (a call of one counts 0 whatever the path)."""
    spans = {name: (fn.start_byte, fn.end_byte) for name, fn in helpers.items()}
    # (top-level declarations: their spans do not overlap, and the one that may hold a call is the
    # last starting before it; should two overlap, every span is tried)
    order = sorted((lo, hi, name) for name, (lo, hi) in spans.items())
    disjoint = all(a[1] <= b[0] for a, b in zip(order, order[1:]))
    starts = [lo for lo, _, _ in order]
    live: set[str] = set()
    edges: list[tuple[str, str]] = []  # (caller helper, local callee)
    for call, kind in found:
        at = call.start_byte
        if disjoint:
            i = bisect_right(starts, at) - 1
            around = [order[i][2]] if i >= 0 and at < order[i][1] else []
        else:
            around = [name for name, (lo, hi) in spans.items() if lo <= at < hi]
        if kind[0] == "call" and kind[1] in helpers:
            edges.extend((caller, kind[1]) for caller in around)
        else:
            live.update(around)
    grown = True
    while grown:
        grown = False
        for caller, callee in edges:
            if callee in live and caller not in live:
                live.add(caller)
                grown = True
    return set(helpers) - live


def _followable(name: str, helpers, import_of) -> bool:
    """Can `_Resolver._resolve` follow a call named so: a local helper, a named import, or a member
    of a namespace import (`ns.f`), from a relative specifier (`index.resolve_module` follows no
    other)?"""
    ns, _, member = name.partition(".")
    if not member:
        if name in helpers:
            return True
        imp = import_of(name)
        return imp is not None and not imp.type_only and imp.imported not in ("*", "default") \
            and imp.source.startswith(".")
    imp = import_of(ns)
    return imp is not None and imp.imported == "*" and imp.source.startswith(".")


def summary(model, fn: Node):
    """The path summary of one function of this file (memoised per tree: the extractor's helpers and
    the rule's handlers share it). Only the calls that count and the `return`/`throw` statements
    are visited (see `summarize_function`'s `marks`)."""
    classify, events, _ = _classified(model)
    trees = _rule_memo(model).setdefault("summaries", {})
    tree = trees.get(fn.id)
    if tree is None:
        tree = trees[fn.id] = summarize_function(fn, classify, _marks(model.src.data, events, fn))
    return tree


def _classified(model):
    """`_classifier(model)`, once per tree."""
    memo = _rule_memo(model)
    got = memo.get("classify")
    if got is None:
        got = memo["classify"] = _classifier(model)
    return got


def _events_in(model, fn: Node) -> list:
    """The kinds (`("leaf", …)`, `("call", name)`) of the counted calls written inside `fn`."""
    _, starts, kinds = _classified(model)
    return kinds[bisect_left(starts, fn.start_byte):bisect_left(starts, fn.end_byte)]




def _marks(data: bytes, events: list[int], fn: Node) -> list[int]:
    """Start bytes of the event calls inside `fn` and, when there is one, of every `return`/`throw`
    written in it (a statement starts with its keyword; the other spellings only cost a visit):
    without an event the summary is empty whatever the function returns."""
    lo, hi = fn.start_byte, fn.end_byte
    marks = events[bisect_left(events, lo):bisect_left(events, hi)]
    if marks:
        for word in (b"return", b"throw"):  # (each found by `find`: faster than a pattern of both)
            i = data.find(word, lo, hi)
            while i != -1:
                marks.append(i)
                i = data.find(word, i + 1, hi)
        marks.sort()
    return marks


def extract(model):
    """name -> path summary of every top-level plain function that can reach a `.paginate()` (its
    own or through other helpers: those are resolved when a rule reads the summary). Worked out when
    first read (see analysis/deferred.py: 87 of 309 files are, in the like-for-like corpus)."""
    if not model.helper_nodes:
        return {}
    return defer(model, extract_now, hint=None if b"paginate" in model.src.data else _LEAFLESS)


_LEAFLESS = "leafless"  # the hint of a summary none of whose trees holds a leaf (no `paginate` in the file)


def extract_now(model):
    """`extract`'s summary, at once."""
    out = {}
    for name, fn in model.helper_nodes.items():
        tree = summary(model, fn)
        if _mentions_events(tree):
            out[name] = tree
    return out


def _calls_or_leaf(tree):
    """The names of the calls in a summary tree, and None for each leaf."""
    stack = [tree]
    while stack:
        t = stack.pop()
        kind = t[0]
        if kind == "leaf":
            yield None
        elif kind == "call":
            yield t[1]
        elif kind in ("seq", "alt"):
            stack.extend(t[1])
        else:
            stack.append(t[1])


def _may_hold_leaf(facts) -> bool:
    """Might a summary tree of this file hold a counted `.paginate()`? Not when the file has no
    summary, nor when its bytes hold no `paginate` (`paginate_calls` finds none then: the extractor
    says so in its hint, and the summary need not be worked out to know it)."""
    ext = facts.extra.get("multiple_paginate")
    if ext is None:
        return False
    if isinstance(ext, Deferred):
        return ext.hint != _LEAFLESS
    return any(x is None for tree in ext.values() for x in _calls_or_leaf(tree))


def _mentions_events(tree) -> bool:
    kind = tree[0]
    if kind in ("leaf", "call"):
        return True
    if kind in ("seq", "alt"):
        return any(_mentions_events(t) for t in tree[1])
    return _mentions_events(tree[1])


class _Resolver:
    """How many paginated reads a call of a plain function (local, imported, `ns.fn`) can run."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.index = ctx.index
        self.memo: dict[tuple[str, str], int] = {}
        self.dead: set[tuple[str, str]] = set()  # (path, name) calls that reach no counted call
        # path -> _may_paginate(path), for every file linted while the index is the same (the answer
        # depends on the indexed files' facts only: their imports, exports and summaries' hints)
        self.reach: dict[str, bool] = index_cache(ctx.index, "multiple_paginate.reach", lambda _: {})

    def _may_paginate(self, path: str) -> bool:
        """Can a call resolved to a function of `path` reach a counted `.paginate()`? Everything
        `_resolve` follows from there is in `path` (a local helper) or in a file it imports or
        re-exports from (named, namespace and `export … from` specifiers alike), and so on: when
        no file reached through those holds a leaf (`_may_hold_leaf`) the answer is no, and their
        summaries need not be worked out (most summaries read before were of such files). Every
        file met is answered at once (the files it reaches either were met too, or were answered
        before): a file reaches a leaf when it holds one or a file it names does.
        Only asked of a file whose summary is still to be worked out: another (eager, read from the
        cache, or none) costs nothing to read, and `may_reach_leaf`/`count` read it (True)."""
        reach = self.reach
        got = reach.get(path)
        if got is not None:
            return got
        index = self.index
        facts = index.facts.get(path)
        if facts is None or not isinstance(facts.extra.get("multiple_paginate"), Deferred):
            return True
        order, seen = [path], {path}
        names: dict[str, list[str]] = {}  # file -> the files it names (of those not answered before)
        leafy: set[str] = set()
        for at in order:  # (grows while it is read)
            known = reach.get(at)
            if known is not None:
                if known:
                    leafy.add(at)
                continue
            facts = index.facts.get(at)
            if facts is None:
                continue
            if _may_hold_leaf(facts):
                leafy.add(at)
                continue  # (what it names does not change its answer)
            named = names[at] = []
            for spec in [imp.source for imp in facts.imports] + [e.source for e in facts.exports if e.source]:
                if spec[:1] != ".":
                    continue  # (`resolve_module` follows relative specifiers only)
                mod = index.resolve_module(at, spec)
                if mod is not None:
                    named.append(mod)
                    if mod not in seen:
                        seen.add(mod)
                        order.append(mod)
        namers: dict[str, list[str]] = {}
        for at, named in names.items():
            for mod in named:
                namers.setdefault(mod, []).append(at)
        todo = list(leafy)
        while todo:
            for at in namers.get(todo.pop(), ()):
                if at not in leafy:
                    leafy.add(at)
                    todo.append(at)
        for at in order:
            if at not in reach:
                reach[at] = at in leafy
        return reach[path]

    def count(self, path: str, name: str, depth: int = 0) -> int:
        key = (path, name)
        if key in self.memo:
            return self.memo[key]
        if depth > MAX_DEPTH:
            return 0
        self.memo[key] = 0  # recursion: a cycle adds nothing
        target = self._resolve(path, name)
        n = 0
        if target is not None and self._may_paginate(target[0]):
            tpath, tname = target
            facts = self.index.facts.get(tpath)
            tree = facts.extra.get("multiple_paginate", {}).get(tname) if facts is not None else None
            if tree is not None:
                n = worst(tree, lambda callee: self.count(tpath, callee, depth + 1))[0]
        self.memo[key] = n
        return n

    def may_reach_leaf(self, path: str, names) -> bool:
        """Can a call of one of `names` from `path` reach a counted `.paginate()`, following calls
        through every helper summary whatever the depth? No: each of their `count`s is 0 (in any
        order: `count` only ever follows these same calls, to a bounded depth)."""
        dead = self.dead
        todo = [(path, n) for n in names if (path, n) not in dead]
        seen = set(todo)
        while todo:
            at, name = todo.pop()
            target = self._resolve(at, name)
            if target is None or not self._may_paginate(target[0]):
                continue
            tpath, tname = target
            facts = self.index.facts.get(tpath)
            tree = facts.extra.get("multiple_paginate", {}).get(tname) if facts is not None else None
            if tree is None:
                continue
            for callee in _calls_or_leaf(tree):
                if callee is None:
                    return True
                key = (tpath, callee)
                if key not in seen and key not in dead:
                    seen.add(key)
                    todo.append(key)
        dead.update(seen)  # (everything they reach was looked at: no leaf)
        return False

    def _resolve(self, path: str, name: str) -> Optional[tuple[str, str]]:
        facts = self.index.facts.get(path)
        if facts is None or not _followable(name, facts.helpers, facts.import_of):
            return None
        ns, _, member = name.partition(".")
        if not member:
            if name in facts.helpers:
                return path, name
            imp = facts.import_of(name)
            mod = self.index.resolve_module(path, imp.source)
            return self.index.resolve_export(mod, imp.imported) if mod is not None else None
        imp = facts.import_of(ns)
        mod = self.index.resolve_module(path, imp.source)
        return self.index.resolve_export(mod, member) if mod is not None else None


def check(ctx):
    regs = [(reg, b) for reg, b in ctx.registrations() if b.kind in ("query", "mutation") and reg.handler is not None]
    if not regs:
        return
    resolver = _Resolver(ctx)
    lines = ctx.model.src.lines
    for reg, b in regs:
        kinds = _events_in(ctx.model, reg.handler)
        if not kinds:
            continue  # (an empty summary)
        if all(k[0] == "call" for k in kinds) and not resolver.may_reach_leaf(ctx.path, {k[1] for k in kinds}):
            continue  # every call it makes counts 0
        tree = summary(ctx.model, reg.handler)
        total, leaves = worst(tree, lambda name: resolver.count(ctx.path, name))
        if total < 2:
            continue
        ran = 0
        first = None
        for start, end, n, kind in leaves:
            before, ran = ran, ran + n
            if first is None:
                first = (start, end)
            if ran < 2:
                continue
            via = "" if kind == "leaf" else " (through the helper it calls)"
            if before >= 1 and first == (start, end):
                msg = f"This paginated query{via} can run more than once in one {b.kind} (it is in a loop)"
            elif before >= 1:
                msg = (f"This {b.kind} can run a second paginated query here{via}, after the one on line "
                       f"{lines.row_of(first[0]) + 1}")
            else:
                msg = f"This call can run {n} paginated queries in one {b.kind}"
            ctx.report((start, end), msg + ": Convex allows one `.paginate()` per query or mutation and throws "
                                           "\"ran multiple paginated queries\"", data={"count": total})


RULE = Rule(
    code="CVX214",
    name="multiple-paginate",
    severity="error",
    spec="§8 Model Layer Pattern",
    summary="Flags a query or mutation that can run two or more paginated database queries (`.paginate()` on "
            "`ctx.db.query(…)`, or on Convex Ents' `ctx.table(…)`) in one execution, following the model-layer "
            "helpers it calls, across files. Each extra `.paginate(` (or the call of the helper that runs it) is "
            "reported. Calls in exclusive branches (`if`/`else`, early `return`, `? :`, `switch` cases) count "
            "once; a `.paginate()` in a loop or in a `map` callback counts as many. Library paginators "
            "(`paginator`, `stream` from convex-helpers) are not paginated queries.",
    why="Convex keeps one pagination cursor per function execution: the second `.paginate()` throws \"This "
        "query or mutation function ran multiple paginated queries\". The call is often hidden in a model "
        "helper (§8), so the failure appears only when both paths run; use `.take(n)` for the secondary read, "
        "or split the reads into separate queries.",
    bad="""export const feed = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const posts = await ctx.db.query("posts").order("desc").paginate(paginationOpts);
    const pinned = await Posts.pinnedPage(ctx, paginationOpts); // paginates too
    return { ...posts, page: [...pinned.page, ...posts.page] };
  },
});""",
    good="""export const feed = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const posts = await ctx.db.query("posts").order("desc").paginate(paginationOpts);
    const pinned = await Posts.pinned(ctx, 5); // .take(5)
    return { ...posts, page: [...pinned, ...posts.page] };
  },
});""",
    fix_doc="No automatic fix: which read stays paginated is a design choice.",
    fix=None,
    check=check,
    needs_registrations=True,
)
