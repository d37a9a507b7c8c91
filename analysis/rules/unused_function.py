"""CVX406 unused-function."""

from __future__ import annotations

import os
import re

from .. import lazy_re
from ..config import keeps
from ..fs import read_regular, stamp
from ..project import _read_json, project_docs
from ..registry import Rule
from ._refs import folder_fully_seen

# `npx convex run tasks:seed`, `convex dev --run init`, `convex run --prod jobs/cleanup:run`
_RUN_RE = lazy_re.compile(r"\bconvex\s+run\s+(?:--?[\w-]+(?:=\S+)?\s+)*([\w/.-]+(?::\w+)?)"
                     r"|\bconvex\s+dev\b[^&;|]*?--run(?:=|\s+)([\w/.-]+(?::\w+)?)")
_RUN_CACHE: dict[tuple, frozenset] = {}


def _run_by_hand(d, inside) -> frozenset:
    """Function names the project runs by hand (`convex run a/b:f`, `convex dev --run init`): in
    its package.json scripts and in the commands its Markdown files (README.md ...; the monorepo's
    too) tell a developer to type. Kept while none of those files changes (a language server lives
    through edits to them)."""
    pkg_path = os.path.join(d.project_root, "package.json")
    docs = project_docs(d.project_root, inside, d.path)
    key = (d.path, tuple(stamp(p) for p in (pkg_path, *docs)))
    got = _RUN_CACHE.get(key)
    if got is None:
        pkg = _read_json(pkg_path) or {}
        texts = []
        scripts = pkg.get("scripts")
        if isinstance(scripts, dict):
            texts += [cmd for cmd in scripts.values() if isinstance(cmd, str)]
        for doc in docs:
            try:
                texts.append(read_regular(doc, 1_000_000)[:1_000_000].decode("utf-8", "replace"))
            except OSError:
                continue
        names = set()
        for text in texts:
            for m in _RUN_RE.finditer(text):
                name = m.group(1) or m.group(2)
                mod, _, fn = name.partition(":")
                names.add(tuple(mod.split("/")) + (fn or "default",))
        if len(_RUN_CACHE) > 256:
            _RUN_CACHE.clear()
        got = _RUN_CACHE[key] = frozenset(names)
    return got



def keep_words(ctx):
    """A registration's finding depends on the references other declarations of the file make to
    it: those declarations stay linted."""
    facts = ctx.facts
    if facts.module is None:
        return
    named = {r.path[-1] for r in facts.api_refs if r.path}
    for reg, builder in ctx.registrations():
        if builder.visibility == "internal" and reg.fact.name in named:
            yield reg.fact.name


# a comment above the registration saying it is run by hand
_BY_HAND_RE = re.compile(r"dashboard|manual|by hand|convex run|debug|escape hatch|one-off|one off|backfill|"
                         r"migrat|admin|\bcli\b|run it", re.I)


def _said_to_be_run_by_hand(ctx, start: int) -> bool:
    data = ctx.model.src.data
    for c in reversed(ctx.model.comments):
        if c.end_byte > start:
            continue
        if data[c.end_byte:start].strip():
            return False  # code between: not this registration's comment
        if _BY_HAND_RE.search(data[c.start_byte:c.end_byte].decode("utf-8", "replace")):
            return True
        start = c.start_byte  # a block of several comments
    return False


def check(ctx):
    d = ctx.functions_dir
    facts = ctx.facts
    if d is None or facts.module is None or facts.is_generated:
        return
    idx = ctx.index
    if not idx.complete:
        return  # a server still indexing: a reference may sit in a file not read yet
    mine = [r for r in facts.api_refs]  # this file's own references, from its current text
    seen_ok = None
    for reg, builder in ctx.registrations():
        fact = reg.fact
        if builder.visibility != "internal" or builder.kind == "http" or not fact.exported or not fact.name:
            continue
        api_path = tuple(facts.module.split("/")) + (fact.name,)
        if _reached(idx, d.path, api_path, ctx.path, mine):
            continue
        if keeps(ctx.config, api_path) or api_path in _run_by_hand(d, idx.workspace.inside_roots):
            continue
        decl = reg.decl.parent if reg.decl is not None and reg.decl.parent is not None else reg.call
        stmt = decl.parent if decl.parent is not None and decl.parent.type == "export_statement" else decl
        if _said_to_be_run_by_hand(ctx, stmt.start_byte):
            continue
        if seen_ok is None:
            seen_ok = folder_fully_seen(idx, d.path) and not idx.workspace.outer_monorepos
        if not seen_ok:
            return
        dotted = ".".join(api_path)
        ctx.report(
            fact.span,
            f"`internal.{dotted}` is never referenced: no `internal.{dotted}`, string reference, scheduler, cron or "
            f"`ctx.run*` call names it anywhere in the workspace. Delete it, or list it under `keep` in "
            f"convex-lsp.toml if it is run by hand (`npx convex run {'/'.join(api_path[:-1])}:{api_path[-1]}`)",
            data={"api_path": list(api_path)},
        )


def _reached(idx, functions_dir: str, api_path: tuple[str, ...], path: str, mine) -> bool:
    for r in idx.function_references(functions_dir, api_path):
        if r.file != path:
            return True
    for r in idx.refs.referenced_prefixes(functions_dir, api_path):
        if r.file != path:
            return True
    n = len(api_path)
    for r in mine:
        if r.root in ("api", "internal", "string") and tuple(r.path[:n]) == api_path[:len(r.path)] \
                and 0 < len(r.path) <= n:
            return True
    return False


RULE = Rule(
    code="CVX406",
    name="unused-function",
    severity="hint",
    spec="§2 Layered Architecture",
    summary="Flags an internal function that no reference reaches from anywhere in the workspace: no "
            "`internal.a.b` (value or type), no string reference (`makeFunctionReference(\"a:b\")`, `\"a:b\"` given "
            "to `ctx.run*`), no scheduler or cron job, in the functions, tests, scripts or client code. Public "
            "functions are left alone (an outside client may call them), and so are functions listed under "
            "`keep` in the configuration, run by a `package.json` script or by a command the project's Markdown files "
            "give (`convex run a:b`, `convex dev --run init`, in a README of the functions folder, the project "
            "or the monorepo above it), or whose comment says they are run by hand (the dashboard, `convex run`, a manual escape "
            "hatch, a migration or backfill, debugging).",
    why="Internal functions can only be called by the backend itself (or by hand from the dashboard and "
        "`npx convex run`). One that nothing calls is dead code that still deploys, still has to be kept "
        "type-correct and reviewed, and often marks a job that silently stopped being scheduled (§2, §7).",
    bad="""// convex/jobs.ts: nothing schedules it any more
export const cleanupOld = internalMutation({ args: {}, handler: async (ctx) => { /* ... */ } });""",
    good="""// convex/crons.ts
crons.daily("cleanup", { hourUTC: 3, minuteUTC: 17 }, internal.jobs.cleanupOld);""",
    fix_doc="None: delete the function, or keep it with `keep = [\"jobs.cleanupOld\"]` in convex-lsp.toml when "
            "it is run by hand.",
    fix=None,
    tags=("unnecessary",),
    check=check,
    needs_registrations=True,
    keep_words=keep_words,
)
