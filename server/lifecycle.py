"""The protocol's lifecycle where pygls gets it wrong, and a prompt end of the process.

- `LifecycleProtocol` (a mixin of `transport.Protocol`):
  - a request after `shutdown` is answered with InvalidRequest (pygls drops it: the client waits
    for ever); notifications after it are still dropped, `exit` still ends the process;
  - `shutdown` cancels the other pending requests over a copy of pygls' table (cancelling one
    may run a callback that removes entries: "dictionary changed size during iteration").
- `exit_code(exc)`: the process's exit code from the SystemExit pygls raises in `exit` (0 after
  `shutdown`, else 1); the stdio loop swallowed it and the process always exited 0.
- `end_process(code)`: once the loop has ended, the process leaves at once (see there).
(Worker processes end themselves when the server is gone: `workers.watch_parent`.)
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, Generator

from lsprotocol import types as T
from pygls.protocol.language_server import lsp_method

log = logging.getLogger("convex_lsp.server")

INVALID_REQUEST = -32600


class LifecycleProtocol:
    """Mixed into the pygls protocol class (before `LanguageServerProtocol`)."""

    def handle_message(self, message):
        if getattr(self, "_shutdown", False) and getattr(message, "method", T.EXIT) != T.EXIT \
                and getattr(message, "id", None) is not None and hasattr(message, "params"):
            # a request (a response has no method; a notification no id)
            self._send_response(message.id, error=T.ResponseError(
                code=INVALID_REQUEST, message=f"{message.method}: the server is shut down (only `exit` is accepted)"))
            return
        return super().handle_message(message)

    @lsp_method(T.SHUTDOWN)
    def lsp_shutdown(self, *args) -> Generator[Any, Any, None]:
        if (user_handler := self.fm.features.get(T.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current and not future.done():
                future.cancel()
        self._shutdown = True
        return None


def exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def end_process(code: int) -> None:
    """Leave now, with `code`, once the server's loop has ended and its workers were told to stop.
    The interpreter's orderly exit would wait for worker processes still importing the analysis
    (concurrent.futures joins its threads at exit: 2.4-3.5 s when stopped during start-up) and
    garbage-collect the whole index (~0.8 s at 10,000 files); nothing is left to save: cache
    writes are atomic (an unfinished one is a miss later), and a worker ends itself when its
    parent is gone (`workers.watch_parent`)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    try:
        logging.shutdown()
    except Exception:
        pass
    os._exit(code)
