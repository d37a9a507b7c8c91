"""Boundaries of the analysis: during `check` and a server session it opens no path outside
the workspace roots (an import of `../../../outside` is not read), executes nothing, opens no
network connection, and never reads `.env` files."""

from __future__ import annotations

import builtins
import json
import os
import socket
import subprocess
import sys


from convex_lsp.server import cli
from tests import fuzz_server as F
from tests.ruletester import write_project

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCHEMA = """import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({
  tasks: defineTable({ done: v.boolean(), owner: v.string() }).index("by_owner", ["owner"]),
});
"""
MAIN = """import { query, action } from "./_generated/server";
import { v } from "convex/values";
import { helper } from "../../../outside/secret";
import { other } from "../../outside/secret";
import { api } from "./_generated/api";
import config from "../.env";
export const list = query({
  args: {},
  handler: async (ctx) => {
    const key = process.env.SECRET_KEY;
    return await ctx.db.query("tasks").filter((q) => q.eq(q.field("done"), false)).take(10);
  },
});
export const run = action({ args: {}, handler: async (ctx) => { await ctx.runQuery(api.main.list, {}); } });
"""
SECRET = "hunter2-do-not-read"


def make(tmp_path) -> tuple[str, str]:
    """A project at tmp/a/b/c/ws whose imports reach tmp/outside, tmp/a/outside and .env files."""
    for rel in ("outside/secret.ts", "a/outside/secret.ts", "a/b/outside/secret.ts"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f'export const helper = "{SECRET}";\n')
    root = write_project(tmp_path / "a" / "b" / "c" / "ws", {
        "convex/schema.ts": SCHEMA, "convex/main.ts": MAIN,
        "convex/_generated/server.d.ts": "export declare const query: any;\nexport declare const action: any;\n",
        ".env": f"SECRET_KEY={SECRET}\n", ".env.local": f"CONVEX_DEPLOY_KEY={SECRET}\n",
        "convex/.env": f"X={SECRET}\n"})
    return os.path.realpath(root), os.path.realpath(str(tmp_path))


class Guard:
    """Records every path opened (builtins.open, os.open, os.scandir/listdir) and makes
    subprocesses, exec, system and socket connections raise."""

    def __init__(self, monkeypatch):
        self.opened: list[str] = []
        self.listed: list[str] = []
        self.blocked: list[str] = []
        real_open, real_os_open = builtins.open, os.open
        real_scandir, real_listdir = os.scandir, os.listdir

        def rec(lst, p):
            if isinstance(p, (str, bytes, os.PathLike)):
                lst.append(os.path.abspath(os.fsdecode(p)))

        def open_(file, *a, **k):
            rec(self.opened, file)
            return real_open(file, *a, **k)

        def os_open(path, *a, **k):
            rec(self.opened, path)
            return real_os_open(path, *a, **k)

        def scandir(path="."):
            rec(self.listed, path)
            return real_scandir(path)

        def listdir(path="."):
            rec(self.listed, path)
            return real_listdir(path)

        def refuse(what):
            def f(*a, **k):
                self.blocked.append(what)
                raise AssertionError(f"convex-lsp tried to {what}")
            return f

        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "listdir", listdir)
        monkeypatch.setattr(subprocess, "Popen", refuse("start a process (subprocess.Popen)"))
        monkeypatch.setattr(os, "system", refuse("run a shell (os.system)"))
        monkeypatch.setattr(os, "popen", refuse("run a shell (os.popen)"))
        for name in ("execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
                     "spawnv", "spawnve", "spawnl", "posix_spawn", "posix_spawnp", "fork", "forkpty"):
            if hasattr(os, name):
                monkeypatch.setattr(os, name, refuse(f"execute (os.{name})"))
        monkeypatch.setattr(socket.socket, "connect", refuse("open a network connection"))
        monkeypatch.setattr(socket.socket, "connect_ex", refuse("open a network connection"))
        monkeypatch.setattr(socket, "create_connection", refuse("open a network connection"))

    def outside(self, root: str) -> list[str]:
        """Paths opened or listed outside `root`, other than Python's own files."""
        from convex_lsp.analysis.cache import cache_root

        # the persistent cache lives in the user's cache folder (analysis/cache.py), by design
        allowed = [root, os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), REPO, "/dev/null",
                   "/proc/self", "/dev/urandom", os.path.realpath(cache_root())]
        out = []
        for p in self.opened + self.listed:
            real = os.path.realpath(p)
            if not any(real == a or real.startswith(a.rstrip(os.sep) + os.sep) for a in allowed):
                out.append(p)
        return out

    def env_files(self) -> list[str]:
        return [p for p in self.opened if os.path.basename(p).startswith(".env")]


def test_check_stays_inside_runs_nothing_connects_nowhere(tmp_path, monkeypatch, capsys):
    root, top = make(tmp_path)
    g = Guard(monkeypatch)
    code = cli.main(["check", "--output-format", "json", "--jobs", "1", root])
    out, err = capsys.readouterr()
    assert code == 1, err
    findings = json.loads(out)
    assert findings
    assert not g.outside(root), g.outside(root)
    assert not [p for p in g.opened if "outside" in p]
    assert not g.env_files(), g.env_files()
    assert not g.blocked
    assert SECRET not in out and SECRET not in err


def test_check_with_fixes_stays_inside(tmp_path, monkeypatch, capsys):
    root, top = make(tmp_path)
    g = Guard(monkeypatch)
    code = cli.main(["check", "--diff", "--unsafe-fixes", "--jobs", "1", root])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert not g.outside(root) and not g.env_files() and not g.blocked
    assert SECRET not in out


def test_server_session_stays_inside_runs_nothing_connects_nowhere(tmp_path, monkeypatch):
    """The server's whole session logic in-process (the transport aside): indexing, open
    buffers, lint, hover, completion, definition, references, rename, code actions."""
    from convex_lsp.server import hover as H
    from convex_lsp.server import navigation as N
    from convex_lsp.server import targets as G
    from convex_lsp.server.session import Session, quickfixes

    root, top = make(tmp_path)
    g = Guard(monkeypatch)
    s = Session([root])
    s.add_scanned(s.scan())
    s.indexed = True
    main = os.path.join(root, "convex", "main.ts")
    with open(main, encoding="utf-8") as fh:
        text = fh.read()
    s.open("file://" + main, main, 1, text)
    res = s.lint(main)
    assert res is not None and res.findings
    qf = quickfixes()
    for f in res.findings:
        for fx in qf.fixes_for(f, s.analyzer):
            assert fx.edits is not None
    data = text.encode()
    for off in range(0, len(data), 7):
        H.hover(s, main, off, res.findings)
        N.completions(s, main, off)
        N.definition(s, main, off)
        at = G.found_at(s, main, off)
        if isinstance(at, N.IndexAt):
            G.index_references(s, at, True)
        elif isinstance(at, G.FunctionAt):
            G.function_references(s, at, True)
        elif isinstance(at, G.TableAt):
            G.table_references(s, at, True)
    for p in s.indexed_paths():
        s.lint_disk_file(p)
    s.disk_changed(os.path.join(top, "outside", "secret.ts"), False)  # a watcher event outside: ignored
    s.reload_project()
    s.add_scanned(s.scan())
    assert not g.outside(root), g.outside(root)
    assert not g.env_files(), g.env_files()
    assert not g.blocked
    assert all(SECRET not in f.message for f in res.findings)


def test_live_server_never_opens_env_or_outside_files(tmp_path):
    """The real server over stdio, watched from outside: strace is not available everywhere,
    so the server runs with an audit hook (sys.addaudithook) logging `open` and `subprocess`
    and `socket.connect` events to a file we read afterwards."""
    root, top = make(tmp_path)
    log = str(tmp_path / "audit.log")
    boot = (
        "import sys, os\n"
        f"LOG = open({log!r}, 'w', buffering=1)\n"
        "def hook(event, args):\n"
        "    if event == 'open' and isinstance(args[0], (str, bytes)):\n"
        "        LOG.write('open ' + os.path.abspath(os.fsdecode(args[0])) + '\\n')\n"
        "    elif event in ('subprocess.Popen', 'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn',\n"
        "                   'socket.connect'):\n"
        "        LOG.write(event + ' ' + repr(args)[:200] + '\\n')\n"
        "sys.addaudithook(hook)\n"
        "from convex_lsp.server.lsp import main\n"
        "sys.exit(main([]))\n")
    env = dict(os.environ, CONVEX_LSP_JOBS="0")
    c = F.RpcClient([sys.executable, "-c", boot], cwd=root, env=env)
    try:
        c.initialize(root)
        main = os.path.join(root, "convex", "main.ts")
        u = F.path_uri(main)
        with open(main, encoding="utf-8") as fh:
            text = fh.read()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "typescript", "version": 1,
                                                           "text": text}})
        items = c.result("textDocument/diagnostic", {"textDocument": {"uri": u}})["items"]
        assert items
        for line in range(text.count("\n")):
            for m in ("textDocument/hover", "textDocument/definition", "textDocument/completion"):
                c.result(m, {"textDocument": {"uri": u}, "position": {"line": line, "character": 12}})
        c.result("textDocument/codeAction", {"textDocument": {"uri": u}, "range": items[0]["range"],
                                             "context": {"diagnostics": items}})
        c.result("workspace/diagnostic", {"previousResultIds": []})
    finally:
        c.close()
    with open(log, encoding="utf-8") as fh:
        events = fh.read().splitlines()
    from convex_lsp.analysis.cache import cache_root

    # the persistent cache lives in the user's cache folder (analysis/cache.py), by design
    allowed = [root, os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), REPO, "/dev/", "/proc/",
               "/etc/localtime", "/sys/", os.path.realpath(cache_root())]
    bad = [e for e in events if not e.startswith("open ")]
    assert not bad, bad  # no process, no exec, no connection
    opened = [e[5:] for e in events]
    assert not [p for p in opened if os.path.basename(p).startswith(".env")]
    outside = [p for p in opened if not any(os.path.realpath(p).startswith(a) for a in allowed)]
    assert not outside, outside
