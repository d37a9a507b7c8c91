"""Output formats of `convex-lsp check`: text, concise, json, sarif, github, gitlab, junit, and
`--statistics`.

Findings carry byte offsets and 0-based (row, code-point column) positions; every format
here shows 1-based rows and columns. Fix edits carry byte offsets only: `Sources` turns
them into positions from the files' bytes.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import Iterable, Optional, TextIO

from convex_lsp.analysis.links import repository_url
from convex_lsp.analysis.registry import Finding, Fix, Rule

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")
TOOL_NAME = "convex-lsp"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def display_path(path: str, cwd: Optional[str] = None) -> str:
    """Relative to the current directory when the file is under it, else as given; the bytes of
    a file name that is not UTF-8 escaped (`\\xff`), so that every output can print it."""
    from convex_lsp.analysis.fs import printable

    memo = _REPORTING.get("shown")
    if memo is None:
        return printable(_relative(path, cwd))
    got = memo.get((path, cwd))
    if got is None:
        got = memo[(path, cwd)] = printable(_relative(path, cwd))
    return got


def _relative(path: str, cwd: Optional[str] = None) -> str:
    from convex_lsp.analysis.fs import relative_inside

    cwd = cwd or os.getcwd()
    for base in (cwd, None):
        if base is None:  # the real path of the folder, only when the path is not under it as named
            base = os.path.realpath(cwd)
        if path == base or path.startswith(base.rstrip(os.sep) + os.sep):
            rel = relative_inside(path, base)  # (by slicing when it can tell)
            return (rel if rel is not None else os.path.relpath(path, base)).replace(os.sep, "/")
    return path.replace(os.sep, "/")


# while `report` writes: each file's name as shown, worked out once (a finding and its fix's edits
# name the same few files), from the working directory as it is when the report starts
_REPORTING: dict[str, dict] = {}


def edit_positions(e, sources: Sources) -> tuple[int, int, int, int]:
    """0-based (row, column) of an edit's start and end: as worked out when its fix was made, else
    from the file's bytes read now."""
    if e.srow >= 0:
        return e.srow, e.scol, e.erow, e.ecol
    return sources.position(e.path, e.start) + sources.position(e.path, e.end)


class Sources:
    """Bytes and line indexes of the files findings point into, read on demand."""

    def __init__(self, preload: Optional[dict[str, bytes]] = None):
        self._data: dict[str, bytes] = dict(preload or {})
        self._lines: dict[str, object] = {}

    def data(self, path: str) -> bytes:
        d = self._data.get(path)
        if d is None:
            from convex_lsp.analysis.source import MAX_FILE_BYTES
            from convex_lsp.analysis.fs import read_regular

            try:
                d = read_regular(path, MAX_FILE_BYTES)
            except OSError:
                d = b""
            self._data[path] = d
        return d

    def lines(self, path: str):
        li = self._lines.get(path)
        if li is None:
            from convex_lsp.analysis.source import LineIndex

            li = self._lines[path] = LineIndex(self.data(path))
        return li

    def position(self, path: str, offset: int) -> tuple[int, int]:
        return self.lines(path).position(offset)


# ---------------------------------------------------------------- json


def _loc(row: int, col: int) -> dict:
    return {"row": row + 1, "column": col + 1}


def fix_json(fix: Optional[Fix], sources: Sources, cwd: Optional[str] = None) -> Optional[dict]:
    if fix is None:
        return None
    edits = []
    for e in sorted(fix.edits, key=lambda e: (e.path, e.start, e.end)):
        sr, sc, er, ec = edit_positions(e, sources)
        edits.append({
            "filename": display_path(e.path, cwd),
            "content": e.new_text,
            "location": _loc(sr, sc),
            "end_location": _loc(er, ec),
        })
    return {"applicability": fix.applicability, "message": fix.title, "edits": edits}


def finding_json(f: Finding, sources: Sources, cwd: Optional[str] = None) -> dict:
    return {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "severity": f.severity,
        "filename": display_path(f.path, cwd),
        "location": _loc(f.srow, f.scol),
        "end_location": _loc(f.erow, f.ecol),
        "spec": f.spec,
        "url": f.url,
        "fix": fix_json(f.fix, sources, cwd),
    }


def report_json(findings: list[Finding], out: TextIO, sources: Sources) -> None:
    out.write(findings_json_text(findings, sources) + "\n")


def findings_json_text(findings: list[Finding], sources: Sources, cwd: Optional[str] = None) -> str:
    """`dumps_indented([finding_json(f, sources, cwd) for f in findings])`, each finding written
    from one template (the layout is fixed: no dicts to build and walk). A finding or fix whose
    values are not all plain strings and ints is written the general way."""
    from json.encoder import encode_basestring as q

    if not findings:
        return "[]"
    parts = []
    for f in findings:
        path = display_path(f.path, cwd)
        fix = "null" if f.fix is None else _fix_json_text(f.fix, sources, cwd)
        if fix is None or not (
                type(f.code) is type(f.name) is type(f.message) is type(f.severity) is type(f.spec)
                is type(f.url) is type(path) is str
                and type(f.srow) is type(f.scol) is type(f.erow) is type(f.ecol) is int):
            parts.append(_moved_in(dumps_indented(finding_json(f, sources, cwd)), "  ", True))
            continue
        parts.append(
            f'  {{\n    "code": {q(f.code)},\n    "name": {q(f.name)},\n    "message": {q(f.message)},\n'
            f'    "severity": {q(f.severity)},\n    "filename": {q(path)},\n'
            f'    "location": {{\n      "row": {f.srow + 1},\n      "column": {f.scol + 1}\n    }},\n'
            f'    "end_location": {{\n      "row": {f.erow + 1},\n      "column": {f.ecol + 1}\n    }},\n'
            f'    "spec": {q(f.spec)},\n    "url": {q(f.url)},\n    "fix": {fix}\n  }}')
    return "[\n" + ",\n".join(parts) + "\n]"


def _fix_json_text(fix: Fix, sources: Sources, cwd: Optional[str]) -> Optional[str]:
    """`fix_json(fix)` as the value of a finding's `"fix"` key in `findings_json_text`; None when
    a value is not a plain string or int (the finding is then written the general way)."""
    from json.encoder import encode_basestring as q

    got = fix_json(fix, sources, cwd)
    if not type(got["applicability"]) is type(got["message"]) is str:
        return None
    edits = []
    for e in got["edits"]:
        loc, end = e["location"], e["end_location"]
        if not (type(e["filename"]) is type(e["content"]) is str
                and type(loc["row"]) is type(loc["column"]) is type(end["row"]) is type(end["column"]) is int):
            return None
        edits.append(
            f'        {{\n          "filename": {q(e["filename"])},\n          "content": {q(e["content"])},\n'
            f'          "location": {{\n            "row": {loc["row"]},\n            "column": {loc["column"]}\n'
            f'          }},\n          "end_location": {{\n            "row": {end["row"]},\n'
            f'            "column": {end["column"]}\n          }}\n        }}')
    edits_text = "[\n" + ",\n".join(edits) + "\n      ]" if edits else "[]"
    return (f'{{\n      "applicability": {q(got["applicability"])},\n      "message": {q(got["message"])},\n'
            f'      "edits": {edits_text}\n    }}')


def _moved_in(text: str, by: str, first_line: bool) -> str:
    """JSON text written at the top level, moved in by `by` (its strings hold no raw newline)."""
    moved = text.replace("\n", "\n" + by)
    return by + moved if first_line else moved


def dumps_indented(obj) -> str:
    """`json.dumps(obj, indent=2, ensure_ascii=False)`, built in one pass (the standard library's
    encoder is pure Python when indenting, a generator per container and a write per token: 23,000
    writes for 200 findings). Plain JSON values only; anything else goes to `json.dumps`."""
    from json.encoder import encode_basestring

    parts: list[str] = []
    add = parts.append

    def enc(o, ind: str) -> None:
        t = type(o)
        if t is str:
            add(encode_basestring(o))
        elif o is None:
            add("null")
        elif o is True:
            add("true")
        elif o is False:
            add("false")
        elif t is int:
            add(int.__repr__(o))
        elif t is dict:
            if not o:
                add("{}")
                return
            inner = ind + "  "
            first = True
            for k, v in o.items():
                if type(k) is not str:
                    raise TypeError(k)
                add(("{\n" if first else ",\n") + inner + encode_basestring(k) + ": ")
                first = False
                enc(v, inner)
            add("\n" + ind + "}")
        elif t is list or t is tuple:
            if not o:
                add("[]")
                return
            inner = ind + "  "
            first = True
            for v in o:
                add(("[\n" if first else ",\n") + inner)
                first = False
                enc(v, inner)
            add("\n" + ind + "]")
        else:
            raise TypeError(t)  # floats, subclasses: the standard encoder's business

    try:
        enc(obj, "")
    except (TypeError, RecursionError):
        return json.dumps(obj, indent=2, ensure_ascii=False)
    return "".join(parts)


# ---------------------------------------------------------------- sarif

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def sarif_log(findings: list[Finding], rules: list[Rule], sources: Sources, version: str,
              cwd: Optional[str] = None) -> dict:
    rule_index = {r.code: i for i, r in enumerate(rules)}
    driver_rules = []
    for r in rules:
        entry = {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary.split("\n")[0]},
            "fullDescription": {"text": r.summary},
            "helpUri": r.url,
            "help": {"text": f"{r.summary}\n\n{r.why}", "markdown": r.doc_markdown()},
            "defaultConfiguration": {
                "enabled": r.severity != "off",
                "level": _SARIF_LEVEL.get(r.severity, "warning"),
            },
            "properties": {"tags": list(r.tags), "spec": r.spec, "fix": r.fix or "none"},
        }
        if r.code in SECURITY_SEVERITY:  # GitHub code scanning ranks security alerts by it
            entry["properties"]["security-severity"] = SECURITY_SEVERITY[r.code]
            if "security" not in entry["properties"]["tags"]:
                entry["properties"]["tags"].append("security")
        driver_rules.append(entry)
    results = []
    for f in findings:
        region = {
            "startLine": f.srow + 1,
            "startColumn": f.scol + 1,
            "endLine": f.erow + 1,
            "endColumn": f.ecol + 1,
        }
        result = {
            "ruleId": f.code,
            "level": _SARIF_LEVEL.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path, cwd),
                    "region": region,
                },
            }],
        }
        if f.code in rule_index:
            result["ruleIndex"] = rule_index[f.code]
        if f.fix is not None:
            changes: dict[str, list] = {}
            for e in f.fix.edits:
                sr, sc, er, ec = edit_positions(e, sources)
                changes.setdefault(e.path, []).append({
                    "deletedRegion": {"startLine": sr + 1, "startColumn": sc + 1,
                                      "endLine": er + 1, "endColumn": ec + 1},
                    "insertedContent": {"text": e.new_text},
                })
            result["fixes"] = [{
                "description": {"text": f.fix.title},
                "artifactChanges": [{"artifactLocation": _artifact(p, cwd), "replacements": reps}
                                    for p, reps in changes.items()],
            }]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": version,
                "informationUri": repository_url(),
                "rules": driver_rules,
            }},
            # relative URIs are relative to the folder the command ran in, so code scanning
            # maps them in a monorepo whose project is a subfolder (checkout_path / working-directory)
            "originalUriBaseIds": {SRCROOT: {"uri": _folder_uri(cwd or os.getcwd())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


SRCROOT = "%SRCROOT%"
# CVSS-like scores (0-10) GitHub code scanning shows as the alert's security severity
SECURITY_SEVERITY = {"CVX701": "8.0", "CVX702": "6.5", "CVX703": "6.5", "CVX404": "5.0"}


def _folder_uri(folder: str) -> str:
    from pathlib import Path

    return Path(os.path.abspath(folder)).as_uri().rstrip("/") + "/"


def _artifact(path: str, cwd: Optional[str] = None) -> dict:
    """A SARIF artifactLocation: relative to %SRCROOT% when the file is under it."""
    from pathlib import Path
    from urllib.parse import quote

    shown = os.fsencode(_relative(path, cwd))  # a URI carries a non-UTF-8 name's own bytes, %-encoded
    if os.path.isabs(shown):
        return {"uri": Path(shown).as_uri()}
    return {"uri": quote(shown), "uriBaseId": SRCROOT}


def report_sarif(findings: list[Finding], out: TextIO, sources: Sources, rules: list[Rule], version: str) -> None:
    out.write(dumps_indented(sarif_log(findings, rules, sources, version)))
    out.write("\n")


# ---------------------------------------------------------------- github

_GH_LEVEL = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def report_github(findings: list[Finding], out: TextIO) -> None:
    for f in findings:
        level = _GH_LEVEL.get(f.severity, "warning")
        out.write(
            f"::{level} file={_gh_prop(display_path(f.path))},line={f.srow + 1},col={f.scol + 1},"
            f"endLine={f.erow + 1},endColumn={f.ecol + 1},title={_gh_prop(f.code)}::"
            f"{_gh_data(f.message)}\n"
        )


# ---------------------------------------------------------------- gitlab

# GitLab Code Quality severities: info, minor, major, critical, blocker
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info", "hint": "info"}


def _gitlab_category(f: Finding) -> str:
    """A Code Climate category: Security, Performance (the database rules), Bug Risk, Style."""
    if f.code in SECURITY_SEVERITY:
        return "Security"
    if f.code.startswith("CVX2") and f.severity != "error":
        return "Performance"
    return "Style" if f.severity == "hint" else "Bug Risk"


def gitlab_report(findings: list[Finding], sources: Sources, cwd: Optional[str] = None) -> list[dict]:
    """GitLab Code Quality (a subset of the Code Climate spec). The fingerprint hangs on the
    file, rule, message and the text of the line (plus a counter for repeats), not on the
    line number, so a finding keeps its identity when lines above it move."""
    import hashlib

    out = []
    seen: Counter = Counter()
    for f in findings:
        path = display_path(f.path, cwd)
        line = sources.lines(f.path).line_bytes(f.srow).decode("utf-8", errors="replace").strip()
        key = (path, f.code, f.message, line)
        seen[key] += 1
        digest = hashlib.sha256("\0".join(key + (str(seen[key]),)).encode("utf-8")).hexdigest()
        out.append({
            "type": "issue",
            "check_name": f.code,
            "description": f"{f.code} [{f.name}] {f.message}",
            "categories": [_gitlab_category(f)],
            "fingerprint": digest,
            "severity": _GITLAB_SEVERITY.get(f.severity, "minor"),
            "location": {"path": path, "lines": {"begin": f.srow + 1, "end": f.erow + 1}},
        })
    return out


def report_gitlab(findings: list[Finding], out: TextIO, sources: Sources) -> None:
    out.write(dumps_indented(gitlab_report(findings, sources)))
    out.write("\n")


# ---------------------------------------------------------------- junit


def junit_xml(findings: list[Finding], files: Iterable[str] = (), cwd: Optional[str] = None) -> str:
    """JUnit XML: one <testsuite> per file, one failing <testcase> per finding; a file linted
    without findings gets one passing test case, so a clean run is not an empty report."""
    from xml.sax.saxutils import escape, quoteattr

    by_file: dict[str, list[Finding]] = {}
    for p in sorted(set(files)):
        by_file[p] = []
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    if not by_file:
        by_file[""] = []
    parts = []
    total = failures = 0
    for path in sorted(by_file):
        shown = display_path(path, cwd) if path else TOOL_NAME
        fs = by_file[path]
        cases = []
        for f in fs:
            loc = f"{shown}:{f.srow + 1}:{f.scol + 1}"
            cases.append(
                f'    <testcase name={quoteattr(f"{f.code} [{f.name}] at {loc}")} classname={quoteattr(shown)}'
                f' file={quoteattr(shown)} line="{f.srow + 1}">\n'
                f'      <failure message={quoteattr(f.message)} type={quoteattr(f.code)}>'
                f'{escape(f"{loc}: {f.severity}: {f.code} [{f.name}] {f.message}")}\n{escape(f.url)}</failure>\n'
                f'    </testcase>')
        if not fs:
            cases.append(f'    <testcase name="no problems" classname={quoteattr(shown)} file={quoteattr(shown)}/>')
        n = max(1, len(fs))
        total += n
        failures += len(fs)
        parts.append(f'  <testsuite name={quoteattr(shown)} tests="{n}" failures="{len(fs)}" errors="0" skipped="0">\n'
                     + "\n".join(cases) + "\n  </testsuite>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="{TOOL_NAME}" tests="{total}" failures="{failures}" errors="0">\n'
            + "\n".join(parts) + "\n</testsuites>\n")


def report_junit(findings: list[Finding], out: TextIO, files: Iterable[str] = ()) -> None:
    out.write(junit_xml(findings, files))


# ---------------------------------------------------------------- text


class Style:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


_SEV_STYLE = {"error": ("1", "31"), "warning": ("1", "33"), "info": ("1", "34"), "hint": ("1", "36")}


def display_width(text: str) -> int:
    """Terminal columns `text` takes: East Asian wide and full-width characters (CJK, most
    emoji) take two, combining marks, zero-width joiners and variation selectors none."""
    if text.isascii():
        return len(text)  # (no ASCII character is wide, combining or a format character)
    import unicodedata

    w = 0
    for ch in text:
        o = ord(ch)
        if unicodedata.combining(ch) or o in (0x200B, 0x200C, 0x200D, 0x2060) or 0xFE00 <= o <= 0xFE0F \
                or 0xE0100 <= o <= 0xE01EF or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _excerpt(f: Finding, sources: Sources, style: Style) -> list[str]:
    lines = sources.lines(f.path)
    raw = lines.line_bytes(f.srow)
    text = raw.decode("utf-8", errors="replace").expandtabs(1)
    if not text.strip() and f.srow == 0 and not raw:
        return []
    start = min(f.scol, len(text))
    end = f.ecol if f.erow == f.srow else len(text.rstrip())
    end = max(start, min(end, len(text)))
    # columns are code points; the caret goes under them as a terminal shows the line
    indent = display_width(text[:start])
    width = max(1, display_width(text[start:end]))
    gutter = str(f.srow + 1)
    pad = " " * len(gutter)
    sev = _SEV_STYLE.get(f.severity, ("1",))
    return [
        style(f"{pad} |", "34"),
        style(f"{gutter} |", "34") + f" {text}",
        style(f"{pad} |", "34") + " " + " " * indent + style("^" * width, *sev),
        style(f"{pad} |", "34"),
    ]


def format_text_finding(f: Finding, sources: Sources, style: Style, excerpt: bool = True) -> list[str]:
    """`path:row:col: severity: CODE [*] [name] message` (the severity in words, readable
    without colour; `[*]`: a safe fix exists), then the source excerpt with a caret line."""
    sev = _SEV_STYLE.get(f.severity, ("1",))
    fixable = " " + style("[*]", "36") if f.fix is not None and f.fix.applicability == "safe" else ""
    head = (f"{style(display_path(f.path), '1')}:{f.srow + 1}:{f.scol + 1}: "
            f"{style(f.severity + ':', *sev)} {style(f.code, '1')}{fixable} [{f.name}] {f.message}")
    out = [head]
    if excerpt:
        out.extend(_excerpt(f, sources, style))
        out.append("")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_lines(findings: list[Finding], style: Style, fixed: int = 0, files: Optional[int] = None) -> list[str]:
    out = []
    if files is not None:
        out.append(f"Linted {_plural(files, 'file')}.")
    if fixed:
        out.append(f"Fixed {_plural(fixed, 'problem')}.")
    if not findings:
        if not fixed:
            out.append(style("All checks passed!", "1", "32"))
        return out
    by_sev = Counter(f.severity for f in findings)
    parts = [_plural(by_sev[s], s if s != "info" else "info message") for s in ("error", "warning", "info", "hint") if by_sev[s]]
    found = f"Found {_plural(len(findings), 'problem')} ({', '.join(parts)})."
    if fixed:
        found = f"{_plural(len(findings), 'problem')} remaining ({', '.join(parts)})."
    out.append(found)
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability != "safe")
    if safe:
        out.append(f"[*] {safe} fixable with `convex-lsp check --fix`.")
    if unsafe:
        out.append(f"({unsafe} more fix{'es' if unsafe != 1 else ''} available with `--fix --unsafe-fixes`.)")
    return out


def report_text(findings: list[Finding], out: TextIO, sources: Sources, colour: bool, quiet: bool = False,
                fixed: int = 0, concise: bool = False, files: Optional[int] = None) -> None:
    """`text`, or `concise` (one line per finding, no excerpt); `files`: how many were linted (the
    summary says it)."""
    style = Style(colour)
    for f in findings:
        for line in format_text_finding(f, sources, style, excerpt=not concise):
            out.write(line + "\n")
    if not quiet:
        for line in summary_lines(findings, style, fixed, files):
            out.write(line + "\n")


# ---------------------------------------------------------------- dispatch


def report(fmt: str, findings: list[Finding], out: TextIO, sources: Sources, colour: bool = False,
           quiet: bool = False, fixed: int = 0, files: Optional[Iterable[str]] = None, version: str = "") -> None:
    """Write `findings` in output format `fmt` (one of FORMATS); `files`: the files linted."""
    files = list(files) if files is not None else None
    _REPORTING["shown"] = {}
    try:
        _report(fmt, findings, out, sources, colour, quiet, fixed, files, version)
    finally:
        _REPORTING.clear()


def _report(fmt: str, findings: list[Finding], out: TextIO, sources: Sources, colour: bool,
            quiet: bool, fixed: int, files: Optional[list[str]], version: str) -> None:
    if fmt == "json":
        report_json(findings, out, sources)
    elif fmt == "sarif":
        from convex_lsp.analysis.registry import all_rules

        report_sarif(findings, out, sources, all_rules(), version)
    elif fmt == "github":
        report_github(findings, out)
    elif fmt == "gitlab":
        report_gitlab(findings, out, sources)
    elif fmt == "junit":
        report_junit(findings, out, files or ())
    else:
        report_text(findings, out, sources, colour, quiet=quiet, fixed=fixed, concise=fmt == "concise",
                    files=len(files) if files is not None else None)


# ---------------------------------------------------------------- statistics


def statistics(findings: Iterable[Finding]) -> list[dict]:
    counts: Counter = Counter()
    names: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    for f in findings:
        counts[f.code] += 1
        names[f.code] = f.name
        if f.fix is not None and f.fix.applicability == "safe":
            fixable[f.code] = True
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"code": c, "name": names[c], "count": n, "fixable": fixable.get(c, False)} for c, n in rows]


def report_statistics(findings: list[Finding], out: TextIO, fmt: str, colour: bool) -> None:
    rows = statistics(findings)
    if fmt == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    style = Style(colour)
    if not rows:
        return
    w = max(len(str(r["count"])) for r in rows)
    for r in rows:
        mark = "[*]" if r["fixable"] else "[ ]"
        out.write(f"{str(r['count']).rjust(w)}\t{style(r['code'], '1', '31')}\t{mark} {r['name']}\n")


# ---------------------------------------------------------------- progress


class Progress:
    """A progress bar on stderr, drawn only once a run has taken more than `delay` seconds."""

    def __init__(self, total: float, stream: TextIO = sys.stderr, delay: float = 1.0, label: str = "Checking"):
        import time

        self._time = time.monotonic
        self.total = max(total, 1)
        self.done = 0.0
        self.stream = stream
        self.start = self._time()
        self.delay = delay
        self.label = label
        self.drawn = False
        self._last = 0.0

    def advance(self, n: float = 1.0) -> None:
        self.done += n
        now = self._time()
        if now - self.start < self.delay or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        frac = min(1.0, self.done / self.total)
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        self.stream.write(f"\r{self.label} [{bar}] {int(frac * 100):3d}%")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
