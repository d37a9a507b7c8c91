/**
 * The server the extension brings with it: a wheel of convex-lsp inside the .vsix
 * (`dist/server/*.whl`, put there by scripts/bundle-server.js), installed on first use into a
 * private virtual environment under the extension's global storage. Only the server's
 * dependencies (tree-sitter, pygls, ...) come from the package index; the server itself needs
 * no network.
 *
 * No `vscode` import here: unit-tested with `node --test` (test/bundled.test.ts).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { ServerCommand } from "./config";

export const MIN_PYTHON: [number, number] = [3, 10];
/** Written into the environment once the install succeeded: the wheel it was made from. */
export const MARKER = "convex-lsp-bundled.txt";

/** Runs a program, resolving with its exit code and output (injectable for the tests). */
export type Run = (command: string, args: string[], timeoutMs?: number) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface Layout {
  venv: string;
  python: string;
  exe: string;
  marker: string;
}

/** Where the private environment lives in the extension's global storage folder. */
export function layout(storageDir: string, platform: NodeJS.Platform): Layout {
  const venv = path.join(storageDir, "server-venv");
  const bin = platform === "win32" ? path.join(venv, "Scripts") : path.join(venv, "bin");
  return {
    venv,
    python: path.join(bin, platform === "win32" ? "python.exe" : "python"),
    exe: path.join(bin, platform === "win32" ? "convex-lsp.exe" : "convex-lsp"),
    marker: path.join(venv, MARKER),
  };
}

/** The wheel bundled in the extension (`dist/server/convex_lsp-*.whl`), the newest if several. */
export function bundledWheel(extensionDir: string, list: (dir: string) => string[] = safeList): string | undefined {
  const dir = path.join(extensionDir, "dist", "server");
  const wheels = list(dir).filter((n) => /^convex_lsp-.+\.whl$/.test(n)).sort();
  return wheels.length ? path.join(dir, wheels[wheels.length - 1]) : undefined;
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The installed bundled server, when its environment was made from this very wheel. */
export function installedServer(l: Layout, wheel: string | undefined, read: (file: string) => string | undefined = safeRead,
  isExecutable: (file: string) => boolean = (f) => fs.existsSync(f)): ServerCommand | undefined {
  if (wheel === undefined || read(l.marker)?.trim() !== path.basename(wheel) || !isExecutable(l.exe)) {
    return undefined;
  }
  return { command: l.exe, args: ["serve"], source: "bundled" };
}

function safeRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Interpreters to try, best first. */
export function pythonCandidates(platform: NodeJS.Platform, interpreterSetting?: string): { command: string; args: string[] }[] {
  const out: { command: string; args: string[] }[] = [];
  if (interpreterSetting && interpreterSetting.trim()) {
    out.push({ command: interpreterSetting.trim(), args: [] });
  }
  if (platform === "win32") {
    out.push({ command: "py", args: ["-3"] }, { command: "python", args: [] }, { command: "python3", args: [] });
  } else {
    for (const minor of [14, 13, 12, 11, 10]) {
      out.push({ command: `python3.${minor}`, args: [] });
    }
    out.push({ command: "python3", args: [] }, { command: "python", args: [] });
  }
  return out;
}

/** "3.12" → [3, 12]; anything else → undefined. */
export function parseVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function atLeast(v: [number, number], min: [number, number] = MIN_PYTHON): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export interface FoundPython {
  command: string;
  args: string[];
  version: [number, number];
}

/** The first interpreter that runs and is new enough; `tried` lists what was looked at. */
export async function findPython(candidates: { command: string; args: string[] }[], run: Run):
  Promise<{ python?: FoundPython; tried: string[] }> {
  const tried: string[] = [];
  for (const c of candidates) {
    let r;
    try {
      r = await run(c.command, [...c.args, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], 15000);
    } catch {
      tried.push(`${c.command}: not found`);
      continue;
    }
    const v = r.code === 0 ? parseVersion(r.stdout) : undefined;
    if (v === undefined) {
      tried.push(`${c.command}: not runnable`);
      continue;
    }
    if (!atLeast(v)) {
      tried.push(`${c.command}: ${v[0]}.${v[1]} (too old)`);
      continue;
    }
    return { python: { command: c.command, args: c.args, version: v }, tried };
  }
  return { tried };
}

/** The message when no Python is new enough. */
export function noPythonMessage(tried: string[]): string {
  return (
    `Convex LSP needs Python ${MIN_PYTHON.join(".")} or newer to run its language server, and none was found` +
    (tried.length ? ` (${tried.join("; ")})` : "") +
    ". Install Python (python.org; macOS: `brew install python`; Debian/Ubuntu: `sudo apt install python3 python3-venv`), " +
    "then run \"Convex LSP: Reinstall the bundled server\", or set `convexLsp.interpreter`."
  );
}

/** The commands that make the environment: venv, then pip installs the bundled wheel. */
export function installCommands(python: FoundPython, l: Layout, wheel: string): { command: string; args: string[]; title: string }[] {
  return [
    { command: python.command, args: [...python.args, "-m", "venv", "--clear", l.venv], title: "creating a private Python environment" },
    {
      command: l.python,
      args: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", wheel],
      title: "installing the server and its dependencies",
    },
  ];
}

/**
 * Install the bundled server: find a Python, make the environment, install the wheel, write the
 * marker. `report` receives each step's title (the progress notification).
 */
export async function install(opts: {
  wheel: string;
  layout: Layout;
  candidates: { command: string; args: string[] }[];
  run: Run;
  report?: (title: string) => void;
  writeMarker?: (file: string, text: string) => void;
}): Promise<{ ok: true; server: ServerCommand; python: FoundPython } | { ok: false; reason: "no-python" | "failed"; message: string }> {
  const report = opts.report ?? (() => undefined);
  report("looking for Python");
  const { python, tried } = await findPython(opts.candidates, opts.run);
  if (python === undefined) {
    return { ok: false, reason: "no-python", message: noPythonMessage(tried) };
  }
  for (const step of installCommands(python, opts.layout, opts.wheel)) {
    report(step.title);
    let r;
    try {
      r = await opts.run(step.command, step.args, 600000);
    } catch (e) {
      return { ok: false, reason: "failed", message: `${step.title} failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (r.code !== 0) {
      const detail = (r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n");
      return { ok: false, reason: "failed", message: `${step.title} failed (exit code ${r.code}): ${detail}` };
    }
  }
  const write = opts.writeMarker ?? ((file: string, text: string) => fs.writeFileSync(file, text));
  write(opts.layout.marker, path.basename(opts.wheel) + "\n");
  return { ok: true, server: { command: opts.layout.exe, args: ["serve"], source: "bundled" }, python };
}

/** `Run` on the real system. */
export const runProcess: Run = (command, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs ?? 60000, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
          reject(err);
          return;
        }
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
  });
