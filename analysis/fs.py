"""Reading the file system defensively: regular files only, bounded reads, bounded walks.

- `read_regular(path, limit)`: the bytes of a regular file (following symbolic links), never
  more than `limit + 1` bytes. A FIFO, socket or device raises `NotRegularFile` before anything
  is read (the open itself does not block: O_NONBLOCK), so a named pipe never hangs the linter and
  `/dev/zero` is never read.
- `walk(top, ...)`: `os.walk` without recursion (a 1,000-level folder chain is no RecursionError),
  without following folder links, listing only regular files (FIFOs, sockets, devices and broken
  links are left out), stopping past `max_depth` levels or `max_entries` entries with a warning.
- `write_atomic(path, data)`: a temporary file in the same folder moved over `path`, so readers
  see the old content or the new one, whole; the temporary file never outlives a failure.
- `printable(path)`: a file name that is not valid UTF-8 (Python keeps its bytes as lone
  surrogates) with those bytes escaped (`\\xff`), for every output.
"""

from __future__ import annotations

import os
import stat
from typing import Callable, Iterator, Optional

MAX_WALK_DEPTH = 64
MAX_WALK_ENTRIES = 200_000


class NotRegularFile(OSError):
    """The path names a FIFO, socket, device or folder, not a regular file."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_regular(path: str, limit: int) -> bytes:
    """Up to `limit + 1` bytes of the regular file `path` (the caller sees it is too large);
    raises `NotRegularFile` (an OSError) for anything else, OSError when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{_kind(mode)}, not a regular file")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def walk(top: str, keep_dir: Callable[[str], bool] = lambda name: True,
         warnings: Optional[list[str]] = None, max_depth: int = MAX_WALK_DEPTH,
         max_entries: int = MAX_WALK_ENTRIES) -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, sub-folders, regular files) top-down, names sorted; the caller may prune the
    sub-folder list in place, as with `os.walk`. Folder links are not followed; file links are
    listed when they point at a regular file."""
    stack: list[tuple[str, int]] = [(top, 0)]
    seen = 0
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        seen += len(entries)
        if seen > max_entries:
            if warnings is not None:
                warnings.append(f"{printable(top)}: more than {max_entries:,} files and folders; stopped listing "
                                "(pass a narrower path)")
            return
        dirs, files = [], []
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if keep_dir(e.name):
                        dirs.append(e.name)
                elif e.is_file():  # follows a file link; False for FIFOs, sockets, devices
                    files.append(e.name)
            except OSError:
                continue
        dirs.sort()
        files.sort()
        yield folder, dirs, files
        if dirs and depth + 1 > max_depth:
            if warnings is not None:
                warnings.append(f"{printable(folder)}: folders nested over {max_depth} levels deep; "
                                "not read further")
            continue
        for name in reversed(dirs):
            stack.append((os.path.join(folder, name), depth + 1))


def printable(path: str) -> str:
    """`path` with the bytes of a non-UTF-8 file name escaped (`\\xff`); others unchanged."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def write_atomic(path: str, data: bytes, prefix: str = ".convex-lsp-") -> None:
    """Write `data` to `path` through a temporary file in the same folder and `os.replace`."""
    import tempfile  # here: start-up time (most runs write nothing)

    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def stamp(path: str) -> tuple:
    """(path, modification time in ns, size) of a file, (path, None, None) when it cannot be
    read: what a cache key holds for a file read besides the linted ones."""
    try:
        st = os.stat(path)
        return (path, st.st_mtime_ns, st.st_size)
    except OSError:
        return (path, None, None)
