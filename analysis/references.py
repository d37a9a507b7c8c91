"""The workspace reference graph: who references which function, table and index, from any file.

Query side of the facts `refs_extract.py` puts into every file's `FileFacts` (functions folder,
client code, tests, scripts). `WorkspaceIndex` owns one `ReferenceIndex`; its answers are plain
frozen records (no nodes, no LSP types):

- `FunctionRef(file, span, root, api_path, kind, functions_dir, segment_spans, backend)`
- `TableRef(file, span, table, how, functions_dir)`
- `IndexRef(file, span, name_span, table, index, method, functions_dir)`

The inverted maps (function key -> refs, table -> refs, index -> refs) are updated per file: a
file whose facts change is re-read on the next query, nothing else is.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from typing import Optional, Union

from .facts import FileFacts, Span
from .records import record
from .refs_extract import BACKEND_KINDS, TYPE

_GEN_API = re.compile(r"(^|/)_generated/api(\.js|\.ts|\.d\.ts)?$")


@record(frozen=True)
class FunctionRef:
    file: str
    span: Span  # the whole reference expression (strings: the literal's content)
    root: str  # "api" | "internal" | "components" | "string"
    api_path: tuple[str, ...]  # module parts + export name: ("tasks", "list")
    kind: str  # client-hook | client-call | test | scheduler | run | cron | http | type | other
    functions_dir: Optional[str]  # the functions folder it resolves to (None: unknown)
    segment_spans: tuple[Span, ...]  # one per api_path segment, as written
    backend: bool = False  # made by a functions file of that folder (not a test, client, script)

    @property
    def dotted(self) -> str:
        return ".".join(self.api_path)

    @property
    def backend_to_backend(self) -> bool:
        """Made by the backend for the backend (`ctx.run*`, the scheduler, a cron, an HTTP action)."""
        return self.backend and self.kind in BACKEND_KINDS


@record(frozen=True)
class TableRef:
    file: str
    span: Span  # the table name string literal (with quotes)
    table: str
    how: str  # query | insert | v.id | system | get | patch | replace | delete | normalizeId | Id | Doc
    functions_dir: Optional[str]


@record(frozen=True)
class IndexRef:
    file: str
    span: Span  # the index name string literal (with quotes)
    name_span: Span  # without quotes
    table: Optional[str]  # None: the query's table could not be determined
    index: str
    method: str  # withIndex | withSearchIndex | getManyFrom | getOneFrom | getManyVia | ...
    functions_dir: Optional[str]


Ref = Union[FunctionRef, TableRef, IndexRef]


def _strip_json_comments(text: str) -> str:
    out = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j == -1 else j
            continue
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j == -1 else j + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def _read_tsconfig(path: str) -> Optional[dict]:
    try:
        with open(path, "rb") as fh:
            data = json.loads(_strip_json_comments(fh.read(500_000).decode("utf-8", errors="replace")))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


class ReferenceIndex:
    def __init__(self, index):
        self.index = index
        self._dirty: set[str] = set()
        self._by_file: dict[str, tuple[list[FunctionRef], list[TableRef], list[IndexRef]]] = {}
        self._fn: dict[tuple[Optional[str], tuple[str, ...]], dict[str, list[FunctionRef]]] = {}
        self._tables: dict[tuple[Optional[str], str], dict[str, list[TableRef]]] = {}
        self._indexes: dict[tuple[Optional[str], str], dict[str, list[IndexRef]]] = {}  # (dir, index name)
        self._dir_cache: dict[tuple[str, str], Optional[str]] = {}
        self._tsconfig_cache: dict[str, Optional[tuple[str, dict]]] = {}
        self.version = 0  # bumped whenever some file's references changed

    # ------------------------------------------------------------ updates
    def mark(self, path: str) -> None:
        self._dirty.add(path)
        self.version += 1

    def warm(self) -> None:
        """Build the maps now (after indexing) rather than on the first query."""
        self._flush()

    def reset_layout(self) -> None:
        self._dir_cache.clear()
        self._tsconfig_cache.clear()
        self._dirty |= set(self._by_file) | set(self.index.facts)

    def _flush(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        for path in dirty:
            self._drop(path)
            f = self.index.facts.get(path)
            if f is not None:
                self._add(path, f)

    def _drop(self, path: str) -> None:
        old = self._by_file.pop(path, None)
        if old is None:
            return
        fns, tables, idxs = old
        for r in fns:
            self._discard(self._fn, (r.functions_dir, r.api_path), path)
        for r in tables:
            self._discard(self._tables, (r.functions_dir, r.table), path)
        for r in idxs:
            self._discard(self._indexes, (r.functions_dir, r.index), path)

    @staticmethod
    def _discard(m: dict, key, path: str) -> None:
        bucket = m.get(key)
        if bucket is not None:
            bucket.pop(path, None)
            if not bucket:
                del m[key]

    def _add(self, path: str, f: FileFacts) -> None:
        # (a functions file's references go to its own folder or to components (None), a reference-only
        # file's to `functions_dir_for`: `check`'s load guard relies on this, analysis/load_guard.py)
        if f.is_generated or (not f.api_refs and not f.table_refs and not f.index_uses):
            return
        own = f.functions_dir if not f.refs_only else None
        default_dir = own or self.functions_dir_for(path, f)
        backend = own is not None
        # the folder each root (`api`, `internal`) of this file resolves to, once per file
        root_dir: dict[str, Optional[str]] = {"components": None}
        for imp in f.imports:
            if imp.imported in ("api", "internal") and imp.imported not in root_dir and _GEN_API.search(imp.source):
                root_dir[imp.imported] = own or self.resolve_generated(path, imp.source) or default_dir
        fns: list[FunctionRef] = []
        fn_map = self._fn
        for r in f.api_refs:
            d = root_dir.get(r.root, default_dir)
            api_path = tuple(r.path)
            ref = FunctionRef(path, r.span, r.root, api_path, r.kind or "other", d, tuple(r.segments),
                              backend and d == own)
            fns.append(ref)
            bucket = fn_map.get((d, api_path))
            if bucket is None:
                bucket = fn_map[(d, api_path)] = {}
            got = bucket.get(path)
            if got is None:
                bucket[path] = [ref]
            else:
                got.append(ref)
        tables = []
        for t in f.table_refs:
            ref = TableRef(path, t.span, t.table, t.how, default_dir)
            tables.append(ref)
            self._tables.setdefault((default_dir, t.table), {}).setdefault(path, []).append(ref)
        idxs = []
        for u in f.index_uses:
            ref = IndexRef(path, u.span, u.name_span, u.table, u.index, u.method, default_dir)
            idxs.append(ref)
            self._indexes.setdefault((default_dir, u.index), {}).setdefault(path, []).append(ref)
        self._by_file[path] = (fns, tables, idxs)

    # ------------------------------------------------------------ queries
    def _guard(self, functions_dir: Optional[str]) -> None:
        """Tell `check`'s load guard (analysis/load_guard.py) which folder's references are read."""
        guard = self.index.guard
        if guard is not None:
            guard.references(functions_dir)

    def function_references(self, functions_dir: str, api_path: tuple[str, ...]) -> list[FunctionRef]:
        self._guard(functions_dir)
        self._flush()
        bucket = self._fn.get((functions_dir, tuple(api_path)))
        return _flat(bucket)

    def referenced_prefixes(self, functions_dir: str, api_path: tuple[str, ...]) -> list[FunctionRef]:
        """References to a module or folder holding the function (`internal.jobs` passed around,
        then indexed dynamically): they may reach it."""
        self._guard(functions_dir)
        self._flush()
        out: list[FunctionRef] = []
        for k in range(1, len(api_path)):
            out.extend(_flat(self._fn.get((functions_dir, tuple(api_path[:k])))))
        return out

    def table_references(self, functions_dir: str, table: str) -> list[TableRef]:
        self._guard(functions_dir)
        self._flush()
        return _flat(self._tables.get((functions_dir, table)))

    def index_references(self, functions_dir: str, table: str, index: str) -> list[IndexRef]:
        """Uses of `index` on `table`, and uses of an index of that name on a query whose table is
        unknown (table None: they may be uses; a rename must not miss them)."""
        self._guard(functions_dir)
        self._flush()
        return [r for r in _flat(self._indexes.get((functions_dir, index))) if r.table in (table, None)]

    def index_names_used(self, functions_dir: str, table: str) -> set[str]:
        """Every index name the workspace uses on `table` (known or not to the schema)."""
        self._guard(functions_dir)
        self._flush()
        out = set()
        for (d, name), bucket in self._indexes.items():
            if d == functions_dir and any(r.table == table for refs in bucket.values() for r in refs):
                out.add(name)
        return out

    def references_in(self, path: str) -> tuple[list[FunctionRef], list[TableRef], list[IndexRef]]:
        if self.index.guard is not None:
            self.index.guard.file(path)
        self._flush()
        return self._by_file.get(path, ([], [], []))

    def reference_at(self, path: str, offset: int) -> Optional[Ref]:
        fns, tables, idxs = self.references_in(path)
        best: Optional[Ref] = None
        for r in (*idxs, *tables, *fns):
            s = r.span
            if s.start <= offset <= s.end and (best is None or s.end - s.start < best.span.end - best.span.start):
                best = r
        return best

    def all_function_keys(self) -> list[tuple[Optional[str], tuple[str, ...]]]:
        if self.index.guard is not None:
            self.index.guard.every_file()
        self._flush()
        return list(self._fn)

    # ------------------------------------------------------------ which functions folder
    def functions_dir_for(self, path: str, facts: Optional[FileFacts] = None) -> Optional[str]:
        """The functions folder a file's `api`/`internal` refer to: its own folder for a functions
        file; else the folder of the `_generated/api` it imports (relative path, tsconfig `paths`
        alias, or a path naming the folder); else the folder it sits in; else the only app."""
        ws = self.index.workspace
        facts = facts or self.index.facts.get(path)
        if facts is not None and facts.functions_dir and not facts.refs_only:
            return facts.functions_dir
        if facts is not None:
            for imp in facts.imports:
                if _GEN_API.search(imp.source):
                    d = self.resolve_generated(path, imp.source)
                    if d is not None:
                        return d
        d = ws.dir_for(path)
        if d is not None:
            return d.path
        return self._fallback_dir(path)

    def _fallback_dir(self, path: str) -> Optional[str]:
        apps = [d for d in self.index.workspace.functions_dirs if d.kind == "app"]
        if len(apps) == 1:
            return apps[0].path
        # the app whose project holds the file, the deepest one
        best = None
        for d in apps:
            if path.startswith(d.project_root + os.sep) and (best is None or len(d.project_root) > len(best.project_root)):
                best = d
        return best.path if best is not None else None

    def resolve_generated(self, path: str, source: str) -> Optional[str]:
        key = (os.path.dirname(path), source)
        if key in self._dir_cache:
            return self._dir_cache[key]
        got = self._resolve_generated(path, source)
        self._dir_cache[key] = got
        return got

    def _resolve_generated(self, path: str, source: str) -> Optional[str]:
        dirs = self.index.workspace.functions_dirs
        by_path = {d.path: d for d in dirs}
        src = re.sub(r"\.(js|ts|d\.ts)$", "", source)
        if src.startswith("."):
            base = posixpath.normpath(posixpath.join(os.path.dirname(path).replace(os.sep, "/"), src))
            cand = os.path.realpath(os.path.dirname(os.path.dirname(base.replace("/", os.sep))))
            return cand if cand in by_path else None
        # tsconfig `paths`
        for target in self._alias_targets(path, src):
            cand = os.path.realpath(os.path.dirname(os.path.dirname(target)))
            if cand in by_path:
                return cand
        # `@/convex/_generated/api`, `@repo/backend/convex/_generated/api`: the folder whose path
        # ends with what the specifier names before `_generated`
        head = src[: src.rfind("_generated")].rstrip("/")
        parts = [p for p in head.split("/") if p]
        best = None
        best_n = 0
        for d in dirs:
            dparts = d.path.replace(os.sep, "/").split("/")
            n = 0
            while n < len(parts) and n < len(dparts) and parts[-1 - n] == dparts[-1 - n]:
                n += 1
            if n > best_n:
                best, best_n = d.path, n
        return best

    def _alias_targets(self, path: str, spec: str) -> list[str]:
        cfg = self._tsconfig_for(os.path.dirname(path))
        if cfg is None:
            return []
        cfg_dir, opts = cfg
        paths = opts.get("paths")
        if not isinstance(paths, dict):
            return []
        base = os.path.join(cfg_dir, opts["baseUrl"]) if isinstance(opts.get("baseUrl"), str) else cfg_dir
        out = []
        for pat, targets in paths.items():
            if not isinstance(pat, str) or not isinstance(targets, list):
                continue
            if pat.endswith("*"):
                pre = pat[:-1]
                if not spec.startswith(pre):
                    continue
                rest = spec[len(pre):]
            elif pat == spec:
                rest = ""
            else:
                continue
            for t in targets:
                if isinstance(t, str):
                    out.append(os.path.normpath(os.path.join(base, t.replace("*", rest))))
        return out

    def _tsconfig_for(self, folder: str) -> Optional[tuple[str, dict]]:
        if folder in self._tsconfig_cache:
            return self._tsconfig_cache[folder]
        ws = self.index.workspace
        got = None
        cur = folder
        while True:
            if not ws.inside_roots_or_ref(cur):
                break
            for name in ("tsconfig.json", "jsconfig.json"):
                p = os.path.join(cur, name)
                if os.path.isfile(p):
                    data = _read_tsconfig(p)
                    opts = data.get("compilerOptions") if isinstance(data, dict) else None
                    if isinstance(opts, dict) and isinstance(opts.get("paths"), dict):
                        got = (cur, opts)
                    break
            if got is not None:
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        self._tsconfig_cache[folder] = got
        return got


def _flat(bucket) -> list:
    if not bucket:
        return []
    out = []
    for path in sorted(bucket):
        out.extend(bucket[path])
    return out
