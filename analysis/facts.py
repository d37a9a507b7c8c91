"""Plain, picklable summaries of what one file says (no tree-sitter nodes).

`FileFacts` is a pure function of (path, bytes, project layout). The workspace index is
built from the facts of every file; worker processes send facts back to the main process.
Rule families may add their own per-file summaries under `FileFacts.extra` (see
`registry.fact_extractor`).
"""

from __future__ import annotations

from typing import Any, Optional

from .records import record, field


@record(frozen=True, slots=True)
class Span:
    """A byte range plus its 0-based start/end (row, code-point column)."""

    start: int
    end: int
    srow: int
    scol: int
    erow: int
    ecol: int


@record(slots=True)
class ImportFact:
    local: str
    imported: str  # "default", "*" or the exported name
    source: str
    type_only: bool


@record(slots=True)
class ExportFact:
    name: str  # exported name ("default" for export default)
    local: Optional[str]  # local binding it exports (None for `export default <expr>`)
    source: Optional[str] = None  # re-export: `export { x } from "./y"`
    star: bool = False  # `export * from "./y"`


@record(slots=True)
class BuilderDef:
    """`const authedQuery = customQuery(query, {...})` and friends."""

    name: str
    factory: str  # customQuery, customMutation, zCustomQuery, ... or "alias"
    base: Optional[str]  # local name of the wrapped builder
    authenticates: bool
    span: Span
    calls: tuple[str, ...] = ()  # plain functions its customization calls (`ns.fn` for namespaced ones)


@record(slots=True)
class RegistrationFact:
    name: Optional[str]  # export name (or local const name when not exported)
    exported: bool
    builder: str  # local name of the builder called
    syntax: str  # "object" | "bare"
    has_args: bool
    has_returns: bool
    authenticates: bool  # the handler checks identity directly
    span: Span  # the registration: name through the builder call's opening `{`/`(`
    args_text: Optional[str] = None
    returns_text: Optional[str] = None
    arg_names: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()  # local names of plain functions called in the handler
    end: int = 0  # byte offset where the builder call ends (the registration spans span.start..end)
    decl_start: int = -1  # the statement declaring it (`const`/`export const`), for `export` insertion


@record(slots=True)
class IndexFact:
    name: str
    fields: tuple[str, ...]
    kind: str  # "db" | "search" | "vector"
    staged: bool
    span: Span  # the index name string literal (with quotes)
    name_span: Span  # the name without quotes
    file: str = ""
    fields_ok: bool = True  # False when the field list is not a literal array of strings
    search_field: Optional[str] = None
    filter_fields: tuple[str, ...] = ()


@record(slots=True)
class TableFact:
    name: Optional[str]
    fields: dict[str, str]  # field -> validator source text
    field_spans: dict[str, Span]
    indexes: list[IndexFact]
    span: Optional[Span]  # where the table is defined (key or defineTable call)
    file: str = ""
    open_fields: bool = False  # fields not statically known (validator reference, union...)
    doc_validator: Optional[str] = None  # source text of the defineTable argument


@record(slots=True)
class SchemaEntry:
    """One entry of the defineSchema({...}) object."""

    kind: str  # "table" | "ref" | "spread" | "unknown"
    name: Optional[str]  # table name (table/ref/unknown)
    table: Optional[TableFact] = None  # kind == "table"
    ref: Optional[str] = None  # local identifier for ref/spread (possibly dotted)
    span: Optional[Span] = None


@record(slots=True)
class SchemaFact:
    entries: list[SchemaEntry]
    span: Span  # the defineSchema call


@record(slots=True)
class ApiRefFact:
    """A reference to a Convex function. `root` "api" | "internal" (the `_generated/api` import,
    spelled as imported), "components" (`components.<name>.<module>.<fn>`; `path` starts with the
    component's name) or "string" (`makeFunctionReference("a/b:f")`, `"a/b:f"` given to a hook or
    `ctx.run*`, `anyApi.a.b.f`). `path`: module parts then the export name."""

    root: str
    path: tuple[str, ...]
    span: Span  # the whole expression (for strings: the literal's content, without quotes)
    context: str = ""  # "runQuery", "runAfter", "cron", ... (the call it is an argument of)
    kind: str = "other"  # client-hook | client-call | test | scheduler | run | cron | http | type | other
    segments: tuple[Span, ...] = ()  # one span per `path` segment, as written (renames)


@record(slots=True)
class IndexUseFact:
    table: Optional[str]
    index: str
    method: str  # withIndex | withSearchIndex | a convex-helpers relationship helper (getManyFrom, ...)
    span: Span  # the index name string literal (with quotes)
    name_span: Span  # without quotes
    eq_fields: tuple[str, ...] = ()


@record(slots=True)
class TableRefFact:
    table: str
    span: Span  # the string literal (with quotes)
    how: str  # query | insert | table | v.id | system | get/patch/replace/delete/normalizeId | Id | Doc


@record(slots=True)
class HelperFact:
    """A plain (non-registered) function defined at the top level of a file."""

    name: str
    exported: bool
    authenticates: bool
    calls: tuple[str, ...] = ()


@record(slots=True)
class FileFacts:
    path: str
    functions_dir: Optional[str]
    module: Optional[str]  # "foo/bar" for <functions>/foo/bar.ts
    error: Optional[str] = None
    imports: list[ImportFact] = field(default_factory=list)
    exports: list[ExportFact] = field(default_factory=list)
    builders: dict[str, BuilderDef] = field(default_factory=dict)
    registrations: list[RegistrationFact] = field(default_factory=list)
    helpers: dict[str, HelperFact] = field(default_factory=dict)
    tables: dict[str, TableFact] = field(default_factory=dict)  # const name -> table
    table_groups: dict[str, dict[str, TableFact]] = field(default_factory=dict)  # const -> {t: table}
    schema: Optional[SchemaFact] = None
    api_refs: list[ApiRefFact] = field(default_factory=list)
    index_uses: list[IndexUseFact] = field(default_factory=list)
    table_refs: list[TableRefFact] = field(default_factory=list)
    use_node: bool = False
    use_node_span: Optional[Span] = None
    default_export: Optional[str] = None
    is_generated: bool = False
    refs_only: bool = False  # outside a functions folder, or a test: references only, never linted
    extra: dict[str, Any] = field(default_factory=dict)

    def import_of(self, local: str) -> Optional[ImportFact]:
        for imp in self.imports:
            if imp.local == local:
                return imp
        return None
