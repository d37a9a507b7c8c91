"""How the server talks to its client: pygls' JSON-RPC transport, with three repairs.

- `Protocol` answers a request whose params do not deserialize with an error (pygls loses
  its id and the client waits forever), keeps no copy of open documents (they live in
  `session.Session`), sends pre-serialised notifications, and forgets the futures of
  notifications pygls would otherwise keep for ever.
- `PipeReader` reads stdin on the event loop itself.
- `StdioServer` is pygls' `LanguageServer` using both; it may adjust the capabilities pygls
  computed for a client (`adjust_capabilities`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from typing import Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger("convex_lsp.server")


class Unanswerable:
    """What `Protocol.structure_message` hands pygls for a request it already answered
    with an error: pygls drops messages whose `jsonrpc` is not "2.0"."""

    jsonrpc = "invalid params: answered"


class Protocol(LanguageServerProtocol):
    """pygls raises out of `json.loads` when a request's params do not deserialize (a
    position past 2**31, a missing field), so the id is lost and the client waits forever.
    Answer such a request with the error instead."""

    @lsp_method(T.INITIALIZE)
    def lsp_initialize(self, params: T.InitializeParams):
        result = yield from super().lsp_initialize(params)
        self._server.adjust_capabilities(params, result.capabilities)
        return result

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as e:
            if isinstance(data, dict) and "method" in data and "id" in data and "jsonrpc" in data:
                err = e.to_response_error()
                err.message = f"{data.get('method')}: invalid params ({e.__cause__ or e})"[:2000]
                self._send_response(data["id"], error=err)
                return Unanswerable()
            raise

    # Open documents live in `Session` (bytes + tree). pygls keeps a second copy of each in its
    # own workspace and re-splits it into lines on every change; nothing here reads that copy.
    @lsp_method(T.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: T.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(T.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: T.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(T.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: T.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def send_json_text(self, body: str) -> None:
        """Send a message already serialised (ASCII JSON text), framed as `_send_data` frames it:
        publishDiagnostics carries hundreds of diagnostics on every keystroke, most of them
        serialised on an earlier one (`convert.publish_body`)."""
        if self.writer is None:
            return
        if self._include_headers:
            body = (f"Content-Length: {len(body)}\r\n"
                    f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n") + body
        res = self.writer.write(body.encode(self.CHARSET))
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def _execute_handler(self, msg_id, handler, *args, **kwargs):
        """pygls 2.1 files the future of a generator handler (its own didOpen/didChange/
        didClose, which then call ours) under a fresh uuid in `_request_futures` and never
        removes it: every notification leaked its future and, through the generator, its
        params (the change's text). Drop each entry once its future is done."""
        super()._execute_handler(msg_id, handler, *args, **kwargs)
        fut = self._request_futures.get(msg_id)
        if fut is not None:
            def drop(f, msg_id=msg_id):
                if self._request_futures.get(msg_id) is f:
                    del self._request_futures[msg_id]

            def forget(f):
                # not at once: pygls' shutdown cancels the pending futures while it iterates
                # `_request_futures`, and a cancelled future runs this callback synchronously
                try:
                    asyncio.get_running_loop().call_soon(drop, f)
                except RuntimeError:  # no loop running (tests call this directly)
                    drop(f)
            fut.add_done_callback(forget)


class PipeReader:
    """stdin read by the event loop itself (asyncio pipe transport): pygls' reader hands every
    header line and body to a thread and back. Where stdin is not a pipe (a file, a terminal),
    pygls' reader is used."""

    def __init__(self, stdin, executor):
        self._stdin = stdin
        self._executor = executor
        self._reader: Optional[asyncio.StreamReader] = None
        self._fallback = None

    async def _ready(self):
        if self._reader is None and self._fallback is None:
            loop = asyncio.get_running_loop()
            try:
                reader = asyncio.StreamReader(limit=1 << 30)
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._stdin)
                self._reader = reader
            except Exception:  # not a pipe (a file, some Windows consoles): read in a thread
                from pygls.io_ import StdinAsyncReader

                self._fallback = StdinAsyncReader(self._stdin, self._executor)
        return self._reader or self._fallback

    async def readline(self) -> bytes:
        return await (await self._ready()).readline()

    async def readexactly(self, n: int) -> bytes:
        r = await self._ready()
        if r is self._fallback:
            return await r.readexactly(n)
        try:
            return await r.readexactly(n)
        except asyncio.IncompleteReadError as e:  # the client went away mid-message
            return e.partial


class StdioServer(LanguageServer):
    """pygls' language server with `Protocol`, reading stdin with `PipeReader`."""

    def __init__(self, name: str, version: str) -> None:
        super().__init__(name, version, protocol_cls=Protocol)

    def adjust_capabilities(self, params: T.InitializeParams, caps: T.ServerCapabilities) -> None:
        """Change what pygls advertises to this client (after the `initialize` handler ran)."""

    def _start_io_async(self, stdin=None, stdout=None):
        """pygls' stdio loop (pygls.server.JsonRPCServer._start_io_async) with `PipeReader`."""
        from threading import Event

        from pygls.io_ import StdoutWriter, run_async

        self._stop_event = Event()
        reader = PipeReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(run_async(stop_event=self._stop_event, reader=reader, protocol=self.protocol,
                                  logger=log, error_handler=self.report_server_error))
        except BrokenPipeError:
            log.error("Connection to the client is lost! Shutting down the server.")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()
