"""Per-file summaries worked out when another file first reads them.

A fact extractor whose summary few other files ever read (the return shapes of a file's helpers,
say) may hand the engine a `Deferred` instead of the data: a read-only mapping that works the
summary out from the file's model on first use, exactly as the extractor would have at once (the
same code on the same tree, with the file's own memo store). It reads as a dict, and pickles,
prints and JSON-encodes (`settled`, see analysis/cache.py) as the dict it stands for, so the facts
sent to another process or stored in the cache are the eager ones.

The model is held weakly (trees are let go to save memory): once it is gone the file is parsed
again from disk, if its bytes are still the ones summarised (size and hash), else the summary is
`fallback` (nothing is known of a file changed since: never a wrong answer).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Optional

from .syntax import own_file_cache

# Off unless the run reads every file from disk (`convex-lsp check` turns it on; not with stdin):
# a language server's facts come from editor buffers that may differ from the disk, and its
# models are dropped as soon as their facts are taken, so it works every summary out at once.
ENABLED = False


def enable(on: bool = True) -> None:
    global ENABLED
    ENABLED = on


@contextlib.contextmanager
def enabled() -> Iterator[None]:
    """Deferring on while the block runs (a `check` run over files on disk), then as it was: a
    process that goes on to serve editor buffers must not defer (summaries deferred meanwhile
    are still worked out when read)."""
    was = ENABLED
    enable(True)
    try:
        yield
    finally:
        enable(was)


_UNSET = object()
# FileModel.memo key: (size, hash) of the model's bytes, computed once (a stamp never leaves the
# process: Python's hash of bytes, faster than a CRC and not importing zlib, is the same for the
# same bytes within it)
_STAMP = "deferred.stamp"


class Pending:
    """What one deferred computation needs: `compute(model)`, run once."""

    __slots__ = ("compute", "fallback", "value", "model", "path", "functions_dir", "module", "stamp")

    def __init__(self, model, compute: Callable[[Any], Any], fallback: Any):
        self.compute = compute
        self.fallback = fallback
        self.value = _UNSET
        self.model = weakref.ref(model)
        self.path, self.functions_dir, self.module = model.path, model.functions_dir, model.module
        stamp = model.memo.get(_STAMP)
        if stamp is None:
            data = model.src.data
            stamp = model.memo[_STAMP] = (len(data), hash(data))
        self.stamp = stamp

    def adopt(self, model) -> None:
        """A model of the same bytes made again (a tree parsed again after it was let go)."""
        if self.value is _UNSET and self.model is not None and self.model() is None:
            self.model = weakref.ref(model)

    def settle(self) -> Any:
        value = self.value
        if value is _UNSET:
            try:
                value = self._work_out()
            except Exception:  # a bug in one summary must not lose another file's lint
                import logging

                logging.getLogger("convex_lsp").exception("deferred summary of %s failed", self.path)
                value = self.fallback
            self.value = value
            self.model = None
        return value

    def _work_out(self) -> Any:
        model = self.model() if self.model is not None else None
        if model is None:
            model = self._rebuild()
            if model is None:
                return self.fallback
        with own_file_cache(model.memo):
            return self.compute(model)

    def _rebuild(self):
        from .model import FileModel
        from .source import SourceFile, UnreadableFile, read_source_bytes

        try:
            data = read_source_bytes(self.path)
        except UnreadableFile:
            return None
        if (len(data), hash(data)) != self.stamp:
            return None
        memo: dict = {}
        with own_file_cache(memo):
            src = SourceFile.from_bytes(self.path, data)
            if src.tree is None:
                return None
            return FileModel(src, self.functions_dir, self.module, memo=memo)


class Deferred(Mapping):
    """The mapping a `Pending` works out (`part`: an item of the tuple it gives, or None: all).
    `hint`: what its extractor could tell of the mapping at once, for readers that can do without
    it then (kept in this process only: a pickled or cached summary is the plain dict, no hint)."""

    __slots__ = ("_pending", "_part", "hint")

    def __init__(self, pending: Pending, part: Optional[int] = None, hint: Any = None):
        self._pending = pending
        self._part = part
        self.hint = hint

    def settled(self) -> dict:
        value = self._pending.settle()
        return value if self._part is None else value[self._part]

    def __getitem__(self, key):
        return self.settled()[key]

    def __contains__(self, key) -> bool:
        return key in self.settled()

    def __iter__(self):
        return iter(self.settled())

    def __len__(self) -> int:
        return len(self.settled())

    def __eq__(self, other) -> bool:
        return self.settled() == (other.settled() if isinstance(other, Deferred) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self.settled())

    def __reduce__(self):
        return (dict, (self.settled(),))


_ABSENT = object()


class Keyed(Deferred):
    """A `Deferred` whose entries are worked out one by one when asked for (`entry(model, key)`:
    the value `compute(model)` has for `key`, ABSENT, or WHOLE when only the whole tells), as long
    as the model is held: few entries of a summary are read, and each costs a parse or an inference.
    Iterating, sizing, comparing or pickling it works the whole mapping out (as `Deferred`), as does
    a read once the model is gone."""

    __slots__ = ("_entry", "_entries")

    def __init__(self, pending: Pending, entry: Callable[[Any, Any], Any], part: Optional[int] = None):
        super().__init__(pending, part)
        self._entry = entry
        self._entries: dict = {}

    def _get(self, key):
        pending = self._pending
        if pending.value is not _UNSET:
            return self.settled().get(key, _ABSENT)
        got = self._entries.get(key, _UNSET)
        if got is _UNSET:
            model = pending.model() if pending.model is not None else None
            if model is None:
                return self.settled().get(key, _ABSENT)
            try:
                with own_file_cache(model.memo):
                    got = self._entry(model, key)
            except Exception:  # the whole summary says what a failure gives (its fallback)
                got = WHOLE
            if got is WHOLE:
                return self.settled().get(key, _ABSENT)
            self._entries[key] = got
        return got

    def __getitem__(self, key):
        got = self._get(key)
        if got is _ABSENT:
            raise KeyError(key)
        return got

    def __contains__(self, key) -> bool:
        return self._get(key) is not _ABSENT

    def get(self, key, default=None):
        got = self._get(key)
        return default if got is _ABSENT else got


ABSENT = _ABSENT  # what an `entry` function answers for a key the mapping does not have
WHOLE = object()  # what it answers when the entry can only be read from the whole mapping


def defer(model, compute: Callable[[Any], dict], fallback: Optional[dict] = None,
          entry: Optional[Callable[[Any, Any], Any]] = None, hint: Any = None):
    """`compute(model)` (a dict), worked out when first read (at once when deferring is off); with
    `entry(model, key)` (see `Keyed`), one entry at a time while the model is held. `hint`: see
    `Deferred` (None when deferring is off: the dict is there to read)."""
    if not ENABLED:
        return compute(model)
    pending = Pending(model, compute, {} if fallback is None else fallback)
    if entry is None:
        return Deferred(pending, hint=hint)
    keyed = Keyed(pending, entry)
    keyed.hint = hint
    return keyed


def adopt_model(facts, model) -> None:
    """`facts` (taken before, from these bytes) now belong to `model`: their deferred summaries
    use its tree."""
    for value in facts.extra.values():
        parts = value.values() if type(value) is dict else (value,)
        for part in parts:
            if isinstance(part, Deferred):
                part._pending.adopt(model)
