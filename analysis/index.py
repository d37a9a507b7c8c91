"""The workspace index: every file's facts plus derived cross-file views.

Views (builder resolution, the schema model, the function registry) are computed lazily
from the facts and cached. `set_facts` replaces one file's facts and reports which views
changed, so the server re-diagnoses only what depends on them.
"""

from __future__ import annotations

import os
import posixpath
from typing import Iterable, Optional

from . import convex as cx
from .facts import FileFacts, IndexFact, RegistrationFact, Span, TableFact
from .module_paths import module_candidates
from .project import FunctionsDir, Workspace
from .records import record, field
from .references import FunctionRef, IndexRef, ReferenceIndex, TableRef


@record
class BuilderInfo:
    kind: str  # query | mutation | action | http
    visibility: str  # public | internal
    custom: bool  # a custom builder (customQuery, zCustomMutation, ...)
    authenticates: bool  # the builder itself checks identity
    chain: list[tuple[str, str]] = field(default_factory=list)  # (file, name) from use to base
    base: str = ""  # the _generated/server builder it derives from

    def describe(self) -> str:
        vis = "internal " if self.visibility == "internal" else ""
        kind = "HTTP action" if self.kind == "http" else self.kind
        return f"{vis}{kind}"


@record
class FunctionInfo:
    api_path: tuple[str, ...]  # ("foo", "bar", "baz") for api.foo.bar.baz
    kind: str
    visibility: str
    file: str
    name: str
    fact: RegistrationFact
    builder: BuilderInfo
    use_node: bool = False


@record
class SchemaModel:
    file: str
    functions_dir: str
    tables: dict[str, TableFact] = field(default_factory=dict)
    open: bool = False  # tables may exist that the index cannot see (unresolved spreads)
    opaque_tables: set[str] = field(default_factory=set)  # tables known by name only

    def table(self, name: str) -> Optional[TableFact]:
        return self.tables.get(name)

    def has_table(self, name: str) -> bool:
        return name in self.tables or name in self.opaque_tables

    def index(self, table: str, name: str) -> Optional[IndexFact]:
        t = self.tables.get(table)
        if t is None:
            return None
        for ix in t.indexes:
            if ix.name == name:
                return ix
        return None

    def knows_indexes_of(self, table: str) -> bool:
        return table in self.tables and table not in self.opaque_tables


# Tables that well-known packages add to a schema through a spread.
_AUTH_TABLES = {
    "users": [("email", ("email",)), ("phone", ("phone",))],
    "authSessions": [("userId", ("userId",))],
    "authAccounts": [("userIdAndProvider", ("userId", "provider")),
                     ("providerAndAccountId", ("provider", "providerAccountId"))],
    "authRefreshTokens": [("sessionId", ("sessionId",)),
                          ("sessionIdAndParentRefreshTokenId", ("sessionId", "parentRefreshTokenId"))],
    "authVerificationCodes": [("accountId", ("accountId",)), ("code", ("code",))],
    "authVerifiers": [("signature", ("signature",))],
    "authRateLimits": [("identifier", ("identifier",))],
}
KNOWN_PACKAGE_TABLES = {
    ("@convex-dev/auth/server", "authTables"): _AUTH_TABLES,
    ("convex-helpers/server/rateLimit", "rateLimitTables"): {"rateLimits": [("name", ("name", "key"))]},
}


def _package_tables(source: str, name: str, file: str) -> Optional[dict[str, TableFact]]:
    spec = KNOWN_PACKAGE_TABLES.get((source, name))
    if spec is None:
        return None
    out = {}
    zero = Span(0, 0, 0, 0, 0, 0)
    for tname, idxs in spec.items():
        out[tname] = TableFact(
            name=tname, fields={}, field_spans={}, span=None, file=file, open_fields=True,
            indexes=[IndexFact(n, f, "db", False, zero, zero, file=f"{source}", fields_ok=True) for n, f in idxs],
        )
    return out


class WorkspaceIndex:
    def __init__(self, workspace: Optional[Workspace] = None):
        self.workspace = workspace or Workspace(roots=[])
        self.facts: dict[str, FileFacts] = {}
        self._sigs: dict[str, tuple] = {}
        self._builder_cache: dict[tuple[str, str], Optional[BuilderInfo]] = {}
        self._schema_cache: dict[str, Optional[SchemaModel]] = {}
        self._registry_cache: dict[str, dict[tuple[str, ...], FunctionInfo]] = {}
        self._export_cache: dict[tuple[str, str], Optional[tuple[str, str]]] = {}
        self._module_cache: dict[tuple[str, str], Optional[str]] = {}  # (folder, specifier) -> file
        self.generation = 0  # bumped whenever a view changes
        self._by_dir: dict[Optional[str], dict[str, None]] = {}  # functions folder -> its files (ordered)
        self.refs = ReferenceIndex(self)  # the workspace reference graph (analysis/references.py)
        # every workspace file indexed (False while a server's first scan runs): rules that conclude
        # from the absence of a reference anywhere (CVX217, CVX406) stay silent until then
        self._complete = True
        self.guard = None  # a LoadGuard (analysis/load_guard.py) while `check` lints a partly built index

    # ------------------------------------------------------------ updates
    @staticmethod
    def _signature(f: FileFacts) -> tuple:
        schema_sig = repr((f.schema, f.tables, f.table_groups, [i for i in f.imports]))
        api_sig = repr((
            f.imports, f.exports,
            {k: (b.factory, b.base, b.authenticates, b.calls) for k, b in f.builders.items()},
            [(r.name, r.exported, r.builder, r.syntax, r.has_args, r.has_returns, r.args_text, r.returns_text,
              r.authenticates, r.calls) for r in f.registrations],
            f.helpers, f.use_node, sorted((k, repr(v)) for k, v in f.extra.items()),
        ))
        # what the file references, wherever it sits (position-free: typing moves spans, not this)
        refs_sig = hash((
            frozenset((r.root, tuple(r.path), r.kind) for r in f.api_refs),
            frozenset((u.table, u.index) for u in f.index_uses),
            frozenset(t.table for t in f.table_refs),
        ))
        return schema_sig, api_sig, refs_sig

    def set_facts(self, path: str, facts: FileFacts) -> set[str]:
        """Replace one file's facts; return the views that changed ({"schema", "api"})."""
        prev = dict.get(self.facts, path)  # (not a read the load guard needs to see)
        if prev is None:
            # a new file changes every view: its signature is worked out only if the file's facts are
            # set again (a cold `check` sets each file once)
            new = old = None
        else:
            old = self._sigs.get(path)
            if old is None:
                old = self._signature(prev)
            new = self._signature(facts)
        if prev is not None and prev.functions_dir != facts.functions_dir:
            self._by_dir.get(prev.functions_dir, {}).pop(path, None)
        self._by_dir.setdefault(facts.functions_dir, {})[path] = None
        self.facts[path] = facts
        self._sigs[path] = new
        self.refs.mark(path)
        changed: set[str] = set()
        if new is None or old[0] != new[0]:
            changed.add("schema")
        if new is None or old[1] != new[1]:
            changed.add("api")
        if new is None or old[2] != new[2]:
            # rules read references of other files (CVX217, CVX401, CVX406): fronts that re-diagnose
            # on "api" changes see them too
            changed |= {"refs", "api"}
        if changed:
            self._invalidate(changed)
        return changed

    def remove(self, path: str) -> set[str]:
        if path not in self.facts:
            return set()
        self._by_dir.get(self.facts[path].functions_dir, {}).pop(path, None)
        del self.facts[path]
        self._sigs.pop(path, None)
        self.refs.mark(path)
        self._invalidate({"schema", "api", "refs"})
        return {"schema", "api", "refs"}

    def _invalidate(self, views: set[str]) -> None:
        self.generation += 1
        self._export_cache.clear()
        self._module_cache.clear()  # (a file added or removed always changes a view)
        if "schema" in views:
            self._schema_cache.clear()
        if "api" in views or "schema" in views:
            self._builder_cache.clear()
            self._registry_cache.clear()

    def install_guard(self, guard) -> None:
        """Report reads that may depend on files not indexed yet to `guard` (analysis/load_guard.py)."""
        from .load_guard import GuardedFacts

        self.guard = guard
        self.facts = GuardedFacts(self.facts, guard)

    def remove_guard(self) -> None:
        self.guard = None
        plain: dict[str, FileFacts] = {}
        plain.update(dict.items(self.facts))
        self.facts = plain

    def reorder(self, paths: Iterable[str]) -> None:
        """Hold the indexed files in the order of `paths` (the order a one-pass load would have
        indexed them in: answers that iterate files keep it), then drop every derived view."""
        facts = self.facts
        ordered = {p: dict.__getitem__(facts, p) for p in paths if dict.__contains__(facts, p)}
        for p, f in dict.items(facts):
            ordered.setdefault(p, f)
        by_dir: dict[Optional[str], dict[str, None]] = {}
        for p, f in ordered.items():
            by_dir.setdefault(f.functions_dir, {})[p] = None
        dict.clear(facts)
        dict.update(facts, ordered)
        self._by_dir = by_dir
        self.refresh()

    def refresh(self) -> None:
        """Drop every derived view (they are computed again on demand)."""
        self._invalidate({"schema", "api", "refs"})

    @property
    def complete(self) -> bool:
        return self._complete

    @complete.setter
    def complete(self, value: bool) -> None:
        if value != self._complete:
            self._complete = value
            self._invalidate({"refs"})  # findings that waited for the whole workspace change

    # ------------------------------------------------------------ modules
    def functions_dir(self, path: str) -> Optional[FunctionsDir]:
        return self.workspace.dir_for(path)

    def resolve_module(self, from_path: str, spec: str) -> Optional[str]:
        """A relative import specifier -> a known workspace file (never outside it)."""
        if not spec.startswith("."):
            return None
        folder = os.path.dirname(from_path)
        key = (folder, spec)
        try:
            return self._module_cache[key]
        except KeyError:
            pass
        found = self._module_cache[key] = self._resolve_module(folder, spec)
        return found

    def _resolve_module(self, folder: str, spec: str) -> Optional[str]:
        facts = self.facts
        for cand in module_candidates(folder, spec):
            if cand in facts:
                return cand
        return None

    def resolve_export(self, path: str, name: str) -> Optional[tuple[str, str]]:
        """Follow exports/re-exports: (file, local name) that defines export `name` of `path`.

        Memoised until the next view change; each (file, name) is visited at most once per
        question, so `export *` cycles cost one visit per file (they were followed to a fixed
        depth along every path: exponential, 3 files 13–19 s)."""
        key = (path, name)
        if key in self._export_cache:
            return self._export_cache[key]
        found = self._resolve_export(path, name, set(), 0)
        self._export_cache[key] = found
        return found

    def _resolve_export(self, path: str, name: str, seen: set, depth: int) -> Optional[tuple[str, str]]:
        # a (file, name) seen before in this question either is on the current path (a cycle: TS
        # gives no binding) or has already failed (it would have ended the search)
        f = self.facts.get(path)
        if f is None or depth > 64 or (path, name) in seen:
            return None
        seen.add((path, name))
        for e in f.exports:
            if e.name == name and not e.star:
                if e.source is None:
                    return (path, e.local or name)
                target = self.resolve_module(path, e.source)
                return self._resolve_export(target, e.local or name, seen, depth + 1) if target else None
        for e in f.exports:
            if e.star and e.source:
                target = self.resolve_module(path, e.source)
                if target:
                    r = self._resolve_export(target, name, seen, depth + 1)
                    if r is not None:
                        return r
        # a local binding not exported through `export` (defined in the file)
        return None

    # ------------------------------------------------------------ builders
    def resolve_builder(self, path: str, local: str) -> Optional[BuilderInfo]:
        key = (path, local)
        if key in self._builder_cache:
            return self._builder_cache[key]
        self._builder_cache[key] = None  # cycle guard
        info = self._resolve_builder(path, local, 0)
        self._builder_cache[key] = info
        return info

    def _resolve_builder(self, path: str, local: str, depth: int) -> Optional[BuilderInfo]:
        f = self.facts.get(path)
        if f is None or depth > 16:
            return None
        b = f.builders.get(local)
        if b is not None:
            if b.base is None:
                return None
            base = self.resolve_builder(path, b.base) if b.base != local else None
            if base is None:
                return None
            if b.factory == "alias":
                return BuilderInfo(base.kind, base.visibility, base.custom, base.authenticates,
                                   [(path, local)] + base.chain, base.base)
            kind = cx.CUSTOM_FACTORIES.get(b.factory) or base.kind
            return BuilderInfo(kind, base.visibility, True, b.authenticates or base.authenticates,
                               [(path, local)] + base.chain, base.base)
        imp = f.import_of(local)
        if imp is None or imp.type_only:
            return None
        if cx.GENERATED_SERVER_RE.search(imp.source):
            kv = cx.BASE_BUILDERS.get(imp.imported)
            return BuilderInfo(kv[0], kv[1], False, False, [(path, local)], imp.imported) if kv else None
        if imp.source == "convex/server":
            kv = cx.GENERIC_BUILDERS.get(imp.imported)
            return BuilderInfo(kv[0], kv[1], False, False, [(path, local)], imp.imported) if kv else None
        target = self.resolve_module(path, imp.source)
        if target is None:
            return None
        found = self.resolve_export(target, imp.imported)
        if found is None:
            return None
        tfile, tlocal = found
        return self.resolve_builder(tfile, tlocal)

    # ------------------------------------------------------------ schema
    def schema_for(self, path: str) -> Optional[SchemaModel]:
        d = self.functions_dir(path)
        if d is None:
            return None
        if d.path in self._schema_cache:
            return self._schema_cache[d.path]
        model = self._build_schema(d)
        self._schema_cache[d.path] = model
        return model

    def _build_schema(self, d: FunctionsDir) -> Optional[SchemaModel]:
        spath = None
        for ext in (".ts", ".tsx", ".mts", ".js", ".mjs"):
            cand = os.path.join(d.path, "schema" + ext)
            if cand in self.facts:
                spath = cand
                break
        if spath is None:
            return None
        f = self.facts[spath]
        if f.schema is None:
            return SchemaModel(file=spath, functions_dir=d.path, open=True)
        model = SchemaModel(file=spath, functions_dir=d.path)
        for entry in f.schema.entries:
            if entry.kind == "table" and entry.table is not None and entry.name:
                model.tables[entry.name] = entry.table
            elif entry.kind == "ref" and entry.name:
                t = self._lookup_table_const(spath, entry.ref or "")
                if t is not None:
                    model.tables[entry.name] = TableFact(
                        name=entry.name, fields=t.fields, field_spans=t.field_spans, indexes=t.indexes,
                        span=entry.span, file=t.file, open_fields=t.open_fields, doc_validator=t.doc_validator)
                else:
                    model.opaque_tables.add(entry.name)
            elif entry.kind == "unknown" and entry.name:
                model.opaque_tables.add(entry.name)
            elif entry.kind == "spread":
                group = self._lookup_table_group(spath, entry.ref or "")
                if group is None:
                    model.open = True
                else:
                    for k, t in group.items():
                        model.tables.setdefault(k, t)
                        if t.open_fields and not t.indexes and t.span is None:
                            pass
        return model

    def _lookup_const(self, path: str, ref: str, attr: str, depth: int = 0):
        f = self.facts.get(path)
        if f is None or depth > 8:
            return None
        store = getattr(f, attr)
        if ref in store:
            return store[ref]
        imp = f.import_of(ref)
        if imp is None:
            return None
        if attr == "table_groups":
            pkg = _package_tables(imp.source, imp.imported, path)
            if pkg is not None:
                return pkg
        target = self.resolve_module(path, imp.source)
        if target is None:
            return None
        found = self.resolve_export(target, imp.imported)
        if found is None:
            return None
        return self._lookup_const(found[0], found[1], attr, depth + 1)

    def _lookup_table_const(self, path: str, ref: str) -> Optional[TableFact]:
        return self._lookup_const(path, ref, "tables")

    def _lookup_table_group(self, path: str, ref: str) -> Optional[dict[str, TableFact]]:
        return self._lookup_const(path, ref, "table_groups")

    # ------------------------------------------------------------ registry
    def registry(self, functions_dir: str) -> dict[tuple[str, ...], FunctionInfo]:
        cached = self._registry_cache.get(functions_dir)
        if cached is not None:
            return cached
        reg: dict[tuple[str, ...], FunctionInfo] = {}
        if self.guard is not None:
            self.guard.folder(functions_dir)
        facts = self.facts
        for path in self._by_dir.get(functions_dir, ()):  # (the folder's files, in index order)
            f = dict.__getitem__(facts, path)
            if f.module is None or f.is_generated:
                continue
            for r in f.registrations:
                if not r.exported or not r.name:
                    continue
                b = self.resolve_builder(path, r.builder)
                if b is None or b.kind == "http":
                    continue
                api_path = tuple(f.module.split("/")) + (r.name,)
                reg[api_path] = FunctionInfo(api_path, b.kind, b.visibility, path, r.name, r, b, f.use_node)
        self._registry_cache[functions_dir] = reg
        return reg

    def function(self, path: str, ref_path: Iterable[str]) -> Optional[FunctionInfo]:
        d = self.functions_dir(path)
        if d is None:
            return None
        return self.registry(d.path).get(tuple(ref_path))

    def files_in(self, functions_dir: str) -> list[FileFacts]:
        if self.guard is not None:
            self.guard.folder(functions_dir)
        facts = self.facts
        get = dict.__getitem__
        return [get(facts, p) for p in self._by_dir.get(functions_dir, ())]

    # ------------------------------------------------------------ references (the workspace graph)
    def function_references(self, functions_dir: str, api_path: tuple[str, ...]) -> list[FunctionRef]:
        """Every reference to the function `api_path` of `functions_dir`, from any file of the
        workspace (functions folder, client code, tests, scripts), sorted by file and offset."""
        return self.refs.function_references(functions_dir, tuple(api_path))

    def table_references(self, functions_dir: str, table: str) -> list[TableRef]:
        return self.refs.table_references(functions_dir, table)

    def index_references(self, functions_dir: str, table: str, index: str) -> list[IndexRef]:
        """Uses of index `index` of `table` (and of that name on queries whose table is unknown:
        `IndexRef.table` None)."""
        return self.refs.index_references(functions_dir, table, index)

    def reference_at(self, path: str, offset: int):
        """The function, table or index reference at `offset` of `path` (any file), or None."""
        return self.refs.reference_at(path, offset)

    def references_in(self, path: str):
        """(function refs, table refs, index refs) made by one file."""
        return self.refs.references_in(path)

    def functions_dir_for_reference(self, path: str) -> Optional[str]:
        """The functions folder a file's `api`/`internal`/string references resolve to."""
        return self.refs.functions_dir_for(path)

    def function_at(self, path: str, offset: int) -> Optional[FunctionInfo]:
        """The registration (exported, with a Convex builder) enclosing `offset` in a functions file."""
        f = self.facts.get(path)
        if f is None or f.refs_only or f.module is None or f.functions_dir is None:
            return None
        best = None
        for r in f.registrations:
            end = r.end or r.span.end
            if r.span.start <= offset <= end and r.exported and r.name:
                if best is None or r.span.start >= best.span.start:
                    best = r
        if best is None:
            return None
        return self.registry(f.functions_dir).get(tuple(f.module.split("/")) + (best.name,))

    def outgoing_references(self, functions_dir: str, api_path: tuple[str, ...]) -> list[FunctionRef]:
        """The function references written inside the registration of `api_path` (what its
        handler runs, schedules, or names), in source order."""
        info = self.registry(functions_dir).get(tuple(api_path))
        if info is None:
            return []
        start, end = info.fact.span.start, info.fact.end or info.fact.span.end
        fns, _, _ = self.refs.references_in(info.file)
        return sorted((r for r in fns if start <= r.span.start and r.span.end <= end), key=lambda r: r.span.start)
