"""Reading and parsing source files; byte offsets <-> (row, column) conversions.

A `SourceFile` owns the file's bytes, its tree-sitter tree and a line index. Columns can be
expressed in UTF-8 bytes, UTF-16 code units or Unicode code points; the engine works in
bytes and converts at the edges (CLI: code points, LSP: the negotiated encoding).
"""

from __future__ import annotations

import bisect
import itertools
import re
from _thread import _local  # (= threading.local, without importing threading)
from typing import Optional

import tree_sitter as ts

from .fs import FileTooLarge, NotRegularFile, read_regular
from .records import record, field
from .ts_grammar import binding as tst

MAX_FILE_BYTES = 2 * 1024 * 1024

_LANGUAGES: dict[str, ts.Language] = {}
_THREAD = _local()  # per-thread parsers (see parser_for)


def language(kind: str = "ts") -> ts.Language:
    lang = _LANGUAGES.get(kind)
    if lang is None:
        raw = tst.language_tsx() if kind == "tsx" else tst.language_typescript()
        lang = _LANGUAGES[kind] = ts.Language(raw)
    return lang


def parser_for(kind: str, slot: str = "") -> ts.Parser:
    """This thread's parser for `kind` (a tree-sitter parser must not parse in two threads at once:
    the language server parses on its loop thread and in background threads). `slot` names a
    parser of its own for a caller that changes its settings (included ranges)."""
    parsers = getattr(_THREAD, "parsers", None)
    if parsers is None:
        parsers = _THREAD.parsers = {}
    p = parsers.get((kind, slot))
    if p is None:
        p = parsers[(kind, slot)] = ts.Parser(language(kind))
    return p


JS_EXTS = (".js", ".jsx", ".mjs", ".cjs")


def kind_for_path(path: str) -> str:
    """The grammar for a file: `tsx` for .tsx and every JavaScript file (JSX is common in .js;
    JavaScript has no `<T>x` assertions for the tsx grammar to misread), `typescript` otherwise."""
    return "tsx" if path.endswith((".tsx",) + JS_EXTS) else "ts"


MAX_TREE_DEPTH = 500


def tree_depth(tree: ts.Tree, stop_above: Optional[int] = None) -> int:
    """Deepest nesting level of the syntax tree (iterative; stops early past `stop_above`)."""
    c = tree.walk()
    d = best = 0
    while True:
        if c.goto_first_child():
            d += 1
            if d > best:
                best = d
                if stop_above is not None and best > stop_above:
                    return best
            continue
        while not c.goto_next_sibling():
            if not c.goto_parent():
                return best
            d -= 1


def exceeds_depth(tree: ts.Tree, limit: int) -> bool:
    """Is the syntax tree nested more than `limit` levels deep? (`tree_depth(tree, limit) > limit`.)

    Only subtrees that could reach past the limit are visited: a subtree of n nodes is at most
    n - 1 levels deep (`descendant_count` counts the node itself, in O(1)), so in real code the
    walk stops a few levels below the root instead of touching every node from Python."""
    c = tree.walk()
    d = 0
    while True:
        if d + c.node.descendant_count - 1 > limit and c.goto_first_child():
            d += 1
            if d > limit:
                return True
            continue
        while not c.goto_next_sibling():
            if not c.goto_parent():
                return False
            d -= 1


class UnreadableFile(Exception):
    """The file cannot be analysed at all (binary, bad encoding, too large, I/O error)."""


def decode_source(data: bytes, path: str = "") -> str:
    """Validate and decode file bytes; raise UnreadableFile with a user-facing reason."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"file is {len(data) / 1048576:.1f} MB, over the {MAX_FILE_BYTES // 1048576} MB limit; skipped"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("file is UTF-16 encoded; convex-lsp reads UTF-8 only; skipped")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("file looks binary (contains NUL bytes); skipped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableFile(f"file is not valid UTF-8 (byte {e.start}); skipped") from None
    return text


def check_source(data: bytes, path: str = "") -> None:
    """`decode_source(data, path)` without the text: raises the same UnreadableFile (valid ASCII is
    valid UTF-8: only other bytes are decoded)."""
    if len(data) <= MAX_FILE_BYTES and data.isascii() and b"\x00" not in data[:8192]:
        return
    decode_source(data, path)


def read_source_bytes(path: str) -> bytes:
    """The file's bytes: a regular file only (a FIFO or device is never opened for a blocking
    read), at most MAX_FILE_BYTES."""
    try:
        data = read_regular(path, MAX_FILE_BYTES, refuse_over=MAX_FILE_BYTES)  # (one open + fstat)
    except FileTooLarge as e:
        raise UnreadableFile(
            f"file is {e.size / 1048576:.1f} MB, over the {MAX_FILE_BYTES // 1048576} MB limit; skipped"
        ) from None
    except NotRegularFile as e:
        raise UnreadableFile(f"{e}; skipped") from None
    except OSError as e:
        raise UnreadableFile(f"cannot read file: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:  # grew since it was measured
        raise UnreadableFile(f"file is over the {MAX_FILE_BYTES // 1048576} MB limit; skipped")
    return data


_LONE_CR = re.compile(rb"\r(?!\n)")


class LineIndex:
    """Maps byte offsets to rows and columns in several encodings."""

    __slots__ = ("data", "starts", "ascii")

    def __init__(self, data: bytes):
        self.data = data
        self.ascii = data.isascii()  # every encoding's column is the byte column
        # line starts: running sums of (line length + 1), all in C
        starts = list(itertools.accumulate(map((1).__add__, map(len, data.split(b"\n"))), initial=0))
        starts.pop()
        if b"\r" in data:  # a lone CR ends a line too (LSP, editors): positions must agree
            lone = [m.end() for m in _LONE_CR.finditer(data)]
            if lone:
                starts = sorted(starts + lone)
        self.starts = starts

    @classmethod
    def sharing_rows(cls, data: bytes, other: "LineIndex") -> "LineIndex":
        """The index of `data`, whose line ends are those of `other` (same length, same newlines)."""
        li = cls.__new__(cls)
        li.data = data
        li.starts = other.starts
        li.ascii = data.isascii()
        return li

    def row_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def line_bytes(self, row: int) -> bytes:
        if row < 0 or row >= len(self.starts):
            return b""
        start = self.starts[row]
        end = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else len(self.data)
        line = self.data[start:end]
        return line[:-1] if line.endswith(b"\r") else line

    def position(self, offset: int, encoding: str = "codepoint") -> tuple[int, int]:
        """0-based (row, column) of a byte offset; column in the given encoding."""
        offset = max(0, min(offset, len(self.data)))
        row = self.row_of(offset)
        start = self.starts[row]
        if encoding == "utf-8" or self.ascii:
            return row, offset - start
        seg = self.data[start:offset]
        if seg.isascii():
            return row, len(seg)
        prefix = seg.decode("utf-8", errors="replace")
        if encoding == "utf-16":
            return row, len(prefix.encode("utf-16-le", "surrogatepass")) // 2
        return row, len(prefix)

    def positions(self, start: int, end: int) -> tuple[int, int, int, int]:
        """`position(start) + position(end)` (code points) in one call: in an ASCII file the end is
        looked for from the start's row (most spans end on the row they start on)."""
        if not self.ascii or not 0 <= start <= end <= len(self.data):
            return self.position(start) + self.position(end)
        starts = self.starts
        row = bisect.bisect_right(starts, start) - 1
        first = starts[row]
        nxt = row + 1
        if nxt == len(starts) or end < starts[nxt]:
            return row, start - first, row, end - first
        erow = bisect.bisect_right(starts, end, nxt) - 1
        return row, start - first, erow, end - starts[erow]

    def offset(self, row: int, col: int, encoding: str = "codepoint") -> int:
        """Byte offset of a 0-based (row, column); clamps past the end of a line or file."""
        if row < 0:
            return 0
        if row >= len(self.starts):
            return len(self.data)
        start = self.starts[row]
        line = self.line_bytes(row)
        if encoding == "utf-8":
            return start + min(max(col, 0), len(line))
        text = line.decode("utf-8", errors="replace")
        units = 0
        consumed = 0
        for ch in text:
            if units >= col:
                break
            units += (2 if ord(ch) > 0xFFFF else 1) if encoding == "utf-16" else 1
            consumed += len(ch.encode("utf-8"))
        return start + min(consumed, len(line))


@record
class SourceFile:
    """One parsed file. `path` is absolute; `rel` is what reports show."""

    path: str
    data: bytes
    tree: Optional[ts.Tree]
    error: Optional[str] = None  # set when the file could not be read/parsed at all
    _lines: Optional[LineIndex] = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.data)
        return self._lines

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @classmethod
    def from_bytes(cls, path: str, data: bytes, old_tree: Optional[ts.Tree] = None,
                   parsed: Optional[ts.Tree] = None, lines: Optional["LineIndex"] = None) -> "SourceFile":
        """`old_tree`: the previous tree, edited, for an incremental parse; `parsed`: the tree of
        `data`, already parsed (the incremental linter parses only some ranges of a file)."""
        try:
            check_source(data, path)
        except UnreadableFile as e:
            return cls(path=path, data=b"", tree=None, error=str(e))
        parser = parser_for(kind_for_path(path))
        if parsed is not None:
            tree = parsed
        else:
            tree = parser.parse(data, old_tree) if old_tree is not None else parser.parse(data)
        if exceeds_depth(tree, MAX_TREE_DEPTH):
            # walking up from a node costs O(depth) per step in tree-sitter: analysing such a file
            # would take minutes. Real code stays far below the limit (about 110 in large projects).
            return cls(path=path, data=data, tree=None,
                       error=f"expressions nested over {MAX_TREE_DEPTH} levels deep (generated or minified "
                             "code?); skipped")
        return cls(path=path, data=data, tree=tree, _lines=lines)

    @classmethod
    def unparsed(cls, path: str, data: Optional[bytes] = None) -> "SourceFile":
        """The file's bytes without a tree (for files only read as text, e.g. `_generated/`)."""
        if data is None:
            try:
                data = read_source_bytes(path)
            except UnreadableFile as e:
                return cls(path=path, data=b"", tree=None, error=str(e))
        return cls(path=path, data=data, tree=None)

    @classmethod
    def load(cls, path: str) -> "SourceFile":
        try:
            data = read_source_bytes(path)
        except UnreadableFile as e:
            return cls(path=path, data=b"", tree=None, error=str(e))
        return cls.from_bytes(path, data)
