// Runs inside VS Code (code-server) next to the Convex LSP extension and proves, through VS
// Code's own APIs, what a user sees: the extension starts the server by itself, convex-lsp
// diagnostics reach the Problems view (languages.getDiagnostics), a hover cites the spec,
// the quick fix is offered and applied, and its diagnostic goes away. The result is written as
// JSON to $CONVEX_LSP_E2E_RESULT (the test reads it); nothing else is done.
const vscode = require("vscode");
const fs = require("fs");
const path = require("path");

const RULE = "deprecated-bigint-validator";
const TIMEOUT = Number(process.env.CONVEX_LSP_E2E_TIMEOUT_MS || 90000);

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(fn, what) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await sleep(200);
  }
}

function ours(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "convex-lsp");
}

function codeOf(d) {
  return typeof d.code === "object" && d.code !== null ? String(d.code.value) : String(d.code);
}

function text(h) {
  return h.contents.map((c) => (typeof c === "string" ? c : c.value)).join("\n");
}

async function drive(report) {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) throw new Error("no workspace folder");
  const uri = vscode.Uri.joinPath(folder.uri, "convex", "validators_demo.ts");
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  report.steps.push("opened");

  const ext = await waitFor(() => vscode.extensions.getExtension("convex-lsp.convex-lsp"), "the Convex LSP extension");
  await waitFor(() => ext.isActive, "the Convex LSP extension to activate");
  report.steps.push("extension active");

  const diag = await waitFor(() => ours(uri).find((d) => codeOf(d) === RULE), RULE + " in the Problems view");
  report.diagnostics = ours(uri).length;
  report.steps.push("diagnostics");

  const hovers = await vscode.commands.executeCommand("vscode.executeHoverProvider", uri, diag.range.start);
  const hoverText = (hovers || []).map(text).join("\n---\n");
  if (!hoverText.includes("Convex Architecture Spec §")) throw new Error("no hover citing the spec: " + hoverText);
  report.hover = hoverText;
  report.steps.push("hover");

  // VS Code cancels a code action request when the document's diagnostics or version move
  // while it runs (the lightbulb does the same and asks again): ask again, a few times
  let actions;
  for (let attempt = 1; ; attempt++) {
    try {
      actions = await vscode.commands.executeCommand("vscode.executeCodeActionProvider", uri, diag.range,
        vscode.CodeActionKind.QuickFix.value);
      break;
    } catch (e) {
      if (attempt >= 5 || !String(e).includes("Canceled")) throw e;
      report.canceled = attempt;
      await sleep(500);
    }
  }
  report.actions = (actions || []).map((a) => a.title);
  const fix = (actions || []).find((a) => a.isPreferred && a.edit);
  if (!fix) throw new Error("no preferred quick fix among " + JSON.stringify(report.actions));
  if (!(await vscode.workspace.applyEdit(fix.edit))) throw new Error("applyEdit refused");
  const line = doc.lineAt(diag.range.start.line).text;
  if (!line.includes("v.int64()")) throw new Error("fix not applied: " + line);
  report.applied = line;
  report.steps.push("quick fix applied");

  await waitFor(() => ours(uri).length > 0 && !ours(uri).some((d) => codeOf(d) === RULE), RULE + " to go away");
  report.steps.push("diagnostic removed");
}

exports.activate = function activate() {
  const out = process.env.CONVEX_LSP_E2E_RESULT;
  if (!out) return;
  const report = { ok: false, steps: [], vscode: vscode.version };
  drive(report)
    .then(() => { report.ok = true; })
    .catch((e) => { report.error = String(e && e.stack || e); })
    .finally(() => {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out + ".tmp", JSON.stringify(report));
      fs.renameSync(out + ".tmp", out);
    });
};

exports.deactivate = function deactivate() {};
