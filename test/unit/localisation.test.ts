import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as l10n from "@vscode/l10n";
import { getL10nJson, getL10nPseudoLocalized } from "@vscode/l10n-dev";
import * as ts from "typescript";
import { L10N_BUNDLE_META_NAME, webviewHtml } from "../../src/extension/panels/webviewHtml";
import { statusTitle, toGroupItemModel } from "../../src/extension/views/taskTreeItem";
import { RunProgressTracker } from "../../src/extension/commands/runProgressTracker";
import { describeTaskConfig } from "../../src/extension/modules/taskCatalog";
import { parseTags, validateRunTaskOptions } from "../../src/extension/prompts/argumentParsing";
import { describeShape } from "../../src/extension/prompts/parameterTypes";
import { describeWorkers } from "../../src/extension/session/sharedQueueFunctions";
import { HOST_BUNDLE_META_NAME, loadHostBundle } from "../../webview/shared/hostBundle";
import { sinceOf } from "../../webview/dashboard/retrySince";
import { manifestStrings, rawManifest } from "./helpers/manifest";

const ROOT = path.join(__dirname, "../..");

/**
 * The files whose user-visible strings go through `vscode.l10n.t` / `l10n.t`: a string literal (or
 * a template built from literals) in a place the user reads it fails the last test here. Add a file
 * once its strings are converted.
 */
const CONVERTED_FILES = [
  "src/extension/api/exportedApi.ts",
  "src/extension/api/externalApiUrl.ts",
  "src/extension/api/taskflowApi.ts",
  "src/extension/api/terminalEnvironment.ts",
  "src/extension/api/terminalSetup.ts",
  "src/extension/api/windowApi.ts",
  "src/extension/commands/commandHandlers.ts",
  "src/extension/commands/commandRegistry.ts",
  "src/extension/commands/copyRunCommands.ts",
  "src/extension/commands/debugRuns.ts",
  "src/extension/commands/debugTask.ts",
  "src/extension/commands/encryptionKeyCommands.ts",
  "src/extension/commands/extensionCommands.ts",
  "src/extension/commands/inputAnswer.ts",
  "src/extension/commands/newTaskModule.ts",
  "src/extension/commands/provideInput.ts",
  "src/extension/commands/redisPasswordCommand.ts",
  "src/extension/commands/runCommands.ts",
  "src/extension/commands/runProgress.ts",
  "src/extension/commands/runProgressTracker.ts",
  "src/extension/commands/scheduleActions.ts",
  "src/extension/commands/services.ts",
  "src/extension/commands/taskActions.ts",
  "src/extension/commands/taskModuleTemplate.ts",
  "src/extension/editor/failureDecorations.ts",
  "src/extension/editor/lastRunLabel.ts",
  "src/extension/editor/lastRuns.ts",
  "src/extension/editor/taskCodeLens.ts",
  "src/extension/modules/catalogState.ts",
  "src/extension/modules/moduleCatalog.ts",
  "src/extension/modules/sharedTaskNames.ts",
  "src/extension/modules/taskCatalog.ts",
  "src/extension/modules/workspaceFolderModules.ts",
  "src/extension/modules/workspaceModules.ts",
  "src/extension/panels/dashboardController.ts",
  "src/extension/panels/dashboardInsights.ts",
  "src/extension/panels/exportRows.ts",
  "src/extension/panels/functionStats.ts",
  "src/extension/panels/index.ts",
  "src/extension/panels/messageDispatcher.ts",
  "src/extension/panels/panelHost.ts",
  "src/extension/panels/ports.ts",
  "src/extension/panels/stackFrames.ts",
  "src/extension/panels/taskPanelController.ts",
  "src/extension/panels/throttle.ts",
  "src/extension/panels/unavailableRetry.ts",
  "src/extension/panels/webviewHtml.ts",
  "src/extension/panels/webviewPanelOptions.ts",
  "src/extension/prompts/argumentParsing.ts",
  "src/extension/prompts/argumentPrompts.ts",
  "src/extension/prompts/parameterAnswers.ts",
  "src/extension/prompts/parameterReader.ts",
  "src/extension/prompts/parameterShapes.ts",
  "src/extension/prompts/parameterTypes.ts",
  "src/extension/prompts/typeScriptLoader.ts",
  "src/extension/session/backendSetting.ts",
  "src/extension/session/databaseAccess.ts",
  "src/extension/session/engineLifecycle.ts",
  "src/extension/session/logFileSetting.ts",
  "src/extension/session/managerProxy.ts",
  "src/extension/session/queueSettings.ts",
  "src/extension/session/settings.ts",
  "src/extension/session/sharedQueueFunctions.ts",
  "src/extension/session/sharedQueueMonitor.ts",
  "src/extension/session/windowEngine.ts",
  "src/extension/session/workspaceSession.ts",
  "src/extension/taskflowExtension.ts",
  "src/extension/views/failureNotifications.ts",
  "src/extension/views/flowText.ts",
  "src/extension/views/functionsTreeProvider.ts",
  "src/extension/views/inputNotifications.ts",
  "src/extension/views/inputRequests.ts",
  "src/extension/views/scheduleTreeItem.ts",
  "src/extension/views/schedulesTreeProvider.ts",
  "src/extension/views/statusBar.ts",
  "src/extension/views/taskTreeItem.ts",
  "src/extension/views/taskViews.ts",
  "src/extension/views/tasksTreeProvider.ts",
  "src/extension/views/treeItems.ts",
  "webview/dashboard/auditView.ts",
  "webview/dashboard/insights.ts",
  "webview/dashboard/main.ts",
  "webview/dashboard/queuesView.ts",
  "webview/dashboard/retrySince.ts",
  "webview/dashboard/summaryView.ts",
  "webview/dashboard/throughputChart.ts",
  "webview/dashboard/throughputModel.ts",
  "webview/shared/dom.ts",
  "webview/shared/format.ts",
  "webview/shared/hostBundle.ts",
  "webview/shared/hostConnection.ts",
  "webview/shared/toolkit.ts",
  "webview/taskPanel/argumentsEditor.ts",
  "webview/taskPanel/copyButtons.ts",
  "webview/taskPanel/inputForm.ts",
  "webview/taskPanel/inputFormModel.ts",
  "webview/taskPanel/logView.ts",
  "webview/taskPanel/main.ts",
  "webview/taskPanel/taskDetails.ts",
  "webview/taskPanel/timelineModel.ts",
  "webview/taskPanel/timelineView.ts",
];

/**
 * Manifest properties that VS Code shows to people: each must be a `%key%` placeholder. A walkthrough
 * step's `media` holds file paths (`markdown`, `image`, `svg`) besides its `altText`: only that is text.
 */
const VISIBLE_MANIFEST_PROPERTIES = new Set([
  "displayName", "description", "markdownDescription", "enumDescriptions", "markdownEnumDescriptions", "patternErrorMessage",
  "deprecationMessage", "markdownDeprecationMessage", "title", "category", "shortTitle", "name", "contextualTitle", "contents",
  "label", "altText",
]);
/** Manifest sections whose strings are identifiers, paths or code, not text. */
const MACHINE_SECTIONS = new Set(["scripts", "dependencies", "devDependencies", "repository", "engines", "bin", "typescriptServerPlugins", "activationEvents", "menus", "keybindings"]);

function read(file: string): string {
  return readFileSync(path.join(ROOT, file), "utf8");
}

/** Every .ts file under `dir` (relative to the repository), as repository-relative paths. */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => path.join(dir, file));
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true);
}

function where(source: ts.SourceFile, node: ts.Node): string {
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `${source.fileName}:${line + 1}`;
}

/** Placeholders (`%key%`) anywhere in the manifest, and visible strings that are not placeholders. */
function manifestPlaceholders(value: unknown, at: string[], found: { keys: Set<string>; plain: string[] }): void {
  if (typeof value === "string") {
    const key = /^%(.+)%$/.exec(value)?.[1];
    if (key !== undefined) found.keys.add(key);
    // At the top level only displayName and description are text: name is the package's id.
    else if (at.length === 1 ? at[0] === "displayName" || at[0] === "description" : VISIBLE_MANIFEST_PROPERTIES.has(at.at(-1) ?? "") || VISIBLE_MANIFEST_PROPERTIES.has(at.at(-2) ?? "")) {
      if (/[A-Za-z]/.test(value) && !/^\$\([a-z-~]+\)$/.test(value)) found.plain.push(`${at.join(".")}: ${JSON.stringify(value)}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => manifestPlaceholders(v, [...at, String(i)], found));
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!MACHINE_SECTIONS.has(k)) manifestPlaceholders(v, [...at, k], found);
    }
  }
}

/** Whether a call is `vscode.l10n.t(...)` or `l10n.t(...)`. */
function isL10nCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== "t") return false;
  const owner = node.expression.expression;
  return (ts.isIdentifier(owner) && owner.text === "l10n") || (ts.isPropertyAccessExpression(owner) && owner.name.text === "l10n");
}

/** The `l10n.t` calls of a file whose message the extractor cannot read: not a plain string literal. */
function unreadableMessages(file: string): string[] {
  const source = parse(file);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (isL10nCall(node)) {
      const first = node.arguments[0];
      const literal = first !== undefined && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isObjectLiteralExpression(first));
      if (!literal) found.push(`${where(source, node)}: ${node.getText(source).slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Text a person reads in a literal: letters, once codicons (`$(sync~spin)`) and ISO times (an
 * example to type) are taken out; JSON's true, false and null are values, not words.
 */
function hasWords(text: string): boolean {
  if (text === "true" || text === "false" || text === "null") return false;
  return /[A-Za-z]/.test(text.replace(/\$\([a-z0-9~-]+\)/g, "").replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, ""));
}

/**
 * Whether an expression puts a literal in front of the user: a string with words, a template
 * whose fixed parts have words, or either branch of a `?:` / `??` / `||` / `+` that does.
 */
function literalText(node: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return hasWords(node.text);
  if (ts.isTemplateExpression(node)) return hasWords([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(""));
  if (ts.isConditionalExpression(node)) return literalText(node.whenTrue) || literalText(node.whenFalse);
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return literalText(node.right);
    if (op === ts.SyntaxKind.PlusToken) return literalText(node.left) || literalText(node.right);
  }
  return false;
}

/** Calls whose every string argument is shown: messages and their buttons, status bar messages, confirmations, errors for the user. */
const MESSAGE_CALLS = new Set(["showInformationMessage", "showWarningMessage", "showErrorMessage", "setStatusBarMessage", "confirm", "UserError", "TreeItem"]);
/** Webview element builders and the index of their first shown argument: every argument from there on is text in the page. */
const ELEMENT_CALLS = new Map([["h", 2], ["svg", 2]]);
/** Webview helpers and the one argument of each that is shown (a label, a placeholder). */
const LABEL_ARGUMENTS = new Map([["showNotice", 0], ["dropdown", 1], ["textField", 1], ["card", 0], ["bucketButton", 1]]);
/** Option, item and element properties that are shown: titles, prompts, placeholders, labels, tooltips. */
const SHOWN_PROPERTIES = new Set(["title", "placeHolder", "placeholder", "prompt", "detail", "label", "tooltip", "aria-label"]);
/** Properties assigned on items that are shown: status bar and tree item text, element text. */
const SHOWN_ASSIGNMENTS = new Set(["text", "tooltip", "label", "name", "title", "textContent"]);

function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/** Hard-coded user-visible strings in a file, each as `file:line: text`. */
function hardCodedStrings(file: string): string[] {
  const source = parse(file);
  const found: string[] = [];
  const report = (node: ts.Node) => found.push(`${where(source, node)}: ${node.getText(source).slice(0, 100)}`);
  const visit = (node: ts.Node): void => {
    if (isL10nCall(node)) return;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node) ?? "";
      const args = [...(node.arguments ?? [])];
      const shown = MESSAGE_CALLS.has(name) ? args
        : ELEMENT_CALLS.has(name) ? args.slice(ELEMENT_CALLS.get(name))
        : LABEL_ARGUMENTS.has(name) ? args.slice(LABEL_ARGUMENTS.get(name), (LABEL_ARGUMENTS.get(name) ?? 0) + 1)
        : [];
      for (const arg of shown) if (literalText(arg)) report(arg);
    }
    if (ts.isPropertyAssignment(node) && SHOWN_PROPERTIES.has(node.name.getText(source).replace(/^["']|["']$/g, "")) && literalText(node.initializer)) report(node);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)
      && SHOWN_ASSIGNMENTS.has(node.left.name.text) && literalText(node.right)) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A bundle whose every message reads differently from English, as l10n-dev's pseudo-localisation makes it. */
function pseudoBundle(): Record<string, string> {
  const english = JSON.parse(read("l10n/bundle.l10n.json")) as Record<string, string>;
  return getL10nPseudoLocalized(english) as Record<string, string>;
}

describe("localisation", function () {
  // The l10n-dev extractor parses with tree-sitter (WebAssembly): tens of seconds on a busy machine.
  this.timeout(120_000);

  afterEach(() => l10n.config({ contents: {} }));

  it("gives every %key% of package.json its text in package.nls.json, and keeps no unused entry", () => {
    const found = { keys: new Set<string>(), plain: [] as string[] };
    manifestPlaceholders(rawManifest(), [], found);
    const strings = manifestStrings();
    assert.deepEqual([...found.keys].filter((key) => !(key in strings)), [], "placeholders without an entry in package.nls.json");
    assert.deepEqual(Object.keys(strings).filter((key) => !found.keys.has(key)), [], "package.nls.json entries no placeholder uses");
    assert.ok(found.keys.size > 50, `expected the manifest's titles and descriptions as placeholders, found ${found.keys.size}`);
  });

  it("writes every user-visible manifest string as a %key% placeholder", () => {
    const found = { keys: new Set<string>(), plain: [] as string[] };
    manifestPlaceholders(rawManifest(), [], found);
    assert.deepEqual(found.plain, [], "move these into package.nls.json and write %key% in package.json");
  });

  it("keeps each translation of the manifest to the keys of package.nls.json", () => {
    const keys = new Set(Object.keys(manifestStrings()));
    for (const file of readdirSync(ROOT).filter((f) => /^package\.nls\.[\w-]+\.json$/.test(f))) {
      const translated = JSON.parse(read(file)) as Record<string, string>;
      assert.deepEqual(Object.keys(translated).filter((key) => !keys.has(key)), [], `${file} has keys package.nls.json does not`);
    }
  });

  it("has every l10n.t message of src and webview in l10n/bundle.l10n.json, and no message the code no longer uses", async () => {
    const files = [...sourceFiles("src"), ...sourceFiles("webview")].filter((file) => /\bl10n\.t\b/.test(read(file)));
    assert.ok(files.length > 20, `expected the converted files to call l10n.t, found ${files.length}`);
    const unreadable = files.flatMap(unreadableMessages);
    assert.deepEqual(unreadable, [], "l10n.t needs its message as a string literal (with {0} placeholders) for the extractor to find it");
    const extracted = await getL10nJson(files.map((file) => ({ contents: read(file), extension: ".ts" })));
    const bundle = JSON.parse(read("l10n/bundle.l10n.json")) as Record<string, unknown>;
    const hint = "run `npm run l10n` to write l10n/bundle.l10n.json again";
    assert.deepEqual(Object.keys(extracted).filter((key) => !(key in bundle)), [], `messages missing from the bundle: ${hint}`);
    assert.deepEqual(Object.keys(bundle).filter((key) => !(key in extracted)), [], `bundle entries no code uses: ${hint}`);
  });

  it("keeps each runtime translation to the messages of l10n/bundle.l10n.json", () => {
    const keys = new Set(Object.keys(JSON.parse(read("l10n/bundle.l10n.json")) as object));
    for (const file of readdirSync(path.join(ROOT, "l10n")).filter((f) => /^bundle\.l10n\.[\w-]+\.json$/.test(f))) {
      const translated = JSON.parse(read(path.join("l10n", file))) as Record<string, string>;
      assert.deepEqual(Object.keys(translated).filter((key) => !keys.has(key)), [], `l10n/${file} has messages the bundle does not`);
    }
  });

  it("passes no hard-coded string to a message, prompt, status bar or tree item in the converted files", () => {
    const missing = CONVERTED_FILES.filter((file) => !sourceFiles(path.dirname(file)).includes(file));
    assert.deepEqual(missing, [], "CONVERTED_FILES names files that do not exist");
    assert.deepEqual(CONVERTED_FILES.flatMap(hardCodedStrings), [], "wrap these in vscode.l10n.t (or l10n.t where the file does not import vscode)");
  });

  it("finds a hard-coded message, and passes one that goes through l10n.t", () => {
    const probe = (code: string) => {
      const source = ts.createSourceFile("probe.ts", code, ts.ScriptTarget.Latest, true);
      let hits = 0;
      const visit = (node: ts.Node): void => {
        if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !isL10nCall(node) && MESSAGE_CALLS.has(calleeName(node) ?? "")) {
          hits += (node.arguments ?? []).filter(literalText).length;
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      return hits;
    };
    assert.equal(probe('vscode.window.showErrorMessage(`Taskflow: ${name} failed`, "Retry");'), 2);
    assert.equal(probe('vscode.window.showErrorMessage(ok ? "Done." : text);'), 1);
    assert.equal(probe('vscode.window.showErrorMessage(vscode.l10n.t("Taskflow: {0} failed", name), retry);'), 0);
    assert.equal(probe('item.text = `$(sync~spin) ${n}`; new UserError(message);'), 0);
  });

  it("carries the display language's bundle from the host's page into the webview's l10n.t", () => {
    assert.equal(HOST_BUNDLE_META_NAME, L10N_BUNDLE_META_NAME, "the webview reads the meta tag the host writes");
    const pseudo = pseudoBundle();
    const html = webviewHtml({ title: "T", cspSource: "src", scriptUri: "https://x/app.js", styleUris: [], nonce: "N", l10nBundle: pseudo });
    const content = new RegExp(`<meta name="${L10N_BUNDLE_META_NAME}" content="([^"]*)">`).exec(html)?.[1];
    assert.ok(content !== undefined, "the page carries the bundle in its meta tag");
    const unescaped = content.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    const doc = { querySelector: (selector: string) => (selector === `meta[name="${L10N_BUNDLE_META_NAME}"]` ? { getAttribute: () => unescaped } : null) };

    const errorOf = () => {
      const result = sinceOf("custom", "yesterday", new Date("2026-12-07T12:00:00Z"));
      return result.ok ? result.iso : result.error;
    };
    const english = errorOf();
    assert.match(english, /^Expected an ISO 8601 time like .*, got "yesterday"/);
    assert.equal(loadHostBundle(doc as unknown as Document), Object.keys(pseudo).length);
    const message = "Expected an ISO 8601 time like 2026-12-02T09:00:00Z, got {0}: type a date, optionally with a time";
    assert.notEqual(pseudo[message], message);
    assert.equal(errorOf(), pseudo[message].replace("{0}", '"yesterday"'), "the webview's message reads the pseudo bundle");

    assert.equal(loadHostBundle({ querySelector: () => null }), 0, "a page without a bundle has none");
    assert.equal(errorOf(), english, "and then shows English");
  });

  it("translates the host's pure row mappings through the bundle VS Code hands over", () => {
    assert.equal(statusTitle("failed"), "Failed");
    const pseudo = pseudoBundle();
    l10n.config({ contents: pseudo });
    assert.equal(statusTitle("failed"), pseudo.Failed);
    assert.notEqual(pseudo.Failed, "Failed");
    assert.equal(toGroupItemModel("failed", 3).label, pseudo.Failed);
  });

  it("translates Run Task's prompts, progress and the Task Functions view's descriptions through the bundle", () => {
    const english = {
      config: describeTaskConfig({ retries: 3 }),
      tags: parseTags("=dev"),
      retry: new RunProgressTracker().lifecycle({ status: "running", retriesUsed: 2, error: null }).message,
      shape: describeShape({ kind: "array", element: { kind: "number" } }),
      workers: describeWorkers(2),
      options: validateRunTaskOptions([]),
    };
    assert.equal(english.config, "retries 3");
    assert.equal(english.retry, "retry 2");
    assert.equal(english.shape, "an array of numbers");
    assert.equal(english.workers, "2 workers");
    assert.deepEqual(english.options, { ok: false, error: "Run Task options must be an object { args, kwargs, tags, idempotencyKey }, got an array" });

    const pseudo = pseudoBundle();
    l10n.config({ contents: pseudo });
    assert.equal(describeTaskConfig({ retries: 3 }), pseudo["retries {0}"].replace("{0}", "3"));
    assert.deepEqual(parseTags("=dev"), {
      ok: false,
      error: pseudo['Tags must be key=value pairs separated by commas, got "{0}" with no key: for example env=dev, team=data'].replace("{0}", "=dev"),
    });
    assert.equal(new RunProgressTracker().lifecycle({ status: "running", retriesUsed: 2, error: null }).message, pseudo["retry {0}"].replace("{0}", "2"));
    assert.equal(describeShape({ kind: "array", element: { kind: "number" } }), pseudo["an array of {0}"].replace("{0}", pseudo.numbers));
    assert.equal(describeWorkers(2), pseudo["{0} workers"].replace("{0}", "2"));
    const options = validateRunTaskOptions([]);
    assert.ok(!options.ok && options.error.includes(pseudo["must be an object {0}"].replace("{0}", "{ args, kwargs, tags, idempotencyKey }")), "the schema's message is read when the check fails");
    assert.notEqual(english.config, describeTaskConfig({ retries: 3 }));
  });
});
