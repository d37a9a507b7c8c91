"""RuleTester: lint small in-memory projects and compare findings, ESLint-style.

    project = {"convex/schema.ts": SCHEMA, "convex/tasks.ts": code}
    findings = lint_files(tmp_path, project)

`valid(...)` / `invalid(...)` cases are written side by side in each rule's test module.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from typing import Optional

from convex_lsp.analysis.config import Config
from convex_lsp.analysis.engine import Analyzer
from convex_lsp.analysis.project import discover
from convex_lsp.analysis.registry import get_rule

PACKAGE_JSON = '{"name": "app", "dependencies": {"convex": "^1.25.0"}}'


# convex/functions.ts of most rule tests: an authenticating custom query and a plain custom
# mutation (the §9.4 pattern), for cases that must resolve builders across files
FUNCTIONS_TS = """
import { customQuery, customMutation, customCtx } from "convex-helpers/server/customFunctions";
import { query, mutation as rawMutation } from "./_generated/server";
export const authedQuery = customQuery(query, {
  args: {},
  input: async (ctx, args) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new Error("Unauthorized");
    return { ctx: { ...ctx, identity }, args };
  },
});
export const mutation = customMutation(rawMutation, customCtx(async () => ({})));
"""


def write_project(root, files: dict[str, str]) -> str:
    root = str(root)
    files = dict(files)
    files.setdefault("package.json", PACKAGE_JSON)
    for rel, content in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(p, mode) as fh:
            fh.write(content if isinstance(content, bytes) else textwrap.dedent(content).lstrip("\n"))
    return root


def lint_files(root, files: dict[str, str], config: Optional[Config] = None, select: Optional[list[str]] = None):
    """All findings (enabled rules, or just `select`) of a project written under `root`."""
    root = write_project(root, files)
    ws = discover([root])
    cfg = config or Config(root=root)
    if select is not None:
        cfg.select = {get_rule(s).code for s in select}
    an = Analyzer(ws, cfg)
    paths = an.load_all()
    out = []
    for p in paths:
        for f in an.lint(p):
            f.path = os.path.relpath(f.path, root).replace(os.sep, "/")
            out.append(f)
    return out


@dataclass
class Case:
    """One RuleTester case. `errors`: (file, 1-based line) pairs, or just lines in the main file."""

    code: str
    errors: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # extra files (schema, helpers, ...)
    filename: str = "convex/example.ts"
    name: str = ""
    message: Optional[str] = None  # substring expected in every finding's message
    config: Optional[Config] = None

    def __repr__(self) -> str:  # readable pytest ids
        return self.name or self.code.strip().splitlines()[0][:60]


def valid(code: str, files: Optional[dict] = None, filename: str = "convex/example.ts", name: str = "") -> Case:
    return Case(code=code, errors=[], files=files or {}, filename=filename, name=name)


def invalid(code: str, errors, files: Optional[dict] = None, filename: str = "convex/example.ts",
            name: str = "", message: Optional[str] = None) -> Case:
    return Case(code=code, errors=list(errors), files=files or {}, filename=filename, name=name, message=message)


def run_case(tmp_path, rule: str, case: Case) -> None:
    r = get_rule(rule)
    assert r is not None, rule
    files = dict(case.files)
    files[case.filename] = case.code
    cfg = case.config or Config(root=str(tmp_path))
    cfg.select = {r.code}
    findings = [f for f in lint_files(tmp_path, files, cfg) if f.code == r.code]
    got = sorted((f.path, f.srow + 1) for f in findings)
    want = sorted((e if isinstance(e, tuple) else (case.filename, e)) for e in case.errors)
    assert got == want, f"{r.code} findings {got} != expected {want}:\n" + "\n".join(
        f"  {f.path}:{f.srow + 1}:{f.scol + 1} {f.message}" for f in findings)
    if case.message:
        for f in findings:
            assert case.message in f.message, f.message


def first_fixes(root, files: dict[str, str], path: str, rule: str) -> list:
    """For each finding of `rule` in `path` (a project written under `root`): None when it has no fix,
    else (applicability, the file's text after its preferred fix)."""
    from convex_lsp.quickfixes import apply_edits, fixes_for

    root = write_project(root, files)
    an = Analyzer(discover([root]), Config(root=root))
    an.load_all()
    full = os.path.join(root, path)
    data = an.models[full].src.data
    code = get_rule(rule).code
    out = []
    for f in an.lint(full):
        if f.code == code:
            fx = fixes_for(f, an)
            out.append((fx[0].applicability, apply_edits(data, fx[0].edits).decode()) if fx else None)
    return out
