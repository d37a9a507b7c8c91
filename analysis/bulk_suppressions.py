"""Bulk suppressions, in the manner of ESLint's: `convex-lsp-suppressions.json` at a project's
root records, per file and per rule, how many findings were accepted as they are.

    {
      "convex/messages.ts": {"no-query-filter": {"count": 2}},
      ...
    }

A later run drops a file's findings of a rule while there are no more of them than the count;
when there are more, all of them are reported, since which one is new cannot be told (as
ESLint does). Files are relative to the project root, with `/`; rules are keyed by name (a code
is accepted when read). `check --suppress-all` / `--suppress-rule NAME` write the counts of
today's findings, `--prune-suppressions` lowers them to what is left.

Written atomically; nothing here touches a file outside the project root.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Iterable, Optional

from .fs import relative_inside, write_atomic
from .records import record, field
from .registry import Finding, get_rule

FILE_NAME = "convex-lsp-suppressions.json"


class SuppressionsError(Exception):
    """The file exists but cannot be read as suppressions (message names the file)."""


def file_for(root: str) -> str:
    return os.path.join(root, FILE_NAME)


def _rel(root: str, path: str) -> str:
    rel = relative_inside(path, root)  # (by slicing when it can tell)
    return (rel if rel is not None else os.path.relpath(path, root)).replace(os.sep, "/")


def _rule_key(code_or_name: str) -> str:
    r = get_rule(code_or_name)
    return r.name if r is not None else code_or_name


@record
class Suppressions:
    """The counts of one project root: {relative file: {rule name: count}}."""

    root: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return file_for(self.root)

    # ------------------------------------------------------------ reading and writing
    @classmethod
    def load(cls, root: str) -> "Suppressions":
        path = file_for(root)
        try:
            with open(path, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            return cls(root)
        except (OSError, ValueError) as e:
            raise SuppressionsError(f"{path}: cannot read the bulk suppressions: {e}") from None
        if not isinstance(data, dict):
            raise SuppressionsError(f"{path}: expected an object of file -> rule -> {{\"count\": N}}")
        counts: dict[str, dict[str, int]] = {}
        for file, rules in data.items():
            if not isinstance(rules, dict):
                raise SuppressionsError(f"{path}: `{file}`: expected an object of rule -> {{\"count\": N}}")
            for rule, entry in rules.items():
                n = entry.get("count") if isinstance(entry, dict) else None
                if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                    raise SuppressionsError(f"{path}: `{file}` / `{rule}`: expected {{\"count\": N}} with N >= 0")
                if n:
                    counts.setdefault(file, {})[_rule_key(rule)] = n
        return cls(root, counts)

    def to_json(self) -> str:
        data = {f: {r: {"count": n} for r, n in sorted(rules.items())}
                for f, rules in sorted(self.counts.items()) if rules}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def save(self) -> None:
        """Write atomically; an empty set of suppressions removes the file."""
        if not any(self.counts.values()):
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            return
        write_atomic(self.path, self.to_json().encode("utf-8"), prefix=".convex-lsp-suppressions.")

    # ------------------------------------------------------------ applying
    def total(self) -> int:
        return sum(n for rules in self.counts.values() for n in rules.values())

    def filter(self, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
        """(the findings to report, how many were suppressed). Findings of files outside
        the root pass through."""
        findings = list(findings)
        if not self.counts:
            return findings, 0
        groups = _group(self.root, findings)
        keep_out: set[int] = set()
        for (rel, rule), fs in groups.items():
            allowed = self.counts.get(rel, {}).get(rule, 0)
            if fs and len(fs) <= allowed:
                keep_out.update(id(f) for f in fs)
        return [f for f in findings if id(f) not in keep_out], len(keep_out)

    def unused(self, findings: Iterable[Finding], files: Iterable[str]) -> int:
        """How many recorded suppressions of the linted `files` no finding needs any more."""
        if not self.counts:  # (no file, or an empty one: nothing to count)
            return 0
        have = Counter({k: len(v) for k, v in _group(self.root, findings).items()})
        n = 0
        for path in files:
            rel = _rel(self.root, path)
            for rule, count in self.counts.get(rel, {}).items():
                n += max(0, count - have[(rel, rule)])
        return n

    # ------------------------------------------------------------ updating
    def record(self, findings: Iterable[Finding], files: Iterable[str], rules: Optional[set[str]] = None) -> int:
        """`--suppress-all` (rules None) / `--suppress-rule`: the counts of the linted files
        (of those rules) become today's. Returns the number of findings now suppressed."""
        groups = _group(self.root, findings)
        rels = {_rel(self.root, p) for p in files}
        for rel in rels:
            entry = self.counts.get(rel, {})
            for rule in list(entry):
                if rules is None or rule in rules:
                    del entry[rule]
            if entry:
                self.counts[rel] = entry
            else:
                self.counts.pop(rel, None)
        n = 0
        for (rel, rule), fs in groups.items():
            if rel in rels and (rules is None or rule in rules):
                self.counts.setdefault(rel, {})[rule] = len(fs)
                n += len(fs)
        return n

    def prune(self, findings: Iterable[Finding], files: Iterable[str]) -> int:
        """`--prune-suppressions`: lower the counts of the linted files to the findings left
        (never raise them). Returns how many suppressions were dropped."""
        have = Counter({k: len(v) for k, v in _group(self.root, findings).items()})
        dropped = 0
        for path in files:
            rel = _rel(self.root, path)
            entry = self.counts.get(rel)
            if not entry:
                continue
            for rule, count in list(entry.items()):
                now = min(count, have[(rel, rule)])
                dropped += count - now
                if now:
                    entry[rule] = now
                else:
                    del entry[rule]
            if not entry:
                del self.counts[rel]
        return dropped


def _group(root: str, findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    prefix = root.rstrip(os.sep) + os.sep
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.path.startswith(prefix):
            out.setdefault((_rel(root, f.path), f.name), []).append(f)
    return out


class Cache:
    """The server's view: each root's file, re-read when it changes on disk (cheap `stat`)."""

    def __init__(self) -> None:
        self._by_root: dict[str, tuple[Optional[tuple], Suppressions]] = {}

    def get(self, root: str) -> Suppressions:
        try:
            st = os.stat(file_for(root))
            stamp: Optional[tuple] = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        hit = self._by_root.get(root)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        try:
            sup = Suppressions.load(root) if stamp is not None else Suppressions(root)
        except SuppressionsError:
            sup = Suppressions(root)  # a broken file suppresses nothing; `check` names the error
        self._by_root[root] = (stamp, sup)
        return sup

    def filter(self, root: Optional[str], findings: list[Finding]) -> list[Finding]:
        if root is None:
            return findings
        return self.get(root).filter(findings)[0]
