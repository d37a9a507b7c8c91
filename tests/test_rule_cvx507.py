import pytest

from tests.ruletester import invalid, run_case, valid

PDF = """
"use node";
import { internalAction } from "./_generated/server";
import PDFDocument from "pdfkit";
export type PdfOptions = { pages: number };
export const render = internalAction({ args: {}, handler: async () => null });
export function renderLocally() { return new PDFDocument(); }
"""
FILES = {"convex/pdf.ts": PDF}

CASES = [
    valid("""
        import type { PdfOptions } from "./pdf";
        import { type PdfOptions as P2 } from "./pdf";
        import { PdfOptions as P3 } from "./pdf";
        import { internal } from "./_generated/api";
        export const opts: PdfOptions | P2 | P3 = { pages: 1 };
        // import { renderLocally } from "./pdf";
    """, files=FILES, name="type-only imports"),
    valid("""
        "use node";
        import { renderLocally } from "./pdf";
        export const x = renderLocally();
    """, files=FILES, name="node file importing node file"),
    invalid("""
        import { renderLocally } from "./pdf";
        import "./pdf";
        export const x = () => renderLocally();
    """, [1, 2], files=FILES, name="value and side-effect import"),
    invalid("""
        import * as Pdf from "../pdf";
        export const y = Pdf.renderLocally;
    """, [1], files=FILES, filename="convex/model/docs.ts", name="namespace import from a nested folder"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_wrong_runtime_import(tmp_path, case):
    run_case(tmp_path, "wrong-runtime-import", case)
