/** Unit tests of the bundled server's installation (no VS Code needed). */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

import {
  MARKER,
  Run,
  atLeast,
  bundledWheel,
  findPython,
  install,
  installCommands,
  installedServer,
  layout,
  noPythonMessage,
  parseVersion,
  pythonCandidates,
} from "../src/bundled";
import { findServer } from "../src/config";

/** A fake system: interpreters by name → version printed (undefined: not installed). */
function fakeRun(pythons: Record<string, string>, failStep?: string): { run: Run; calls: string[][] } {
  const calls: string[][] = [];
  const run: Run = async (command, args) => {
    calls.push([command, ...args]);
    if (args.includes("-c")) {
      const v = pythons[command];
      if (v === undefined) {
        const e = new Error(`spawn ${command} ENOENT`) as NodeJS.ErrnoException;
        e.code = "ENOENT";
        throw e;
      }
      return { code: 0, stdout: `${v}\n`, stderr: "" };
    }
    if (failStep && args.includes(failStep)) {
      return { code: 1, stdout: "", stderr: "ERROR: No matching distribution found for tree-sitter>=0.25" };
    }
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}

describe("layout and the bundled wheel", () => {
  it("puts the environment under the global storage, bin/ or Scripts\\", () => {
    const l = layout("/g/storage", "linux");
    assert.equal(l.exe, path.join("/g/storage", "server-venv", "bin", "convex-lsp"));
    assert.equal(l.python, path.join("/g/storage", "server-venv", "bin", "python"));
    const w = layout("C:\\g", "win32");
    assert.ok(w.exe.endsWith(path.join("Scripts", "convex-lsp.exe")));
    assert.ok(w.python.endsWith(path.join("Scripts", "python.exe")));
  });

  it("finds the wheel in dist/server, the newest when several", () => {
    const list = () => ["README", "convex_lsp-0.1.0-py3-none-any.whl", "convex_lsp-0.2.0-py3-none-any.whl", "other-1.whl"];
    assert.equal(bundledWheel("/ext", list), path.join("/ext", "dist", "server", "convex_lsp-0.2.0-py3-none-any.whl"));
    assert.equal(bundledWheel("/ext", () => []), undefined);
  });

  it("an installed environment counts only when made from the same wheel", () => {
    const l = layout("/g", "linux");
    const wheel = "/ext/dist/server/convex_lsp-0.2.0-py3-none-any.whl";
    const exists = (f: string) => f === l.exe;
    assert.deepEqual(installedServer(l, wheel, () => "convex_lsp-0.2.0-py3-none-any.whl\n", exists),
      { command: l.exe, args: ["serve"], source: "bundled" });
    // an older wheel (the extension was updated): reinstall
    assert.equal(installedServer(l, wheel, () => "convex_lsp-0.1.0-py3-none-any.whl\n", exists), undefined);
    assert.equal(installedServer(l, wheel, () => undefined, exists), undefined);
    assert.equal(installedServer(l, wheel, () => "convex_lsp-0.2.0-py3-none-any.whl", () => false), undefined);
  });
});

describe("finding a Python >= 3.10", () => {
  it("parses versions and compares them", () => {
    assert.deepEqual(parseVersion("3.12\n"), [3, 12]);
    assert.equal(parseVersion("Python"), undefined);
    assert.equal(atLeast([3, 10]), true);
    assert.equal(atLeast([3, 9]), false);
    assert.equal(atLeast([4, 0]), true);
  });

  it("tries the newest names first, skips old and missing ones", async () => {
    const cands = pythonCandidates("linux");
    assert.equal(cands[0].command, "python3.14");
    const { run } = fakeRun({ python3: "3.9", "python3.11": "3.11" });
    const { python, tried } = await findPython(cands, run);
    assert.equal(python?.command, "python3.11");
    assert.deepEqual(python?.version, [3, 11]);
    assert.ok(tried.includes("python3.14: not found"));
  });

  it("on Windows tries the py launcher first", () => {
    assert.deepEqual(pythonCandidates("win32")[0], { command: "py", args: ["-3"] });
  });

  it("none new enough: a clear message naming what was found", async () => {
    const { run } = fakeRun({ python3: "3.8", python: "2.7" });
    const { python, tried } = await findPython(pythonCandidates("darwin"), run);
    assert.equal(python, undefined);
    const msg = noPythonMessage(tried);
    assert.match(msg, /Python 3\.10 or newer/);
    assert.match(msg, /python3: 3\.8 \(too old\)/);
    assert.match(msg, /Reinstall the bundled server/);
  });
});

describe("install", () => {
  const wheel = "/ext/dist/server/convex_lsp-0.2.0-py3-none-any.whl";

  it("makes a venv with the found Python, pip-installs the bundled wheel (no index lookup for the server), writes the marker", async () => {
    const l = layout("/g", "linux");
    const { run, calls } = fakeRun({ python3: "3.12" });
    const titles: string[] = [];
    const written: [string, string][] = [];
    const r = await install({ wheel, layout: l, candidates: pythonCandidates("linux"), run, report: (t) => titles.push(t),
      writeMarker: (f, t) => written.push([f, t]) });
    assert.equal(r.ok, true);
    const steps = calls.filter((c) => !c.includes("-c"));
    assert.deepEqual(steps[0], ["python3", "-m", "venv", "--clear", l.venv]);
    assert.equal(steps[1][0], l.python);
    assert.equal(steps[1][steps[1].length - 1], wheel);
    assert.deepEqual(written, [[path.join(l.venv, MARKER), "convex_lsp-0.2.0-py3-none-any.whl\n"]]);
    assert.deepEqual(titles, ["looking for Python", "creating a private Python environment", "installing the server and its dependencies"]);
    assert.deepEqual(installCommands({ command: "py", args: ["-3"], version: [3, 12] }, l, wheel)[0].args.slice(0, 3), ["-3", "-m", "venv"]);
  });

  it("reports a failed step with pip's last lines, and writes no marker", async () => {
    const { run } = fakeRun({ python3: "3.12" }, "pip");
    let wrote = false;
    const r = await install({ wheel, layout: layout("/g", "linux"), candidates: pythonCandidates("linux"), run,
      writeMarker: () => { wrote = true; } });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, "failed");
    assert.match(!r.ok ? r.message : "", /No matching distribution/);
    assert.equal(wrote, false);
  });

  it("no Python: reason no-python", async () => {
    const { run } = fakeRun({});
    const r = await install({ wheel, layout: layout("/g", "linux"), candidates: pythonCandidates("linux"), run });
    assert.equal(!r.ok && r.reason, "no-python");
  });

  it("the wheel really installs into a private environment when a Python is at hand", { timeout: 600_000 }, async (t) => {
    const repoWheelDir = path.join(__dirname, "..", "..", "dist", "server");
    const real = bundledWheel(path.join(__dirname, "..", ".."));
    if (real === undefined || process.env.CONVEX_LSP_SKIP_REAL_INSTALL) {
      t.skip(`no wheel in ${repoWheelDir} (npm run bundle-server makes it)`);
      return;
    }
    const storage = fs.mkdtempSync(path.join(os.tmpdir(), "convex-lsp-bundled-"));
    const { runProcess } = await import("../src/bundled");
    const l = layout(storage, process.platform);
    const r = await install({ wheel: real, layout: l, candidates: pythonCandidates(process.platform), run: runProcess });
    assert.equal(r.ok, true, r.ok ? "" : r.message);
    assert.deepEqual(installedServer(l, real), { command: l.exe, args: ["serve"], source: "bundled" });
    const v = await runProcess(l.exe, ["--version"]);
    assert.match(v.stdout, /^convex-lsp /);
    fs.rmSync(storage, { recursive: true, force: true });
  });
});

describe("Workspace Trust", () => {
  it("an untrusted workspace's virtualenv is never run", () => {
    const exes = new Set(["/ws/app/.venv/bin/convex-lsp"]);
    const base = { platform: "linux" as NodeJS.Platform, pathVar: "/usr/bin", workspaceFolders: ["/ws/app"], homeDir: "/h",
      isExecutable: (f: string) => exes.has(f), canImport: () => false };
    assert.equal(findServer({}, { ...base, trusted: true })?.source, "virtualenv");
    assert.equal(findServer({}, { ...base, trusted: false }), undefined);
  });
});
