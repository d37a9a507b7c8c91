"""Every handler guarded: an exception is logged to the client and an empty result returned;
a synchronous request that runs past its time bound is stopped by the watchdog and answered
with an error. Test hooks: CONVEX_LSP_FAULT=<handler>[,<handler>] injects a fault,
CONVEX_LSP_SLOW=<handler>[,...] makes a handler spin.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
import time
from typing import Any, Callable, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException

# `ls` below is the language server (`languageserver.ConvexLanguageServer`, which imports this
# module: not imported here, not even for type checking, so that the two do not form a circle)

log = logging.getLogger("convex_lsp.server")


def faults() -> set[str]:
    return {s.strip() for s in os.environ.get("CONVEX_LSP_FAULT", "").split(",") if s.strip()}


class RequestTimeout(BaseException):
    """Raised inside a request handler that ran past the bound (a BaseException, so that the
    analysis' `except Exception` guards do not swallow it)."""


REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed


def env_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get("CONVEX_LSP_REQUEST_TIMEOUT", "5")))
    except ValueError:
        return 5.0


class Watchdog:
    """Bounds the time a request handler runs on the event-loop thread (where pygls runs
    them, one at a time: a slow one blocks every later message). Past `seconds`, a thread
    raises `RequestTimeout` in the loop thread (PyThreadState_SetAsyncExc) while the handler
    still runs; the handler answers with a RequestFailed error and the session drops its
    incremental state. Only requests are bounded, never notifications (didChange must not be
    cut short). `seconds` <= 0 disables it; CONVEX_LSP_REQUEST_TIMEOUT (seconds) or the
    `convexLsp.requestTimeoutMs` setting change it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._active: Optional[tuple] = None  # (token, name, deadline, thread id)
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.fired = 0

    @contextlib.contextmanager
    def bound(self, name: str):
        if self.seconds <= 0:
            yield
            return
        token = object()
        with self._lock:
            self._active = (token, name, time.monotonic() + self.seconds, threading.get_ident())
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="convex-lsp-watchdog", daemon=True)
                self._thread.start()
        self._wake.set()
        try:
            yield
        finally:
            with self._lock:
                mine = self._active is not None and self._active[0] is token
                if mine:
                    self._active = None
            if not mine:
                # the watchdog fired for this request: if the handler finished just as it fired, the
                # exception may still be pending; clear it so it cannot surface in pygls' loop
                import ctypes

                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)

    def _run(self) -> None:
        import ctypes

        while True:
            self._wake.wait()
            time.sleep(0.02)
            with self._lock:
                act = self._active
                if act is None:
                    self._wake.clear()
                    continue
                if time.monotonic() < act[2]:
                    continue
                self._active = None  # once per request
                self.fired += 1
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(act[3]), ctypes.py_object(RequestTimeout))


WATCHDOG = Watchdog(env_timeout())


def take_server_settings(raw: Any) -> tuple[Any, list[str]]:
    """Apply and remove the settings that belong to the server itself (`requestTimeoutMs`, the request
    time bound); returns the rest for `Session.update_settings`, and error messages."""
    if not isinstance(raw, dict):
        return raw, []
    nested = isinstance(raw.get("convexLsp"), dict)
    inner = dict(raw["convexLsp"] if nested else raw)
    errors = []
    for key in ("requestTimeoutMs", "request-timeout-ms"):
        if key in inner:
            value = inner.pop(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                WATCHDOG.seconds = value / 1000
            else:
                errors.append(f"convexLsp.{key}: expected a number of milliseconds >= 0 (0: no bound)")
    return ({**raw, "convexLsp": inner} if nested else inner), errors


def timed_out(ls, name: str):
    """After an interrupted request: forget incremental state (a tree or cache may have been
    left half-updated), re-lint, and answer the request with an error."""
    s = ls.session
    if s is not None:
        for d in s.documents.values():
            d.tree = None
            d.dirty = True
        s._lint_cache.clear()
        s.facts_gen += 1
    msg = f"convex-lsp: {name} took longer than {WATCHDOG.seconds:g} s and was stopped"
    log.warning(msg)
    try:
        ls.window_log_message(T.LogMessageParams(type=T.MessageType.Warning, message=msg))
    except Exception:
        pass
    raise JsonRpcException(message=msg, code=REQUEST_FAILED)


def slow(name: str) -> None:
    """Test hook: CONVEX_LSP_SLOW=<handler>[,...] makes a handler spin for 60 s."""
    if name in {x.strip() for x in os.environ.get("CONVEX_LSP_SLOW", "").split(",")}:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(0.01)


@contextlib.contextmanager
def bounded(ls, name: str):
    """The time bound around part of an async request handler (the part on the loop thread)."""
    try:
        with WATCHDOG.bound(name):
            slow(name)
            yield
    except RequestTimeout:
        timed_out(ls, name)


def guarded(name: str, default: Callable[[], Any] = lambda: None, bounded: bool = False,
            indexed: bool = False):
    """Never let one handler's exception reach pygls (or kill the server). `bounded`: a
    synchronous request handler stopped by the watchdog past its time bound. `indexed`: a
    synchronous request answered from the whole workspace, run (bounded) once the workspace
    index is ready (`ConvexLanguageServer.indexed`)."""

    def deco(fn):
        if indexed:
            sync = guarded(name, default, bounded=True)(fn)

            @functools.wraps(fn)
            async def after_index(ls, params):
                try:
                    await ls.indexed()
                except Exception as e:  # never: the wait only times out
                    ls.log_error(name, e)
                return sync(ls, params)
            return after_index

        if asyncio.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def awrapper(ls, params):
                try:
                    if name in faults():
                        raise RuntimeError(f"injected fault in {name}")
                    return await fn(ls, params)
                except (JsonRpcException, asyncio.CancelledError):
                    raise
                except Exception as e:
                    ls.log_error(name, e)
                    return default()
            return awrapper

        @functools.wraps(fn)
        def wrapper(ls, params):
            try:
                try:
                    if name in faults():
                        raise RuntimeError(f"injected fault in {name}")
                    with (WATCHDOG.bound(name) if bounded else contextlib.nullcontext()):
                        slow(name)
                        return fn(ls, params)
                except JsonRpcException:
                    raise
                except Exception as e:
                    ls.log_error(name, e)
                    return default()
            except RequestTimeout:
                timed_out(ls, name)
        return wrapper

    return deco
