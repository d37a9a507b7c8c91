"""What changed in which `convex` release, and which releases a project may be running.

One table (`FEATURES`): a feature name -> the first release that has it, with the line of Convex's
CHANGELOG.md (shipped in the `convex` npm package) it comes from. Rules ask about a project's
version through `version_of(functions_dir)`:

- `.has(feature)`: every release the project may run has it (the lowest version its range admits);
  use it before *suggesting* a newer API (CVX211, CVX506, CVX408's fix);
- `.may_have(feature)`: some release the project may run has it (the highest version its range
  admits); use it before *reporting* code as unsupported (CVX108, CVX405, CVX501), since a false
  positive costs more than a miss.

With no version known, the newest release in this table (`LATEST`) is assumed.
"""

from __future__ import annotations

import functools
import re
from typing import Optional

from . import lazy_re
from .records import record

Version = tuple[int, int, int]

LATEST: Version = (1, 51, 0)


@record(frozen=True)
class Feature:
    name: str
    version: Version
    changelog: str  # the CHANGELOG.md line (or the source) the version comes from


_FEATURES = (
    Feature("staged-index", (1, 26, 0),
            "1.26.0: Add support for staged indexes. Instead of blocking on push, a staged index backfills"),
    Feature("object-validator-methods", (1, 29, 0),
            "1.29.0: Add .pick(), .omit(), .partial(), and .extend() methods to v.objects() validators."),
    Feature("v.nullable", (1, 29, 2),
            "1.29.2: You can use `v.nullable` as a convenient alias for `v.union(v.null(), ...)`"),
    Feature("db-table-name-argument", (1, 31, 0),
            "1.31.0: `db.get`, `db.patch`, `db.replace`, and `db.delete` now accept a table name as the first argument"),
    Feature("component-http", (1, 35, 0),
            "1.35.0: Components can now define HTTP routes in their own `http.ts` file."),
    Feature("ctx.meta", (1, 36, 0),
            "1.36.0: Added `ctx.meta` to access extra metadata at runtime"),
    Feature("typed-env", (1, 39, 0),
            "1.39.0: Apps and components may now declare typesafe env vars that they require."),
    Feature("node-async-hooks", (1, 39, 0),
            "1.39.0: The `AsyncLocalStorage` and `AsyncResource` APIs from `node:async_hooks` are now "
            "available in the standard Convex runtime."),
    Feature("v.commitTs", (1, 43, 0),
            "1.43.0: Added a new `v.commitTs()` validator that accepts either the upcoming commit timestamp "
            "placeholder, or a Int64 commit timestamp."),
    Feature("cron-optional-minute", (1, 43, 0),
            "1.43.0: When defining hourly cron jobs, you can now omit the `minuteUTC` parameter."),
    Feature("schema.doc", (1, 44, 0),
            "1.44.0: `schema.doc(tableName)` returns the validator for whole documents of a table"),
    Feature("validator-optional-method", (1, 46, 0),
            "1.46.0: Added `.optional()` to all validators."),
    Feature("staged-table-validator", (1, 47, 0),
            "1.47.0: Added `.staged()` to `defineTable` for validating a schema change in the background"),
    Feature("storage-in-mutations", (1, 48, 0),
            "1.48.0: `ctx.storage.store()` and `ctx.storage.get()` are now available in mutations, not just actions."),
    Feature("auth.signJwt", (1, 48, 0),
            "1.48.0: The `ctx.auth.signJwt` API is available in mutations."),
    Feature("v.function", (1, 49, 0),
            "1.49.0: Adds the `v.function({ fnType, args, returns })` validator"),
    Feature("scheduler-self-cancel-throws", (1, 50, 0),
            "1.50.0: a scheduled mutation that calls `ctx.scheduler.cancel` on its own scheduled function ID throws"),
    Feature("db.table", (1, 51, 0),
            "1.51.0 type declarations (server/database.d.ts: `table(tableName)` on the database reader and "
            "writer); no changelog line"),
)
FEATURES: dict[str, Feature] = {f.name: f for f in _FEATURES}


def first_version(feature: str) -> Version:
    return FEATURES[feature].version


def version_text(v: Version) -> str:
    return ".".join(str(x) for x in v)


@record(frozen=True)
class ProjectVersion:
    """The releases a project may run: `low`..`high` (equal for an exact version)."""

    low: Version
    high: Version
    known: bool = True

    def has(self, feature: str) -> bool:
        return self.low >= first_version(feature)

    def may_have(self, feature: str) -> bool:
        return self.high >= first_version(feature)


UNKNOWN = ProjectVersion(LATEST, LATEST, known=False)

_VERSION_RE = re.compile(r"(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


def _num(s: Optional[str]) -> Optional[int]:
    return int(s) if s is not None and s.isdigit() else None


def parse_spec(spec: Optional[str]) -> ProjectVersion:
    """An npm version or range (`1.31.2`, `^1.25.0`, `~1.29.1`, `>=1.20 <2`, `1.x`, `1.20 - 1.40`,
    `a || b`) -> the lowest and highest release it admits (a range open upwards ends at the newest
    known release). Anything unreadable (`latest`, `*`, `workspace:*`, a git URL): UNKNOWN."""
    if not spec or not isinstance(spec, str):
        return UNKNOWN
    spec = spec.strip()
    if spec.startswith("npm:"):
        spec = spec.rsplit("@", 1)[-1]
    lows: list[Version] = []
    highs: list[Version] = []
    for alt in spec.split("||"):
        alt = alt.strip()
        hy = re.fullmatch(r"(\S+)\s+-\s+(\S+)", alt)
        if hy:
            a, b = parse_spec(hy.group(1)), parse_spec(hy.group(2))
            if not (a.known and b.known):
                return UNKNOWN
            lows.append(a.low)
            highs.append(b.high)
            continue
        lo: Optional[Version] = None
        hi: Optional[Version] = None
        for m in re.finditer(r"(\^|~|>=|<=|>|<|=)?\s*v?" + _VERSION_RE.pattern, alt):
            op = m.group(1) or ""
            major, minor, patch = _num(m.group(2)), _num(m.group(3)), _num(m.group(4))
            if major is None:
                return UNKNOWN
            base = (major, minor or 0, patch or 0)
            if op in ("^", ">=", ">"):
                lo = base
                if op == "^" and major >= 1:
                    hi = max(LATEST, base) if major == LATEST[0] else (major, 999, 999)
                elif op == "^":  # ^0.x.y: minor-locked
                    hi = (0, minor or 0, 999) if minor is not None else (0, 999, 999)
                elif hi is None:
                    hi = max(LATEST, base)
            elif op in ("<", "<="):
                hi = base if op == "<=" else _below(base)
                if lo is None:
                    lo = (0, 0, 0)
            elif op == "~":
                lo = base
                hi = (major, minor, 999) if minor is not None else (major, 999, 999)
            else:  # exact, or 1.x / 1.2.x
                lo = base
                if minor is None:
                    hi = (major, 999, 999) if major != LATEST[0] else LATEST
                elif patch is None:
                    hi = (major, minor, 999)
                else:
                    hi = base
        if lo is None or hi is None:
            return UNKNOWN
        lows.append(lo)
        highs.append(hi)
    if not lows:
        return UNKNOWN
    return ProjectVersion(min(lows), max(highs))


def _below(v: Version) -> Version:
    major, minor, patch = v
    if patch:
        return (major, minor, patch - 1)
    if minor:
        return (major, minor - 1, 999)
    return (max(major - 1, 0), 999, 999)


def version_of(functions_dir) -> ProjectVersion:
    """The project version of a functions folder (analysis.project.FunctionsDir), UNKNOWN without one."""
    if functions_dir is None:
        return UNKNOWN
    spec = getattr(functions_dir, "convex_version", None)
    return _parsed(spec) if isinstance(spec, str) else parse_spec(spec)


@functools.lru_cache(maxsize=256)
def _parsed(spec: str) -> ProjectVersion:
    """`parse_spec`, remembered: several rules ask for every file (the answer is immutable)."""
    return parse_spec(spec)


# ------------------------------------------------------------------ lockfiles
LOCKFILES = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock")

_PNPM_RE = lazy_re.compile(r"(?m)^\s+/?convex@(\d+\.\d+\.\d+)[^\s:]*:\s*$")
_PNPM_IMPORTER_RE = lazy_re.compile(r"(?m)^\s+convex:\s*\n\s+specifier:[^\n]*\n\s+version:\s*'?(\d+\.\d+\.\d+)")
_YARN_RE = lazy_re.compile(r'(?m)^"?convex@[^\n]*:\s*\n\s+version:?\s+"?(\d+\.\d+\.\d+)')
_BUN_RE = lazy_re.compile(r'"convex":\s*\[\s*"convex@(\d+\.\d+\.\d+)"')


def lockfile_versions(name: str, data: str) -> list[str]:
    """The resolved `convex` versions a lockfile's text records."""
    if name == "package-lock.json":
        import json
        try:
            doc = json.loads(data)
        except ValueError:
            return []
        out = []
        pkgs = doc.get("packages") if isinstance(doc, dict) else None
        if isinstance(pkgs, dict):
            for key, val in pkgs.items():
                if (key == "node_modules/convex" or key.endswith("/node_modules/convex")) and isinstance(val, dict) \
                        and isinstance(val.get("version"), str):
                    out.append(val["version"])
        deps = doc.get("dependencies") if isinstance(doc, dict) else None
        if not out and isinstance(deps, dict) and isinstance(deps.get("convex"), dict) \
                and isinstance(deps["convex"].get("version"), str):
            out.append(deps["convex"]["version"])
        return out
    if name == "pnpm-lock.yaml":
        return _PNPM_IMPORTER_RE.findall(data) or _PNPM_RE.findall(data)
    if name == "yarn.lock":
        return _YARN_RE.findall(data)
    if name == "bun.lock":
        return _BUN_RE.findall(data)
    return []


def spec_from_versions(versions: list[str]) -> Optional[str]:
    """One exact version, or an npm hyphen range over several (a monorepo resolving two)."""
    parsed = sorted({tuple(int(x) for x in m.groups()) for m in (re.match(r"(\d+)\.(\d+)\.(\d+)", v) for v in versions)
                     if m is not None})
    if not parsed:
        return None
    lo, hi = version_text(parsed[0]), version_text(parsed[-1])
    return lo if lo == hi else f"{lo} - {hi}"


def is_plain_version(spec: str) -> bool:
    return re.fullmatch(r"v?\d+\.\d+\.\d+", spec.strip()) is not None
