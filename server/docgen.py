"""Rule documentation generated from the registry: docs/rules/<CODE>-<name>.md and the
README's rule table (between `<!-- rules:start -->` and `<!-- rules:end -->`).

Run `python docs/gen_docs.py` after adding or changing a rule; `--check` (used by the
tests) fails when the committed files differ from what the registry says.
"""

from __future__ import annotations

import os
from typing import Optional

from convex_lsp.analysis.registry import Rule, all_rules

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
HEADER = "<!-- Generated from the rule registry by docs/gen_docs.py; edit the rule module, not this file. -->\n\n"
_SEV = {"error": "error", "warning": "warning", "info": "info", "hint": "hint", "off": "off (opt-in)"}


def rule_filename(rule: Rule) -> str:
    return f"{rule.code}-{rule.name}.md"


def rule_page(rule: Rule) -> str:
    return HEADER + rule.doc_markdown().rstrip("\n") + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def rules_table(rules: Optional[list[Rule]] = None) -> str:
    rules = rules if rules is not None else all_rules()
    lines = [
        "| code | name | default severity | fix | spec |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        lines.append(
            f"| {r.code} | [{r.name}](docs/rules/{rule_filename(r)}) | {_SEV.get(r.severity, r.severity)} "
            f"| {_cell(r.fix or 'none')} | {_cell(r.spec)} |"
        )
    return "\n".join(lines) + "\n"


def readme_with_table(text: Optional[str], table: str) -> str:
    block = f"{START}\n{table}{END}"
    if text is None:
        return block + "\n"
    i = text.find(START)
    j = text.find(END, i + len(START)) if i != -1 else -1
    if i == -1 or j == -1:
        sep = "" if text.endswith("\n") or not text else "\n"
        return text + sep + "\n" + block + "\n"
    return text[:i] + block + text[j + len(END):]


def expected_files(repo: str) -> dict[str, str]:
    """path -> content of every generated file."""
    out: dict[str, str] = {}
    rules = all_rules()
    for r in rules:
        out[os.path.join(repo, "docs", "rules", rule_filename(r))] = rule_page(r)
    readme = os.path.join(repo, "README.md")
    current = None
    if os.path.isfile(readme):
        with open(readme, encoding="utf-8") as fh:
            current = fh.read()
    out[readme] = readme_with_table(current, rules_table(rules))
    return out


def stale_files(repo: str) -> list[str]:
    """Generated files that are missing, differ, or belong to no rule any more."""
    stale = []
    want = expected_files(repo)
    for path, content in want.items():
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.read() != content:
                    stale.append(path)
        except OSError:
            stale.append(path)
    rules_dir = os.path.join(repo, "docs", "rules")
    if os.path.isdir(rules_dir):
        for name in sorted(os.listdir(rules_dir)):
            p = os.path.join(rules_dir, name)
            if name.endswith(".md") and name[:3] == "CVX" and p not in want:
                stale.append(p)
    return stale


def write_docs(repo: str) -> list[str]:
    """Write every generated file (and delete pages of removed rules); return what changed."""
    changed = []
    want = expected_files(repo)
    os.makedirs(os.path.join(repo, "docs", "rules"), exist_ok=True)
    for path in stale_files(repo):
        if path not in want:
            os.remove(path)
            changed.append(path)
            continue
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(want[path])
        changed.append(path)
    return changed
