"""The rule registry, findings and the fix interface (plain data classes, no LSP types).

A rule is one module under `analysis/rules/` that defines `RULE = Rule(...)` (or `RULES =
[...]` for a small family). Modules are discovered automatically, so adding a rule never
touches a shared list. A module may also define `extract(model) -> picklable` to put a
per-file summary into `FileFacts.extra[<module name>]` for cross-file rules.
"""

from __future__ import annotations

import importlib
import os
import _thread  # (not `threading`: its import costs more than the rest of this module's)
from importlib.machinery import all_suffixes
from typing import Any, Callable, Iterable, Iterator, Optional

from . import lazy_re
from .records import record, field

# `check` and `keep_words` receive an engine.FileContext; this module does not import the engine
# (the engine imports the registry), so the type is spelled `Any` here.

SEVERITIES = ("error", "warning", "info", "hint")


@record(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # error | warning | info | hint | off (opt-in)
    spec: str  # "§4.4 Avoiding Filter"
    summary: str  # one line: what it checks
    why: str
    bad: str
    good: str
    fix_doc: str = "No automatic fix."
    fix: Optional[str] = None  # None | "safe" | "unsafe" | "safe/unsafe"
    tags: tuple[str, ...] = ()  # "deprecated", "unnecessary"
    check: Optional[Callable[[Any], Iterable["Finding"]]] = None  # (FileContext) -> ...
    needs_schema: bool = False
    # reports only about the file's registered functions (`ctx.registrations()`): the engine does
    # not run it on a file that registers none (most files: helpers, schema, client code)
    needs_registrations: bool = False
    generated_files: bool = False  # runs on `_generated/` files (and only there)
    # names whose every mention in the file a finding may depend on (say, value uses of an import):
    # the incremental linter keeps linting the function declarations that mention them
    keep_words: Optional[Callable[[Any], Iterable[str]]] = None  # (FileContext) -> names

    @property
    def url(self) -> str:
        """The rule's documentation page (built from pyproject's `[project.urls]`, which a process
        reads once: remembered per rule, every finding carries it)."""
        key = (self.code, self.name)
        got = _URLS.get(key)
        if got is None:
            from .links import rule_doc_url

            got = _URLS[key] = rule_doc_url(self.code, self.name)
        return got

    @property
    def convex_docs(self) -> Optional[str]:
        """The official Convex documentation page on the rule's topic."""
        from .links import convex_docs_url

        return convex_docs_url(self.code, self.spec)

    @property
    def default_enabled(self) -> bool:
        return self.severity != "off"

    def doc_markdown(self) -> str:
        sev = "off by default (opt-in)" if self.severity == "off" else self.severity
        lines = [
            f"# {self.code} {self.name}",
            "",
            f"*Default severity:* {sev}. *Fix:* {self.fix or 'none'}. *Spec:* Convex Architecture Spec {self.spec}.",
            "",
            "## What it checks",
            "",
            self.summary,
            "",
            "## Why",
            "",
            self.why,
            "",
            "## Bad",
            "",
            "```ts",
            self.bad.strip("\n"),
            "```",
            "",
            "## Good",
            "",
            "```ts",
            self.good.strip("\n"),
            "```",
            "",
            "## Fix",
            "",
            self.fix_doc,
            "",
        ]
        if self.convex_docs:
            lines += ["## Convex documentation", "", f"<{self.convex_docs}>", ""]
        return "\n".join(lines)


_URLS: dict[tuple[str, str], str] = {}


@record
class TextEdit:
    path: str
    start: int  # byte offsets in the file's current bytes
    end: int
    new_text: str
    # 0-based (row, code-point column) of `start` and `end` in the bytes the fix was made for, when
    # worked out while the file's model was at hand (`check` does: server/linting.py `place_edits`);
    # -1: not known (the reports then read the file)
    srow: int = field(default=-1, compare=False, repr=False)
    scol: int = field(default=-1, compare=False, repr=False)
    erow: int = field(default=-1, compare=False, repr=False)
    ecol: int = field(default=-1, compare=False, repr=False)


@record
class Fix:
    title: str
    applicability: str  # "safe" | "unsafe"
    edits: list[TextEdit]


@record
class Finding:
    code: str
    name: str
    path: str
    start: int  # byte offsets
    end: int
    message: str
    severity: str = "warning"
    data: dict[str, Any] = field(default_factory=dict)  # what a fix needs
    # 0-based (row, code-point column); filled in by the engine
    srow: int = 0
    scol: int = 0
    erow: int = 0
    ecol: int = 0
    spec: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    fix: Optional[Fix] = None


# Byte offsets in `Finding.data` (into the finding's own file) use keys ending in `start`, `end`,
# `_at` or `_offset`, or one of the names below; a list under such a key holds offsets only. The
# language server moves them with their statement (incremental linting) and publishes them
# relative to the finding's start.
OFFSET_KEY = lazy_re.compile(r"(?:^|_)(?:start|end|at|offset)$|^(?:first_statement|after_last_statement|predicate)$")
_OFFSET_KEYS: dict[str, bool] = {}


def is_offset_key(key: str) -> bool:
    b = _OFFSET_KEYS.get(key)
    if b is None:
        b = _OFFSET_KEYS[key] = bool(OFFSET_KEY.search(key))
    return b


def offsets_in(data: dict) -> Iterator[int]:
    """Every byte offset `data` holds (see OFFSET_KEY)."""
    for k, v in data.items():
        if is_offset_key(k):
            if type(v) is int:
                yield v
            elif isinstance(v, (list, tuple)) and all(type(x) is int for x in v):
                yield from v


def shift_data(data: dict, delta: int) -> dict:
    """`data` with its byte offsets moved by `delta` (a new dict; the same one when delta is 0)."""
    if not delta or not data:
        return data
    out = {}
    for k, v in data.items():
        if is_offset_key(k):
            if type(v) is int:
                v = v + delta
            elif isinstance(v, (list, tuple)) and all(type(x) is int for x in v):
                v = type(v)(x + delta for x in v)
        out[k] = v
    return out


_RULES: dict[str, Rule] = {}
_BY_NAME: dict[str, Rule] = {}
_EXTRACTORS: dict[str, Callable[[Any], Any]] = {}
_LOADED = False
_LOAD_LOCK = _thread.allocate_lock()
_LOADING: Optional[int] = None  # the thread importing the rule modules


def _load() -> None:
    """Import every rule module once. Another thread asking meanwhile waits for the whole set (the
    language server scans files in a thread while its loop lints: a scan that found the set
    half-filled indexed facts without their extractors' summaries); the importing thread itself
    gets what is there so far (a rule module that asks the registry while it is imported)."""
    global _LOADED, _LOADING
    if _LOADED or _LOADING == _thread.get_ident():
        return
    with _LOAD_LOCK:
        if _LOADED:
            return
        _LOADING = _thread.get_ident()
        try:
            _import_rules()
        finally:
            _LOADED = True
            _LOADING = None


def _module_names(folders: Iterable[str]) -> list[str]:
    """The modules and packages in `folders`, sorted: the names `pkgutil.iter_modules` lists (a
    file with a module suffix, a folder with an `__init__`), without importing pkgutil and, through
    it, inspect (a few ms at every start)."""
    suffixes = sorted(all_suffixes(), key=len, reverse=True)  # `.cpython-311-x86_64-linux-gnu.so` before `.so`
    names: set[str] = set()
    for folder in folders:
        try:
            entries = sorted(os.listdir(folder))
        except OSError:
            continue
        for fn in entries:
            name = next((fn[: -len(s)] for s in suffixes if fn.endswith(s)), None)
            if name is None:
                path = os.path.join(folder, fn)
                if "." in fn or not any(os.path.isfile(os.path.join(path, "__init__" + s)) for s in suffixes):
                    continue
                name = fn
            if name and name != "__init__" and "." not in name:
                names.add(name)
    return sorted(names)


def _import_rules() -> None:
    from . import rules as pkg

    load = _pyc_loader(pkg)
    for name in _module_names(pkg.__path__):
        if name.startswith("_"):
            continue
        mod = load(name)
        found = list(getattr(mod, "RULES", []))
        if hasattr(mod, "RULE"):
            found.append(mod.RULE)
        for r in found:
            if r.code in _RULES:
                raise RuntimeError(f"duplicate rule code {r.code}")
            _RULES[r.code] = r
            _BY_NAME[r.name] = r
        ex = getattr(mod, "extract", None)
        if callable(ex):
            _EXTRACTORS[name] = ex


def _pyc_loader(pkg) -> Callable[[str], Any]:
    """`name -> importlib.import_module(f"{pkg.__name__}.{name}")` for the modules of one package,
    the ones whose compiled file is up to date read from it directly: the same module (its
    `__spec__`, `__loader__`, `__file__`, `__cached__`, run under the import lock of its name, put
    in `sys.modules` and on the package) for ~30k instructions instead of importlib's ~330k
    (finders, locks, `get_code`'s checks in Python): a tenth of a cold `check` of a few hundred
    files' start-up. Anything else (no or a stale `.pyc`, hash-based `.pyc`s, `-O`, a
    `pycache_prefix`, a package in several folders or not on disk, a module already imported)
    goes through importlib itself, which also writes the missing `.pyc`."""
    import marshal
    import sys
    from importlib import _bootstrap, _bootstrap_external
    from io import open_code
    from importlib.machinery import ModuleSpec, SourceFileLoader

    prefix = pkg.__name__ + "."
    paths = list(getattr(pkg, "__path__", ()))
    lock = getattr(_bootstrap, "_ModuleLockManager", None)
    magic = getattr(_bootstrap_external, "MAGIC_NUMBER", None)
    tag = sys.implementation.cache_tag
    if (len(paths) != 1 or lock is None or magic is None or tag is None or sys.flags.optimize
            or getattr(sys, "pycache_prefix", None)):
        return lambda name: importlib.import_module(prefix + name)
    folder = paths[0]
    cache = os.path.join(folder, "__pycache__")
    module_type = type(sys)

    def load(name: str) -> Any:
        full = prefix + name
        if full in sys.modules:
            return importlib.import_module(full)
        source = os.path.join(folder, name + ".py")
        cached = os.path.join(cache, f"{name}.{tag}.pyc")
        try:
            st = os.stat(source)
            with open_code(cached) as fh:  # (as importlib reads them: open_code hooks apply)
                data = fh.read()
        except OSError:
            return importlib.import_module(full)
        if (len(data) < 16 or data[:4] != magic or data[4:8] != b"\0\0\0\0"  # (flags 0: checked by time)
                or int.from_bytes(data[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF
                or int.from_bytes(data[12:16], "little") != st.st_size & 0xFFFFFFFF):
            return importlib.import_module(full)
        try:
            code = marshal.loads(memoryview(data)[16:])
        except (ValueError, EOFError, TypeError):
            return importlib.import_module(full)
        loader = SourceFileLoader(full, source)
        spec = ModuleSpec(full, loader, origin=source)
        spec.has_location = True
        spec.cached = cached
        mod = module_type(full)
        mod.__file__, mod.__cached__, mod.__package__ = source, cached, pkg.__name__
        mod.__loader__, mod.__spec__ = loader, spec
        with lock(full):
            if full in sys.modules:  # (imported meanwhile by another thread)
                return importlib.import_module(full)
            spec._initializing = True
            sys.modules[full] = mod
            try:
                exec(code, mod.__dict__)
            except BaseException:
                sys.modules.pop(full, None)
                raise
            finally:
                spec._initializing = False
            mod = sys.modules[full]  # (as importlib: a module may put another object in its place)
        setattr(pkg, name, mod)
        return mod

    return load


def all_rules() -> list[Rule]:
    _load()
    return sorted(_RULES.values(), key=lambda r: r.code)


def get_rule(name_or_code: str) -> Optional[Rule]:
    _load()
    key = name_or_code.strip()
    return _RULES.get(key.upper()) or _BY_NAME.get(key.lower())


def extractors() -> dict[str, Callable[[Any], Any]]:
    _load()
    return _EXTRACTORS


def resolve_selectors(items: Iterable[str]) -> set[str]:
    """Rule codes matched by names, codes or code prefixes (`CVX2`, `ALL`)."""
    items = list(items)
    if not items:
        return set()  # nothing to resolve: the rule modules need not be imported
    _load()
    out: set[str] = set()
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        r = get_rule(item)
        if r is not None:
            out.add(r.code)
            continue
        up = item.upper()
        if up == "ALL":
            out.update(_RULES)
            continue
        matched = [c for c in _RULES if c.startswith(up)] if up.startswith("CVX") else []
        if not matched:
            raise KeyError(item)
        out.update(matched)
    return out
