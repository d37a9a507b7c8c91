"""What `convex-lsp check` does between the command line and the reporters.

- `prepare(paths, ...)`: discover the functions folders, find and load the configuration
  (one per project: the `convex-lsp.toml`/`.convex-lsp.toml` nearest to it, or `--config`),
  apply the command-line overrides, and list the files to load and the files to report on.
- `run(plan, jobs=...)`: parse, index and lint, serially or in worker processes
  (`parallel.py`); findings are identical either way.
- `apply_fixes(plan, ...)`: the `--fix`/`--diff` loop.

No pygls here, and nothing imported that the CLI does not need.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Optional

from convex_lsp.analysis.config import Config, ConfigError, find_config, load_file
from convex_lsp.analysis.fs import OneLook
from convex_lsp.analysis.ignore import GitIgnore
from convex_lsp.analysis.project import FunctionsDir, Workspace, convex_version, discover, set_reference_roots
from convex_lsp.analysis.records import record, field
from convex_lsp.analysis.registry import Finding, resolve_selectors

from .linting import (  # noqa: F401  (re-exported: the CLI and tests use them through runner)
    KEEP_TREES_BYTES,
    LazyModels,
    _CacheState,
    attach_fixes,
    lint_models,
    plan_analyzer,
    quickfixes_module,
    sort_findings,
)

class UsageError(Exception):
    """A bad command line, path or configuration: exit 2 with this message."""


@record
class Overrides:
    select: Optional[list[str]] = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)


@record
class Plan:
    workspace: Workspace
    configs: dict[str, Config]  # functions dir path -> config
    default: Config
    load: list[str]  # every file whose facts go into the index (ordered)
    targets: set[str]  # files whose findings are reported
    warnings: list[str] = field(default_factory=list)
    refs_only: set[str] = field(default_factory=set)  # in `load` for their references only (never linted)
    real_paths: dict[str, str] = field(default_factory=dict)  # a path as given -> its real path
    given_files: set[str] = field(default_factory=set)  # paths as given known to be regular files (no links)

    def config_for(self, path: str) -> Config:
        d = self.workspace.dir_for(path)
        if d is not None and d.path in self.configs:
            return self.configs[d.path]
        return self.default


# ---------------------------------------------------------------- selection


def split_selectors(values: Optional[Iterable[str]], flag: str) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out.extend(s.strip() for s in v.split(",") if s.strip())
    try:
        resolve_selectors(out)
    except KeyError as e:
        raise UsageError(f"{flag}: unknown rule {e.args[0]!r}; `convex-lsp rule --all` lists the rules") from None
    return out


def apply_overrides(cfg: Config, ov: Overrides) -> Config:
    """Command-line selection on top of a file's (as in ruff: a later `select` resets)."""
    out = Config(**{k: getattr(cfg, k) for k in cfg._record_fields})
    out.ignore = set(cfg.ignore)
    out.extend_select = set(cfg.extend_select)
    ignore = resolve_selectors(ov.ignore)
    extend = resolve_selectors(ov.extend_select)
    if ov.select is not None:
        out.select = resolve_selectors(ov.select)
        out.ignore = ignore
        out.extend_select = extend
    else:
        out.ignore = (out.ignore - extend) | ignore
        out.extend_select = out.extend_select | extend
    return out


# ---------------------------------------------------------------- discovery


def _project_root_of(path: str) -> Optional[str]:
    from convex_lsp.analysis.project import enclosing_project

    return enclosing_project(path)  # never a stray ancestor package.json (it stops at the workspace)


def _check_path(p: str) -> str:
    if not os.path.exists(p):
        raise UsageError(f"{p}: no such file or directory")
    if not os.access(p, os.R_OK) or (os.path.isdir(p) and not os.access(p, os.X_OK)):
        raise UsageError(f"{p}: permission denied")
    return os.path.realpath(p)


def _check_paths(paths: list[str], files: Optional[set[str]] = None) -> list[str]:
    """`_check_path` of each, the real path of a folder worked out once for all its files (and
    from its parent's: one `lstat` per folder). `files`: gets the paths (as given) that are
    regular files, not links."""
    import stat

    out: list[str] = []
    real_dirs: dict[str, str] = {}
    for p in paths:
        try:
            st = os.lstat(p)
        except OSError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode) or not os.access(p, os.R_OK) \
                or (".." in p and ".." in p.split(os.sep)):
            out.append(_check_path(p))  # a folder, a link, or the error message
            continue
        head, tail = os.path.split(p)  # (the folder as given: its real path is the same answer)
        out.append(os.path.join(_real_dir(head, real_dirs), tail))
        if files is not None:
            files.add(p)
    return out


def _real_dir(folder: str, memo: dict[str, str]) -> str:
    """`os.path.realpath(folder)` for a folder named without `..` (it holds a file), the answers
    for it and the folders above it kept in `memo`: a folder that is no link is its parent's real
    path plus its name."""
    walked: list[str] = []
    cur = folder
    while cur not in memo:
        parent, name = os.path.split(cur)
        if not parent or not name or parent == cur or name == ".":  # '', '.', '/', 'a/.': ask os.path
            memo[cur] = os.path.realpath(cur)
            break
        walked.append(cur)
        cur = parent
    for f in reversed(walked):
        parent, name = os.path.split(f)
        cand = os.path.join(memo[parent], name)
        memo[f] = os.path.realpath(cand) if os.path.islink(cand) else cand
    return memo[folder]


def _under_any(paths: Iterable[str], given: list[str]) -> Iterable[str]:
    """The paths equal to or inside one of `given` (by their folders, not a scan of `given`)."""
    exact = set(given)
    folders = {g.rstrip(os.sep) for g in given}
    if "" in folders:  # the file-system root
        return list(paths)
    memo: dict[str, Optional[bool]] = {}

    def given_folder(folder: str) -> Optional[bool]:
        return True if folder in folders else None

    return [p for p in paths if p in exact or _nearest_up(os.path.dirname(p), memo, given_folder)]


def _nearest_up(folder: str, memo: dict, look: Callable[[str], Optional[object]]) -> Optional[object]:
    """`look(f)` of `folder` and of its parents, nearest first, until one answers (not None) or the
    root is reached; every folder walked remembers the answer in `memo` (a walk stops at a folder
    answered before)."""
    walked: list[str] = []
    cur = folder
    found = None
    while True:
        if cur in memo:
            found = memo[cur]
            break
        walked.append(cur)
        found = look(cur)
        if found is not None:
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    for f in walked:
        memo[f] = found
    return found


def prepare(paths: list[str], overrides: Optional[Overrides] = None, config_path: Optional[str] = None) -> Plan:
    """Discover, configure and list the files (`Plan`). The disk is looked at once while doing
    so (`fs.OneLook`: folder listings and file tests shared by the steps, forgotten after)."""
    with OneLook():
        return _prepare(paths, overrides, config_path)


def _prepare(paths: list[str], overrides: Optional[Overrides], config_path: Optional[str]) -> Plan:
    overrides = overrides or Overrides()
    paths = paths or ["."]
    given_files: set[str] = set()
    given = _check_paths(paths, given_files)
    known_files = {r for p, r in zip(paths, given) if p in given_files}
    # Discover from each path's project root so that `check convex/model` still sees the
    # whole functions folder (the index needs the schema and the builders); report only
    # on the files under the given paths. (Thousands of files may be named: one answer per
    # folder, each root once.)
    roots: dict[str, None] = {}
    root_of: dict[str, str] = {}
    for p in given:
        base = os.path.dirname(p) if p in known_files else p if os.path.isdir(p) else os.path.dirname(p)
        if base not in root_of:
            root_of[base] = _project_root_of(base) or base
        roots[root_of[base]] = None
    roots = list(roots)
    ws = discover(roots)

    explicit: Optional[Config] = None
    if config_path is not None:
        if not os.path.isfile(config_path):
            raise UsageError(f"{config_path}: `--config`: no such file")
        explicit = load_file(config_path)  # ConfigError propagates

    cache: dict[str, Config] = {}
    found_from: dict[str, Optional[str]] = {}  # (find_config's memo for this run)

    def config_at(start: str) -> Optional[Config]:
        if explicit is not None:
            return explicit
        found = find_config(start, memo=found_from)
        if found is None:
            return None
        if found not in cache:
            cache[found] = load_file(found)
        return cache[found]

    # `functions-dir` in a config beside a root (or a discovered project) names the folder.
    project_roots = list(dict.fromkeys(roots + [d.project_root for d in ws.functions_dirs]))
    moved = False
    for proot in project_roots:
        cfg = config_at(proot)
        if cfg is None or not cfg.functions_dir or cfg.root is None:
            continue
        if os.path.commonpath([cfg.root, proot]) != cfg.root:
            continue
        fd = os.path.realpath(os.path.join(cfg.root, cfg.functions_dir))
        key = "functions-dir"
        if not ws.inside_roots(fd):  # confined to the workspace, as convex.json's "functions"
            ws.warnings.append(f"{cfg.source or 'config'}: functions-dir points outside the workspace "
                               f"({cfg.functions_dir}); ignored")
            continue
        if not os.path.isdir(fd):
            raise ConfigError(cfg.source or "config", key, f"{cfg.functions_dir!r} is not a folder (relative to {cfg.root})")
        if any(d.path == fd for d in ws.functions_dirs):
            continue
        # the configured folder replaces the one guessed for that project
        moved = True
        ws.functions_dirs = [d for d in ws.functions_dirs if d.project_root != cfg.root]
        ws.functions_dirs.append(FunctionsDir(fd, cfg.root, "app", convex_version(cfg.root)))
        ws.functions_dirs.sort(key=lambda d: d.path)

    configs: dict[str, Config] = {}
    for d in ws.functions_dirs:
        cfg = config_at(d.path) or Config(root=d.project_root)
        configs[d.path] = apply_overrides(cfg, overrides)
    default = apply_overrides(explicit or Config(root=os.getcwd()), overrides)

    load: list[str] = []
    gitignore = GitIgnore()
    sources: set[str] = set()
    for path, d in ws.source_files():
        sources.add(path)
        cfg = configs[d.path]
        if cfg.is_excluded(path) or (cfg.respect_gitignore and gitignore.ignored(path, d.project_root)):
            continue
        load.append(path)
    for path, d in ws.generated_files():
        load.append(path)
    lintable = list(load)
    # client code, tests, scripts: indexed for references, never linted
    if moved:
        set_reference_roots(ws)  # (discover set them for the folders it found)
    refs_only = [p for p in ws.reference_files(sources) if not _excluded_anywhere(p, configs)]
    load.extend(refs_only)

    targets = set(_under_any(lintable, given))
    return Plan(ws, configs, default, load, targets, list(ws.warnings), refs_only=set(refs_only),
                real_paths=dict(zip(paths, given)), given_files=given_files)


def _excluded_anywhere(path: str, configs: dict[str, Config]) -> bool:
    for cfg in configs.values():
        if cfg.root and (path == cfg.root or path.startswith(cfg.root.rstrip(os.sep) + os.sep)) \
                and cfg.is_excluded(path):
            return True
    return False


def skip_reason(plan: Plan, path: str) -> Optional[str]:
    """Why a file named on the command line is not linted (None: it is)."""
    real = plan.real_paths.get(path) or os.path.realpath(path)
    if real in plan.targets:
        return None
    from convex_lsp.analysis.project import BUILD_DIRS, SOURCE_EXTS, TEST_FILE_RE

    name = os.path.basename(real)
    if not name.endswith(SOURCE_EXTS) or name.endswith(".d.ts"):
        return "not a TypeScript or JavaScript source file"
    parts = real.split(os.sep)
    if "_generated" in parts:
        return "generated by Convex (`_generated/`); checked only for hand edits when its folder is linted"
    build = next((p for p in parts[:-1] if p in BUILD_DIRS), None)
    if build is not None:
        return f"inside `{build}/` (dependencies or build output)"
    d = plan.workspace.dir_for(real)
    if d is None:
        if real in plan.refs_only:
            return "outside the Convex functions folder: read for references to functions, tables and indexes only"
        return "outside every Convex functions folder"
    if TEST_FILE_RE.search(os.path.relpath(real, d.path).replace(os.sep, "/")):
        return "a test file: read for references only, not linted"
    if plan.config_for(real).is_excluded(real):
        return "excluded by the configuration (`exclude`)"
    if real not in plan.load:
        return "ignored (git-ignored or hidden folder)"
    return "not linted"


# ---------------------------------------------------------------- linting
# (the pieces the worker processes share live in linting.py: parallel.py imports them from
# there, so runner -> parallel -> linting has no circle)


def _free_cores() -> int:
    """Cores not busy with other work (load average), at least 1."""
    n = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (OSError, AttributeError):
        return n
    return max(1, int(n - busy + 0.5))


def run_serial(plan: Plan, with_fixes: bool = False, progress=None, cache=None, budget: Optional[int] = None):
    """Lint in this process; returns (findings, analyzer). With a `cache` (analysis/cache.py),
    unchanged files' facts and findings are read from it instead of parsed and linted.

    Files are taken unit by unit (server/units.py): a functions folder's files are parsed, indexed
    and linted while their trees are held (up to `budget` bytes of source, `KEEP_TREES_BYTES` by
    default), then let go; what a unit's lint could not read exactly yet is linted at the end,
    parsed again. A fix that needs another file's tree parses it on demand."""
    from .units import run_serial_units

    state = _CacheState(plan, cache, with_fixes)
    out = run_serial_units(plan, state, with_fixes, KEEP_TREES_BYTES if budget is None else budget, progress)
    state.close()
    return sort_findings(out), state.analyzer


def run(plan: Plan, jobs: Optional[int] = None, with_fixes: bool = False, progress=None,
        min_files: int = 500, cache: bool = True) -> list[Finding]:
    """Lint the plan; in worker processes when it pays. A second process costs about 15% more
    CPU in all (each builds the index, lint work is shared less evenly) and wins only on a free
    core: by default (`jobs` 0) workers are used for large projects only, one per free core, and
    not when the persistent cache is on (its answers come from one process)."""
    from convex_lsp.analysis.cache import Cache

    store = Cache.open(cache)
    if jobs and jobs > 0:
        n, small = jobs, 40
    else:
        n, small = min(os.cpu_count() or 1, _free_cores()), min_files
        if store is not None:
            n = 1
    if n > 1 and len(plan.load) > small:
        from . import parallel

        found = parallel.run_parallel(plan, n, with_fixes=with_fixes, progress=progress)
        if found is not None:
            return sort_findings(found)
    return run_serial(plan, with_fixes=with_fixes, progress=progress, cache=store)[0]


def fix_loop(plan: Plan, unsafe: bool):
    """`--fix`/`--diff`: lint, apply fixes, re-lint until nothing changes (the quickfixes
    package's `fix_files`). Nothing is written here: returns (report, remaining findings),
    the remaining findings computed on the fixed contents."""
    qf = quickfixes_module()
    an = plan_analyzer(plan)
    targets = [p for p in plan.load if p in plan.targets]
    before = lint_models([an.models[p] for p in plan.load], an.index, plan.config_for, plan.targets)
    report = qf.fix_files(an, targets, unsafe=unsafe)
    remaining = sort_findings(lint_models([an.models[p] for p in plan.load], an.index, plan.config_for,
                                          plan.targets, an, with_fixes=True))
    report.resolved = resolved_count(before, remaining)
    return report, remaining


def resolved_count(before: list[Finding], after: list[Finding]) -> int:
    """How many findings of `before` are gone in `after`, counted per file and rule (positions
    move, and messages may name what a fix renamed): the "Fixed N problems" of `--fix`, which
    is what the "[*] N fixable" line of the run before announced (a fix may also resolve a
    finding it was not made for, or apply to two at once: counting applied fixes would not match)."""
    from collections import Counter

    b = Counter((f.path, f.code) for f in before)
    a = Counter((f.path, f.code) for f in after)
    return sum(max(0, n - a[k]) for k, n in b.items())
