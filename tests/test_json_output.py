"""`check --output-format json` writes each finding from a template (server/reporters.py
`findings_json_text`): the text must be exactly `json.dumps(..., indent=2, ensure_ascii=False)` of
the findings' dicts, whatever they hold."""

import json
import os

from convex_lsp.analysis.registry import Finding, Fix, TextEdit
from convex_lsp.server import reporters

SRC = 'import { v } from "convex/values";\r\nexport const f = query({ handler: async () => "é" });\n'.encode()


class Text(str):
    pass


def _findings(tmp):
    a = os.path.join(tmp, "convex", "a.ts")
    b = os.path.join(tmp, "convex", "b é.ts")
    fix = Fix("Add `returns: v.null()`", "safe", [
        TextEdit(a, 70, 70, "\n  returns: v.null(),"),
        TextEdit(a, 3, 8, 'say "hi"\t\\ 💥'),
        TextEdit(b, 0, 0, "import x;\r\n"),
    ])
    out = [
        Finding("CVX101", "missing-returns-validator", a, 40, 60, "Query `f` has no `returns` validator",
                severity="error", srow=1, scol=5, erow=1, ecol=25, spec="§10 Validator Requirements",
                url="https://example.com/docs/CVX101.md", fix=fix),
        Finding("CVX201", "no-filter", b, 0, 3, 'Use an index: "by_x" — ünïcödé \u2028 \x00 ctl',
                srow=0, scol=0, erow=0, ecol=3, spec="§4.4 Avoiding Filter", url=""),
        Finding("CVX104", "implicit-undefined-return", a, 0, 1, "no edits", fix=Fix("Nothing", "unsafe", [])),
        # values the template does not write itself: the general way, same text
        Finding("CVX999", "odd", a, 0, 1, Text("a str subclass"), srow=True, fix=Fix(Text("t"), "safe", [])),
        Finding("CVX998", "odd-edit", a, 0, 1, "edit text of a subclass",
                fix=Fix("t", "safe", [TextEdit(a, 0, 1, Text("x"))])),
    ]
    return out, {a: SRC, b: "é\n".encode()}


def test_json_text_is_json_dumps_of_the_findings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    findings, files = _findings(str(tmp_path))
    sources = reporters.Sources(files)
    want = json.dumps([reporters.finding_json(f, sources) for f in findings], indent=2, ensure_ascii=False)
    assert reporters.findings_json_text(findings, sources) == want
    for one in findings:  # each alone, too (first and last of a list)
        assert reporters.findings_json_text([one], sources) == json.dumps(
            [reporters.finding_json(one, sources)], indent=2, ensure_ascii=False)
    assert reporters.findings_json_text([], sources) == json.dumps([], indent=2)


def test_report_writes_the_json_text(tmp_path, monkeypatch):
    import io

    monkeypatch.chdir(tmp_path)
    findings, files = _findings(str(tmp_path))
    out = io.StringIO()
    reporters.report("json", findings, out, reporters.Sources(files))
    assert json.loads(out.getvalue())[1]["filename"] == "convex/b é.ts"
    want = json.dumps([reporters.finding_json(f, reporters.Sources(files)) for f in findings], indent=2,
                      ensure_ascii=False) + "\n"
    assert out.getvalue() == want


def test_edit_positions_placed_from_the_model_are_the_files_positions(tmp_path):
    from types import SimpleNamespace

    from convex_lsp.analysis.cache import decode, encode
    from convex_lsp.analysis.engine import build_model
    from convex_lsp.analysis.project import Workspace
    from convex_lsp.server.linting import place_edits

    (tmp_path / "convex").mkdir()
    f = tmp_path / "convex" / "a.ts"
    f.write_bytes('// é💥 ünï\r\nexport const x = query({\n  handler: async () => "ß",\r\n});\n'.encode())
    path = str(f)
    model = build_model(path, None, Workspace([str(tmp_path)]))
    data = f.read_bytes()
    offsets = [0, 3, 9, len(data) // 2, len(data) - 1, len(data)]
    fix = Fix("t", "safe", [TextEdit(path, a, b, "x") for a in offsets for b in offsets if a <= b])
    plain = [TextEdit(e.path, e.start, e.end, e.new_text) for e in fix.edits]
    place_edits(fix, SimpleNamespace(models={path: model}))
    sources = reporters.Sources()
    for e, p in zip(fix.edits, plain):
        assert e.srow >= 0 and p.srow == -1
        assert reporters.edit_positions(e, sources) == reporters.edit_positions(p, reporters.Sources())
        assert e == p  # (positions are derived: not compared)
    back = decode(encode(fix.edits))
    assert [(e.srow, e.scol, e.erow, e.ecol) for e in back] == [(e.srow, e.scol, e.erow, e.ecol) for e in fix.edits]
    assert reporters.fix_json(fix, sources) == reporters.fix_json(Fix("t", "safe", plain), reporters.Sources())
