/** Unit tests of the settings mapping and the server discovery (no VS Code needed). */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { describe, it } from "node:test";

import {
  DiscoveryEnv,
  MODULE,
  expandPath,
  findServer,
  initializationOptions,
  needsRestart,
  notFoundMessage,
  serverSettings,
  which,
} from "../src/config";

function env(over: Partial<DiscoveryEnv> & { executables?: string[]; importable?: string[] } = {}): DiscoveryEnv {
  const exes = new Set(over.executables ?? []);
  const importable = new Set(over.importable ?? []);
  return {
    platform: over.platform ?? "linux",
    pathVar: over.pathVar ?? "/usr/local/bin:/usr/bin",
    pathExt: over.pathExt,
    workspaceFolders: over.workspaceFolders ?? ["/ws/app"],
    homeDir: over.homeDir ?? "/home/me",
    isExecutable: (f) => exes.has(f),
    canImport: (p) => importable.has(p),
  };
}

describe("serverSettings", () => {
  it("maps the server settings and drops the extension-only ones", () => {
    const out = serverSettings({
      enable: true,
      path: "/x/convex-lsp",
      interpreter: "/x/python",
      debounce: 300,
      hover: false,
      select: ["CVX2", " ALL "],
      ignore: ["no-query-filter"],
      trace: { server: "verbose" },
    });
    assert.deepEqual(out, { debounce: 300, hover: false, select: ["CVX2", "ALL"], ignore: ["no-query-filter"] });
  });

  it("leaves out empty rule lists and invalid numbers so the server defaults apply", () => {
    assert.deepEqual(serverSettings({ select: [], ignore: ["", "  "], debounce: -1 }), {});
    assert.deepEqual(serverSettings({ debounce: 12.6 }), { debounce: 13 });
    assert.deepEqual(serverSettings({ fullAnalysisDelayMs: 250 }), { fullAnalysisDelayMs: 250 });
    assert.deepEqual(serverSettings({ fullAnalysisDelayMs: -5 }), {});
    assert.deepEqual(serverSettings({}), {});
  });

  it("wraps them under convexLsp for initializationOptions", () => {
    assert.deepEqual(initializationOptions({ hover: true, debounce: 0 }), { convexLsp: { hover: true, debounce: 0 } });
  });
});

describe("findServer", () => {
  it("1. convexLsp.path wins, started with `serve`", () => {
    const cmd = findServer({ path: "/opt/convex-lsp", interpreter: "/usr/bin/python3" },
      env({ executables: ["/usr/bin/convex-lsp"] }));
    assert.deepEqual(cmd, { command: "/opt/convex-lsp", args: ["serve"], source: "setting:path" });
  });

  it("expands ~ and ${workspaceFolder}, and resolves relative paths in the workspace", () => {
    const e = env();
    assert.equal(expandPath("~/bin/convex-lsp", e), path.join("/home/me", "bin/convex-lsp"));
    assert.equal(expandPath("${workspaceFolder}/.venv/bin/convex-lsp", e), "/ws/app/.venv/bin/convex-lsp");
    assert.equal(expandPath("tools/convex-lsp", e), path.join("/ws/app", "tools/convex-lsp"));
    assert.equal(expandPath("convex-lsp", e), "convex-lsp");
  });

  it("a bare name in convexLsp.path is looked up on PATH", () => {
    const cmd = findServer({ path: "convex-lsp" }, env({ executables: ["/usr/bin/convex-lsp"] }));
    assert.equal(cmd?.command, "/usr/bin/convex-lsp");
  });

  it("2. convexLsp.interpreter runs the module", () => {
    const cmd = findServer({ interpreter: "/ws/app/.venv/bin/python" }, env({ executables: ["/usr/bin/convex-lsp"] }));
    assert.deepEqual(cmd, { command: "/ws/app/.venv/bin/python", args: ["-m", MODULE, "serve"], source: "setting:interpreter" });
  });

  it("3. convex-lsp on PATH, first directory first", () => {
    const cmd = findServer({}, env({ executables: ["/usr/bin/convex-lsp", "/usr/local/bin/convex-lsp"] }));
    assert.deepEqual(cmd, { command: "/usr/local/bin/convex-lsp", args: ["serve"], source: "PATH" });
  });

  it("4. a workspace virtualenv: .venv before venv, the script before the interpreter", () => {
    assert.deepEqual(findServer({}, env({ executables: ["/ws/app/venv/bin/convex-lsp", "/ws/app/.venv/bin/convex-lsp"] })),
      { command: "/ws/app/.venv/bin/convex-lsp", args: ["serve"], source: "virtualenv" });
    assert.deepEqual(findServer({}, env({ executables: ["/ws/app/.venv/bin/python"], importable: ["/ws/app/.venv/bin/python"] })),
      { command: "/ws/app/.venv/bin/python", args: ["-m", MODULE, "serve"], source: "virtualenv" });
    // a venv python without convex-lsp is skipped
    assert.equal(findServer({}, env({ executables: ["/ws/app/.venv/bin/python"] })), undefined);
  });

  it("a virtualenv of a later workspace folder", () => {
    const cmd = findServer({}, env({ workspaceFolders: ["/ws/a", "/ws/b"], executables: ["/ws/b/venv/bin/convex-lsp"] }));
    assert.equal(cmd?.command, "/ws/b/venv/bin/convex-lsp");
  });

  it("5. python3 -m when the module imports", () => {
    const cmd = findServer({}, env({ executables: ["/usr/bin/python3"], importable: ["/usr/bin/python3"] }));
    assert.deepEqual(cmd, { command: "/usr/bin/python3", args: ["-m", MODULE, "serve"], source: "python -m" });
  });

  it("nothing found → undefined, and the message names the install command", () => {
    assert.equal(findServer({}, env({ executables: ["/usr/bin/python3"] })), undefined);
    assert.match(notFoundMessage(), /install\.sh/);
  });

  it("Windows: PATHEXT, Scripts\\ and python", () => {
    const w = env({ platform: "win32", pathVar: "C:\\bin;C:\\py", pathExt: ".EXE;.CMD", workspaceFolders: ["C:\\ws"],
      executables: [path.join("C:\\py", "convex-lsp.EXE")] });
    assert.equal(which("convex-lsp", w), path.join("C:\\py", "convex-lsp.EXE"));
    const v = env({ platform: "win32", pathVar: "", workspaceFolders: ["C:\\ws"],
      executables: [path.join("C:\\ws", ".venv", "Scripts", "convex-lsp.exe")] });
    assert.equal(findServer({}, v)?.source, "virtualenv");
  });
});

describe("needsRestart", () => {
  it("enable, path and interpreter restart the server; the rest is didChangeConfiguration", () => {
    assert.equal(needsRestart((k) => k === "convexLsp.path"), true);
    assert.equal(needsRestart((k) => k === "convexLsp.enable"), true);
    assert.equal(needsRestart((k) => k === "convexLsp.interpreter"), true);
    assert.equal(needsRestart((k) => k === "convexLsp.debounce" || k === "convexLsp.select"), false);
  });
});
