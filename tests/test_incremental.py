"""Incremental linting (`analysis/incremental.py` through `server/session.py`): after an edit
inside function declarations the findings must be exactly those of a whole-file lint of the
same text against the same index, offsets in `Finding.data` included; edits elsewhere fall
back to the whole file."""

from __future__ import annotations

import os
import random
import shutil

import pytest

from convex_lsp.analysis.engine import build_model, enabled_rules, lint_model
from convex_lsp.server.session import Session

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(os.path.dirname(HERE), "examples", "app")

SNIPPETS = [b"const row = await ctx.db.get(args.id);", b'await ctx.db.query("messages").collect();',
            b"return null;", b'if (!user) throw new Error("no");', b"\n    ", b"x", b"Date.now()",
            b"// convex-lsp-disable-next-line", b"await ctx.runMutation(internal.x.y, {});", b"foo(ctx);"]


def _key(f):
    return (f.code, f.start, f.end, f.message, f.severity, repr(sorted(f.data.items())), f.srow, f.scol,
            f.erow, f.ecol)


def _truth(s: Session, path: str, data: bytes) -> list:
    cfg = s.config_for(path)
    model = build_model(path, data, s.workspace)
    return [f for f in lint_model(model, s.analyzer.index, cfg, enabled_rules(cfg, path, False)) if f.path == path]


def _session(root: str) -> Session:
    s = Session([root])
    s.add_scanned(list(s.scan()))
    s.indexed = True
    return s


def _typing(rng: random.Random, doc, n: int):
    """Edits as typing makes them, mostly inside handlers: snippets typed a character at a time
    (and often erased the same way), some deletions."""
    for _ in range(n):
        d = doc.data
        handlers = [i for i in range(len(d)) if d.startswith(b"handler", i)]
        if handlers and rng.random() < 0.85:
            h = rng.choice(handlers)
            e = d.find(b"\n});", h)
            i = rng.randrange(h, e if e > h else len(d))
        else:
            i = rng.randrange(len(d) + 1)
        while i < len(d) and (d[i] & 0xC0) == 0x80:
            i += 1
        if rng.random() < 0.75:
            snip = rng.choice(SNIPPETS)
            for c in range(len(snip)):
                doc.replace(i + c, i + c, snip[c:c + 1])
                yield
            if rng.random() < 0.5:
                for c in range(len(snip), 0, -1):
                    doc.replace(i + c - 1, i + c, b"")
                    yield
        else:
            j = min(len(d), i + rng.randrange(1, 6))
            while j < len(d) and (d[j] & 0xC0) == 0x80:
                j += 1
            doc.replace(i, j, b"")
            yield


def _crlf_and_wide(root: str) -> None:
    """CRLF line ends and non-ASCII text in every module (columns differ by encoding)."""
    for dp, _, fns in os.walk(os.path.join(root, "convex")):
        if "_generated" in dp:
            continue
        for fn in fns:
            if fn.endswith(".ts"):
                p = os.path.join(dp, fn)
                with open(p, "rb") as fh:
                    d = fh.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                with open(p, "wb") as fh:
                    fh.write(d.replace(b"handler: async", "/* 頻道 😀 */ handler: async".encode(), 3))


@pytest.mark.parametrize("seed,variant", [(1, None), (2, None), (3, "crlf")])
def test_incremental_equals_whole_file_lint(tmp_path, seed, variant):
    root = str(tmp_path / "app")
    shutil.copytree(APP, root)
    if variant == "crlf":
        _crlf_and_wide(root)
    s = _session(root)
    rng = random.Random(seed)
    fast = slow = 0
    for rel in ("convex/messages.ts", "convex/queries_demo.ts", "convex/runtime_demo.ts",
                "convex/security_demo.ts", "convex/validators_demo.ts", "convex/functions.ts",
                "convex/scheduling_demo.ts"):
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as fh:
            s.open("file://" + path, path, 1, fh.read())
        s.lint(path)
        doc = s.documents[path]
        for _ in _typing(rng, doc, 6):
            doc.version += 1
            res = s.lint(path)
            if not doc.stale_index:
                slow += 1
                continue
            fast += 1
            got = sorted(map(_key, res.findings))
            want = sorted(map(_key, _truth(s, path, doc.data)))
            assert got == want, (rel, doc.snap.stats, set(got) ^ set(want))
            if rng.random() < 0.05:  # what the idle re-analysis does
                s.refresh(path)
        s.close(path)
    # typing inside handlers mostly stays on the fast path (it must be exercised to be tested)
    assert fast > 200, (fast, slow)


BIG_HEAD = b'''import { query, mutation, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { v } from "convex/values";

'''
BIG_BLOCK = b'''export const list%d = query({
  args: { channel: v.string() },
  handler: async (ctx, args) => {
    return await ctx.db.query("messages").filter((q) => q.eq(q.field("channel"), args.channel)).collect();
  },
});

'''


def _big(root: str, blocks: int = 40) -> str:
    os.makedirs(os.path.join(root, "convex"), exist_ok=True)
    with open(os.path.join(root, "package.json"), "w") as fh:
        fh.write('{"dependencies": {"convex": "^1.25.0"}}')
    path = os.path.join(root, "convex", "big.ts")
    with open(path, "wb") as fh:
        fh.write(BIG_HEAD + b"".join(BIG_BLOCK % i for i in range(blocks)))
    return path


def _open(s: Session, path: str):
    with open(path, encoding="utf-8") as fh:
        s.open("file://" + path, path, 1, fh.read())
    first = s.lint(path)
    return s.documents[path], first


def _type_in(s: Session, path: str, doc, decl: bytes, text: bytes):
    """Type `text` into declaration `decl` (before its `return await`); the lint must be incremental
    and equal to a whole-file lint."""
    at = doc.data.index(b"return await", doc.data.index(decl))
    doc.replace(at, at, text)
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index  # linted incrementally
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))
    return res


def _survives_typing_elsewhere(root: str, path: str, code: str) -> None:
    """The file has one `code` finding, which typing into `list1` (linted incrementally) keeps."""
    s = _session(root)
    doc, first = _open(s, path)
    assert [f.code for f in first.findings].count(code) == 1
    res = _type_in(s, path, doc, b"list1 =", b"const n = 1;\n    ")
    assert [f.code for f in res.findings].count(code) == 1


def test_only_the_edited_declaration_is_relinted(tmp_path):
    path = _big(str(tmp_path))
    s = _session(str(tmp_path))
    doc, first = _open(s, path)
    assert sum(f.code == "CVX201" for f in first.findings) == 40
    at = doc.data.index(b"return await", doc.data.index(b"list20"))
    doc.replace(at, at, b"\n\n")  # two lines more: everything below moves
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index  # linted incrementally
    assert doc.snap.stats["relinted"] < 10, doc.snap.stats  # imports + the edited declaration
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))
    below = [f for f in res.findings if f.start > at]
    assert below and all(f.data["filter_start"] > at + 2 for f in below if "filter_start" in f.data)


def test_context_edits_lint_the_whole_file(tmp_path):
    path = _big(str(tmp_path))
    s = _session(str(tmp_path))
    doc, _ = _open(s, path)
    at = doc.data.index(b"import { v }")
    doc.replace(at, at, b"// a comment\n")  # not a function declaration: context
    doc.version += 1
    s.lint(path)
    assert not doc.stale_index
    # renaming a declaration changes the module's api: whole file too
    at = doc.data.index(b"list3 =")
    doc.replace(at + 4, at + 5, b"X")
    doc.version += 1
    res = s.lint(path)
    assert not doc.stale_index
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))


def test_blanked_declarations_keep_their_suppressions(tmp_path):
    path = _big(str(tmp_path), blocks=6)
    with open(path, "rb") as fh:
        data = fh.read()
    at = data.index(b"    return await", data.index(b"list4"))
    data = data[:at] + b"    // convex-lsp-disable-next-line CVX201\n" + data[at:]
    at = data.index(b"    return await", data.index(b"list5"))
    data = data[:at] + b"    // convex-lsp-disable-next-line CVX101\n" + data[at:]  # suppresses nothing
    with open(path, "wb") as fh:
        fh.write(data)
    s = _session(str(tmp_path))
    doc, first = _open(s, path)
    codes = sorted(f.code for f in first.findings)
    assert codes.count("CVX201") == 5 and codes.count("CVX901") == 1
    at = doc.data.index(b"return await", doc.data.index(b"list1"))
    doc.replace(at, at, b"\n")
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index and doc.snap.stats["relinted"] < 6
    assert sorted(f.code for f in res.findings) == codes
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))


def test_a_caller_is_relinted_with_the_function_it_calls(tmp_path):
    root = str(tmp_path)
    path = _big(root, blocks=3)
    with open(path, "ab") as fh:
        fh.write(b'''export const caller = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await list1(ctx, { channel: "x" });
    return null;
  },
});
''')
    _survives_typing_elsewhere(root, path, "CVX311")


def test_idle_refresh_puts_the_edit_into_the_index(tmp_path):
    path = _big(str(tmp_path), blocks=3)
    s = _session(str(tmp_path))
    doc, _ = _open(s, path)
    at = doc.data.index(b"list1 = query")
    doc.replace(at + len(b"list1 = "), at + len(b"list1 = query"), b"mutation")
    doc.version += 1
    s.lint(path)
    assert doc.stale_index and s.needs_full_analysis(path)
    reg = [r for r in s.analyzer.index.facts[path].registrations if r.name == "list1"][0]
    assert reg.builder == "query"  # the index still has the text of the last whole-file analysis
    assert "api" in s.refresh(path)
    assert not s.needs_full_analysis(path)
    reg = [r for r in s.analyzer.index.facts[path].registrations if r.name == "list1"][0]
    assert reg.builder == "mutation"


def test_published_json_is_what_lsprotocol_would_send(tmp_path):
    """`convert.publish_body` (cached text per finding) equals serialising the lsprotocol
    objects of `convert.diagnostic`, also for a file with emoji and CJK text and after edits."""
    import json

    from lsprotocol import types as T
    from pygls.protocol import default_converter

    from convex_lsp.server import convert as C

    conv = default_converter()
    path = _big(str(tmp_path), blocks=5)
    with open(path, "rb") as fh:
        data = fh.read().replace(b'q.field("channel")', 'q.field("channel") /* 😀 頻道 */'.encode())
    with open(path, "wb") as fh:
        fh.write(data)
    s = _session(str(tmp_path))
    doc, res = _open(s, path)
    for step in range(3):
        for enc in ("utf-16", "utf-8"):
            body = json.loads(C.publish_body("file://" + path, res, enc))
            lines = res.lines
            want = conv.unstructure(T.PublishDiagnosticsParams(
                uri="file://" + path, version=res.version,
                diagnostics=[C.diagnostic(f, lines, enc, res.version) for f in res.findings]))
            assert body["method"] == "textDocument/publishDiagnostics"
            assert json.loads(json.dumps(body["params"])) == json.loads(json.dumps(want))
            # what a code action rebuilds from a diagnostic is the finding, offsets included
            for f, d in zip(res.findings, body["params"]["diagnostics"]):
                r = d["range"]
                back = C.finding_from_data(d["data"], path, lines.offset(r["start"]["line"], r["start"]["character"], enc),
                                           lines.offset(r["end"]["line"], r["end"]["character"], enc))
                assert (back.code, back.start, back.end) == (f.code, f.start, f.end)
                assert json.loads(json.dumps(back.data)) == json.loads(json.dumps(f.data))
        at = doc.data.index(b"return await", doc.data.index(b"list%d =" % step))
        doc.replace(at, at, "/* é */\n    ".encode())
        doc.version += 1
        res = s.lint(path)
        assert doc.stale_index


def test_facts_from_a_worker_keep_the_incremental_state(tmp_path):
    """The idle analysis computes the facts elsewhere (`facts_of`) and installs them: the index
    then describes the new text, and the next keystroke is still linted incrementally. Facts
    for a text that has changed since are dropped."""
    from convex_lsp.server.session import facts_of

    path = _big(str(tmp_path), blocks=8)
    s = _session(str(tmp_path))
    doc, _ = _open(s, path)
    at = doc.data.index(b"return await", doc.data.index(b"list2 ="))
    doc.replace(at, at, b"\n\n\n")
    doc.version += 1
    s.lint(path)
    assert s.needs_full_analysis(path)
    data = s.facts_job(path)
    assert data is doc.data
    old_span = [r for r in s.analyzer.index.facts[path].registrations if r.name == "list5"][0].span
    assert s.install_facts(path, data, facts_of(s.workspace, path, data)) == set()
    assert not s.needs_full_analysis(path)
    new_span = [r for r in s.analyzer.index.facts[path].registrations if r.name == "list5"][0].span
    assert new_span.start == old_span.start + 3 and new_span.srow == old_span.srow + 3
    at = doc.data.index(b"return await", doc.data.index(b"list6 ="))
    doc.replace(at, at, b"const y = 2;\n    ")
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index  # still incremental after the facts arrived
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))
    assert s.model(path).src.data is doc.data  # a request needing the model gets the current one
    # facts computed for a text that was edited meanwhile are not installed
    data = s.facts_job(path)
    facts = facts_of(s.workspace, path, data)
    doc.replace(0, 0, b"// x\n")
    doc.version += 1
    assert s.install_facts(path, data, facts) is None


def test_findings_on_context_that_depend_on_every_use_stay(tmp_path):
    """CVX507 (an import of a "use node" file counts only when a binding is used as a value) is
    reported on the import, but depends on uses inside declarations: the declaration holding
    the use must stay in the incremental lint (`Rule.keep_words`), or the finding would vanish
    while typing elsewhere."""
    root = str(tmp_path)
    path = _big(root, blocks=4)
    with open(os.path.join(root, "convex", "pdf.ts"), "w") as fh:
        fh.write('"use node";\nexport function render(x: string) { return x; }\n')
    with open(path, "rb") as fh:
        data = fh.read()
    data = data.replace(b'import { v } from "convex/values";',
                        b'import { v } from "convex/values";\nimport { render } from "./pdf";', 1)
    at = data.index(b"return await", data.index(b"list3 ="))
    data = data[:at] + b"render(args.channel);\n    " + data[at:]
    with open(path, "wb") as fh:
        fh.write(data)
    _survives_typing_elsewhere(root, path, "CVX507")


def test_file_level_suppression_after_a_blanked_first_statement(tmp_path):
    """`convex-lsp-disable` after the first statement has no effect (CVX901 says so), also when
    that first statement is a declaration the incremental lint leaves out."""
    root = str(tmp_path)
    path = _big(root, blocks=3)
    with open(path, "rb") as fh:
        data = fh.read()
    head_end = data.index(b"export const list0")
    first_end = data.index(b"export const list1")
    # list0, the directive, the imports, list1, list2: only list0 comes before the directive
    data = data[head_end:first_end] + b"// convex-lsp-disable CVX201\n" + data[:head_end] + data[first_end:]
    with open(path, "wb") as fh:
        fh.write(data)
    s = _session(root)
    doc, first = _open(s, path)
    assert "CVX901" in [f.code for f in first.findings]
    at = doc.data.index(b"return await", doc.data.index(b"list2 ="))
    doc.replace(at, at, b"const w = 4;\n    ")
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))


def test_other_documents_stay_incremental_when_no_view_changes(tmp_path):
    """Facts of one file reaching the index (its idle analysis) leave another open file's
    incremental state alone unless the api or schema view changed."""
    from convex_lsp.server.session import facts_of

    root = str(tmp_path)
    a = _big(root, blocks=4)
    b = os.path.join(root, "convex", "other.ts")
    with open(a, "rb") as fh:
        data = fh.read()
    with open(b, "wb") as fh:
        fh.write(data.replace(b"list", b"other"))
    s = _session(root)
    da, _ = _open(s, a)
    db, _ = _open(s, b)

    def type_into(doc, path, name):
        at = doc.data.index(b"return await", doc.data.index(name))
        doc.replace(at, at, b"const t = 0;\n    ")
        doc.version += 1
        return s.lint(path)

    type_into(da, a, b"list1 =")
    data_a = s.facts_job(a)
    assert s.install_facts(a, data_a, facts_of(s.workspace, a, data_a)) == set()
    res = type_into(db, b, b"other2 =")
    assert db.stale_index  # still incremental
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, b, db.data)))
    # a view change (a query becoming a mutation) does invalidate it
    at = da.data.index(b"list3 = query")
    da.replace(at + len(b"list3 = "), at + len(b"list3 = query"), b"mutation")
    da.version += 1
    s.lint(a)
    data_a = s.facts_job(a)
    assert "api" in s.install_facts(a, data_a, facts_of(s.workspace, a, data_a))
    type_into(db, b, b"other3 =")
    assert not db.stale_index  # linted whole: what it reads of the api may have changed


def test_declarations_context_mentions_are_always_linted_and_still_incremental(tmp_path):
    """A declaration that context names (here a re-export) is never left out, since context
    findings may depend on it, and typing inside it is still linted incrementally."""
    root = str(tmp_path)
    path = _big(root, blocks=4)
    with open(path, "ab") as fh:
        fh.write(b"export { list2 as listAgain };\n")
    s = _session(root)
    doc, _ = _open(s, path)
    assert [st.pinned for st in doc.snap.stmts if st.name == "list2"] == [True]
    _type_in(s, path, doc, b"list2 =", b"const p = 5;\n    ")
    assert [st.pinned for st in doc.snap.stmts if st.name == "list2"] == [True]
    res = _type_in(s, path, doc, b"list0 =", b"const q = 6;\n    ")
    assert doc.snap.stats["relinted"] < len(doc.snap.stmts)
    assert any(f.code == "CVX201" for f in res.findings)


CALLER_BLOCK = b'''export const add%d = mutation({
  args: {},
  handler: async (ctx) => {
    await ctx.scheduler.runAfter(0, internal.big.bump%d, {});
    return await ctx.db.query("messages").collect();
  },
});

export const bump%d = internalMutation({
  args: {},
  handler: async (ctx) => {
    return await ctx.db.query("messages").collect();
  },
});

'''


def _callers(root: str, blocks: int) -> str:
    path = _big(root, blocks=blocks)
    with open(path, "ab") as fh:
        fh.write(b"".join(CALLER_BLOCK % (i, i, i) for i in range(blocks)))
    return path


def test_a_referenced_internal_function_ties_only_its_mentions(tmp_path):
    """CVX406 (unused internal function) lists every referenced internal function of the file as a
    keep word; typing elsewhere must not relint each of them with its callers (that made every
    keystroke in a 3,000-line file cost half a whole-file lint), while typing into a caller still
    relints the function it calls, and removing the call reports it unused."""
    root = str(tmp_path)
    path = _callers(root, 20)
    s = _session(root)
    doc, first = _open(s, path)
    assert "CVX406" not in [f.code for f in first.findings]
    _type_in(s, path, doc, b"list5 =", b"const n = 1;\n    ")
    assert doc.snap.stats["relinted"] < 10, doc.snap.stats
    # the call to bump7 goes away: bump7 (blanked before) is reported unused, as a whole-file lint says
    at = doc.data.index(b"await ctx.scheduler.runAfter(0, internal.big.bump7, {});")
    doc.replace(at, at + len(b"await ctx.scheduler.runAfter(0, internal.big.bump7, {});"), b"")
    doc.version += 1
    res = s.lint(path)
    assert doc.stale_index
    assert doc.snap.stats["relinted"] < 10, doc.snap.stats
    assert sorted(map(_key, res.findings)) == sorted(map(_key, _truth(s, path, doc.data)))
    assert [f.code for f in res.findings].count("CVX406") == 1
    # typing inside bump3 keeps its caller in the lint (else bump3 would look unused)
    res = _type_in(s, path, doc, b"bump3 =", b"const m = 2;\n    ")
    assert [f.code for f in res.findings].count("CVX406") == 1
