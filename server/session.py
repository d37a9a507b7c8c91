"""The language server's state, free of LSP types: open documents, the analyzer, configs.

`lsp.py` translates between the protocol and this module. Everything here runs on the
server's event-loop thread except `Session.scan()`, which only parses files from disk
(pure) in the background and hands back `(path, facts, model)` tuples that the loop
thread then puts into the index with `Session.add_scanned()`.

Documents keep their bytes and tree; edits are applied to the bytes and to the tree
(`tree.edit`) as they arrive, and the file is re-parsed incrementally and re-extracted
only when something needs it (`Session.model(path)`), so bursts of keystrokes cost one
parse.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from convex_lsp.analysis.config import Config, ConfigError, parse_mapping
from convex_lsp.analysis import bulk_suppressions, incremental
from convex_lsp.analysis.convex import file_cache
from convex_lsp.analysis.engine import Analyzer, build_model, enabled_rules, finish_findings, lint_model, raw_findings
from convex_lsp.analysis.project import SOURCE_EXTS, Workspace, discover
from convex_lsp.analysis.registry import Finding
from convex_lsp.analysis.source import LineIndex, UnreadableFile, kind_for_path, parser_for, read_source_bytes

log = logging.getLogger("convex_lsp.server")

# keys of the `convexLsp` settings object that belong to the server, not to convex-lsp.toml
SERVER_KEYS = {"hover", "debounce", "debounceMs", "debounce-ms", "explicit", "trace", "fullAnalysisDelayMs"}
DEFAULT_DEBOUNCE_MS = 150
DEFAULT_FULL_ANALYSIS_DELAY_MS = 400


def quickfixes():
    """The quick-fix package, or None when it does not import (the server then runs without fixes)."""
    try:
        from convex_lsp import quickfixes as qf
    except Exception:  # pragma: no cover - a quickfixes package that does not import
        log.exception("quickfixes does not import; code actions are limited")
        return None
    return qf


# ------------------------------------------------------------------ documents


@dataclass
class Document:
    uri: str
    path: str
    version: Optional[int]
    data: bytes
    tree: Any = None  # the tree edits are applied to (the current model's tree)
    dirty: bool = True  # bytes changed since the model was built
    snap: Any = None  # incremental.Snapshot of the last lint (statement by statement)
    stale_index: bool = False  # linted incrementally: model, facts and index still describe older bytes
    fast: Any = None  # (key, LintResult) of the last incremental lint

    def lines(self) -> LineIndex:
        snap = self.snap
        if snap is not None and snap.data is self.data and snap.lines is not None:
            return snap.lines
        return LineIndex(self.data)

    def replace(self, start: int, end: int, new: bytes) -> None:
        """Apply one edit (byte offsets of the current bytes) to the bytes and the tree."""
        old = self.data
        start = max(0, min(start, len(old)))
        end = max(start, min(end, len(old)))
        if self.tree is not None:
            sp = _point(old, start)
            ep = _point(old, end)
            new_end = start + len(new)
            nl = new.rfind(b"\n")
            if nl == -1:
                np_ = (sp[0], sp[1] + len(new))
            else:
                np_ = (sp[0] + new.count(b"\n"), len(new) - nl - 1)
            self.tree.edit(start_byte=start, old_end_byte=end, new_end_byte=new_end,
                           start_point=sp, old_end_point=ep, new_end_point=np_)
        self.data = old[:start] + new + old[end:]
        self.dirty = True

    def set_text(self, data: bytes) -> None:
        self.data = data
        self.tree = None  # a full replacement: parse from scratch
        self.snap = None
        self.dirty = True


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """tree-sitter point (row, byte column) of a byte offset."""
    row = data.count(b"\n", 0, offset)
    line_start = data.rfind(b"\n", 0, offset) + 1
    return row, offset - line_start


# ------------------------------------------------------------------ settings


@dataclass
class Settings:
    """Editor settings under `convexLsp` (initializationOptions / didChangeConfiguration)."""

    hover: bool = True
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    full_delay_ms: int = DEFAULT_FULL_ANALYSIS_DELAY_MS  # idle time before an edited file is re-analysed whole
    defaults: dict = field(default_factory=dict)  # convex-lsp.toml keys; the file wins
    explicit: dict = field(default_factory=dict)  # convex-lsp.toml keys that win over the file

    @classmethod
    def parse(cls, raw: Any) -> tuple["Settings", list[str]]:
        """Settings from the editor's object; (settings, error messages)."""
        s = cls()
        errors: list[str] = []
        if raw is None:
            return s, errors
        if isinstance(raw, dict) and isinstance(raw.get("convexLsp"), dict):
            raw = raw["convexLsp"]
        if not isinstance(raw, dict):
            return s, ["convexLsp settings: expected an object"]
        for key, value in raw.items():
            if key == "hover":
                if isinstance(value, bool):
                    s.hover = value
                else:
                    errors.append("convexLsp.hover: expected true or false")
            elif key in ("debounce", "debounceMs", "debounce-ms"):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                    s.debounce_ms = int(value)
                else:
                    errors.append(f"convexLsp.{key}: expected a number of milliseconds >= 0")
            elif key == "fullAnalysisDelayMs":
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                    s.full_delay_ms = int(value)
                else:
                    errors.append(f"convexLsp.{key}: expected a number of milliseconds >= 0")
            elif key == "explicit":
                if isinstance(value, dict):
                    s.explicit = dict(value)
                else:
                    errors.append("convexLsp.explicit: expected an object of convex-lsp.toml keys")
            elif key == "trace":
                continue
            else:
                s.defaults[key] = value
        for name, mapping in (("convexLsp", s.defaults), ("convexLsp.explicit", s.explicit)):
            try:
                parse_mapping(mapping, f"editor settings ({name})")
            except ConfigError as e:
                errors.append(str(e))
                mapping.clear()
        return s, errors


def _norm(key: str) -> str:
    return key.replace("_", "-")


def _file_keys(path: Optional[str]) -> set[str]:
    if not path:
        return set()
    try:
        import tomllib

        from convex_lsp.analysis.fs import read_regular

        return {_norm(k) for k in tomllib.loads(read_regular(path, 1_000_000).decode("utf-8"))}
    except Exception:
        return set()


def layered(file_cfg: Config, settings: Settings) -> Config:
    """Editor defaults < convex-lsp.toml < editor settings marked explicit."""
    cfg = file_cfg
    keys = _file_keys(file_cfg.source) if file_cfg.source else set()
    defaults = {k: v for k, v in settings.defaults.items() if _norm(k) not in keys}
    if defaults:
        cfg = cfg.merged(defaults, "editor settings (convexLsp)")
    if settings.explicit:
        cfg = cfg.merged(settings.explicit, "editor settings (convexLsp.explicit)")
    return cfg


# ------------------------------------------------------------------ the analyzer's models


class LazyModels(dict):
    """`Analyzer.models` that parses a workspace file from disk on first use, so quick fixes
    editing files that are not open (the schema, a called function) find their model."""

    def __init__(self, session: "Session"):
        super().__init__()
        self._session = session

    def _fetch(self, key):
        s = self._session
        if key in s.documents or key not in s.analyzer.index.facts or not os.path.isfile(key):
            return None
        model = build_model(key, None, s.workspace)
        dict.__setitem__(self, key, model)
        return model

    def __missing__(self, key):
        model = self._fetch(key)
        if model is None:
            raise KeyError(key)
        return model

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        model = self._fetch(key)
        return default if model is None else model


# ------------------------------------------------------------------ scanning in worker processes


_WORKER_WORKSPACE: Optional[Workspace] = None  # the workspace a worker was started with


def set_worker_workspace(workspace: Optional[Workspace]) -> None:
    """Worker process (initializer): the workspace `scan_chunk(None, ...)` means."""
    global _WORKER_WORKSPACE
    _WORKER_WORKSPACE = workspace


def scan_chunk(workspace: Optional[Workspace], paths: list[str]) -> list[tuple[str, Any, None]]:
    """Worker process: the facts of files on disk (from the persistent cache when unchanged,
    else parsed), picklable, no trees. `workspace` None: the one this worker was started with
    (`set_worker_workspace`; pickling it for every chunk costs ~1 MB at 10,000 files)."""
    if workspace is None:
        workspace = _WORKER_WORKSPACE
    from convex_lsp.analysis.cache import Cache
    from convex_lsp.analysis.engine import load_facts

    if "indexing-worker" in os.environ.get("CONVEX_LSP_FAULT", ""):  # test hook: a failing worker
        raise RuntimeError("injected fault in an indexing worker")
    cache = Cache.open()
    out = []
    for path in paths:
        try:
            out.append((path, load_facts(path, workspace, cache, with_view=False)[0], None))
        except Exception:
            log.exception("cannot index %s", path)
    return out


class _DeferredWrites:
    """A cache whose `put_facts` only notes the entry (see `Session.scan`)."""

    def __init__(self, cache, out: list):
        self._cache = cache
        self._out = out

    def __getattr__(self, name: str):
        return getattr(self._cache, name)

    def put_facts(self, key: str, facts, view) -> None:
        self._out.append((key, facts, view))


def facts_of(workspace: Workspace, path: str, data: bytes):
    """Worker process (or thread): the facts of one file's text, for the index."""
    return build_model(path, data, workspace).facts


def warm_up() -> int:
    """Worker process: import the rule modules before the first files arrive."""
    from convex_lsp.analysis.registry import all_rules, extractors

    all_rules()
    extractors()
    return os.getpid()


def cpu_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count(n_files: int, min_files: int = 200) -> int:
    """Worker processes worth starting for `n_files` (0: scan in a thread)."""
    if os.environ.get("CONVEX_LSP_JOBS"):
        try:
            return max(0, int(os.environ["CONVEX_LSP_JOBS"]))
        except ValueError:
            pass
    cpus = cpu_count()
    return min(cpus, 4) if n_files >= min_files and cpus > 1 else 0


# ------------------------------------------------------------------ the session


@dataclass
class LintResult:
    findings: list[Finding]
    result_id: str
    version: Optional[int]
    data: bytes  # the bytes the findings' offsets refer to
    lines: Optional[LineIndex] = None  # of `data`, when at hand


class Session:
    def __init__(self, roots: list[str]):
        self.roots = [os.path.realpath(r) for r in roots if r] or [os.getcwd()]
        self.settings = Settings()
        self.documents: dict[str, Document] = {}
        self.messages: list[str] = []  # configuration errors to show the user
        self.config_gen = 0
        self.facts_gen = 0  # bumped on every change to the index
        self.indexed = False
        self._lint_cache: dict[str, tuple[tuple, LintResult]] = {}
        self.views_pending: set[str] = set()  # index views changed by refreshes not yet handled
        self._rules_cache: dict[tuple, list] = {}
        self.bulk = bulk_suppressions.Cache()  # convex-lsp-suppressions.json of each project
        self._setup()

    @property
    def indexed(self) -> bool:
        return self._indexed

    @indexed.setter
    def indexed(self, value: bool) -> None:
        """The first scan is done: the index knows every workspace file (rules that need them all
        wait for it: `WorkspaceIndex.complete`)."""
        self._indexed = value
        an = getattr(self, "analyzer", None)
        if an is not None and an.index.complete != value:
            an.index.complete = value
            self.facts_gen += 1
            self._lint_cache.clear()

    # ------------------------------------------------------------ project and config
    def _setup(self) -> None:
        from . import runner

        self.messages = []
        try:
            plan = runner.prepare(self.roots)
            ws, file_cfgs, load = plan.workspace, plan.configs, plan.load
        except (ConfigError, runner.UsageError) as e:
            self.messages.append(f"convex-lsp: invalid configuration, using defaults: {e}")
            ws = discover(self.roots)
            file_cfgs = {d.path: Config(root=d.project_root) for d in ws.functions_dirs}
            load = [p for p, _ in ws.source_files()] + [p for p, _ in ws.generated_files()]
        self.workspace: Workspace = ws
        self.file_configs = file_cfgs
        self.load_list = load
        self.analyzer = Analyzer(ws, Config(root=self.roots[0]))
        self.analyzer.index.complete = getattr(self, "_indexed", False)
        self.analyzer.models = LazyModels(self)
        self._apply_settings()

    def _apply_settings(self) -> None:
        self.configs: dict[str, Config] = {}
        for dpath, cfg in self.file_configs.items():
            try:
                self.configs[dpath] = layered(cfg, self.settings)
            except ConfigError as e:
                self.messages.append(f"convex-lsp: invalid editor settings: {e}")
                self.configs[dpath] = cfg
        try:
            self.default_config = layered(Config(root=self.roots[0]), self.settings)
        except ConfigError:
            self.default_config = Config(root=self.roots[0])
        self.analyzer.config = self.default_config
        self.config_gen += 1
        self._lint_cache.clear()

    def update_settings(self, raw: Any) -> list[str]:
        """Apply editor settings; returns error messages (the previous valid keys stay)."""
        settings, errors = Settings.parse(raw)
        self.settings = settings
        self._apply_settings()
        return errors

    def reload_project(self) -> None:
        """convex.json / convex-lsp.toml / package.json changed: rediscover, re-read configs.
        The caller re-indexes (`scan`)."""
        docs = self.documents
        self._setup()
        self.indexed = False
        self.documents = docs
        for d in docs.values():
            d.dirty = True
            d.tree = None

    def config_for(self, path: str) -> Config:
        d = self.workspace.dir_for(path)
        if d is not None and d.path in self.configs:
            return self.configs[d.path]
        return self.default_config

    # ------------------------------------------------------------ indexing
    def scan(self, paths: Optional[list[str]] = None,
             cancelled: Callable[[], bool] = lambda: False,
             defer: Optional[list] = None) -> Iterator[tuple[str, Any, Any]]:
        """Parse files from disk (any thread): (path, facts, model-or-None). Models are kept
        for schema files only (quick fixes edit them); other files keep their facts. `defer`:
        the facts parsed are not written to the persistent cache but appended to this list
        (`write_deferred` writes them later: a quarter of a cold scan's CPU is the writing)."""
        from convex_lsp.analysis.cache import Cache
        from convex_lsp.analysis.engine import load_facts

        ws = self.workspace
        cache = Cache.open()
        if cache is not None and defer is not None:
            cache = _DeferredWrites(cache, defer)
        for path in (self.load_list if paths is None else paths):
            if cancelled():
                return
            try:
                facts, model = load_facts(path, ws, cache, with_view=False)
            except Exception:
                log.exception("cannot index %s", path)
                continue
            keep = model is not None and os.path.splitext(os.path.basename(path))[0] == "schema"
            yield path, facts, (model if keep else None)

    @staticmethod
    def write_deferred(entries: list) -> None:
        """Any thread: write the cache entries a `scan(defer=...)` held back."""
        from convex_lsp.analysis.cache import Cache

        cache = Cache.open()
        if cache is None:
            return
        for key, facts, view in entries:
            cache.put_facts(key, facts, view)

    def add_scanned(self, items: Iterable[tuple[str, Any, Any]]) -> set[str]:
        """Loop thread: put scanned facts into the index (open documents win)."""
        changed: set[str] = set()
        for path, facts, model in items:
            if path in self.documents:
                continue
            changed |= self.analyzer.index.set_facts(path, facts)
            if model is not None:
                dict.__setitem__(self.analyzer.models, path, model)
            else:
                dict.pop(self.analyzer.models, path, None)
            self.facts_gen += 1
        return changed

    def disk_changed(self, path: str, deleted: bool) -> set[str]:
        """A watched file changed outside the editor. A folder's event stands for every file
        under it: deleted (or renamed away), its files leave the index; created (or renamed
        into place), its sources are indexed."""
        if path in self.documents and not deleted:
            return set()
        folder = path.rstrip(os.sep) + os.sep
        under = [p for p in self.analyzer.index.facts if p.startswith(folder)] if deleted else []
        if under:
            changed: set[str] = set()
            for p in under:
                changed |= self.disk_changed(p, True)
            return changed
        if not deleted and os.path.isdir(path) and not os.path.islink(path):
            from convex_lsp.analysis.fs import walk
            from convex_lsp.analysis.project import keep_dir

            files = [p for d, _, names in walk(path, keep_dir) for p in (os.path.join(d, n) for n in names)
                     if p not in self.documents and self.is_indexable(p)]
            return self.add_scanned(self.scan(files)) if files else set()
        if deleted:
            dict.pop(self.analyzer.models, path, None)
            self.facts_gen += 1
            if path in self.documents:
                return set()
            return self.analyzer.forget(path)
        if not self.is_indexable(path):
            return set()
        return self.add_scanned(self.scan([path]))

    def is_indexable(self, path: str) -> bool:
        """A source file of a functions folder, inside the workspace (nothing else enters the index)."""
        if not path.endswith(SOURCE_EXTS) or path.endswith(".d.ts") or not self.workspace.inside_roots(path):
            return False
        d = self.workspace.dir_for(path)
        if d is None:  # client code, scripts: indexed for their references
            return self.workspace.is_reference_candidate(path)
        rel = os.path.relpath(path, d.path).split(os.sep)
        if "node_modules" in rel:
            return False
        return not self.config_for(path).is_excluded(path)

    # ------------------------------------------------------------ documents
    def open(self, uri: str, path: str, version: Optional[int], text: str) -> set[str]:
        doc = Document(uri, path, version, text.encode("utf-8"))
        self.documents[path] = doc
        return self.refresh(path)

    def close(self, path: str) -> set[str]:
        """Forget the buffer; the index falls back to the file on disk."""
        self.documents.pop(path, None)
        self._lint_cache.pop(path, None)
        dict.pop(self.analyzer.models, path, None)
        if os.path.isfile(path) and self.is_indexable(path):  # an outside file leaves the index
            return self.add_scanned(self.scan([path]))
        self.facts_gen += 1
        return self.analyzer.forget(path)

    def refresh(self, path: str) -> set[str]:
        """Re-parse a dirty (or incrementally linted) document (incrementally) and put its facts
        into the index; returns the views that changed (also kept in `views_pending`)."""
        doc = self.documents.get(path)
        if doc is None or not (doc.dirty or doc.stale_index):
            return set()
        changed = self.analyzer.load(path, doc.data, doc.tree)
        model = dict.get(self.analyzer.models, path)
        doc.tree = model.src.tree if model is not None else None
        doc.dirty = False
        doc.stale_index = False
        doc.fast = None
        self.facts_gen += 1
        self.views_pending |= changed
        return changed

    def take_views(self) -> set[str]:
        v, self.views_pending = self.views_pending, set()
        return v

    def needs_full_analysis(self, path: str) -> bool:
        doc = self.documents.get(path)
        return doc is not None and doc.stale_index

    def sync_index(self) -> set[str]:
        """Put every open document's current facts into the index (those linted incrementally since
        their last whole-file analysis): for requests whose answer spans files, like a rename that
        edits each `withIndex` use at its offsets."""
        changed: set[str] = set()
        for path, doc in list(self.documents.items()):
            if doc.dirty or doc.stale_index:
                changed |= self.refresh(path)
        return changed

    def facts_job(self, path: str) -> Optional[bytes]:
        """The text whose facts the index lacks (an incrementally linted document), if any:
        `facts_of` computes them elsewhere (a worker), `install_facts` puts them in."""
        doc = self.documents.get(path)
        if doc is None or not doc.stale_index or doc.dirty:
            return None
        return doc.data

    def install_facts(self, path: str, data: bytes, facts) -> Optional[set[str]]:
        """Put facts computed from `data` into the index, unless the document has changed since
        (None). The document's incremental snapshot stays valid when no view changed (its
        findings depend on this file's facts only through the views); the model, which
        describes older bytes, is rebuilt when a request needs it."""
        doc = self.documents.get(path)
        if doc is None or doc.data is not data or not doc.stale_index or doc.dirty:
            return None
        changed = self.analyzer.index.set_facts(path, facts)
        dict.pop(self.analyzer.models, path, None)
        doc.stale_index = False
        self.facts_gen += 1
        self.views_pending |= changed
        return changed

    def _snap_key(self) -> tuple:
        """What an incremental snapshot's findings depend on besides the text: the index's views
        (its generation moves only when a view changes: a file's findings read other files'
        facts only through them) and the configuration."""
        return (self.analyzer.index.generation, self.config_gen)

    def model(self, path: str):
        """The current model of a file (open buffer re-parsed if needed, else disk)."""
        doc = self.documents.get(path)
        if doc is not None:
            self.refresh(path)
            model = dict.get(self.analyzer.models, path)
            if model is None or model.src.data is not doc.data:
                # the index has this text's facts (`install_facts`); only the model is missing
                model = build_model(path, doc.data, self.workspace, doc.tree)
                dict.__setitem__(self.analyzer.models, path, model)
                doc.tree = model.src.tree
            return model
        return self.analyzer.models.get(path)

    def data_of(self, path: str) -> Optional[bytes]:
        doc = self.documents.get(path)
        if doc is not None:
            return doc.data
        m = dict.get(self.analyzer.models, path)
        if m is not None:
            return m.src.data
        try:
            return read_source_bytes(path)
        except UnreadableFile:
            return None

    # ------------------------------------------------------------ linting
    def lint(self, path: str) -> Optional[LintResult]:
        """Findings of a file's current text: an open document is linted statement by statement
        when only function declarations changed since its last lint (`analysis.incremental`),
        else whole."""
        doc = self.documents.get(path)
        if doc is not None:
            res = self._lint_incremental(doc)
            if res is not None:
                return res
        model = self.model(path)
        if model is None:
            return None
        key = (id(model), self.facts_gen, self.config_gen)
        hit = self._lint_cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        cfg = self.config_for(path)
        rules = self.rules_for(cfg, path, model.facts.is_generated)
        if model.src.error is not None or doc is None:
            findings = lint_model(model, self.analyzer.index, cfg, rules)
        else:
            with file_cache(model.memo):
                raw = raw_findings(model, self.analyzer.index, cfg, rules)
                keep = incremental.keep_words(model, self.analyzer.index, rules)
            findings = finish_findings(model, list(raw), cfg)
            doc.snap = incremental.snapshot(model, raw, self._snap_key(), keep)
        res = self._result(path, findings, doc, model.src.data, model.src.lines)
        if doc is not None:
            self._lint_cache[path] = (key, res)
        return res

    def rules_for(self, cfg: Config, path: str, generated: bool) -> list:
        """`enabled_rules`, remembered per configuration generation (asked on every keystroke)."""
        key = (self.config_gen, id(cfg), path, generated)
        got = self._rules_cache.get(key)
        if got is None:
            if len(self._rules_cache) > 512:
                self._rules_cache.clear()
            got = self._rules_cache[key] = enabled_rules(cfg, path, generated)
        return got

    def _result(self, path: str, findings: list[Finding], doc: Optional[Document], data: bytes,
                lines: Optional[LineIndex] = None) -> LintResult:
        findings = self._bulk_filter(path, [f for f in findings if f.path == path])
        # equal for the same text and findings within this process (result ids live no longer)
        key = hash((data, tuple((f.code, f.start, f.end, f.message, f.severity) for f in findings)))
        return LintResult(findings, f"{key & 0xFFFFFFFFFFFFFFFF:016x}", doc.version if doc else None, data, lines)

    def _lint_incremental(self, doc: Document) -> Optional[LintResult]:
        key = self._snap_key()
        if not doc.dirty:
            if doc.fast is not None and doc.fast[0] == key and doc.fast[1].version == doc.version \
                    and doc.fast[1].data is doc.data:
                return doc.fast[1]
            return None
        snap = doc.snap
        if snap is None or snap.key != key or doc.tree is None:
            return None
        path = doc.path
        tree = parser_for(kind_for_path(path)).parse(doc.data, doc.tree)
        doc.tree = tree  # the edits are in; a full refresh re-parses from it
        cfg = self.config_for(path)
        try:
            out = incremental.relint(snap, path, doc.data, tree, self.workspace, self.analyzer.index, cfg,
                                     self.rules_for(cfg, path, False))
        except Exception:
            log.exception("incremental lint of %s failed; linting the whole file", path)
            out = None
        if out is None:
            doc.snap = None
            return None
        findings, doc.snap = out
        doc.dirty = False
        doc.stale_index = True
        res = self._result(path, findings, doc, doc.data, doc.snap.lines)
        doc.fast = (key, res)
        return res

    def lint_disk_file(self, path: str) -> list[Finding]:
        """Lint a file that is not open, without keeping its model."""
        model = dict.get(self.analyzer.models, path) or build_model(path, None, self.workspace)
        cfg = self.config_for(path)
        out = lint_model(model, self.analyzer.index, cfg, self.rules_for(cfg, path, model.facts.is_generated))
        return self._bulk_filter(path, [f for f in out if f.path == path])

    def _bulk_filter(self, path: str, findings: list[Finding]) -> list[Finding]:
        """Drop what the project's bulk suppressions file accepts (`check --suppress-all`)."""
        d = self.workspace.dir_for(path)
        return self.bulk.filter(d.project_root if d is not None else None, findings)

    def indexed_paths(self) -> list[str]:
        return list(self.analyzer.index.facts)
