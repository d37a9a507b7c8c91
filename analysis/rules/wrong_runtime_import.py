"""CVX507 wrong-runtime-import."""

from __future__ import annotations

from ..registry import Rule
from ..runtime_util import index_cache
from ._refs import import_statements, value_uses_in


def _use_node_dirs(index) -> set:
    """The functions folders holding a "use node" file (per index generation: `use_node` is part of a
    file's api signature, so a change bumps it)."""
    return index_cache(index, "use_node_dirs",
                       lambda ix: {f.functions_dir for f in ix.facts.values() if f.use_node})


def _node_imports(ctx):
    """(import, target) for each value import of a "use node" file of the same functions folder."""
    if ctx.facts.use_node or ctx.functions_dir is None:
        return
    module = ctx.facts.module or ""
    if "." in module.rsplit("/", 1)[-1]:
        return
    if ctx.facts.functions_dir not in _use_node_dirs(ctx.index):
        return  # no "use node" file to import in this functions folder
    for imp in import_statements(ctx.model.root):
        if imp.type_only or not imp.source.startswith("."):
            continue
        target = ctx.index.resolve_module(ctx.path, imp.source)
        tf = ctx.index.facts.get(target) if target else None
        if tf is None or not tf.use_node or tf.functions_dir != ctx.facts.functions_dir:
            continue
        yield imp, target


def keep_words(ctx):
    """Whether such an import counts depends on every use of its bindings in the file."""
    for imp, _ in _node_imports(ctx):
        yield from imp.locals


def check(ctx):
    for imp, target in _node_imports(ctx):
        if not imp.side_effect and not value_uses_in(ctx.model, set(imp.locals)):
            continue  # only used as types: the import is erased
        ctx.report(
            imp.source_node,
            f"`{imp.source}` is a \"use node\" file; this file runs in the default runtime and cannot import "
            "it (move the shared code to a file without the directive, or call the action through `internal`)",
            data={"target": target, "start": imp.node.start_byte, "end": imp.node.end_byte},
        )


RULE = Rule(
    code="CVX507",
    name="wrong-runtime-import",
    severity="error",
    spec="§11 File Structure",
    summary="Flags a file without `\"use node\";` in the functions folder that imports values from a file "
            "with the directive. Type-only imports, and imports whose bindings are used only as types, are "
            "fine.",
    why="A `\"use node\"` file is bundled for the Node runtime and may pull in Node built-ins; importing it "
        "from a default-runtime file drags that code into the default bundle, which fails to bundle or "
        "to run. Share plain helpers from a directive-free module and reach Node actions through "
        "`ctx.runAction`/`ctx.scheduler` with `internal.*` (§6, §11, §12 MUST 5).",
    bad="""// convex/messages.ts (default runtime)
import { render } from "./pdf"; // convex/pdf.ts starts with "use node";""",
    good="""import { internal } from "./_generated/api";
await ctx.scheduler.runAfter(0, internal.pdf.render, { id });""",
    fix_doc="No automatic fix.",
    fix=None,
    check=check,
    keep_words=keep_words,
)
