/**
 * Settings → server options, and finding the convex-lsp executable.
 *
 * No `vscode` import here: this module is unit-tested with `node --test`
 * (test/config.test.ts) and reused by the protocol test to start the server.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The extension's settings under `convexLsp` (as `workspace.getConfiguration("convexLsp")` gives them). */
export interface ExtensionSettings {
  enable?: boolean;
  path?: string;
  interpreter?: string;
  debounce?: number;
  fullAnalysisDelayMs?: number;
  hover?: boolean;
  select?: string[];
  ignore?: string[];
  trace?: { server?: string };
}

/** How to start the server. */
export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it was found: shown in the output channel. */
  source: "setting:path" | "setting:interpreter" | "PATH" | "virtualenv" | "python -m" | "bundled";
}

/** Everything the discovery looks at, injectable for the tests. */
export interface DiscoveryEnv {
  platform: NodeJS.Platform;
  /** PATH (or Path on Windows). */
  pathVar: string;
  /** PATHEXT on Windows. */
  pathExt?: string;
  workspaceFolders: string[];
  homeDir: string;
  /** An executable file exists at this path. */
  isExecutable(file: string): boolean;
  /** `python -c "import convex_lsp.server.cli"` succeeds with this interpreter. */
  canImport(python: string): boolean;
  /** The workspace is trusted (VS Code's Workspace Trust); false: no program of the workspace is run. */
  trusted?: boolean;
}

export const SERVER_NAME = "convex-lsp";
export const MODULE = "convex_lsp.server.cli";
/** How to install the server by hand (the extension normally installs its bundled copy itself). */
export const INSTALL_COMMAND = "./install.sh";
/** Keys of `convexLsp` that only the extension uses (never sent to the server). */
export const CLIENT_ONLY_KEYS = ["enable", "path", "interpreter", "trace"] as const;
/** Settings whose change needs a new server process rather than didChangeConfiguration. */
export const RESTART_KEYS = ["enable", "path", "interpreter"] as const;

/**
 * The object the server receives under `convexLsp` (initializationOptions and
 * workspace/didChangeConfiguration). Editor settings are defaults: a project's
 * convex-lsp.toml wins over them. Empty `select`/`ignore` are left out so the
 * server's own defaults (or the file) apply.
 */
export function serverSettings(s: ExtensionSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof s.debounce === "number" && Number.isFinite(s.debounce) && s.debounce >= 0) {
    out.debounce = Math.round(s.debounce);
  }
  if (typeof s.fullAnalysisDelayMs === "number" && Number.isFinite(s.fullAnalysisDelayMs) && s.fullAnalysisDelayMs >= 0) {
    out.fullAnalysisDelayMs = Math.round(s.fullAnalysisDelayMs);
  }
  if (typeof s.hover === "boolean") {
    out.hover = s.hover;
  }
  for (const key of ["select", "ignore"] as const) {
    const v = s[key];
    if (Array.isArray(v)) {
      const rules = v.filter((r) => typeof r === "string" && r.trim() !== "").map((r) => r.trim());
      if (rules.length > 0) {
        out[key] = rules;
      }
    }
  }
  return out;
}

/** `initializationOptions` for the server. */
export function initializationOptions(s: ExtensionSettings): { convexLsp: Record<string, unknown> } {
  return { convexLsp: serverSettings(s) };
}

/** Expand `~` and `${workspaceFolder}`; resolve a relative path against the first workspace folder. */
export function expandPath(p: string, env: Pick<DiscoveryEnv, "workspaceFolders" | "homeDir">): string {
  let out = p.trim();
  const folder = env.workspaceFolders[0];
  if (folder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = path.join(env.homeDir, out.slice(1));
  }
  // a bare name ("convex-lsp", "python3") is looked up on PATH, not in the workspace
  const bare = !out.includes("/") && !out.includes("\\");
  if (!bare && !path.isAbsolute(out) && folder !== undefined) {
    out = path.join(folder, out);
  }
  return out;
}

/** The first executable `name` on PATH (with PATHEXT on Windows). */
export function which(name: string, env: Pick<DiscoveryEnv, "platform" | "pathVar" | "pathExt" | "isExecutable">): string | undefined {
  const sep = env.platform === "win32" ? ";" : ":";
  const exts = env.platform === "win32" ? (env.pathExt || ".EXE;.CMD;.BAT;.COM").split(";").filter(Boolean) : [""];
  for (const dir of env.pathVar.split(sep)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (env.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function serveArgsForInterpreter(): string[] {
  return ["-m", MODULE, "serve"];
}

/**
 * Find the server, in this order:
 *  1. `convexLsp.path` (an executable started as `<path> serve`),
 *  2. `convexLsp.interpreter` (`<python> -m convex_lsp.server.cli serve`),
 *  3. `convex-lsp` on PATH,
 *  4. a workspace virtualenv (`.venv`, then `venv`, in each workspace folder; trusted workspaces only),
 *  5. `python3 -m convex_lsp.server.cli serve` (`python` on Windows) when the module imports.
 * A setting that is set wins even when it points nowhere (the start then fails with a
 * clear message) rather than silently falling back to another installation.
 */
export function findServer(s: ExtensionSettings, env: DiscoveryEnv): ServerCommand | undefined {
  const win = env.platform === "win32";
  if (s.path && s.path.trim()) {
    const p = expandPath(s.path, env);
    const resolved = p.includes("/") || p.includes("\\") ? p : which(p, env) ?? p;
    return { command: resolved, args: ["serve"], source: "setting:path" };
  }
  if (s.interpreter && s.interpreter.trim()) {
    const p = expandPath(s.interpreter, env);
    const resolved = p.includes("/") || p.includes("\\") ? p : which(p, env) ?? p;
    return { command: resolved, args: serveArgsForInterpreter(), source: "setting:interpreter" };
  }
  const onPath = which(SERVER_NAME, env);
  if (onPath) {
    return { command: onPath, args: ["serve"], source: "PATH" };
  }
  for (const folder of env.trusted === false ? [] : env.workspaceFolders) {
    for (const venv of [".venv", "venv"]) {
      const bin = win ? path.join(folder, venv, "Scripts") : path.join(folder, venv, "bin");
      const exe = path.join(bin, win ? `${SERVER_NAME}.exe` : SERVER_NAME);
      if (env.isExecutable(exe)) {
        return { command: exe, args: ["serve"], source: "virtualenv" };
      }
      const python = path.join(bin, win ? "python.exe" : "python");
      if (env.isExecutable(python) && env.canImport(python)) {
        return { command: python, args: serveArgsForInterpreter(), source: "virtualenv" };
      }
    }
  }
  for (const name of win ? ["python", "py"] : ["python3", "python"]) {
    const python = which(name, env);
    if (python && env.canImport(python)) {
      return { command: python, args: serveArgsForInterpreter(), source: "python -m" };
    }
  }
  return undefined;
}

/** The message shown when no server is found. */
export function notFoundMessage(): string {
  return (
    "Convex LSP: the `convex-lsp` language server was not found, and this build of the extension has no " +
    "bundled server to install. Install it with `./install.sh` in a checkout of convex-lsp " +
    "(it puts `convex-lsp` in ~/.local/bin), or set `convexLsp.path` / `convexLsp.interpreter`."
  );
}

/** Does a change of these keys need a restart (true) or only didChangeConfiguration (false)? */
export function needsRestart(changed: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((k) => changed(`convexLsp.${k}`));
}

/** The real environment of this process. */
export function processEnv(workspaceFolders: string[], trusted = true): DiscoveryEnv {
  const platform = process.platform;
  return {
    trusted,
    platform,
    pathVar: process.env.PATH ?? process.env.Path ?? "",
    pathExt: process.env.PATHEXT,
    workspaceFolders,
    homeDir: os.homedir(),
    isExecutable(file: string): boolean {
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) {
          return false;
        }
        if (platform === "win32") {
          return true;
        }
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    canImport(python: string): boolean {
      try {
        const r = spawnSync(python, ["-c", `import ${MODULE}`], { timeout: 10000, stdio: "ignore" });
        return r.status === 0;
      } catch {
        return false;
      }
    },
  };
}
