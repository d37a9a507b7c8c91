"""A persistent cache of per-file facts and findings, in the user's cache folder (like Ruff's).

Where: `$CONVEX_LSP_CACHE_DIR`, else `$XDG_CACHE_HOME/convex-lsp` (`~/.cache/convex-lsp`), on macOS
`~/Library/Caches/convex-lsp`, on Windows `%LOCALAPPDATA%\\convex-lsp\\Cache`; entries live in a
versioned subfolder (`v1/`). Never inside the workspace. Off with `--no-cache` or
`CONVEX_LSP_NO_CACHE=1`; cleared by deleting the folder (`convex-lsp check --clear-cache`).

What, keyed by what (SHA-256 of everything that decides the answer):
- a file's facts: the tool's fingerprint (version and the code of the analysis), the file's path,
  its functions folder and module, and its bytes;
- a file's findings: the facts key, the file's effective configuration (every key of the
  `Config` that applies to it) and the *workspace views*: a digest of every indexed file's facts
  (byte positions left out, so an edit that only moves another file's text keeps them), the
  project layout (functions folders, their kinds and Convex versions), the modification times of
  the folders and project files the rules read from disk. Findings reported into another file,
  or with a fix editing another file, hold only while that file's facts key is unchanged.

Facts have an entry per file (the language server reads them too); findings live in the run
summary of `check` (one entry per list of loaded files: every file's facts key and view, every
linted file's findings), so a run over unchanged files reads one entry and parses nothing.

Safety: entries are JSON (never pickle), written to a temporary file and renamed into place
(atomic: a concurrent writer leaves one whole entry or the other), and checked when read (format
version, the key stored inside, types only from this package's own record classes); anything else is
a miss, and the run computes the answer. The folder is bounded (`CONVEX_LSP_CACHE_MAX_MB`, default
256): when a run wrote entries and the folder is over the bound, the oldest entries are deleted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Iterable, Optional

from . import __version__
from . import lazy_re
from .fs import stamp, walk, write_atomic
from .facts import FileFacts, Span
from .records import fields_of, is_record

FORMAT = 1  # bump when the entry layout or the encoding changes
SUBDIR = f"v{FORMAT}"
DEFAULT_MAX_MB = 256


# ----------------------------------------------------------------- location


def cache_root() -> str:
    """The cache folder for this user and platform (without the version subfolder)."""
    explicit = os.environ.get("CONVEX_LSP_CACHE_DIR")
    if explicit:
        return os.path.abspath(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, "convex-lsp", "Cache")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "convex-lsp")
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "convex-lsp")


def disabled_by_env() -> bool:
    return os.environ.get("CONVEX_LSP_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


_FINGERPRINT: Optional[str] = None


def tool_fingerprint() -> str:
    """The version plus the size and modification time of every module of the analysis and the
    quick fixes: a changed rule (a development checkout, an upgrade) never reads old answers."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib  # (here: OpenSSL's start-up is a few ms, spared when the cache is off)

        h = hashlib.sha256(f"convex-lsp {__version__} format {FORMAT} py{sys.version_info[:2]}".encode())
        here = os.path.dirname(os.path.abspath(__file__))
        folders = [here, os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "quickfixes")]
        for folder in folders:
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for name in names:
                if name.endswith(".py"):
                    try:
                        st = os.stat(os.path.join(folder, name))
                    except OSError:
                        continue
                    h.update(f"{os.path.basename(folder)}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


# ----------------------------------------------------------------- encoding


class NotCacheable(Exception):
    """A value the JSON encoding does not carry (a tree node, a foreign object)."""


_PREFIX = "convex_lsp."


def encode(obj: Any, spans: bool = True) -> Any:
    """Plain JSON data for facts and findings: record classes of this package, tuples, sets, dicts
    with any scalar keys. `spans=False` leaves byte positions out (for digests)."""
    if obj is None or obj is True or obj is False or type(obj) in (int, float, str):
        return obj
    t = type(obj)
    if t is Span:
        return {"S": [obj.start, obj.end, obj.srow, obj.scol, obj.erow, obj.ecol]} if spans else None
    if t is list:
        return [encode(x, spans) for x in obj]
    if t is tuple:
        return {"t": [encode(x, spans) for x in obj]}
    if t is dict:
        if all(type(k) is str for k in obj):
            return {"d": {k: encode(v, spans) for k, v in obj.items()}}
        return {"m": [[encode(k, spans), encode(v, spans)] for k, v in obj.items()]}
    if t is set or t is frozenset:
        items = [encode(x, spans) for x in obj]
        try:
            items.sort(key=lambda x: json.dumps(x, sort_keys=True))
        except TypeError:
            pass
        return {"s" if t is set else "z": items}
    shape = _SHAPES.get(t)
    if shape is None:
        settled = getattr(obj, "settled", None)  # a part of a summary worked out on first use
        if settled is not None:
            return encode(settled(), spans)
        if not (is_record(obj) and t.__module__.startswith(_PREFIX)):
            raise NotCacheable(t.__name__)
        shape = _SHAPES[t] = (f"{t.__module__}:{t.__qualname__}", fields_of(t))
    name, fields = shape
    return {"c": name, "f": {f: encode(getattr(obj, f), spans) for f in fields}}


_SHAPES: dict[type, tuple[str, tuple[str, ...]]] = {}  # a record class -> (its name, its fields)


_CLASSES: dict[str, type] = {}


def _class(name: str) -> type:
    cls = _CLASSES.get(name)
    if cls is not None:
        return cls
    module, _, qual = name.partition(":")
    if not module.startswith(_PREFIX + "analysis") or not qual.isidentifier():
        raise ValueError(f"class not allowed: {name!r}")
    mod = sys.modules.get(module)
    if mod is None:
        import importlib

        mod = importlib.import_module(module)  # only this package's own modules (checked above)
    cls = getattr(mod, qual, None)
    if not isinstance(cls, type) or not is_record(cls):
        raise ValueError(f"not a record class: {name!r}")
    _CLASSES[name] = cls
    return cls


def decode(data: Any) -> Any:
    """The inverse of `encode`; raises (ValueError, KeyError, TypeError) on anything malformed."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(x) for x in data]
    if type(data) is not dict or len(data) not in (1, 2):
        raise ValueError("malformed entry")
    if "S" in data:
        s = data["S"]
        if type(s) is not list or len(s) != 6 or not all(type(x) is int for x in s):
            raise ValueError("malformed span")
        return Span(*s)
    if "t" in data:
        return tuple(decode(x) for x in data["t"])
    if "d" in data:
        d = data["d"]
        if type(d) is not dict:
            raise ValueError("malformed dict")
        return {k: decode(v) for k, v in d.items()}
    if "m" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["m"]}
    if "s" in data:
        return {_hashable(decode(x)) for x in data["s"]}
    if "z" in data:
        return frozenset(_hashable(decode(x)) for x in data["z"])
    if "c" in data:
        cls = _class(data["c"])
        fields = data["f"]
        names = set(fields_of(cls))
        if type(fields) is not dict or set(fields) != names:
            raise ValueError("fields do not match")
        obj = object.__new__(cls)
        for k, v in fields.items():  # the stored values as they were, without running __init__
            object.__setattr__(obj, k, decode(v))
        return obj
    raise ValueError("malformed entry")


def _hashable(x: Any) -> Any:
    hash(x)
    return x


def digest(*parts: Any) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, bytes):
            h.update(len(p).to_bytes(8, "little"))
            h.update(p)
        else:
            s = p if isinstance(p, str) else json.dumps(p, sort_keys=True, separators=(",", ":"))
            b = s.encode("utf-8", "surrogatepass")
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
    return h.hexdigest()


# ----------------------------------------------------------------- the store


class Cache:
    """One cache folder. Every method swallows I/O and format problems: a bad entry is a miss."""

    def __init__(self, root: Optional[str] = None, max_bytes: Optional[int] = None):
        self.root = os.path.join(root or cache_root(), SUBDIR)
        if max_bytes is None:
            try:
                max_bytes = int(float(os.environ.get("CONVEX_LSP_CACHE_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024)
            except ValueError:
                max_bytes = DEFAULT_MAX_MB * 1024 * 1024
        self.max_bytes = max_bytes
        self.tool = tool_fingerprint()
        self.hits = 0
        self.misses = 0
        self.written = 0
        self._ok = True

    @classmethod
    def open(cls, enabled: bool = True, root: Optional[str] = None) -> Optional["Cache"]:
        """The user's cache, or None when turned off or not writable."""
        if not enabled or disabled_by_env():
            return None
        c = cls(root)
        try:
            os.makedirs(c.root, mode=0o700, exist_ok=True)
        except OSError:
            return None
        return c

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, key[:2], f"{kind}-{key}.json")

    # --- raw entries
    def get(self, kind: str, key: str, raw: bool = False) -> Any:
        """The value stored under (kind, key), or None. `raw`: the entry's JSON, value not decoded
        (`decode(entry["value"])` later; any error there is a miss too)."""
        path = self._path(kind, key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            entry = json.loads(data)
            if type(entry) is not dict or entry.get("format") != FORMAT or entry.get("key") != key \
                    or entry.get("kind") != kind or "value" not in entry:
                raise ValueError("not this entry")
            value = entry if raw else decode(entry["value"])
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # corrupted, truncated, foreign: a miss (and drop the file)
            self.misses += 1
            self.drop(kind, key)
            return None
        self.hits += 1
        return value

    def drop(self, kind: str, key: str) -> None:
        _unlink(self._path(kind, key))

    def put(self, kind: str, key: str, value: Any, encoded: bool = False, **extra: Any) -> bool:
        """Store `value` (`encoded`: already `encode`d)."""
        if not self._ok:
            return False
        try:
            body = _dumps(value if encoded else encode(value))
        except (NotCacheable, TypeError, ValueError, RecursionError):
            return False
        return self.put_body(kind, key, body, **extra)

    def put_body(self, kind: str, key: str, body: str, **extra: Any) -> bool:
        """Store a value given as its JSON text (`_dumps(encode(value))`)."""
        if not self._ok:
            return False
        try:
            head = json.dumps({"format": FORMAT, "kind": kind, "key": key, **extra}, separators=(",", ":"))
            data = (head[:-1] + ',"value":' + body + "}").encode("utf-8", "surrogatepass")
        except (TypeError, ValueError, UnicodeError):
            return False
        path = self._path(kind, key)
        try:
            folder = os.path.dirname(path)
            os.makedirs(folder, mode=0o700, exist_ok=True)
            write_atomic(path, data, prefix=".tmp-")  # readers see the old entry or the new one, whole
        except OSError:
            self._ok = False  # read-only or full disk: stop trying for this run
            return False
        self.written += len(data)
        return True

    # --- bounds
    def trim(self) -> None:
        """Delete the oldest entries when the folder is over its bound (only after writing)."""
        if not self.written:
            return
        entries = []
        total = 0
        now = time.time()
        try:
            for sub in os.scandir(self.root):
                if not sub.is_dir(follow_symlinks=False):
                    continue
                for e in os.scandir(sub.path):
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if e.name.startswith(".tmp-") and now - st.st_mtime > 3600:
                        _unlink(e.path)  # left by a killed writer
                        continue
                    entries.append((st.st_mtime, st.st_size, e.path))
                    total += st.st_size
        except OSError:
            return
        if total <= self.max_bytes:
            return
        entries.sort()
        target = self.max_bytes * 0.8
        for _, size, path in entries:
            if total <= target:
                break
            _unlink(path)
            total -= size

    # --- typed helpers
    def facts_key(self, path: str, functions_dir: Optional[str], module: Optional[str], data: bytes) -> str:
        return digest(self.tool, "facts", path, functions_dir or "", module or "", data)

    def get_facts(self, key: str, need_view: bool = True) -> Optional[tuple[Any, Optional[str]]]:
        """(entry, view) for a file's facts: `facts_of(entry)` decodes them when they are needed
        (a run whose findings all come from the cache never does). The language server writes
        entries without the view (it never needs it); `check` takes those as misses."""
        entry = self.get("f", key, raw=True)
        if entry is None:
            return None
        view = entry.get("view")
        if type(view) is not str and (need_view or view is not None):
            return None
        return entry, view

    def facts_of(self, key: str, entry: Any) -> Optional[FileFacts]:
        try:
            facts = decode(entry["value"])
        except Exception:
            facts = None
        if not isinstance(facts, FileFacts):
            self.drop("f", key)
            return None
        return facts

    def put_facts(self, key: str, facts: FileFacts, view: Optional[str]) -> None:
        self.put("f", key, facts, view=view)

    def store_facts(self, key: str, facts: FileFacts) -> Optional[str]:
        """Store a file's facts with their view, encoded once for both; returns the view (None:
        facts this encoding does not carry, nothing stored)."""
        try:
            body = _dumps(encode(facts))
        except (NotCacheable, TypeError, ValueError, RecursionError):
            return None
        view = _view_of(body)
        self.put_body("f", key, body, view=view)
        return view

    # --- one run's summary
    def manifest_key(self, paths: list, with_fixes: bool) -> str:
        return digest(self.tool, "manifest", with_fixes, paths)

    def get_manifest(self, key: str) -> tuple[dict, dict]:
        """(facts, findings) of the run summary stored under `key` (empty when there is none or
        it is malformed): facts {path: [facts key, view]}, findings {path: [findings key, encoded
        findings, deps]}. A `check` over unchanged files reads this one entry, not one per file;
        every value is still checked against the keys computed for this run."""
        entry = self.get("m", key, raw=True)
        value = entry.get("value") if entry is not None else None
        if type(value) is dict and type(value.get("facts")) is dict and type(value.get("findings")) is dict:
            return value["facts"], value["findings"]
        if entry is not None:
            self.hits -= 1
            self.misses += 1
            self.drop("m", key)
        return {}, {}

    def put_manifest(self, key: str, facts: dict, findings: dict) -> None:
        self.put("m", key, {"facts": facts, "findings": findings}, encoded=True)


def deps_hold(deps: Any, current_keys: dict) -> bool:
    """Are the other files findings point into (`deps`: path -> facts key) unchanged?"""
    return type(deps) is dict and all(type(k) is str and current_keys.get(p) == k for p, k in deps.items())


def decode_findings(value: Any) -> Optional[list]:
    """Stored findings, or None when the value is malformed."""
    from .registry import Finding

    try:
        found = decode(value)
    except Exception:
        return None
    if type(found) is not list or not all(isinstance(f, Finding) for f in found):
        return None
    return found


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _dumps(encoded: Any) -> str:
    return json.dumps(encoded, separators=(",", ":"))


# an encoded Span in `_dumps` text (a string value holding these characters has its quotes escaped)
_SPAN_JSON = lazy_re.compile(r'\{"S":\[-?\d+,-?\d+,-?\d+,-?\d+,-?\d+,-?\d+\]\}')


def _view_of(body: str) -> str:
    return digest("view", _SPAN_JSON.sub("null", body))


def config_fingerprint(config) -> str:
    data = {}
    for name in fields_of(config):
        v = getattr(config, name)
        if isinstance(v, (set, frozenset)):
            v = sorted(v)
        elif isinstance(v, list):
            v = [[g, sorted(c)] if isinstance(c, (set, frozenset)) else c for g, c in v] \
                if name == "per_file_ignores" else list(v)
        data[name] = v
    return digest(data)


def layout_fingerprint(workspace, paths: Iterable[str]) -> str:
    """The project layout and the disk state rules read besides the loaded files: the functions
    folders, the modification times of the folders holding files (a module added or removed)
    and of each project's package.json / convex.json / Markdown files (CVX406 reads the commands
    they say to run)."""
    from .project import project_docs

    parts = []
    for d in workspace.functions_dirs:
        parts.append([d.path, d.project_root, d.kind, d.convex_version])
        for name in ("package.json", "convex.json"):
            parts.append(stamp(os.path.join(d.project_root, name)))
        parts.extend(stamp(p) for p in project_docs(d.project_root, workspace.inside_roots, d.path))
        # fs.walk: os.walk recurses (a 1,000-level folder chain was a RecursionError)
        for dirpath, _, _ in walk(d.path, lambda x: not x.startswith(".") and x != "node_modules"):
            parts.append(stamp(dirpath))
    return digest(parts)

