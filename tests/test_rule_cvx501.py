import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

CASES = [
    valid("""
        "use node";
        import { createHash } from "crypto";
        import fs from "node:fs";
        import { internalAction } from "./_generated/server";
        export const sign = internalAction({ args: {}, handler: async () => createHash("sha256").digest("hex") });
    """, name="directive present"),
    valid("""
        // "use node" is not needed: type-only imports vanish
        import type { Readable } from "stream";
        import { type Hash } from "crypto";
        import { v } from "convex/values";
        const s = "import fs from 'fs'";
        export type R = Readable | Hash;
    """, name="type-only imports"),
    valid("""
        import { Buffer } from "buffer";
        export const b = Buffer.from("x");
    """, files={"package.json": '{"name": "app", "dependencies": {"convex": "^1.25.0", "buffer": "^6.0.3"}}'},
        name="npm package with a built-in's name"),
    invalid("""
        /** Signing helpers. */
        import { createHash } from "crypto";
        import { readFile } from "node:fs/promises";
        import path from "path";
        export const hash = (s: string) => createHash("sha256").update(s).digest("hex");
    """, [2, 3, 4], filename="convex/lib/sign.ts", name="helper in a nested folder"),
    valid("""
        import { internalAction } from "./_generated/server";
        import { spawn } from "child_process";
        "use node";
        export const run = internalAction({ args: {}, handler: async () => { spawn("ls"); return null; } });
    """, name="directive not at the top: CVX510 reports it (one problem, one diagnostic)"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_missing_use_node(tmp_path, case):
    run_case(tmp_path, "missing-use-node", case)


def test_fix_data(tmp_path):
    code = '// header\nimport { createHash } from "crypto";\n'
    fs = lint_files(tmp_path, {"convex/a.ts": code}, select=["CVX501"])
    assert len(fs) == 1 and fs[0].data["insert_at"] == 0
    assert fs[0].data["first_statement"] == code.index("import")


def _pkg(version: str) -> dict:
    return {"package.json": '{"name": "app", "dependencies": {"convex": "%s"}}' % version}


ALS = """
    import { AsyncLocalStorage } from "node:async_hooks";
    import { query } from "./_generated/server";
    const requestScope = new AsyncLocalStorage<{ requestId: string }>();
    export const current = query({
      args: {},
      handler: async () => requestScope.getStore()?.requestId ?? null,
    });
"""

GLOBALS_CASES = [
    valid(ALS, files=_pkg("1.39.0"), name="AsyncLocalStorage at 1.39.0"),
    invalid(ALS, [1], files=_pkg("1.38.0"), name="AsyncLocalStorage just below 1.39"),
    valid(ALS, files={"package.json": '{"name": "app"}'}, name="unknown version: the newest"),
    valid(ALS.replace('"node:async_hooks"', '"async_hooks"').replace("{ AsyncLocalStorage }",
                                                                      "{ AsyncLocalStorage, AsyncResource }"),
          files=_pkg("^1.39.1"), name="bare async_hooks, both members"),
    invalid(ALS.replace("{ AsyncLocalStorage }", "{ AsyncLocalStorage, createHook }"), [1], files=_pkg("1.51.0"),
            name="createHook is still Node-only"),
    invalid("""
        import { internalAction } from "./_generated/server";
        export const decode = internalAction({
          args: { payload: v.string() },
          handler: async (_ctx, { payload }) => {
            const bytes = Buffer.from(payload, "base64");
            const again = Buffer.alloc(4);
            return bytes.length + again.length;
          },
        });
    """, [5], name="Buffer without an import: the first use", message="`Buffer` is Node.js-only"),
    invalid("""
        export function readTemplate(name: string) {
          const fs = require("fs");
          return fs.readFileSync(`${__dirname}/templates/${name}.html`, "utf8");
        }
    """, [2, 3], filename="convex/lib/templates.ts", name="require of a built-in and __dirname"),
    valid("""
        import { Buffer } from "buffer";
        export const b = Buffer.from("x");
    """, files={"package.json": '{"name": "app", "dependencies": {"convex": "^1.25.0", "buffer": "^6.0.3"}}'},
          name="Buffer imported from the npm package"),
    valid("""
        // Buffer.from(x) would need "use node"; require("fs") too
        export const toBase64 = (bytes: Uint8Array) =>
          typeof Buffer !== "undefined" ? "node" : btoa(String.fromCharCode(...bytes));
        export function f(Buffer: { from(s: string): string }) { return Buffer.from("x"); }
        const config = { require: true, Buffer: 1 };
        export type B = Buffer;
        const load = (require: (m: string) => unknown) => require("fs");
        export const lib = () => require("./local-helper");
    """, name="typeof guard, parameters, keys, types, relative require"),
    valid("""
        "use node";
        import { internalAction } from "./_generated/server";
        export const hash = internalAction({ args: {}, handler: async () => Buffer.from("x").toString("hex") });
    """, name="Buffer under the directive"),
]


@pytest.mark.parametrize("case", GLOBALS_CASES, ids=repr)
def test_missing_use_node_globals_and_versions(tmp_path, case):
    run_case(tmp_path, "missing-use-node", case)


def test_no_fix_in_a_file_with_queries(tmp_path):
    from convex_lsp.analysis.config import Config
    from convex_lsp.analysis.engine import Analyzer
    from convex_lsp.analysis.project import discover
    from convex_lsp.quickfixes import fixes_for
    from tests.ruletester import write_project

    root = write_project(tmp_path, {**_pkg("1.38.0"), "convex/scope.ts": ALS,
                                    "convex/blob.ts": 'export const b = () => Buffer.from("x");\n',
                                    "convex/http.ts": 'import { httpRouter } from "convex/server";\n'
                                                      'const http = httpRouter();\n'
                                                      'export const enc = (s: string) => Buffer.from(s).toString("base64");\n'
                                                      'export default http;\n'})
    an = Analyzer(discover([root]), Config(root=root))
    for p in an.load_all():
        for f in an.lint(p):
            if f.code != "CVX501":
                continue
            fixes = fixes_for(f, an)
            if p.endswith(("scope.ts", "http.ts")):
                assert fixes == [], "a query file, or http.ts, must not get \"use node\""
            else:
                assert [x.applicability for x in fixes] == ["safe"]


def test_the_directive_goes_after_a_hashbang_line(tmp_path):
    from tests.ruletester import lint_files

    script = '#!/usr/bin/env node\nimport { readFileSync } from "fs";\nexport const r = () => readFileSync("x");\n'
    plain = 'import { readFileSync } from "node:fs";\nexport const r = () => readFileSync("x");\n'
    found = {f.path: f for f in lint_files(tmp_path, {"convex/script.js": script, "convex/plain.ts": plain},
                                           select=["CVX501"])}
    assert found["convex/script.js"].data["insert_at"] == len("#!/usr/bin/env node")
    assert found["convex/plain.ts"].data["insert_at"] == 0
