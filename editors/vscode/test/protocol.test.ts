/**
 * The server as VS Code drives it: `convex-lsp serve` over stdio, spoken to with
 * vscode-languageserver-protocol (the library under vscode-languageclient) and the client
 * capabilities vscode-languageclient 9 sends (pull diagnostics, markdown hovers,
 * documentChanges, dynamic file watchers, work-done progress).
 *
 * The server command is found the way the extension finds it (src/config.ts), or given
 * as a JSON array in CONVEX_LSP_SERVER_COMMAND.
 */
import { strict as assert } from "node:assert";
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

import {
  ClientCapabilities,
  CodeAction,
  CodeActionKind,
  CodeActionTriggerKind,
  Diagnostic,
  DocumentDiagnosticReport,
  DocumentDiagnosticReportKind,
  Hover,
  InitializeResult,
  MarkupContent,
  MarkupKind,
  ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentEdit,
  TextEdit,
  WorkspaceEdit,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";

import { findServer, initializationOptions, processEnv } from "../src/config";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");
const EXAMPLE = path.join(REPO, "examples", "app");
const FILE = "convex/validators_demo.ts";
const RULE = "deprecated-bigint-validator"; // CVX105, a safe fix: v.bigint() → v.int64()

/** A realistic subset of what vscode-languageclient 9 (VS Code 1.8x) sends. */
const CAPABILITIES: ClientCapabilities = {
  general: {
    positionEncodings: ["utf-16"],
    staleRequestSupport: { cancel: true, retryOnContentModified: ["textDocument/semanticTokens/full"] },
    markdown: { parser: "marked", version: "1.1.0" },
    regularExpressions: { engine: "ECMAScript", version: "ES2020" },
  },
  workspace: {
    applyEdit: true,
    workspaceEdit: {
      documentChanges: true,
      resourceOperations: ["create", "rename", "delete"],
      failureHandling: "textOnlyTransactional",
      normalizesLineEndings: true,
      changeAnnotationSupport: { groupsOnLabel: true },
    },
    configuration: true,
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
    workspaceFolders: true,
    diagnostics: { refreshSupport: true },
    codeLens: { refreshSupport: true },
    semanticTokens: { refreshSupport: true },
    inlayHint: { refreshSupport: true },
    inlineValue: { refreshSupport: true },
    symbol: { dynamicRegistration: true },
    executeCommand: { dynamicRegistration: true },
    fileOperations: { dynamicRegistration: true, didCreate: true, didRename: true, didDelete: true,
      willCreate: true, willRename: true, willDelete: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
    publishDiagnostics: {
      relatedInformation: true, versionSupport: false, tagSupport: { valueSet: [1, 2] },
      codeDescriptionSupport: true, dataSupport: true,
    },
    diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
    hover: { dynamicRegistration: true, contentFormat: [MarkupKind.Markdown, MarkupKind.PlainText] },
    completion: {
      dynamicRegistration: true, contextSupport: true,
      completionItem: { snippetSupport: true, commitCharactersSupport: true,
        documentationFormat: [MarkupKind.Markdown, MarkupKind.PlainText], deprecatedSupport: true,
        preselectSupport: true, tagSupport: { valueSet: [1] }, insertReplaceSupport: true,
        resolveSupport: { properties: ["documentation", "detail", "additionalTextEdits"] },
        insertTextModeSupport: { valueSet: [1, 2] }, labelDetailsSupport: true },
      insertTextMode: 2,
      completionList: { itemDefaults: ["commitCharacters", "editRange", "insertTextFormat", "insertTextMode", "data"] },
    },
    codeAction: {
      dynamicRegistration: true, isPreferredSupport: true, disabledSupport: true, dataSupport: true,
      resolveSupport: { properties: ["edit"] }, honorsChangeAnnotations: false,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ["", "quickfix", "refactor", "refactor.extract",
        "refactor.inline", "refactor.rewrite", "source", "source.organizeImports"] } },
    },
    definition: { dynamicRegistration: true, linkSupport: true },
    references: { dynamicRegistration: true },
    rename: { dynamicRegistration: true, prepareSupport: true, prepareSupportDefaultBehavior: 1,
      honorsChangeAnnotations: true },
  },
  window: {
    showMessage: { messageActionItem: { additionalPropertiesSupport: true } },
    showDocument: { support: true },
    workDoneProgress: true,
  },
};

interface Doc { uri: string; version: number; text: string }

function serverCommand(root: string): { command: string; args: string[] } {
  const fromEnv = process.env.CONVEX_LSP_SERVER_COMMAND;
  if (fromEnv) {
    const [command, ...args] = JSON.parse(fromEnv) as string[];
    return { command, args };
  }
  const found = findServer({}, processEnv([root]));
  assert.ok(found, "convex-lsp not found (install it: pip install -e . at the repository root)");
  return found;
}

/** Apply LSP text edits (UTF-16 positions: JavaScript strings are UTF-16) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n") {
      starts.push(i + 1);
    }
  }
  const off = (p: { line: number; character: number }) => (p.line < starts.length ? starts[p.line] : text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  }
  return out;
}

function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  const out: TextEdit[] = [];
  for (const dc of edit.documentChanges ?? []) {
    if (TextDocumentEdit.is(dc) && dc.textDocument.uri === uri) {
      out.push(...(dc.edits as TextEdit[]));
    }
  }
  out.push(...(edit.changes?.[uri] ?? []));
  return out;
}

describe("convex-lsp serve, driven like vscode-languageclient", { timeout: 120_000 }, () => {
  let root: string;
  let child: ChildProcessWithoutNullStreams;
  let conn: ProtocolConnection;
  let init: InitializeResult;
  const stderr: string[] = [];
  const shown: { type: number; message: string }[] = [];
  const registrations: string[] = [];
  const pushed: Diagnostic[][] = [];
  let doc: Doc;

  async function pull(previousResultId?: string): Promise<{ items: Diagnostic[]; resultId?: string }> {
    const r = (await conn.sendRequest("textDocument/diagnostic", {
      textDocument: { uri: doc.uri }, identifier: "convex-lsp", previousResultId,
    })) as DocumentDiagnosticReport;
    assert.equal(r.kind, DocumentDiagnosticReportKind.Full);
    return { items: (r as { items: Diagnostic[] }).items, resultId: r.resultId };
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "convex-lsp-vscode-"));
    fs.cpSync(EXAMPLE, root, { recursive: true });
    const cmd = serverCommand(root);
    child = spawn(cmd.command, cmd.args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    child.stderr.on("data", (b: Buffer) => stderr.push(b.toString()));
    conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    // what vscode-languageclient answers
    conn.onRequest("client/registerCapability", (p: { registrations: { method: string }[] }) => {
      registrations.push(...p.registrations.map((r) => r.method));
      return null;
    });
    conn.onRequest("client/unregisterCapability", () => null);
    conn.onRequest("window/workDoneProgress/create", () => null);
    conn.onRequest("workspace/configuration", (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === "convexLsp" ? initializationOptions({ debounce: 50 }).convexLsp : null)));
    conn.onRequest("workspace/diagnostic/refresh", () => null);
    conn.onRequest("window/showMessageRequest", () => null);
    conn.onNotification("window/showMessage", (p: { type: number; message: string }) => shown.push(p));
    conn.onNotification("window/logMessage", () => undefined);
    conn.onNotification("$/progress", () => undefined);
    conn.onNotification("textDocument/publishDiagnostics", (p: { diagnostics: Diagnostic[] }) => pushed.push(p.diagnostics));
    conn.listen();

    const rootUri = pathToFileURL(root).href;
    init = (await conn.sendRequest("initialize", {
      processId: process.pid,
      clientInfo: { name: "Visual Studio Code", version: "1.95.0" },
      locale: "en",
      rootPath: root,
      rootUri,
      capabilities: CAPABILITIES,
      initializationOptions: initializationOptions({ debounce: 50, hover: true }),
      trace: "off",
      workspaceFolders: [{ uri: rootUri, name: path.basename(root) }],
    })) as InitializeResult;
    await conn.sendNotification("initialized", {});
    await conn.sendNotification("workspace/didChangeConfiguration", {
      settings: { convexLsp: initializationOptions({ debounce: 50, hover: true }).convexLsp },
    });
    const file = path.join(root, FILE);
    doc = { uri: pathToFileURL(file).href, version: 1, text: fs.readFileSync(file, "utf8") };
    await conn.sendNotification("textDocument/didOpen", {
      textDocument: { uri: doc.uri, languageId: "typescript", version: doc.version, text: doc.text },
    });
  });

  after(async () => {
    if (conn !== undefined) {
      try {
        await conn.sendRequest("shutdown");
        await conn.sendNotification("exit");
      } catch {
        // the server is gone already
      }
    }
    if (child !== undefined && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { child.kill(); resolve(); }, 5000);
        child.on("exit", () => { clearTimeout(t); resolve(); });
      });
    }
    conn?.dispose();
    if (root) {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("advertises what the extension relies on", () => {
    const caps = init.capabilities;
    assert.equal(init.serverInfo?.name, "convex-lsp");
    assert.ok(caps.diagnosticProvider, "pull diagnostics");
    assert.ok(caps.hoverProvider);
    assert.ok(caps.codeActionProvider);
    const sync = caps.textDocumentSync;
    assert.equal(typeof sync === "object" ? sync.change : sync, 2, "incremental sync");
  });

  it("answers pulled diagnostics for the opened file, with code, href and data", async () => {
    const { items } = await pull();
    assert.ok(items.length > 0, "no diagnostics");
    const d = items.find((x) => x.code === RULE);
    assert.ok(d, `no ${RULE} among ${items.map((x) => x.code).join(", ")}`);
    assert.equal(d.source, "convex-lsp");
    assert.match(d.codeDescription?.href ?? "", /CVX105-deprecated-bigint-validator/);
    assert.ok(d.data, "data for the quick fix");
    assert.equal(pushed.length, 0, "a pull client gets no pushed diagnostics");
    assert.ok(registrations.includes("workspace/didChangeWatchedFiles"), "file watchers registered");
  });

  it("hovers a diagnostic with markdown citing the spec section", async () => {
    const d = (await pull()).items.find((x) => x.code === RULE)!;
    const h = (await conn.sendRequest("textDocument/hover", {
      textDocument: { uri: doc.uri }, position: d.range.start,
    })) as Hover | null;
    assert.ok(h, "no hover");
    const contents = h.contents as MarkupContent;
    assert.equal(contents.kind, MarkupKind.Markdown);
    assert.match(contents.value, /Convex Architecture Spec §/);
  });

  it("offers a quick fix whose edit, applied, removes its diagnostic", async () => {
    const before = await pull();
    const d = before.items.find((x) => x.code === RULE)!;
    const actions = (await conn.sendRequest("textDocument/codeAction", {
      textDocument: { uri: doc.uri },
      range: d.range,
      context: { diagnostics: [d], only: [CodeActionKind.QuickFix], triggerKind: CodeActionTriggerKind.Invoked },
    })) as CodeAction[];
    assert.ok(Array.isArray(actions) && actions.length > 0, "no code actions");
    const titles = actions.map((a) => a.title);
    assert.ok(titles.some((t) => /disable/i.test(t)), `no suppression action among ${titles.join(" | ")}`);
    const fix = actions.find((a) => a.isPreferred && a.kind === CodeActionKind.QuickFix && a.edit);
    assert.ok(fix?.edit, `no preferred quick fix among ${titles.join(" | ")}`);
    assert.ok(fix.edit.documentChanges, "documentChanges, as the client declared");
    const edits = editsFor(fix.edit, doc.uri);
    assert.ok(edits.length > 0);
    const text = applyEdits(doc.text, edits);
    assert.notEqual(text, doc.text);
    assert.match(text, /v\.int64\(\)/);
    doc = { ...doc, version: doc.version + 1, text };
    // as VS Code does: the applied edits as incremental changes, last first so positions hold
    const starts = (e: TextEdit) => e.range.start.line * 1e6 + e.range.start.character;
    await conn.sendNotification("textDocument/didChange", {
      textDocument: { uri: doc.uri, version: doc.version },
      contentChanges: [...edits].sort((a, b) => starts(b) - starts(a)).map((e) => ({ range: e.range, text: e.newText })),
    });
    const afterFix = await pull(before.resultId);
    const left = afterFix.items.filter((x) => x.code === RULE);
    assert.equal(left.length, 0, `still there: ${JSON.stringify(left)}`);
    assert.ok(afterFix.items.length > 0, "the other findings remain");
  });

  it("showed no error message and wrote no traceback", () => {
    assert.deepEqual(shown.filter((m) => m.type === 1), []);
    assert.ok(!stderr.join("").includes("Traceback"), stderr.join(""));
  });
});
