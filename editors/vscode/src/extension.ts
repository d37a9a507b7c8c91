/**
 * Convex LSP for VS Code: starts `convex-lsp serve` for the TypeScript files of a workspace
 * holding a Convex functions folder. The settings → server mapping and the discovery of the
 * executable live in ./config (no `vscode` import, unit-tested with `node --test`).
 */
import * as fs from "node:fs";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  Location,
  Position,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import {
  ExtensionSettings,
  INSTALL_COMMAND,
  ServerCommand,
  findServer,
  initializationOptions,
  needsRestart,
  notFoundMessage,
  processEnv,
  serverSettings,
} from "./config";
import { bundledWheel, install, installedServer, layout, pythonCandidates, runProcess } from "./bundled";

const CLIENT_ID = "convexLsp"; // vscode-languageclient reads `convexLsp.trace.server` from this id
const CLIENT_NAME = "Convex LSP";
// the server's code lens command: (uri, position, locations), as `editor.action.showReferences` takes them
const SHOW_REFERENCES = "convex-lsp.showReferences";

/** A resolved code lens whose command lists references opens VS Code's references peek. */
function showReferencesInPeek(lens: vscode.CodeLens, c: LanguageClient): vscode.CodeLens {
  const cmd = lens.command;
  if (cmd?.command !== SHOW_REFERENCES || !Array.isArray(cmd.arguments) || cmd.arguments.length < 3) {
    return lens;
  }
  const [uri, position, locations] = cmd.arguments as [string, Position, Location[]];
  const p2c = c.protocol2CodeConverter;
  lens.command = {
    title: cmd.title,
    command: "editor.action.showReferences",
    arguments: [p2c.asUri(uri), p2c.asPosition(position), locations.map((l) => p2c.asLocation(l))],
  };
  return lens;
}

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let extensionContext: vscode.ExtensionContext;
let installing: Promise<ServerCommand | undefined> | undefined;
let starting: Promise<void> | undefined;

function settings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration("convexLsp");
  return {
    enable: c.get<boolean>("enable", true),
    path: c.get<string>("path", ""),
    interpreter: c.get<string>("interpreter", ""),
    debounce: c.get<number>("debounce"),
    fullAnalysisDelayMs: c.get<number>("fullAnalysisDelayMs"),
    hover: c.get<boolean>("hover"),
    select: c.get<string[]>("select", []),
    ignore: c.get<string[]>("ignore", []),
  };
}

function folders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
}

async function notifyNotFound(): Promise<void> {
  const copy = "Copy install command";
  const open = "Open settings";
  const choice = await vscode.window.showWarningMessage(notFoundMessage(), copy, open);
  if (choice === copy) {
    await vscode.env.clipboard.writeText(INSTALL_COMMAND);
    vscode.window.showInformationMessage(`Copied \`${INSTALL_COMMAND}\`; run it in a checkout of convex-lsp, then "Convex LSP: Restart server".`);
  } else if (choice === open) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "convexLsp");
  }
}

function makeClient(cmd: ServerCommand, s: ExtensionSettings): LanguageClient {
  const run = {
    command: cmd.command,
    args: cmd.args,
    transport: TransportKind.stdio,
    options: { cwd: folders()[0], env: { ...process.env, PYTHONUNBUFFERED: "1" } },
  };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "typescript" },
      { scheme: "file", language: "typescriptreact" },
      { scheme: "file", language: "javascript" },
      { scheme: "file", language: "javascriptreact" },
    ],
    initializationOptions: initializationOptions(s),
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
      resolveCodeLens: async (lens, token, next) => {
        const got = (await next(lens, token)) ?? lens;
        return showReferencesInPeek(got, lc);
      },
      workspace: {
        // answer the server's workspace/configuration pull with the server's view of the
        // settings, never the extension-only keys (path, interpreter, enable, trace)
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return params.items.map((item, i) =>
            item.section === "convexLsp" ? serverSettings(settings()) : result[i],
          );
        },
      },
    },
  };
  const lc = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  return lc;
}

async function start(): Promise<void> {
  const s = settings();
  if (!s.enable) {
    output.appendLine("convexLsp.enable is false: the server is not started.");
    return;
  }
  const cmd = findServer(s, processEnv(folders(), vscode.workspace.isTrusted)) ?? (await bundledServer(false));
  if (cmd === undefined) {
    return;
  }
  output.appendLine(`Starting ${cmd.command} ${cmd.args.join(" ")} (found via ${cmd.source})`);
  const c = makeClient(cmd, s);
  client = c;
  try {
    await c.start();
  } catch (e) {
    client = undefined;
    const msg = e instanceof Error ? e.message : String(e);
    output.appendLine(`The server failed to start: ${msg}`);
    const show = "Show output";
    const choice = await vscode.window.showErrorMessage(
      `Convex LSP: \`${cmd.command} ${cmd.args.join(" ")}\` failed to start (${msg}).` +
        (cmd.source === "bundled" ? ' Try "Convex LSP: Reinstall the bundled server".' : ""),
      show,
    );
    if (choice === show) {
      output.show(true);
    }
  }
}

/**
 * The server bundled in the .vsix: installed on first use into a private environment under the
 * extension's global storage (a progress notification while it installs); `force` reinstalls.
 */
async function bundledServer(force: boolean): Promise<ServerCommand | undefined> {
  if (installing !== undefined) {
    return installing;
  }
  const wheel = bundledWheel(extensionContext.extensionPath);
  if (wheel === undefined) {
    output.appendLine(notFoundMessage());
    void notifyNotFound();
    return undefined;
  }
  const storage = extensionContext.globalStorageUri.fsPath;
  const l = layout(storage, process.platform);
  if (!force) {
    const have = installedServer(l, wheel);
    if (have !== undefined) {
      return have;
    }
  }
  installing = (async () => {
    fs.mkdirSync(storage, { recursive: true });
    output.appendLine(`Installing the bundled server ${wheel} into ${l.venv}`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Convex LSP: installing the language server", cancellable: false },
      (progress) => install({
        wheel, layout: l, candidates: pythonCandidates(process.platform), run: runProcess,
        report: (title) => {
          output.appendLine(`  ${title}`);
          progress.report({ message: title });
        },
      }),
    );
    if (result.ok) {
      output.appendLine(`Installed with Python ${result.python.version.join(".")} (${result.python.command}).`);
      return result.server;
    }
    output.appendLine(result.message);
    if (result.reason === "no-python") {
      const get = "Get Python";
      const choice = await vscode.window.showErrorMessage(result.message, get, "Open settings");
      if (choice === get) {
        await vscode.env.openExternal(vscode.Uri.parse("https://www.python.org/downloads/"));
      } else if (choice !== undefined) {
        await vscode.commands.executeCommand("workbench.action.openSettings", "convexLsp.interpreter");
      }
    } else {
      const show = "Show output";
      const choice = await vscode.window.showErrorMessage(`Convex LSP: ${result.message}`, show);
      if (choice === show) {
        output.show(true);
      }
    }
    return undefined;
  })();
  try {
    return await installing;
  } finally {
    installing = undefined;
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c !== undefined) {
    try {
      await c.stop(5000);
    } catch (e) {
      output.appendLine(`Stopping the server: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

async function restart(): Promise<void> {
  await (starting ?? Promise.resolve());
  starting = (async () => {
    await stop();
    await start();
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(
    vscode.commands.registerCommand("convexLsp.reinstallServer", async () => {
      output.appendLine("Reinstalling the bundled server (command).");
      await stop();
      if ((await bundledServer(true)) !== undefined) {
        await restart();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      output.appendLine("The workspace is trusted now: looking for the server again.");
      await restart();
    }),
    output,
    vscode.commands.registerCommand("convexLsp.restart", async () => {
      output.appendLine("Restarting the server (command).");
      await restart();
    }),
    vscode.commands.registerCommand("convexLsp.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("convexLsp")) {
        return;
      }
      if (needsRestart((key) => e.affectsConfiguration(key))) {
        output.appendLine("convexLsp.enable/path/interpreter changed: restarting the server.");
        await restart();
        return;
      }
      if (client !== undefined && client.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { convexLsp: serverSettings(settings()) },
        });
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(async () => {
      // the server reads its roots at initialize: a new folder needs a new server
      await restart();
    }),
  );
  starting = start();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

export async function deactivate(): Promise<void> {
  await stop();
}
