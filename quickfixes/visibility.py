"""CVX401 public-function-scheduled: `api.x.f` -> `internal.x.f`, making `f` internal too.

`internal.*` only holds internal functions, so changing the reference alone would break it:
the target's builder becomes its internal counterpart (`mutation` -> `internalMutation`).
Offered only when the target uses a base builder imported from `_generated/server` and every other
reference to it in the workspace (client code, tests, scripts: the reference graph) is a backend
`internal.*`/string one; unsafe all the same (an outside client may call a public function).
"""

from __future__ import annotations

import re

from ..analysis import convex as cx
from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.syntax import text
from ._imports import add_named_import
from ._util import overlaps

INTERNAL_OF = {"query": "internalQuery", "mutation": "internalMutation", "action": "internalAction"}


def fix_public_scheduled(finding: Finding, an) -> list[Fix]:
    model = an.models.get(finding.path)
    facts = an.index.facts.get(finding.path)
    if model is None or facts is None or getattr(model, "root", None) is None:
        return []
    ref = next((r for r in facts.api_refs if r.root == "api"
                and overlaps(r.span.start, r.span.end, finding.start, finding.end)), None)
    if ref is None:
        return []
    target = an.index.function(finding.path, ref.path)
    d = an.index.functions_dir(finding.path)
    if target is None or d is None:
        return []
    api_imp = model.facts.import_of("api")
    if api_imp is None or not cx.GENERATED_API_RE.search(api_imp.source):
        return []
    edits: list[TextEdit] = []
    if target.visibility == "public":
        internal_builder = INTERNAL_OF.get(target.builder.base)
        if internal_builder is None or target.builder.custom or len(target.builder.chain) != 1:
            return []
        # every other reference anywhere in the workspace must be a backend one that survives the
        # change: a client, a test, a script, a type position or another `api.` path would break
        if an.index.workspace.outer_monorepos:
            return []  # packages of the monorepo this project belongs to are not seen
        for r in an.index.function_references(d.path, tuple(ref.path)):
            if r.file == finding.path and r.span == ref.span:
                continue
            if not r.backend or r.root == "api" or r.kind == "type":
                return []
        tmodel = an.models.get(target.file)
        if tmodel is None or getattr(tmodel, "root", None) is None:
            return []
        treg = next((r for r in tmodel.registrations if r.fact.name == target.name and r.fact.exported), None)
        if treg is None:
            return []
        callee = treg.call.child_by_field_name("function")
        imp = tmodel.facts.import_of(text(callee))
        if imp is None or imp.imported != imp.local or not cx.GENERATED_SERVER_RE.search(imp.source):
            return []
        edits.append(TextEdit(target.file, callee.start_byte, callee.end_byte, internal_builder))
        add = add_named_import(tmodel, internal_builder, imp.source,
                               source_pred=lambda s: bool(cx.GENERATED_SERVER_RE.search(s)))
        if add is None:
            return []
        edits.extend(add)
    edits.append(TextEdit(finding.path, ref.span.start, ref.span.start + len(ref.root), "internal"))
    add = add_named_import(model, "internal", api_imp.source,
                           source_pred=lambda s: bool(cx.GENERATED_API_RE.search(s)))
    if add is None:
        return []
    # when this was the file's only `api` reference, swap the import instead of adding one
    only = sum(1 for r in facts.api_refs if r.root == "api") == 1 and len(re.findall(r"(?<![\w$.\"'/])api(?![\w$])", text(model.root))) <= 2
    if only:
        for stmt in model.root.named_children:
            if stmt.type != "import_statement":
                continue
            specs = list(_specifiers(stmt))
            for i, spec in enumerate(specs):
                if text(spec) != "api":
                    continue
                if add:  # `internal` is not imported yet: import it in place of `api`
                    add = [TextEdit(finding.path, spec.start_byte, spec.end_byte, "internal")]
                elif len(specs) > 1:  # drop the now unused `api`
                    end = specs[i + 1].start_byte if i + 1 < len(specs) else spec.end_byte
                    start = spec.start_byte if i + 1 < len(specs) else specs[i - 1].end_byte
                    add = [TextEdit(finding.path, start, end, "")]
                break
    edits.extend(add)
    title = f"Use `internal.{'.'.join(ref.path)}`"
    if target.visibility == "public":
        title += f" and make `{target.name}` internal"
    return [Fix(title, "unsafe", edits)]


def _specifiers(stmt):
    for c in stmt.named_children:
        if c.type == "import_clause":
            for n in c.named_children:
                if n.type == "named_imports":
                    yield from (s for s in n.named_children if s.type == "import_specifier")


def fix_unexported_registration(finding: Finding, an) -> list[Fix]:
    """CVX407: `const hidden = query({...})` -> `export const hidden = query({...})`."""
    at = finding.data.get("insert_at")
    model = an.models.get(finding.path)
    if not isinstance(at, int) or model is None or getattr(model, "root", None) is None:
        return []
    data = model.src.data
    if not data[at:].startswith((b"const ", b"let ", b"var ")):
        return []
    name = finding.data.get("name") or "it"
    return [Fix(f"Export `{name}`", "safe", [TextEdit(finding.path, at, at, "export ")])]
