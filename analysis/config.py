"""`convex-lsp.toml` / `.convex-lsp.toml`: rule selection, severities, per-file ignores.

A bad key or value raises `ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any, Optional

from . import fs
from .ignore import matches
from .records import record, field
from .toml_compat import tomllib
from .registry import all_rules, get_rule, resolve_selectors

CONFIG_NAMES = ("convex-lsp.toml", ".convex-lsp.toml")
SEVERITY_VALUES = ("error", "warning", "info", "hint", "off")
KNOWN_KEYS = {"select", "ignore", "extend-select", "severity", "per-file-ignores", "exclude", "functions-dir",
              "respect-gitignore", "keep"}


class ConfigError(Exception):
    def __init__(self, file: str, key: str, message: str):
        super().__init__(f"{file}: `{key}`: {message}")
        self.file = file
        self.key = key
        self.message = message


@record
class Config:
    select: Optional[set[str]] = None  # None: the rules on by default
    ignore: set[str] = field(default_factory=set)
    extend_select: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: list[tuple[str, set[str]]] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    functions_dir: Optional[str] = None
    keep: list[str] = field(default_factory=list)  # functions kept though unused (CVX406): "a/b:f", "a.b.f", globs
    respect_gitignore: bool = True  # the project's .gitignore files exclude files too
    source: Optional[str] = None  # the file it was read from
    root: Optional[str] = None  # the folder globs are relative to

    def effective_severity(self, code: str, path: Optional[str] = None) -> Optional[str]:
        """The severity a rule reports with for `path`, or None when it is off."""
        rule = get_rule(code)
        if rule is None:
            return None
        sev_override = self.severity.get(code)
        if self.select is not None:
            on = code in self.select
        else:
            on = rule.default_enabled or code in self.extend_select or (sev_override not in (None, "off"))
        if self.extend_select and code in self.extend_select:
            on = True
        if code in self.ignore:
            on = False
        if sev_override == "off":
            on = False
        if on and path is not None and self.per_file_ignores:
            rel = self.relpath(path)
            for glob, codes in self.per_file_ignores:
                if code in codes and matches(rel, (glob,)):
                    on = False
                    break
        if not on:
            return None
        if sev_override and sev_override != "off":
            return sev_override
        return rule.severity if rule.severity != "off" else "warning"

    def fingerprint(self) -> tuple:
        """What `effective_severity` depends on besides the path, as a hashable value (the fields may
        be changed in place: compare fingerprints, not objects). The root comes last
        (`engine.enabled_rules` leaves it out where no per-file-ignores need it)."""
        return (None if self.select is None else frozenset(self.select), frozenset(self.ignore),
                frozenset(self.extend_select), tuple(sorted(self.severity.items())),
                tuple((g, frozenset(c)) for g, c in self.per_file_ignores), self.root)

    def relpath(self, path: str) -> str:
        base = self.root or os.getcwd()
        try:
            return os.path.relpath(path, base).replace(os.sep, "/")
        except ValueError:
            return path

    def is_excluded(self, path: str) -> bool:
        """`exclude` (gitignore-style patterns relative to the configuration's folder)."""
        return bool(self.exclude) and matches(self.relpath(path), tuple(self.exclude))

    def merged(self, other: dict[str, Any], source: str = "editor settings") -> "Config":
        """A copy with keys from another mapping (editor settings) applied on top."""
        base = parse_mapping(other, source, self.root)
        out = Config(**{k: getattr(self, k) for k in self._record_fields})
        for key in other:
            attr = key.replace("-", "_")
            if hasattr(base, attr):
                setattr(out, attr, getattr(base, attr))
        return out


def keeps(cfg: Optional["Config"], api_path: tuple[str, ...]) -> bool:
    """Is the function `api_path` named by the configuration's `keep` list? Entries are dotted
    (`tasks.list`) or Convex names (`jobs/cleanup:run`), with `*` globs."""
    if cfg is None or not cfg.keep:
        return False
    dotted = ".".join(api_path)
    for entry in cfg.keep:
        e = entry.strip().replace("/", ".").replace(":", ".")
        if fnmatch.fnmatchcase(dotted, e):
            return True
    return False


def _rules(value: Any, file: str, key: str) -> set[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(file, key, "expected a list of rule names or codes (e.g. [\"CVX201\", \"no-query-filter\"])")
    try:
        return resolve_selectors(value)
    except KeyError as e:
        raise ConfigError(file, key, f"unknown rule {e.args[0]!r}; `convex-lsp rule --all` lists the rules") from None


def parse_mapping(data: dict[str, Any], file: str, root: Optional[str] = None) -> Config:
    cfg = Config(source=file, root=root)
    if not isinstance(data, dict):
        raise ConfigError(file, "(root)", "expected a table of settings")
    for key, value in data.items():
        norm = key.replace("_", "-")
        if norm == "convexlsp" or norm == "convex-lsp":
            continue
        if norm not in KNOWN_KEYS:
            raise ConfigError(file, key, f"unknown key; allowed keys: {', '.join(sorted(KNOWN_KEYS))}")
        if norm == "select":
            cfg.select = _rules(value, file, key)
        elif norm == "ignore":
            cfg.ignore = _rules(value, file, key)
        elif norm == "extend-select":
            cfg.extend_select = _rules(value, file, key)
        elif norm == "severity":
            if not isinstance(value, dict):
                raise ConfigError(file, key, "expected a table of rule = severity")
            for rname, sev in value.items():
                r = get_rule(rname)
                if r is None:
                    raise ConfigError(file, f"severity.{rname}", "unknown rule; `convex-lsp rule --all` lists the rules")
                if sev not in SEVERITY_VALUES:
                    raise ConfigError(file, f"severity.{rname}", f"invalid value {sev!r}; allowed: {', '.join(SEVERITY_VALUES)}")
                cfg.severity[r.code] = sev
        elif norm == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(file, key, "expected a table of glob = [rules]")
            for glob, rules in value.items():
                cfg.per_file_ignores.append((glob, _rules(rules, file, f"per-file-ignores.{glob}")))
        elif norm == "exclude":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(file, key, "expected a list of glob patterns")
            cfg.exclude = list(value)
        elif norm == "keep":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(file, key, "expected a list of function names (\"tasks.list\", \"jobs/cleanup:run\", "
                                             "\"migrations.*\")")
            cfg.keep = list(value)
        elif norm == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(file, key, "expected true or false")
            cfg.respect_gitignore = value
        elif norm == "functions-dir":
            if not isinstance(value, str):
                raise ConfigError(file, key, "expected a path relative to the config file")
            cfg.functions_dir = value
    return cfg


_tomllib = tomllib  # (toml_compat.tomllib: the name other modules and tests use)


def load_file(path: str) -> Config:
    tomllib = _tomllib()
    from .fs import read_regular

    try:
        raw = read_regular(path, 1_000_000)
        if len(raw) > 1_000_000:
            raise ConfigError(path, "(file)", "over 1 MB; not a configuration file")
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as e:
        raise ConfigError(path, "(file)", f"cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, "(syntax)", f"invalid TOML: {e}") from None
    return parse_mapping(data, path, os.path.dirname(os.path.abspath(path)))


def find_config(start: str, stop_at: Optional[str] = None,
                memo: Optional[dict[str, Optional[str]]] = None) -> Optional[str]:
    """The `convex-lsp.toml`/`.convex-lsp.toml` nearest to `start` (its folder, then the folders
    above it, up to `stop_at` when given). `memo`: folder -> the answer from there, shared by the
    calls of one run (a workspace's functions folders and project roots share their parents: each
    folder is looked at once); kept only for walks without `stop_at`."""
    cur = os.path.abspath(start if fs.isdir(start) else os.path.dirname(start))
    walked: list[str] = []
    found = None
    while True:
        if memo is not None and cur in memo:
            found = memo[cur]
            break
        walked.append(cur)
        found = next((c for c in (os.path.join(cur, n) for n in CONFIG_NAMES) if fs.isfile(c)), None)
        if found is not None or (stop_at is not None and os.path.abspath(stop_at) == cur):
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    if memo is not None and stop_at is None:
        for f in walked:
            memo[f] = found
    return found


def default_config(root: Optional[str] = None) -> Config:
    all_rules()
    return Config(root=root)
