// "taskflow" in the editor with nothing installed: a hand-written task module, with no reference line
// and no types written into the workspace, gets the runtime's types from Taskflow's TypeScript server
// plugin, in a folder without a tsconfig (an inferred project) and in one with (a configured project).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateTaskflow, waitUntil } from "./taskflowApi";

const TS_MODULE = `import { task, taskLog, getTaskContext } from "taskflow";

export const typesCheck = task({ retries: 3, delay: 1, backoff: 2 }, async (address: string) => {
  taskLog(\`sending to \${address} (attempt \${getTaskContext()?.attempt})\`);
  taskLog(42);
});
`;
const JS_MODULE = `import { task, taskLog } from "taskflow";

export const typesCheckJs = task({ retries: 1 }, async () => {
  taskLog("from JavaScript");
});
`;
/** Where `taskLog(42)` is: with the types known, TypeScript reports ts(2345) there. */
const BAD_CALL_LINE = 4;

const CANNOT_FIND_MODULE = 2307;
const ARGUMENT_NOT_ASSIGNABLE = 2345;

function tsDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "ts");
}

function codeOf(d: vscode.Diagnostic): number | string | undefined {
  return typeof d.code === "object" ? d.code.value : d.code;
}

/** Waits for TypeScript's semantic check of `uri` (the ts(2345) on `taskLog(42)`), failing at once on ts(2307). */
async function settledDiagnostics(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  return waitUntil(vscode.languages.onDidChangeDiagnostics, () => {
    const list = tsDiagnostics(uri);
    const missing = list.find((d) => codeOf(d) === CANNOT_FIND_MODULE);
    if (missing) throw new Error(`expected "taskflow" to resolve, got ts(2307) at line ${missing.range.start.line + 1}: ${missing.message}`);
    return list.some((d) => codeOf(d) === ARGUMENT_NOT_ASSIGNABLE) ? list : undefined;
  }, `TypeScript to check ${vscode.workspace.asRelativePath(uri)} with the "taskflow" types (ts(2345) on taskLog(42))`, 90_000);
}

async function completionLabels(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>("vscode.executeCompletionItemProvider", uri, position);
  return list.items.map((item) => (typeof item.label === "string" ? item.label : item.label.label));
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", uri, position);
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
}

/**
 * Asks `check` again every 250 ms until it gives a value other than undefined; fails after
 * `timeoutMs` saying what it waited for. For answers no event announces (completions of a file
 * without diagnostics).
 */
async function pollUntil<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms, it did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Position of the first `needle` in `text`, plus `offset` characters. */
function positionOf(text: string, needle: string, offset = 0): vscode.Position {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `expected ${JSON.stringify(needle)} in the module`);
  const before = text.slice(0, index + offset).split("\n");
  return new vscode.Position(before.length - 1, before[before.length - 1].length);
}

describe("Taskflow types in the editor (extension host)", function () {
  // The TypeScript server starts and checks a new project on two shared cores.
  this.timeout(120_000);
  let root: vscode.Uri;
  const created: vscode.Uri[] = [];

  before(async () => {
    await activateTaskflow();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "expected a workspace folder");
    root = folder.uri;
  });

  after(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    for (const uri of created) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
  });

  async function writeAndOpen(folder: string, file: string, text: string, tsconfig?: object): Promise<vscode.Uri> {
    const dir = vscode.Uri.joinPath(root, folder);
    created.push(dir);
    if (tsconfig) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, "tsconfig.json"), Buffer.from(JSON.stringify(tsconfig)));
    const uri = vscode.Uri.joinPath(dir, file);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    return uri;
  }

  async function assertTypesKnown(uri: vscode.Uri): Promise<void> {
    const diagnostics = await settledDiagnostics(uri);
    const bad = diagnostics.find((d) => codeOf(d) === ARGUMENT_NOT_ASSIGNABLE);
    assert.equal(bad?.range.start.line, BAD_CALL_LINE, "ts(2345) belongs on the taskLog(42) line");
    assert.match(bad?.message ?? "", /string/, "taskLog takes a string message");

    // Names the import already lists are left out of its completions.
    const labels = await completionLabels(uri, positionOf(TS_MODULE, "{ task,", 2));
    for (const name of ["task", "enqueue", "reportProgress", "NonRetryableError", "TaskConfig"]) {
      assert.ok(labels.includes(name), `expected "${name}" among the completions of the "taskflow" import, got ${labels.slice(0, 20).join(", ")}`);
    }
    const hover = await hoverText(uri, positionOf(TS_MODULE, "retries", 2));
    assert.match(hover, /TaskConfig\.retries/, "the hover names the TaskConfig property");
    assert.match(hover, /Attempts allowed after the first failure/i, "the hover carries TaskConfig's docs");
  }

  it("knows \"taskflow\" in a hand-written .tasks.ts with no tsconfig, no reference line and nothing written into the workspace", async () => {
    const before = await vscode.workspace.findFiles("**/taskflow.d.ts", "**/node_modules/**");
    const uri = await writeAndOpen("handwritten", "mine.tasks.ts", TS_MODULE);
    await assertTypesKnown(uri);
    const after = await vscode.workspace.findFiles("**/taskflow.d.ts", "**/node_modules/**");
    assert.deepEqual(after.map((u) => u.fsPath).sort(), before.map((u) => u.fsPath).sort(), "no types file was written into the workspace");
  });

  it("knows \"taskflow\" in a .tasks.mts of a folder with a tsconfig.json (nodenext)", async () => {
    const tsconfig = { compilerOptions: { strict: true, target: "ES2022", module: "nodenext", moduleResolution: "nodenext", noEmit: true }, include: ["**/*"] };
    const uri = await writeAndOpen("configured", "mine.tasks.mts", TS_MODULE, tsconfig);
    await assertTypesKnown(uri);
  });

  it("completes and documents \"taskflow\" in a hand-written .tasks.mjs", async () => {
    const uri = await writeAndOpen("handwrittenJs", "mine.tasks.mjs", JS_MODULE);
    const labels = await pollUntil(async () => {
      const found = await completionLabels(uri, positionOf(JS_MODULE, "{ task,", 2));
      return found.includes("getTaskContext") ? found : undefined;
    }, "the completions of the \"taskflow\" import in mine.tasks.mjs to list getTaskContext", 90_000);
    assert.ok(labels.includes("taskLog"));
    const hover = await hoverText(uri, positionOf(JS_MODULE, "retries", 2));
    assert.match(hover, /Attempts allowed after the first failure/i);
  });
});
