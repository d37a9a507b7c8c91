"""Finding projects, functions folders (apps and components) and the files to analyse.

Nothing here follows a path outside the workspace roots, and nothing is executed.
"""

from __future__ import annotations

import json
import os
import re
from typing import Iterator, Optional

from . import convex_versions as cv
from . import fs
from .fs import plain_absolute as _plain_absolute, relative_inside  # noqa: F401  (here for importers)
from .records import record, field

SKIP_DIRS = frozenset({"node_modules", ".git", "_generated", "dist", "build", ".next", ".turbo",
                       ".cache", "coverage", ".venv", "venv", "__pycache__", ".convex"})
JS_EXTS = (".js", ".jsx", ".mjs", ".cjs")
SOURCE_EXTS = (".ts", ".tsx", ".mts", ".cts") + JS_EXTS  # functions files: TypeScript and JavaScript
GENERATED_EXTS = (".ts", ".tsx", ".mts", ".cts", ".js")  # older projects get api.js + api.d.ts
TEST_FILE_RE = re.compile(r"(\.(test|spec)\.[cm]?[jt]sx?$)|(^|/)(__tests__|__mocks__)/|(^|/)test\.setup\.[cm]?[jt]s$")
# build output and tool caches: never read for references
BUILD_DIRS = frozenset({"dist", "build", "out", ".next", "coverage", ".vercel", ".output", ".turbo", ".svelte-kit",
                        ".nuxt", ".expo", ".netlify", ".wrangler", ".docusaurus", ".astro", ".parcel-cache",
                        "storybook-static", ".cache", "node_modules", "_generated", ".git", ".convex", "__pycache__",
                        ".venv", "venv", "bower_components", "vendor"})
MAX_REFERENCE_FILES = 20_000


@record
class FunctionsDir:
    path: str  # absolute, real path
    project_root: str  # folder holding package.json / convex.json
    kind: str = "app"  # app | component
    convex_version: Optional[str] = None  # "1.25.4" or a range "^1.17.0"

    def module_of(self, file_path: str) -> Optional[str]:
        rel = relpath_within(file_path, self.path)
        if rel.startswith(".."):
            return None
        base, _ = os.path.splitext(rel)
        return base.replace(os.sep, "/")


def relpath_within(path: str, folder: str) -> str:
    """`os.path.relpath(path, folder)`, by slicing when `relative_inside` can tell."""
    rel = relative_inside(path, folder)
    return rel if rel is not None else os.path.relpath(path, folder)


@record
class Workspace:
    roots: list[str]
    functions_dirs: list[FunctionsDir] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ref_roots: list[str] = field(default_factory=list)  # scanned for references (the roots, outermost)
    outer_monorepos: list[str] = field(default_factory=list)  # monorepos above the roots (not read)

    def dir_for(self, path: str) -> Optional[FunctionsDir]:
        """The innermost functions folder holding `path`: a dictionary lookup per parent folder
        (the answers are kept; rebuilt when `functions_dirs` is replaced or grows)."""
        dirs = self.functions_dirs
        cache = self.__dict__.get("_dir_cache")
        if cache is None or cache[0] is not dirs or cache[1] != len(dirs):
            by_path: dict[str, FunctionsDir] = {}
            for d in dirs:
                by_path.setdefault(d.path, d)
            cache = self.__dict__["_dir_cache"] = (dirs, len(dirs), by_path, {})
        _, _, by_path, answers = cache
        try:
            return answers[path]
        except KeyError:
            pass
        found = None
        cur = path
        while True:
            found = by_path.get(cur)
            if found is not None:
                break
            parent = os.path.dirname(cur)
            if parent == cur or not parent:
                break
            cur = parent
        if len(answers) < 200_000:
            answers[path] = found
        return found

    def module_and_dir(self, path: str) -> tuple[Optional[str], Optional[str]]:
        """(the functions folder holding `path`, `path`'s module name in it), or (None, None)."""
        d = self.dir_for(path)
        if d is None:
            return None, None
        return d.path, d.module_of(path)

    def inside_roots(self, path: str) -> bool:
        return _under_one_of(real_path(path), self.roots)

    def source_files(self, include_tests: bool = False) -> Iterator[tuple[str, FunctionsDir]]:
        """(path, functions dir) for every source file to analyse, `_generated` excluded."""
        seen: set[str] = set()
        for d in self.functions_dirs:
            for path in _walk_sources(d.path, self):
                if path in seen:
                    continue
                owner = self.dir_for(path)
                if owner is not d:
                    continue
                # (walked from d.path: the path is d.path + os.sep + rel; os.path.relpath costs more)
                rel = path[len(d.path) + 1:] if path.startswith(d.path + os.sep) else os.path.relpath(path, d.path)
                if os.sep != "/":
                    rel = rel.replace(os.sep, "/")
                if not include_tests and TEST_FILE_RE.search(rel):
                    continue
                seen.add(path)
                yield path, d

    def reference_files(self, linted: Optional[set[str]] = None) -> list[str]:
        """Every JavaScript/TypeScript file of the projects that is not a linted functions file:
        client code, tests (also those inside a functions folder), scripts, other packages of a
        monorepo. Build output, `node_modules/`, `_generated/` and git-ignored files are left out.
        (`linted`: the paths of `source_files()`, when the caller has them.)"""
        from .ignore import walk_files

        if linted is None:
            linted = {p for p, _ in self.source_files()}
        roots = self.ref_roots or self.roots
        out: list[str] = []
        seen: set[str] = set()
        for root in roots:
            for p in walk_files(root, BUILD_DIRS, SOURCE_EXTS, self.inside_roots_or_ref,
                                allowed_real=self._inside_roots_or_ref_real):
                if p in seen or p in linted or p.endswith(".d.ts") or p.endswith((".min.js", ".bundle.js")):
                    continue
                seen.add(p)
                out.append(p)
                if len(out) >= MAX_REFERENCE_FILES:
                    self.warnings.append(f"more than {MAX_REFERENCE_FILES} source files under {root}; "
                                         "references are read from the first ones only")
                    return out
        return out

    def is_reference_candidate(self, path: str) -> bool:
        """Could `path` be one of `reference_files()` (a file created or changed on disk later)?
        (`.gitignore` is not consulted here: an ignored file changed on disk is read once more.)"""
        if not path.endswith(SOURCE_EXTS) or path.endswith(".d.ts"):
            return False
        roots = self.ref_roots or self.roots
        root = next((r for r in roots if path.startswith(r.rstrip(os.sep) + os.sep)), None)
        if root is None:
            return False
        parts = os.path.relpath(path, root).split(os.sep)[:-1]
        return not any(p in BUILD_DIRS or p.startswith(".") for p in parts)

    def inside_roots_or_ref(self, path: str) -> bool:
        return _under_one_of(real_path(path), self.roots + self.ref_roots)

    def _inside_roots_or_ref_real(self, real: str) -> bool:
        """`inside_roots_or_ref` of a real path."""
        return _under_one_of(real, self.roots + self.ref_roots)

    def generated_files(self) -> Iterator[tuple[str, FunctionsDir]]:
        for d in self.functions_dirs:
            gen = os.path.join(d.path, "_generated")
            if not fs.isdir(gen) or fs.islink(gen):
                continue
            listing = fs.list_folder(gen)  # (regular files, file links known without an lstat each)
            for name in listing.files if listing is not None else ():
                if name.endswith(GENERATED_EXTS) and name not in listing.links:
                    yield os.path.join(gen, name), d


_FOLDER_SETS: dict[tuple[str, ...], frozenset[str]] = {}
_REAL_DIRS: dict[str, str] = {}  # folder -> its real path (see real_path; emptied by discover)


def real_path(path: str) -> str:
    """`os.path.realpath(path)`, with the real paths of the folders above memoised (`discover`
    empties the memo): one `lstat` per call instead of one per path component. Absolute paths
    without `.`/`..` components only (others, and the memo's own misses, go the plain way)."""
    if not _plain_absolute(path):
        return os.path.realpath(path)
    parent, name = os.path.split(path)
    real_parent = _REAL_DIRS.get(parent)
    if real_parent is None:
        real_parent = real_path(parent) if parent != os.sep else os.path.realpath(parent)
        if len(_REAL_DIRS) > 100_000:
            _REAL_DIRS.clear()
        _REAL_DIRS[parent] = real_parent
    cand = os.path.join(real_parent, name)
    if fs.islink(cand):  # (told by the folder's listing when a OneLook holds it)
        return os.path.realpath(cand)
    return cand


def _under_one_of(real: str, roots: list[str]) -> bool:
    """`real` (a real path) equals or lies inside one of `roots`: its parent folders looked up in
    a set (was a scan of every root per question: quadratic with hundreds of projects)."""
    key = tuple(roots)
    folders = _FOLDER_SETS.get(key)
    if folders is None:
        if len(_FOLDER_SETS) > 64:
            _FOLDER_SETS.clear()
        folders = _FOLDER_SETS[key] = frozenset(r.rstrip(os.sep) or os.sep for r in roots)
    cur = real
    while True:
        if cur in folders:
            return True
        parent = os.path.dirname(cur)
        if parent == cur:
            return False
        cur = parent


def keep_dir(name: str) -> bool:
    return name not in SKIP_DIRS and not name.startswith(".")


def walk_real(top: str, keep=keep_dir, warnings: Optional[list[str]] = None):
    """`fs.walk_listed`, with each folder's real path as a fifth item: `real_path(top)`, then a
    sub-folder's is its parent's plus its name (a walk enters no folder link: no `lstat` per folder).
    The real paths are remembered for `real_path` (files' real paths then cost one `lstat`)."""
    reals: dict[str, str] = {}
    for dirpath, dirnames, filenames, links in fs.walk_listed(top, keep, warnings):
        real = reals.pop(dirpath, None)
        if real is None:
            real = real_path(dirpath)
        if len(_REAL_DIRS) <= 100_000:
            _REAL_DIRS[dirpath] = real
        yield dirpath, dirnames, filenames, links, real
        for d in dirnames:  # (as the caller left them)
            reals[os.path.join(dirpath, d)] = os.path.join(real, d)


def _walk_sources(top: str, ws: Workspace) -> Iterator[str]:
    seen_real: set[str] = set()
    for dirpath, dirnames, filenames, links, real in walk_real(top, keep_dir, ws.warnings):
        if real in seen_real or not _under_one_of(real, ws.roots):  # (`ws.inside_roots` of a real path)
            dirnames[:] = []
            continue
        seen_real.add(real)
        for name in filenames:
            if not name.endswith(SOURCE_EXTS) or name.endswith(".d.ts"):
                continue
            p = os.path.join(dirpath, name)
            if name in links and not ws.inside_roots(p):
                ws.warnings.append(f"{p}: symbolic link to a file outside the workspace; not read")
                continue
            yield p


def _read_json(path: str) -> Optional[dict]:
    try:
        data = json.loads(fs.read_regular(path, 1_000_000).decode("utf-8-sig", errors="replace"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def convex_version(project_root: str, inside=None) -> Optional[str]:
    """The project's `convex`: the installed package's version, else package.json's when it is a
    plain version, else what a lockfile resolved (package-lock.json, pnpm-lock.yaml, yarn.lock,
    bun.lock; in the project root or a folder above it that `inside` admits, for monorepos), else
    package.json's range. None when nothing names it (rules then assume the newest release)."""
    installed = _read_json(os.path.join(project_root, "node_modules", "convex", "package.json"))
    if installed and isinstance(installed.get("version"), str):
        return installed["version"]
    declared = None
    pkg = _read_json(os.path.join(project_root, "package.json"))
    if pkg:
        for key in ("dependencies", "devDependencies", "peerDependencies"):
            deps = pkg.get(key)
            if isinstance(deps, dict) and isinstance(deps.get("convex"), str):
                declared = deps["convex"]
                break
    if declared is not None and cv.is_plain_version(declared):
        return declared.strip().lstrip("v")
    locked = _locked_convex(project_root, inside)
    return locked if locked is not None else declared


def _locked_convex(project_root: str, inside) -> Optional[str]:
    cur = project_root
    for _ in range(4):
        for name in cv.LOCKFILES:
            p = os.path.join(cur, name)
            if not fs.isfile(p):
                continue
            try:
                data = fs.read_regular(p, 20_000_000).decode("utf-8", errors="replace")
            except OSError:
                continue
            spec = cv.spec_from_versions(cv.lockfile_versions(name, data))
            if spec is not None:
                return spec
        parent = os.path.dirname(cur)
        if parent == cur or inside is None or not inside(parent):
            return None
        cur = parent
    return None


MAX_DOC_FILES = 20  # Markdown files read per folder


def project_docs(project_root: str, inside=None, functions_dir: Optional[str] = None) -> list[str]:
    """The Markdown files (`README.md`, `CONTRIBUTING.md`, ...) directly in the functions folder,
    in the project's folder and in up to three folders above it that `inside` admits (a monorepo's
    root README): where a project tells how to run its functions by hand. At most MAX_DOC_FILES
    per folder, sorted by name."""
    out: list[str] = []
    folders = [functions_dir] if functions_dir else []
    cur = project_root
    for _ in range(4):
        folders.append(cur)
        parent = os.path.dirname(cur)
        if parent == cur or inside is None or not inside(parent):
            break
        cur = parent
    for folder in folders:
        try:
            names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".md"))
        except OSError:
            continue
        for n in names[:MAX_DOC_FILES]:
            p = os.path.join(folder, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


def _is_component_config(path: str) -> bool:
    try:
        return b"defineComponent(" in fs.read_regular(path, 200_000)
    except OSError:
        return False


def discover(paths: list[str]) -> Workspace:
    """Find every functions folder under (or around) the given paths."""
    _REAL_DIRS.clear()  # a new look at the disk
    roots = []
    for p in paths or ["."]:
        real = real_path(p)  # (os.path.realpath, the folders above remembered)
        root = real if fs.isdir(real) else os.path.dirname(real)
        roots.append(root)
    ws = Workspace(roots=sorted(set(roots)))
    found: dict[str, FunctionsDir] = {}
    versions: dict[str, Optional[str]] = {}  # project root -> convex_version (an app and its components share it)
    holding: set[str] = set()  # the found folders and the folders above them (the file-system root aside)

    def add(path: str, project_root: str, kind: str) -> None:
        real = real_path(path)
        if not _under_one_of(real, ws.roots):  # (`ws.inside_roots` of a real path)
            ws.warnings.append(f"{os.path.join(project_root, 'convex.json')}: \"functions\" points outside the workspace ({path}); ignored")
            return
        if not fs.isdir(real):
            return
        if real not in found:
            if project_root not in versions:
                versions[project_root] = convex_version(project_root, ws.inside_roots)
            found[real] = FunctionsDir(real, project_root, kind, versions[project_root])
            holding.add(real)
            holding.update(_strict_ancestors(real))

    def near_found(root: str) -> bool:
        """A functions folder found so far equals `root`, lies inside it or holds it."""
        return root in holding or any(a in found for a in _strict_ancestors(root))

    for root in ws.roots:
        # a path inside a project's functions folder: that project
        up = enclosing_project(root)
        if up is not None:
            _add_project(up, add)
        # (walk_real: the folders' real paths remembered for `real_path`, which `add` asks)
        for dirpath, dirnames, filenames, _, _ in walk_real(root, keep_dir, ws.warnings):
            if "convex.json" in filenames or "package.json" in filenames:
                _add_project(dirpath, add)
            if "convex.config.ts" in filenames and _is_component_config(os.path.join(dirpath, "convex.config.ts")):
                proj = _project_root_above(dirpath, ws) or dirpath
                add(dirpath, proj, "component")
        # a bare functions folder given directly
        if not near_found(root):
            if fs.isfile(os.path.join(root, "schema.ts")) or fs.isdir(os.path.join(root, "_generated")):
                add(root, os.path.dirname(root), "app")
            elif fs.isdir(os.path.join(root, "convex")) and not fs.isfile(os.path.join(root, "convex.json")):
                # ./convex/ without a package.json (a convex.json naming another folder rules it out)
                add(os.path.join(root, "convex"), root, "app")
    ws.functions_dirs = sorted(found.values(), key=lambda d: d.path)
    set_reference_roots(ws)
    return ws


def _strict_ancestors(path: str) -> Iterator[str]:
    """The folders above `path`, the file-system root left out (nothing lies "inside" it here)."""
    cur = os.path.dirname(path)
    while True:
        parent = os.path.dirname(cur)
        if parent == cur:
            return
        yield cur
        cur = parent


MONOREPO_MARKERS = ("pnpm-workspace.yaml", "lerna.json", "turbo.json", "nx.json", "rush.json")


def _monorepo_root(start: str, ws: Workspace, levels: int = 4, seen: Optional[dict] = None) -> Optional[str]:
    """The monorepo a project lives in, when it lies above the workspace roots: a folder above with a
    workspaces marker file (only tested for existence: nothing outside the roots is opened).
    `seen`: folder -> (inside the roots, has a marker), shared by the projects of one workspace."""
    cur = os.path.dirname(start)
    for _ in range(levels):
        got = seen.get(cur) if seen is not None else None
        if got is None:
            got = (ws.inside_roots(cur), None)
        if got[0]:
            return None  # inside the workspace: walked anyway
        if got[1] is None:
            got = (False, any(fs.isfile(os.path.join(cur, m)) for m in MONOREPO_MARKERS))
        if seen is not None:
            seen[cur] = got
        if got[1]:
            return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent
    return None


def set_reference_roots(ws: Workspace) -> None:
    """The folders whose files are read for references: the roots. A project that belongs to a
    monorepo above them is noted (`ws.outer_monorepo`): its other packages may call its functions
    unseen, so fixes that rely on "no client calls it" are not offered."""
    roots = sorted(set(ws.roots))
    seen: dict = {}
    for d in ws.functions_dirs:
        if d.kind != "app":
            continue
        mono = _monorepo_root(d.project_root, ws, seen=seen)
        if mono is not None and mono not in ws.outer_monorepos:
            ws.outer_monorepos.append(mono)
            ws.warnings.append(f"{d.project_root} is part of the monorepo at {mono}: calls from its other packages "
                               f"are not seen from here (check {mono} to see them); fixes that need to know every "
                               "caller are not offered")
    # the outermost roots: those no other root holds (by their parent folders, not every pair)
    root_set = set(roots)
    top = os.sep in root_set
    ws.ref_roots = [r for r in roots if not any(a in root_set for a in _strict_ancestors(r))
                    and not (top and r != os.sep)]


def _add_project(dirpath: str, add) -> None:
    has_cfg = fs.isfile(os.path.join(dirpath, "convex.json"))
    cfg = _read_json(os.path.join(dirpath, "convex.json")) if has_cfg else None
    if cfg is not None and isinstance(cfg.get("functions"), str) and cfg["functions"].strip():
        target = os.path.join(dirpath, cfg["functions"])
        add(target, dirpath, "app")  # warns when it points outside the workspace
        if fs.isdir(target):
            return
    # no usable convex.json (missing, unparseable, no "functions", or a folder that does not exist):
    # the Convex default
    if fs.isfile(os.path.join(dirpath, "package.json")) or has_cfg:
        cand = os.path.join(dirpath, "convex")
        if fs.isdir(cand):
            add(cand, dirpath, "app")


def _functions_folder_of(project_root: str) -> str:
    return fs.remembered(("functions folder", project_root), lambda: _find_functions_folder(project_root))


def _find_functions_folder(project_root: str) -> str:
    cfg = _read_json(os.path.join(project_root, "convex.json")) if fs.isfile(
        os.path.join(project_root, "convex.json")) else None
    if cfg is not None and isinstance(cfg.get("functions"), str) and cfg["functions"].strip():
        target = os.path.join(project_root, cfg["functions"])
        if fs.isdir(target):
            return real_path(target)
    return real_path(os.path.join(project_root, "convex"))


def _is_project_folder(folder: str, listed: bool = False) -> bool:
    """A package.json or convex.json in `folder` (the answer kept while a `fs.OneLook` is open).
    `listed`: the folder is to be walked in this look anyway (a path given to check, inside the
    root the walk starts from): told from its listing, kept for the walk."""
    if listed and fs.looking():
        listing = fs.list_folder(folder)
        if listing is not None:
            return "package.json" in listing.file_set or "convex.json" in listing.file_set
    return fs.remembered(("project folder", folder), lambda: fs.isfile(os.path.join(folder, "package.json"))
                         or fs.isfile(os.path.join(folder, "convex.json")))


def enclosing_project(path: str) -> Optional[str]:
    """The project root of `path`: `path` itself when it holds a package.json or convex.json,
    else the nearest ancestor holding one whose functions folder contains `path`
    (`check convex/model` sees the whole project). An ancestor whose functions folder does not
    contain `path` is not its project: a stray package.json in a home folder neither hides the
    project's ./convex/ nor pulls the folders beside it into the run."""
    cur = path
    while True:
        if _is_project_folder(cur, listed=cur == path):
            if cur == path:
                return cur
            fdir = _functions_folder_of(cur)
            if path == fdir or path.startswith(fdir.rstrip(os.sep) + os.sep):
                return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _project_root_above(path: str, ws: Workspace) -> Optional[str]:
    cur = path
    while True:
        if _is_project_folder(cur):
            return cur if ws.inside_roots(cur) or any(r.startswith(cur + os.sep) for r in ws.roots) else None
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent
