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
