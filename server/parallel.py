"""Linting a large project in worker processes (fork), with the serial path's findings.

When the files fall into several units (server/units.py: functions folders closed under relative
imports), the processes share the units: the main process reads the reference-only files, forks,
and every process takes the next unit (largest first) from a shared counter, parses it, lints it
while its trees are held and lets them go. Only findings come back. A target no unit could lint
exactly (the load guard said no, or its tree did not fit) is linted at the end by the main
process, with the whole index (the workers then send their facts).

With one dominant unit (one large functions folder), two phases over N processes instead (the
main process takes one share itself):

1. each process parses its share of the files and extracts their `FileFacts` (plain,
   picklable data), keeping the parsed models; the workers send their facts back;
2. the main process sends every process the facts of the others; each builds the same
   `WorkspaceIndex` (facts inserted in the serial path's order), lints its own models
   and the workers send back their findings.

Only facts and findings cross process boundaries, never trees. Any failure (no `fork` on
this platform, a worker that dies, something unpicklable) returns None and the caller
lints serially instead.
"""

from __future__ import annotations

import logging
import os
import pickle
from typing import Optional

log = logging.getLogger("convex_lsp")


def _shares(paths: list[str], n: int) -> list[list[str]]:
    """Split files into n shares of about equal bytes (largest first, to the lightest share)."""
    sizes = []
    for p in paths:
        try:
            sizes.append((os.path.getsize(p), p))
        except OSError:
            sizes.append((0, p))
    sizes.sort(key=lambda t: (-t[0], t[1]))
    shares: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for size, p in sizes:
        i = load.index(min(load))
        shares[i].append(p)
        load[i] += size + 2000  # a per-file overhead, so many tiny files still spread
    return shares


def _parse(plan, paths: list[str]):
    from convex_lsp.analysis.engine import build_model

    models = {}
    for p in paths:
        models[p] = build_model(p, None, plan.workspace)
    return models


def _index(plan, facts: dict):
    from convex_lsp.analysis.index import WorkspaceIndex

    index = WorkspaceIndex(plan.workspace)
    for p in plan.load:  # the serial path's insertion order
        f = facts.get(p)
        if f is not None:
            index.set_facts(p, f)
    return index


class _Queue:
    """Lint-phase work sharing: each process lints its own share from the front; one that
    runs out takes files from the back of the fullest other share (parsing them again,
    which costs far less than the rules). Lint cost per file varies a lot, bytes do not
    predict it well, and this keeps both cores busy to the end."""

    def __init__(self, ctx, shares: list[list[str]]):
        self.shares = shares
        n = len(shares)
        self.bounds = ctx.Array("i", [0] * n + [len(s) for s in shares], lock=True)
        self.n = n

    def take(self, me: int) -> Optional[str]:
        b = self.bounds
        n = self.n
        with b.get_lock():
            if b[me] < b[n + me]:
                b[me] += 1
                return self.shares[me][b[me] - 1]
            best, left = -1, 0
            for j in range(n):
                rem = b[n + j] - b[j]
                if rem > left:
                    best, left = j, rem
            if best < 0:
                return None
            b[n + best] -= 1
            return self.shares[best][b[n + best]]


def _lint(plan, models: dict, index, with_fixes: bool, queue: Optional[_Queue] = None, me: int = 0):
    from convex_lsp.analysis.engine import build_model

    from .linting import LazyModels, lint_models, plan_analyzer

    analyzer = None
    if with_fixes:
        analyzer = plan_analyzer(plan, load=False)
        analyzer.index = index
        analyzer.models = models = LazyModels(plan, models)
    if queue is None:
        ordered = [models[p] for p in plan.load if p in models]
        return lint_models(ordered, index, plan.config_for, plan.targets, analyzer, with_fixes)
    out = []
    while True:
        path = queue.take(me)
        if path is None:
            return out
        model = models.get(path)
        if model is None:  # taken from another share: parse it here
            model = models[path] = build_model(path, None, plan.workspace)
        out.extend(lint_models([model], index, plan.config_for, plan.targets, analyzer, with_fixes))


def _worker(conn, plan, paths: list[str], with_fixes: bool, queue: _Queue, me: int) -> None:
    try:
        models = _parse(plan, paths)
        conn.send_bytes(pickle.dumps({p: m.facts for p, m in models.items()}, pickle.HIGHEST_PROTOCOL))
        others = pickle.loads(conn.recv_bytes())
        if others is None:
            return
        facts = dict(others)
        facts.update({p: m.facts for p, m in models.items()})
        findings = _lint(plan, models, _index(plan, facts), with_fixes, queue, me)
        conn.send_bytes(pickle.dumps(("ok", findings), pickle.HIGHEST_PROTOCOL))
    except BaseException as e:  # report, never hang the parent
        try:
            conn.send_bytes(pickle.dumps(("error", repr(e))))
        except Exception:
            pass
    finally:
        conn.close()


def run_parallel(plan, n: int, with_fixes: bool = False, progress=None) -> Optional[list]:
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        return None
    from .linting import KEEP_TREES_BYTES, _CacheState
    from .units import UnitRunner

    state = _CacheState(plan, None, with_fixes)
    runner = UnitRunner(plan, state, with_fixes, KEEP_TREES_BYTES)
    sizes = sorted((len(u) for u in runner.units), reverse=True)
    if len(sizes) >= 2 and sizes[0] * 2 <= sum(sizes):
        try:
            return _run_units(ctx, plan, runner, n, with_fixes, progress)
        except Exception as e:
            log.warning("parallel linting failed (%s); linting in one process", e)
            return None
        finally:
            runner.close()
    runner.close()
    del runner  # (its bytes read for the units: not carried into the forked workers)
    return _run_shares(ctx, plan, n, with_fixes, progress)


def _take(counter, order: list[int]) -> Optional[int]:
    with counter.get_lock():
        k = counter.value
        if k >= len(order):
            return None
        counter.value = k + 1
    return order[k]


def _unit_worker(conn, runner, counter, order: list[int]) -> None:
    try:
        while True:
            u = _take(counter, order)
            if u is None:
                break
            runner.lint_unit(runner.units[u])
        conn.send_bytes(pickle.dumps(("ok", runner.done, runner.loaded), pickle.HIGHEST_PROTOCOL))
        if conn.recv_bytes() == b"facts":
            runner.index_loaded()
            facts = runner.index.facts
            mine = {p: dict.__getitem__(facts, p) for p in runner.state.in_index if p not in runner.plan.refs_only}
            conn.send_bytes(pickle.dumps(mine, pickle.HIGHEST_PROTOCOL))
    except BaseException as e:  # report, never hang the parent
        try:
            conn.send_bytes(pickle.dumps(("error", repr(e), 0)))
        except Exception:
            pass
    finally:
        conn.close()


def _run_units(ctx, plan, runner, n: int, with_fixes: bool, progress) -> list:
    from .units import lint_targets

    runner.load_references()
    runner.index_loaded()  # (before the fork: every process has them)
    units = runner.units
    order = sorted(range(len(units)), key=lambda i: (-len(units[i]), i))
    counter = ctx.Value("i", 0, lock=True)
    workers = []
    try:
        for _ in range(n - 1):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_unit_worker, args=(child, runner, counter, order), daemon=True)
            proc.start()
            child.close()
            workers.append((proc, parent))
        while True:
            u = _take(counter, order)
            if u is None:
                break
            runner.lint_unit(units[u])
        done = dict(runner.done)
        for proc, conn in workers:
            status, payload, loaded = pickle.loads(conn.recv_bytes())
            if status != "ok":
                raise RuntimeError(f"worker failed: {payload}")
            done.update(payload)
            if progress is not None:
                progress.advance(loaded * 0.5)
        left = any(p in plan.targets and p not in done for p in plan.load)
        for proc, conn in workers:
            conn.send_bytes(b"facts" if left else b"bye")
        state = runner.state
        if left:
            # the whole index (the workers' facts too), in the plan's order, for the plain lint of what is left
            runner.index_loaded()
            runner.close()
            for proc, conn in workers:
                got = pickle.loads(conn.recv_bytes())
                if not isinstance(got, dict):
                    raise RuntimeError(f"worker failed: {got!r}")
                for p, f in got.items():
                    if p not in state.in_index:
                        state.parsed[p] = f
            state.ensure_index()
        return lint_targets(plan, state, with_fixes, done, progress)
    finally:
        _stop(workers)


def _stop(workers) -> None:
    """Close each worker's pipe and wait for it (a few seconds, then terminate it)."""
    for proc, conn, *_ in workers:
        try:
            conn.close()
        except Exception:
            pass
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()


def _run_shares(ctx, plan, n: int, with_fixes: bool, progress) -> Optional[list]:
    shares = [s for s in _shares(plan.load, n) if s]
    if len(shares) < 2:
        return None
    mine, rest = shares[0], shares[1:]
    workers = []
    try:
        queue = _Queue(ctx, shares)
        for me, share in enumerate(rest, start=1):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, plan, share, with_fixes, queue, me), daemon=True)
            proc.start()
            child.close()
            workers.append((proc, parent, share))
        # phase 1: parse my share while the workers parse theirs
        models = _parse(plan, mine)
        if progress is not None:
            progress.advance(len(mine) * 0.5)
        facts = {p: m.facts for p, m in models.items()}
        worker_facts = []
        for proc, conn, share in workers:
            got = pickle.loads(conn.recv_bytes())
            if not isinstance(got, dict):
                raise RuntimeError(f"worker failed while parsing: {got!r}")
            worker_facts.append(got)
            facts.update(got)
            if progress is not None:
                progress.advance(len(share) * 0.5)
        # phase 2: everyone gets the facts they lack, then lints its own share
        for (proc, conn, share), own in zip(workers, worker_facts):
            others = {p: f for p, f in facts.items() if p not in own}
            conn.send_bytes(pickle.dumps(others, pickle.HIGHEST_PROTOCOL))
        findings = _lint(plan, models, _index(plan, facts), with_fixes, queue, 0)
        if progress is not None:
            progress.advance(len(mine) * 0.5)
        for proc, conn, share in workers:
            status, payload = pickle.loads(conn.recv_bytes())
            if status != "ok":
                raise RuntimeError(f"worker failed while linting: {payload}")
            findings.extend(payload)
            if progress is not None:
                progress.advance(len(share) * 0.5)
        return findings
    except Exception as e:
        log.warning("parallel linting failed (%s); linting in one process", e)
        return None
    finally:
        _stop(workers)
