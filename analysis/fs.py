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

import contextvars
import os
import stat
from typing import Callable, Iterator, Optional

MAX_WALK_DEPTH = 64
MAX_WALK_ENTRIES = 200_000


class NotRegularFile(OSError):
    """The path names a FIFO, socket, device or folder, not a regular file."""


class FileTooLarge(OSError):
    """The regular file is over the size the caller accepts (`size`: its size in bytes)."""

    def __init__(self, size: int):
        super().__init__(f"file is {size} bytes")
        self.size = size


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


def read_regular(path: str, limit: int, refuse_over: Optional[int] = None) -> bytes:
    """Up to `limit + 1` bytes of the regular file `path` (the caller sees it is too large);
    raises `NotRegularFile` (an OSError) for anything else, OSError when it cannot be read, and
    `FileTooLarge` (an OSError) before reading a file over `refuse_over` bytes (the size told by
    the open file: no `stat` of the path beforehand)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{_kind(mode)}, not a regular file")
        if refuse_over is not None and st.st_size > refuse_over:
            raise FileTooLarge(st.st_size)
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


class Listing:
    """One folder's entries as a walk sees them: `dirs`, the sub-folders that are not links;
    `files`, the names of regular files (file links to one included: `os.path.isfile` of each
    is True); `links`, those of `files` that are symbolic links; `names`, every entry; `count`,
    how many entries the folder has. Names sorted."""

    __slots__ = ("dirs", "dir_set", "files", "file_set", "links", "names", "count")

    def __init__(self, dirs: list[str], files: list[str], links: frozenset, names: frozenset, count: int):
        self.dirs = dirs
        self.dir_set = frozenset(dirs)
        self.files = files
        self.file_set = frozenset(files)
        self.links = links
        self.names = names
        self.count = count


def _list_folder(folder: str) -> Optional[Listing]:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return None
    dirs, files, links = [], [], []
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                dirs.append(e.name)
            elif e.is_file():  # follows a file link; False for FIFOs, sockets, devices
                files.append(e.name)
                if e.is_symlink():
                    links.append(e.name)
        except OSError:
            continue
    dirs.sort()
    files.sort()
    return Listing(dirs, files, frozenset(links), frozenset(e.name for e in entries), len(entries))


def list_folder(folder: str) -> Optional[Listing]:
    """The folder's `Listing` (None when it cannot be listed); kept while a `OneLook` is open."""
    memo = _LOOK.get()
    if memo is None:
        return _list_folder(folder)
    try:
        return memo.listings[folder]
    except KeyError:
        got = memo.listings[folder] = _list_folder(folder)
        return got


def walk_listed(top: str, keep_dir: Callable[[str], bool] = lambda name: True,
                warnings: Optional[list[str]] = None, max_depth: int = MAX_WALK_DEPTH,
                max_entries: int = MAX_WALK_ENTRIES) -> Iterator[tuple[str, list[str], list[str], frozenset]]:
    """`walk`, with the names of the files that are symbolic links as a fourth item (known from
    the listing: no `lstat` per file)."""
    stack: list[tuple[str, int]] = [(top, 0)]
    seen = 0
    while stack:
        folder, depth = stack.pop()
        listing = list_folder(folder)
        if listing is None:
            continue
        seen += listing.count
        if seen > max_entries:
            if warnings is not None:
                warnings.append(f"{printable(top)}: more than {max_entries:,} files and folders; stopped listing "
                                "(pass a narrower path)")
            return
        dirs = [d for d in listing.dirs if keep_dir(d)]
        yield folder, dirs, list(listing.files), listing.links
        if dirs and depth + 1 > max_depth:
            if warnings is not None:
                warnings.append(f"{printable(folder)}: folders nested over {max_depth} levels deep; "
                                "not read further")
            continue
        for name in reversed(dirs):
            stack.append((os.path.join(folder, name), depth + 1))


def walk(top: str, keep_dir: Callable[[str], bool] = lambda name: True,
         warnings: Optional[list[str]] = None, max_depth: int = MAX_WALK_DEPTH,
         max_entries: int = MAX_WALK_ENTRIES) -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, sub-folders, regular files) top-down, names sorted; the caller may prune the
    sub-folder list in place, as with `os.walk`. Folder links are not followed; file links are
    listed when they point at a regular file."""
    for folder, dirs, files, _ in walk_listed(top, keep_dir, warnings, max_depth, max_entries):
        yield folder, dirs, files


class OneLook:
    """`with OneLook():` the disk is looked at once for the code inside (one run's `prepare`):
    folder listings (`list_folder`) and `isfile`/`isdir`/`exists` answers are kept until the block
    ends, for this thread (a context variable: the server's other threads look at the disk
    afresh). Nothing is kept past the block: a long-lived server sees later changes."""

    __slots__ = ("listings", "answers", "_token")

    def __init__(self) -> None:
        self.listings: dict[str, Optional[Listing]] = {}
        self.answers: dict = {}
        self._token = None

    def __enter__(self) -> "OneLook":
        self._token = _LOOK.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _LOOK.reset(self._token)


_LOOK: contextvars.ContextVar[Optional[OneLook]] = contextvars.ContextVar("convex_lsp_one_look", default=None)


def looking() -> bool:
    """Is a `OneLook` open (a folder listed now is kept for the rest of it)?"""
    return _LOOK.get() is not None


def _listed(path: str) -> Optional[tuple[Listing, str]]:
    """(the listing of `path`'s folder, `path`'s name) when a `OneLook` holds that listing."""
    memo = _LOOK.get()
    if memo is None:
        return None
    folder, name = os.path.split(path)
    listing = memo.listings.get(folder)
    return (listing, name) if listing is not None and name else None


def _ask(path: str, listed: Callable[["Listing", str], Optional[bool]], plain: Callable[[str], bool]) -> bool:
    """`plain(path)` (an `os.path` test), answered while a `OneLook` is open by `listed(listing,
    name)` when it holds the listing of `path`'s folder and that tells (not None), else asked
    once and kept."""
    memo = _LOOK.get()
    if memo is None:
        return plain(path)
    got = _listed(path)
    if got is not None:
        known = listed(*got)
        if known is not None:
            return known
    key = (plain, path)
    ans = memo.answers.get(key)
    if ans is None:
        ans = memo.answers[key] = plain(path)
    return ans


def _listed_file(listing: "Listing", name: str) -> Optional[bool]:
    return name in listing.file_set


def _listed_dir(listing: "Listing", name: str) -> Optional[bool]:
    # (a link to a folder is not among `dirs`: asked of the disk)
    return True if name in listing.dir_set else False if name not in listing.names else None


def _listed_entry(listing: "Listing", name: str) -> Optional[bool]:
    if name not in listing.names:
        return False
    return True if name in listing.file_set or name in listing.dir_set else None


def _listed_link(listing: "Listing", name: str) -> Optional[bool]:
    if name not in listing.names or name in listing.dir_set:
        return False
    return name in listing.links if name in listing.file_set else None


def isfile(path: str) -> bool:
    """`os.path.isfile(path)`, answered from a `OneLook`'s listing or memo when one is open."""
    return _ask(path, _listed_file, os.path.isfile)


def isdir(path: str) -> bool:
    """`os.path.isdir(path)`, answered from a `OneLook`'s listing or memo when one is open."""
    return _ask(path, _listed_dir, os.path.isdir)


def exists(path: str) -> bool:
    """`os.path.exists(path)`, answered from a `OneLook`'s listing or memo when one is open."""
    return _ask(path, _listed_entry, os.path.exists)


def islink(path: str) -> bool:
    """`os.path.islink(path)`, answered from a `OneLook`'s listing or memo when one is open."""
    return _ask(path, _listed_link, os.path.islink)


def remembered(key, compute: Callable[[], object]):
    """`compute()`, kept under `key` while a `OneLook` is open (computed each time otherwise)."""
    memo = _LOOK.get()
    if memo is None:
        return compute()
    try:
        return memo.answers[key]
    except KeyError:
        got = memo.answers[key] = compute()
        return got


def plain_absolute(path: str) -> bool:
    """An absolute POSIX path without `.`/`..` components, doubled separators or a trailing one
    (hidden names such as `.cache` are plain). The answers are kept (a run asks about the same few
    hundred files and folders thousands of times: a lookup instead of five scans of the path)."""
    got = _PLAIN.get(path)
    if got is None:
        if len(_PLAIN) >= 100_000:
            _PLAIN.clear()
        got = _PLAIN[path] = (os.sep == "/" and path.startswith("/") and "//" not in path and "/./" not in path
                              and "/../" not in path and not path.endswith(("/", "/.", "/..")))
    return got


_PLAIN: dict[str, bool] = {}


def relative_inside(path: str, folder: str) -> Optional[str]:
    """`os.path.relpath(path, folder)` for a plain absolute `path` inside a plain absolute `folder`
    (no `.`/`..` components, no doubled separators), by slicing; None when that cannot be told so
    (then ask `os.path.relpath`)."""
    if not (plain_absolute(path) and plain_absolute(folder)):
        return None
    n = len(folder)
    if len(path) > n + 1 and path.startswith(folder) and path[n] == "/":
        return path[n + 1:]
    return None


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
