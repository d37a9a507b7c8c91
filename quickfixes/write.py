"""Writing the results of `check --fix` to disk: atomic, checked, all-or-nothing.

`write_changes(changes, confine)` is the only place that writes a user's source file:

- every file is first checked: it must still exist (a deleted file is not re-created), still be
  a regular file, resolve (through any symbolic link) to a place inside one of the `confine`
  folders (the functions folders) and outside `node_modules/` and `_generated/`, and still hold
  exactly the bytes that were analysed (a file saved meanwhile is left alone). A file that fails
  a check is skipped with a message, and so is every file a cross-file fix ties to it (`groups`);
- the new contents of every remaining file are written to a temporary file in the same folder
  (same permission bits) and synced; any failure there (a full disk) removes the temporary
  files and changes nothing;
- then each temporary file is moved over its original with `os.replace` (atomic on POSIX).
  A failure while moving puts the already moved files back; SIGINT is held back during the moves
  and re-raised after them, so an interrupted run leaves every file either old or new.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

FORBIDDEN_PARTS = frozenset({"node_modules", "_generated"})
TMP_SUFFIX = ".convex-lsp.tmp"


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # human-readable, one per skipped file
    error: Optional[str] = None  # set when nothing could be written (the run is all-or-nothing)


@dataclass
class _Job:
    path: str  # as analysed (what messages show)
    target: str  # the real file to replace (a symlink's target)
    old: bytes
    new: bytes
    mode: int = 0o644
    tmp: Optional[str] = None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _confined(real: str, confine: list[str]) -> bool:
    for folder in confine:
        if _inside(real, folder):
            rel = os.path.relpath(real, folder).split(os.sep)
            return not any(part in FORBIDDEN_PARTS for part in rel)
    return False


def _check(path: str, old: bytes, confine: Optional[list[str]],
           link_confine: Optional[list[str]] = None) -> tuple[Optional[_Job], Optional[str]]:
    """The job for `path`, or (None, why it is skipped)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None, f"{path}: deleted since it was analysed; not re-created"
    except OSError as e:
        return None, f"{path}: cannot be checked ({e.strerror or e}); not written"
    target = os.path.realpath(path) if stat.S_ISLNK(st.st_mode) else path
    real = os.path.realpath(path)
    if (confine is not None and not _confined(real, confine)) or (
            link_confine is not None and real != os.path.abspath(path) and not _confined(real, link_confine)):
        return None, f"{path}: resolves outside the functions folder or into node_modules/_generated; not written"
    try:
        st = os.stat(target)
    except OSError as e:
        return None, f"{path}: cannot be checked ({e.strerror or e}); not written"
    if not stat.S_ISREG(st.st_mode):
        return None, f"{path}: not a regular file; not written"
    if st.st_size != len(old) or _read(target) != old:
        return None, f"{path}: changed since it was analysed; not written (run the fix again)"
    return _Job(path, target, old, b"", stat.S_IMODE(st.st_mode)), None


def _read(path: str) -> Optional[bytes]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    finally:
        os.close(fd)


def _groups(paths: Iterable[str], links: Iterable[Iterable[str]]) -> dict[str, set[str]]:
    """path -> every path a chain of cross-file fixes ties it to (itself included)."""
    group = {p: {p} for p in paths}
    for link in links:
        members = [p for p in link if p in group]
        if len(members) < 2:
            continue
        merged = set().union(*(group[p] for p in members))
        for p in merged:
            group[p] = merged
    return group


def _prepare(job: _Job) -> None:
    folder = os.path.dirname(job.target)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(job.target) + ".", suffix=TMP_SUFFIX, dir=folder)
    job.tmp = tmp
    try:
        fh = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        fh.write(job.new)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, job.mode)


def _discard(jobs: Iterable[_Job]) -> None:
    for job in jobs:
        if job.tmp is not None:
            try:
                os.unlink(job.tmp)
            except OSError:
                pass
            job.tmp = None


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back (only the main thread can install a handler); re-raise it afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda sig, frame: got.append(sig))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if got:
            raise KeyboardInterrupt


def write_changes(changes: dict[str, tuple[bytes, bytes]], confine: Optional[list[str]] = None,
                  links: Iterable[Iterable[str]] = (), link_confine: Optional[list[str]] = None) -> WriteResult:
    """Write `changes` (path -> (bytes analysed, new bytes)); see the module docstring.

    `confine`: the folders a written file must resolve into, never through node_modules/ or
    _generated/ (the workspace: a fix may edit callers in tests/ or scripts/; None: anywhere);
    `link_confine`: where a path that goes through a symbolic link may lead (the functions folders);
    `links`: groups of paths edited by one fix (skipping one skips them all)."""
    res = WriteResult()
    paths = sorted(changes)
    jobs: dict[str, _Job] = {}
    bad: dict[str, str] = {}
    for p in paths:
        job, why = _check(p, changes[p][0], confine, link_confine)
        if job is None:
            bad[p] = why or f"{p}: not written"
        else:
            job.new = changes[p][1]
            jobs[p] = job
    groups = _groups(paths, links)
    for p in paths:
        if p in bad:
            res.skipped.append(bad[p])
            continue
        blocker = next((q for q in sorted(groups[p]) if q in bad), None)
        if blocker is not None:
            res.skipped.append(f"{p}: not written either: a fix edits it together with {blocker}")
            del jobs[p]
    todo = [jobs[p] for p in paths if p in jobs]
    if len({j.target for j in todo}) != len(todo):
        res.error = "two of the fixed paths are the same file (symbolic links); nothing was written"
        return res
    try:
        for job in todo:
            _prepare(job)
    except OSError as e:
        _discard(todo)
        res.error = f"cannot write {job.path}: {e.strerror or e}; nothing was written"
        return res
    except BaseException:
        _discard(todo)
        raise
    moved: list[_Job] = []
    with _sigint_held():
        try:
            for job in todo:
                os.replace(job.tmp, job.target)
                job.tmp = None
                moved.append(job)
        except OSError as e:
            _discard(todo)
            failed = _rollback(moved)
            res.error = f"cannot replace {job.path}: {e.strerror or e}; " + (
                "nothing was written" if not failed else "could not restore " + ", ".join(failed))
            return res
    res.written = [j.path for j in moved]
    return res


def _rollback(moved: list[_Job]) -> list[str]:
    """Put back the analysed bytes of the files already replaced; the paths that failed."""
    failed = []
    for job in reversed(moved):
        job.new = job.old
        try:
            _prepare(job)
            os.replace(job.tmp, job.target)
            job.tmp = None
        except OSError:
            _discard([job])
            failed.append(job.path)
    return failed
