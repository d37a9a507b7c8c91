"""An edit fuzzer for the live language server (library; see tests/test_fuzz_server.py and
bench/fuzz_server.py).

The server runs as a subprocess on stdio and is driven by a small JSON-RPC client of our own
(`RpcClient`: a reader thread, timeouts on every request). `Fuzzer` opens a few real Convex
files of a workspace and sends random incremental edits — spans inserted, deleted and
replaced, fragments pasted from other files, unbalanced brackets and quotes, emoji, CJK and
combining characters, CRLF and lone CR line ends, edits crossing line ends, several changes
in one notification, whole-file replacements — interleaved with hover, codeAction,
completion, definition, prepareRename/rename, references and pull-diagnostic requests at
random positions (also past the end of a line or of the file). After every step it checks
that the server is alive, that every request was answered (a result or a JSON-RPC error)
within the timeout, and that the text the server holds (`convexLsp/documentText`) equals the
client's. Undoing every edit must give back exactly the original diagnostics.

Positions follow the LSP: lines end at "\\n", "\\r\\n" or "\\r"; columns in UTF-16 code
units (or UTF-8 bytes when negotiated).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

SERVER_COMMAND = [sys.executable, "-m", "convex_lsp.server.lsp"]
REQUEST_TIMEOUT = 20.0


class ServerDied(AssertionError):
    pass


class NoAnswer(AssertionError):
    pass


# ------------------------------------------------------------------ JSON-RPC over pipes


class RpcClient:
    """A minimal LSP client over a subprocess's stdio. Answers the server's requests
    (registerCapability, workDoneProgress/create, workspace/configuration) with null."""

    def __init__(self, cmd: list[str] = SERVER_COMMAND, cwd: Optional[str] = None,
                 env: Optional[dict] = None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env)
        self._id = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: dict[int, tuple[threading.Event, list]] = {}
        self.diagnostics: dict[str, list] = {}
        self.log_messages: list[dict] = []
        self.shown: list[dict] = []
        self.server_requests: list[str] = []  # methods of the server's requests, in order
        self.stderr_tail: list[bytes] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.closed.is_set()

    def rss_kb(self) -> Optional[int]:
        return read_status_kb(self.proc.pid, "VmRSS")

    # -------------------------------------------------------- io
    def _send(self, msg: dict) -> None:
        try:
            body = json.dumps(msg, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates travel as "\ud83d" escapes
            body = json.dumps(msg).encode("ascii")
        with self._write_lock:
            try:
                self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as e:
                raise ServerDied(f"cannot write to the server: {e}; stderr: {self.stderr()}") from None

    def _drain_stderr(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            self.stderr_tail.append(line)
            del self.stderr_tail[:-200]

    def stderr(self) -> str:
        return b"".join(self.stderr_tail[-40:]).decode("utf-8", "replace")

    def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                if length is None:
                    continue
                body = out.read(length)
                if len(body) < length:
                    return
                self._dispatch(json.loads(body))
        finally:
            self.closed.set()
            with self._lock:
                for ev, box in self._pending.values():
                    ev.set()

    def _dispatch(self, msg: dict) -> None:
        if "method" in msg and "id" in msg:  # a request from the server
            method = msg["method"]
            self.server_requests.append(method)
            del self.server_requests[:-200]
            result: Any = None
            if method == "workspace/configuration":
                result = [None] * len(msg.get("params", {}).get("items", []))
            self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            return
        if "method" in msg:
            p = msg.get("params") or {}
            if msg["method"] == "textDocument/publishDiagnostics":
                self.diagnostics[p.get("uri")] = p.get("diagnostics", [])
            elif msg["method"] == "window/logMessage":
                self.log_messages.append(p)
                del self.log_messages[:-500]
            elif msg["method"] == "window/showMessage":
                self.shown.append(p)
            return
        with self._lock:
            waiter = self._pending.get(msg.get("id"))
        if waiter is not None:
            waiter[1].append(msg)
            waiter[0].set()

    # -------------------------------------------------------- api
    def request_async(self, method: str, params: Any) -> tuple[int, threading.Event, list]:
        with self._lock:
            self._id += 1
            rid = self._id
            ev, box = threading.Event(), []
            self._pending[rid] = (ev, box)
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid, ev, box

    def wait(self, rid: int, ev: threading.Event, box: list, method: str, timeout: float) -> dict:
        ok = ev.wait(timeout)
        with self._lock:
            self._pending.pop(rid, None)
        if box:
            return box[0]
        if not self.alive():
            raise ServerDied(f"server died during {method}; exit {self.proc.poll()}; stderr:\n{self.stderr()}")
        raise NoAnswer(f"no answer to {method} (id {rid}) within {timeout}s" + ("" if ok else ""))

    def request(self, method: str, params: Any, timeout: float = REQUEST_TIMEOUT) -> dict:
        """The whole response message: {"result": ...} or {"error": {...}}."""
        rid, ev, box = self.request_async(method, params)
        return self.wait(rid, ev, box, method, timeout)

    def result(self, method: str, params: Any, timeout: float = REQUEST_TIMEOUT) -> Any:
        msg = self.request(method, params, timeout)
        if "error" in msg:
            raise AssertionError(f"{method} failed: {msg['error']}")
        return msg.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: str, encodings: Optional[list[str]] = None, options: Optional[dict] = None,
                   pull: bool = True) -> dict:
        uri = path_uri(root)
        caps: dict = {
            "general": {"positionEncodings": encodings or ["utf-16"]},
            "window": {"workDoneProgress": True},
            "workspace": {"workspaceEdit": {"documentChanges": True}, "configuration": True,
                          "didChangeWatchedFiles": {"dynamicRegistration": True},
                          "diagnostics": {"refreshSupport": True}},
            "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                             "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                                 "quickfix", "source", "source.fixAll"]}}},
                             "rename": {"prepareSupport": True},
                             "completion": {"completionItem": {"snippetSupport": False}},
                             "synchronization": {"didSave": True}},
        }
        if pull:
            caps["textDocument"]["diagnostic"] = {"dynamicRegistration": False}
        res = self.result("initialize", {"processId": os.getpid(), "rootUri": uri, "capabilities": caps,
                                         "workspaceFolders": [{"uri": uri, "name": "root"}],
                                         "initializationOptions": options or {"convexLsp": {"debounce": 0}}},
                          timeout=60)
        self.notify("initialized", {})
        return res

    def close(self, timeout: float = 10.0) -> None:
        try:
            if self.alive():
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
            self.proc.wait(timeout=timeout)
        except Exception:
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    f.close()
                except Exception:
                    pass


def read_status_kb(pid: int, key: str) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def path_uri(path: str) -> str:
    from urllib.parse import quote

    return "file://" + quote(os.path.realpath(path), safe="/:@")


# ------------------------------------------------------------------ LSP positions on a str


def line_starts(text: str) -> list[int]:
    """str offsets where lines start, LSP style ("\\n", "\\r\\n" and "\\r" end lines)."""
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                i += 1
            starts.append(i + 1)
        elif c == "\n":
            starts.append(i + 1)
        i += 1
    return starts


def _line_end(text: str, starts: list[int], row: int) -> int:
    """str offset of the end of `row`'s content (before its line terminator)."""
    end = starts[row + 1] if row + 1 < len(starts) else len(text)
    if end > starts[row] and text[end - 1] == "\n":
        end -= 1
    if end > starts[row] and text[end - 1] == "\r":
        end -= 1
    return end


def _units(ch: str, enc: str) -> int:
    if enc == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    return 2 if ord(ch) > 0xFFFF else 1


def position(text: str, offset: int, enc: str = "utf-16", starts: Optional[list[int]] = None) -> dict:
    starts = starts if starts is not None else line_starts(text)
    import bisect

    row = bisect.bisect_right(starts, offset) - 1
    col = sum(_units(c, enc) for c in text[starts[row]:offset])
    return {"line": row, "character": col}


def offset(text: str, pos: dict, enc: str = "utf-16", starts: Optional[list[int]] = None) -> int:
    """str offset of an LSP position; clamps past the end of a line or of the file."""
    starts = starts if starts is not None else line_starts(text)
    row, col = pos["line"], pos["character"]
    if row >= len(starts):
        return len(text)
    i, end, units = starts[row], _line_end(text, starts, row), 0
    while i < end and units < col:
        units += _units(text[i], enc)
        i += 1
    return i


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogates_replaced(text: str) -> str:
    """JSON can carry lone surrogates ("\\ud83d"); the server holds U+FFFD for each (one
    UTF-16 unit, three UTF-8 bytes: the same positions)."""
    return _SURROGATE.sub("\ufffd", text)


def expressible(text: str, i: int) -> bool:
    """Can an LSP position name str offset `i`? (Not between "\\r" and "\\n".)"""
    return not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")


def apply_edits(text: str, edits: list[dict], enc: str = "utf-16") -> str:
    """Apply LSP TextEdits (non-overlapping, any order) to `text`."""
    starts = line_starts(text)
    spans = sorted(((offset(text, e["range"]["start"], enc, starts), offset(text, e["range"]["end"], enc, starts),
                     e["newText"]) for e in edits), reverse=True)
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def workspace_edit_by_uri(edit: Optional[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if not edit:
        return out
    for dc in edit.get("documentChanges") or []:
        if "textDocument" in dc:
            out.setdefault(dc["textDocument"]["uri"], []).extend(dc["edits"])
    for u, es in (edit.get("changes") or {}).items():
        out.setdefault(u, []).extend(es)
    return out


# ------------------------------------------------------------------ workspaces


def copy_tree(src: str, dst: str) -> str:
    shutil.copytree(src, dst, symlinks=False,
                    ignore=shutil.ignore_patterns("node_modules", ".git", "dist", "*.map"))
    return dst


def source_files(root: str) -> list[str]:
    """The Convex source files of a workspace (not generated, not .d.ts)."""
    from convex_lsp.analysis.project import discover

    ws = discover([root])
    return sorted(p for p, _ in ws.source_files(include_tests=False))


# ------------------------------------------------------------------ the fuzzer

FRAGMENTS = ["(", ")", "{", "}", "[", "]", '"', "'", "`", "${", "/*", "*/", "//", "<", ">", "=>", ";", ",",
             "\\", "\n", "\r\n", "\r", "\t", "😀", "👩‍👩‍👧", "日本語のテキスト", "中文", "é", "e\u0301",
             "\u200b", "\ufeff", "𝒳", "ctx.db.query(\"", ".withIndex(\"", "v.id(\"", "q.eq(\"",
             "export const x = query({ args: {}, handler: async (ctx) => null });\n", "api.", "internal.",
             "await ", "return ", "async (ctx, args) => {", "\"use node\";\n", "import { v } from \"convex/values\";\n"]
IDENT = "abcdefghijklmnopqrstuvwxyz_ABCXYZ0123456789"
REQUESTS = ["textDocument/hover", "textDocument/codeAction", "textDocument/completion", "textDocument/definition",
            "textDocument/prepareRename", "textDocument/rename", "textDocument/references",
            "textDocument/diagnostic"]


@dataclass
class Doc:
    uri: str
    path: str
    original: str
    text: str
    version: int = 1
    undo: list = field(default_factory=list)  # (start, end_after, old_text) or ("full", old_text)
    diags0: Optional[list] = None


@dataclass
class Stats:
    edits: int = 0
    changes: int = 0
    requests: int = 0
    errors: int = 0  # JSON-RPC error answers (allowed: e.g. rename refused)
    by_method: dict = field(default_factory=dict)
    slowest: tuple = (0.0, "")
    failures: list = field(default_factory=list)
    crashes: int = 0
    handler_errors: int = 0  # exceptions a handler logged (window/logMessage type Error)
    started: float = field(default_factory=time.perf_counter)
    rss_start_kb: Optional[int] = None
    rss_end_kb: Optional[int] = None
    rss_peak_kb: Optional[int] = None
    undo_checks: int = 0

    def note(self, method: str, seconds: float, label: str) -> None:
        self.requests += 1
        n, tot, mx = self.by_method.get(method, (0, 0.0, 0.0))
        self.by_method[method] = (n + 1, tot + seconds, max(mx, seconds))
        if seconds > self.slowest[0]:
            self.slowest = (seconds, label)


def diag_key(ds: list) -> list:
    return sorted((d["range"]["start"]["line"], d["range"]["start"]["character"], d["range"]["end"]["line"],
                   d["range"]["end"]["character"], d.get("code"), d.get("message")) for d in ds)


class Fuzzer:
    """Drive one server over random edits of `files` (paths inside `root`)."""

    def __init__(self, root: str, files: list[str], seed: int, enc: str = "utf-16",
                 timeout: float = REQUEST_TIMEOUT, fragments_from: Optional[list[str]] = None,
                 log: Callable[[str], None] = lambda s: None, env: Optional[dict] = None):
        self.root = root
        self.files = files
        self.rng = random.Random(seed)
        self.seed = seed
        self.enc = enc
        self.timeout = timeout
        self.log = log
        self.stats = Stats()
        pool = fragments_from or files
        self.pool_texts = []
        for p in pool[:200]:
            try:
                with open(p, encoding="utf-8") as fh:
                    self.pool_texts.append(fh.read())
            except (OSError, UnicodeDecodeError):
                pass
        e = dict(os.environ if env is None else env)
        e.setdefault("CONVEX_LSP_JOBS", "0")
        self.client = RpcClient(cwd=root, env=e)
        init = self.client.initialize(root, encodings=[enc])
        got = (init.get("capabilities") or {}).get("positionEncoding", "utf-16")
        assert got == enc, f"server negotiated {got}, asked {enc}"
        self.stats.rss_start_kb = self.client.rss_kb()
        self.docs: dict[str, Doc] = {}

    # -------------------------------------------------------- helpers
    def call(self, method: str, params: Any, label: str = "") -> dict:
        t0 = time.perf_counter()
        try:
            msg = self.client.request(method, params, self.timeout)
        except ServerDied:
            self.stats.crashes += 1
            self._dump(method, params)
            raise
        except NoAnswer as e:
            where = self._dump(method, params)
            raise NoAnswer(f"[seed {self.seed}] {e}: {label} (state saved in {where})") from None
        dt = time.perf_counter() - t0
        self.stats.note(method, dt, f"{method} {label}".strip())
        if "error" in msg:
            self.stats.errors += 1
            err = msg["error"]
            if not isinstance(err, dict) or not isinstance(err.get("code"), int) or "message" not in err:
                raise AssertionError(f"{method}: malformed error {err!r}")
        return msg

    def _dump(self, method: str, params: Any) -> str:
        """Save the failing request and the open documents' texts, for reproduction."""
        import tempfile

        d = tempfile.mkdtemp(prefix="convex-lsp-fuzz-")
        with open(os.path.join(d, "request.json"), "w") as fh:
            json.dump({"method": method, "params": params, "seed": self.seed, "enc": self.enc,
                       "docs": {u: doc.path for u, doc in self.docs.items()}}, fh, indent=1)
        for i, doc in enumerate(self.docs.values()):
            with open(os.path.join(d, f"doc{i}-{os.path.basename(doc.path)}"), "w", encoding="utf-8",
                      newline="") as fh:
                fh.write(doc.text)
        return d

    def check_alive(self) -> None:
        errors = [m.get("message", "") for m in self.client.log_messages if m.get("type") == 1]
        if errors:
            self.client.log_messages.clear()
            self.stats.handler_errors += len(errors)
            where = self._dump("(handler error)", None)
            raise AssertionError(f"[seed {self.seed}] a handler failed (state in {where}):\n" + errors[0][:4000])
        if not self.client.alive():
            self.stats.crashes += 1
            raise ServerDied(f"server exited ({self.client.proc.poll()}); stderr:\n{self.client.stderr()}")

    def check_text(self, doc: Doc, where: str) -> None:
        msg = self.call("convexLsp/documentText", {"textDocument": {"uri": doc.uri}})
        held = (msg.get("result") or {}).get("text")
        if held != doc.text:
            raise AssertionError(f"[seed {self.seed}] text differs after {where} in {doc.path}: "
                                 f"{_first_difference(doc.text, held)}; last changes {getattr(doc, 'last', None)!r}")

    def pull(self, doc: Doc) -> list:
        msg = self.call("textDocument/diagnostic", {"textDocument": {"uri": doc.uri}}, doc.path)
        if "error" in msg:
            raise AssertionError(f"textDocument/diagnostic failed: {msg['error']}")
        return msg["result"].get("items", [])

    # -------------------------------------------------------- documents
    def open(self, path: str) -> Doc:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        doc = Doc(uri=path_uri(path), path=path, original=text, text=text)
        self.client.notify("textDocument/didOpen", {"textDocument": {
            "uri": doc.uri, "languageId": "typescript", "version": 1, "text": text}})
        self.docs[doc.uri] = doc
        return doc

    def close(self, doc: Doc) -> None:
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
        self.docs.pop(doc.uri, None)

    def send_changes(self, doc: Doc, changes: list[dict]) -> None:
        doc.last = changes
        doc.version += 1
        self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": doc.uri, "version": doc.version}, "contentChanges": changes})
        self.stats.changes += len(changes)

    def _change(self, doc: Doc, a: int, b: int, new: str) -> dict:
        """Replace doc.text[a:b] by `new` (client side); the LSP change to send."""
        starts = line_starts(doc.text)
        rng = {"start": position(doc.text, a, self.enc, starts), "end": position(doc.text, b, self.enc, starts)}
        ch: dict = {"range": rng, "text": new}
        if self.rng.random() < 0.1:  # the deprecated rangeLength some clients still send
            ch["rangeLength"] = sum(_units(c, "utf-16") for c in doc.text[a:b])
        held = lone_surrogates_replaced(new)  # what the server keeps
        doc.undo.append((a, a + len(held), doc.text[a:b]))
        doc.text = doc.text[:a] + held + doc.text[b:]
        return ch

    def _full(self, doc: Doc, new: str) -> dict:
        doc.undo.append(("full", doc.text))
        doc.text = new
        return {"text": new}

    # -------------------------------------------------------- random material
    def _spot(self, text: str, near: Optional[int] = None, spread: int = 400) -> int:
        n = len(text)
        if n == 0:
            return 0
        if near is None:
            i = self.rng.randint(0, n)
        else:
            i = max(0, min(n, near + self.rng.randint(0, spread)))
        while not expressible(text, i):
            i -= 1
        if 0 < i < n and 0xDC00 <= ord(text[i]) <= 0xDFFF:  # never in a surrogate pair (not in str)
            i -= 1
        return i

    def _fragment(self) -> str:
        r = self.rng.random()
        if r < 0.35 and self.pool_texts:
            t = self.rng.choice(self.pool_texts)
            if not t:
                return "x"
            a = self.rng.randint(0, len(t) - 1)
            return t[a:a + self.rng.choice([1, 5, 20, 80, 300, 1500])]
        if r < 0.75:
            return "".join(self.rng.choice(FRAGMENTS) for _ in range(self.rng.randint(1, 4)))
        if r < 0.9:
            return "".join(self.rng.choice(IDENT) for _ in range(self.rng.randint(1, 12)))
        return self.rng.choice(["\r\n", "\r", "\n\n", "  ", "😀😀", "日本", "\u0301", "\ud83d", "a\ude00b"])

    def _random_change(self, doc: Doc) -> dict:
        t = doc.text
        r = self.rng.random()
        if r < 0.02 and len(t) < 400_000:  # whole file: another file, or the original, or CRLF
            kind = self.rng.random()
            if kind < 0.4 and self.pool_texts:
                return self._full(doc, self.rng.choice(self.pool_texts))
            if kind < 0.7:
                return self._full(doc, doc.text.replace("\r\n", "\n").replace("\n", "\r\n"))
            return self._full(doc, doc.original)
        if r < 0.35:  # insert
            a = self._spot(t)
            return self._change(doc, a, a, self._fragment())
        if r < 0.6:  # delete, often across line ends
            a = self._spot(t)
            b = self._spot(t, a, self.rng.choice([1, 3, 30, 200, 2000]))
            return self._change(doc, a, max(a, b), "")
        if r < 0.8:  # replace
            a = self._spot(t)
            b = self._spot(t, a, self.rng.choice([1, 10, 100]))
            return self._change(doc, a, max(a, b), self._fragment())
        if r < 0.9:  # a line end: CRLF / CR / LF around an existing one
            i = t.find("\n", self._spot(t))
            if i == -1:
                i = len(t)
            while not expressible(t, i):
                i -= 1
            j = i + 1 if i < len(t) and t[i] == "\n" else i
            return self._change(doc, i, min(j, len(t)), self.rng.choice(["\r\n", "\r", "\n", "", "\r\n\r\n"]))
        # a deletion from the middle of one line to the middle of a later one
        starts = line_starts(t)
        row = self.rng.randrange(len(starts))
        a = self._spot(t, starts[row], 40)
        b = self._spot(t, a, 300)
        return self._change(doc, a, max(a, b), self.rng.choice(["", " ", "\n"]))

    def _random_position(self, doc: Doc) -> dict:
        t = doc.text
        starts = line_starts(t)
        r = self.rng.random()
        if r < 0.7:
            return position(t, self._spot(t), self.enc, starts)
        if r < 0.85:  # past the end of a line
            row = self.rng.randrange(len(starts))
            return {"line": row, "character": self.rng.choice([200, 5000, 2**31 - 1])}
        return {"line": len(starts) + self.rng.choice([0, 1, 100, 2**31 - 2]), "character": self.rng.randint(0, 50)}

    # -------------------------------------------------------- steps
    def edit(self, doc: Doc) -> None:
        """One didChange with 1-3 changes (sometimes a burst of typed characters)."""
        if self.rng.random() < 0.08:  # typing: one character per notification
            a = self._spot(doc.text)
            for ch in self.rng.choice(["ctx.db.query(\"", "withIndex(\"by_", "😀日本", "{\r\n"]):
                if not expressible(doc.text, a):  # typed "\r" before a "\n": the caret is past both
                    a += 1
                self.send_changes(doc, [self._change(doc, a, a, ch)])
                a += len(ch)
            self.stats.edits += 1
            return
        changes = [self._random_change(doc) for _ in range(self.rng.choice([1, 1, 1, 2, 3]))]
        self.send_changes(doc, changes)
        self.stats.edits += 1

    def request(self, doc: Doc) -> None:
        method = self.rng.choice(REQUESTS)
        pos = self._random_position(doc)
        td = {"uri": doc.uri}
        label = f"{os.path.basename(doc.path)}:{pos['line']}:{pos['character']}"
        if method == "textDocument/codeAction":
            diags = self.client.diagnostics.get(doc.uri) or []
            if self.rng.random() < 0.6:
                msg = self.call("textDocument/diagnostic", {"textDocument": td}, label)
                diags = (msg.get("result") or {}).get("items", []) if "error" not in msg else []
            picked = self.rng.sample(diags, min(len(diags), self.rng.choice([0, 1, 3])))
            end = self._random_position(doc) if self.rng.random() < 0.3 else pos
            if picked:
                rng = picked[0]["range"]
            else:
                rng = {"start": pos, "end": end}
            only = self.rng.choice([None, ["quickfix"], ["source"], ["source.fixAll.convex-lsp"]])
            ctx: dict = {"diagnostics": picked}
            if only:
                ctx["only"] = only
            self.call(method, {"textDocument": td, "range": rng, "context": ctx}, label)
        elif method == "textDocument/rename":
            name = self.rng.choice(["by_x", "by_channel", "", "1bad", "by_日本", "a" * 50])
            self.call(method, {"textDocument": td, "position": pos, "newName": name}, label)
        elif method == "textDocument/references":
            self.call(method, {"textDocument": td, "position": pos,
                               "context": {"includeDeclaration": self.rng.random() < 0.5}}, label)
        elif method == "textDocument/diagnostic":
            self.call(method, {"textDocument": td}, label)
        elif method == "textDocument/completion":
            self.call(method, {"textDocument": td, "position": pos,
                               "context": {"triggerKind": 1}}, label)
        else:
            self.call(method, {"textDocument": td, "position": pos}, label)

    def undo_all(self, doc: Doc) -> None:
        """Send the inverse of every edit, newest first, in a few batches."""
        while doc.undo:
            batch = []
            for _ in range(self.rng.choice([1, 4, 16])):
                if not doc.undo:
                    break
                step = doc.undo.pop()
                if step[0] == "full":
                    doc.text = step[1]
                    batch.append({"text": step[1]})
                    continue
                a, b, old = step
                if expressible(doc.text, a) and expressible(doc.text, b):
                    starts = line_starts(doc.text)
                    batch.append({"range": {"start": position(doc.text, a, self.enc, starts),
                                            "end": position(doc.text, b, self.enc, starts)}, "text": old})
                    doc.text = doc.text[:a] + old + doc.text[b:]
                else:  # the edit joined "\r" and "\n": an LSP position cannot split them
                    doc.text = doc.text[:a] + old + doc.text[b:]
                    batch.append({"text": doc.text})
            self.send_changes(doc, batch)
        assert doc.text == doc.original
        self.check_text(doc, "undo")

    # -------------------------------------------------------- runs
    def session(self, paths: list[str], steps: int, request_rate: float = 0.6) -> None:
        """Open `paths`, fuzz `steps` edits over them, undo everything, compare diagnostics."""
        docs = [self.open(p) for p in paths]
        for d in docs:
            d.diags0 = diag_key(self.pull(d))
        for i in range(steps):
            doc = self.rng.choice(docs)
            self.edit(doc)
            self.check_alive()
            while self.rng.random() < request_rate:
                self.request(self.rng.choice(docs))
            self.check_text(doc, f"edit {self.stats.edits}")
        for d in docs:
            self.undo_all(d)
        for d in docs:
            got = diag_key(self.pull(d))
            self.stats.undo_checks += 1
            if got != d.diags0:
                raise AssertionError(f"[seed {self.seed}] diagnostics of {d.path} differ after undoing every edit:\n"
                                     f"before: {d.diags0}\nafter:  {got}")
        for d in docs:
            self.close(d)
        self.check_alive()
        rss = self.client.rss_kb()
        if rss is not None:
            self.stats.rss_peak_kb = max(self.stats.rss_peak_kb or 0, rss)

    def finish(self) -> Stats:
        self.stats.rss_end_kb = self.client.rss_kb()
        peak = read_status_kb(self.client.pid, "VmHWM")
        if peak is not None:
            self.stats.rss_peak_kb = peak
        self.client.close()
        return self.stats


def _first_difference(a: str, b: Optional[str]) -> str:
    if b is None:
        return "the server holds no document"
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    return f"at offset {i}: client {a[max(0, i - 20):i + 20]!r} server {b[max(0, i - 20):i + 20]!r} " \
           f"(lengths {len(a)} / {len(b)})"


def run(root: str, files: list[str], edits: int, seed: int, per_session: int = 150, docs_per_session: int = 3,
        enc: str = "utf-16", log: Callable[[str], None] = lambda s: None,
        deadline: Optional[float] = None) -> Stats:
    """Fuzz `edits` edits over `files`, `per_session` at a time on `docs_per_session` open
    documents (the schema of the folder is often among them)."""
    fz = Fuzzer(root, files, seed, enc=enc, log=log)
    try:
        rng = fz.rng
        schemas = [f for f in files if os.path.basename(f) == "schema.ts"]
        while fz.stats.edits < edits:
            if deadline is not None and time.perf_counter() > deadline:
                break
            picks = rng.sample(files, min(len(files), docs_per_session))
            if schemas and rng.random() < 0.5:
                near = [s for s in schemas if os.path.dirname(s) == os.path.dirname(picks[0])] or schemas
                s = rng.choice(near)
                if s not in picks:
                    picks[-1] = s
            n = min(per_session, edits - fz.stats.edits)
            fz.session(picks, n)
            log(f"{fz.stats.edits} edits, {fz.stats.requests} requests, "
                f"{fz.stats.edits / (time.perf_counter() - fz.stats.started):.1f} edits/s, "
                f"rss {fz.client.rss_kb()} kB")
    except BaseException:
        fz.stats.rss_end_kb = fz.client.rss_kb()
        fz.client.close()
        raise
    return fz.finish()
