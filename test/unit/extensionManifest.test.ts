import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { Commands, INTERNAL_COMMANDS, Views } from "../../src/extension/commands/commandIds";
import { taskContextValue, toGroupItemModel } from "../../src/extension/views/taskTreeItem";
import { ALL_STATUSES, isCancellable, isDeletable, isRetryable, type TaskStatus } from "../../src/model";
import type { WaitingFor } from "../../src/model/durable";
import { localisedManifest } from "./helpers/manifest";

interface Manifest {
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: unknown } };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    views: Record<string, Array<{ id: string }>>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    configuration: { properties: Record<string, { default?: unknown; enum?: unknown[]; markdownDescription?: string; description?: string }> };
  };
}

const manifest = localisedManifest() as Manifest;
const EXTENSION_DIR = path.join(__dirname, "../../src/extension");
const COMMAND_IDS_FILE = path.join(EXTENSION_DIR, "commands", "commandIds.ts");

/** Every string literal in the code of `file` (comments are not code, so ids written in doc comments do not count). */
function stringLiterals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("extension: package.json agrees with the code", () => {
  it("contributes exactly the command ids the code declares, all in the Taskflow category", () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(Commands).sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, "Taskflow", c.command);
  });

  it("spells each command id only in commands/commandIds.ts: the rest of src/extension refers to Commands", () => {
    const ids = new Set<string>(Object.values(Commands));
    const files = readdirSync(EXTENSION_DIR, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => path.join(EXTENSION_DIR, file));
    assert.ok(files.includes(COMMAND_IDS_FILE), `expected ${COMMAND_IDS_FILE} among ${files.length} files`);
    const spelled = files
      .filter((file) => file !== COMMAND_IDS_FILE)
      .flatMap((file) => stringLiterals(file).filter((text) => ids.has(text)).map((id) => `${path.relative(EXTENSION_DIR, file)}: "${id}"`));
    assert.deepEqual(spelled, []);
    assert.deepEqual([...new Set(stringLiterals(COMMAND_IDS_FILE).filter((text) => ids.has(text)))].sort(), [...ids].sort());
  });

  it("contributes exactly the view ids the code declares", () => {
    const contributed = Object.values(manifest.contributes.views).flat().map((view) => view.id).sort();
    assert.deepEqual(contributed, Object.values(Views).sort());
  });

  it("hides the tree-only commands from the Command Palette", () => {
    const hidden = manifest.contributes.menus.commandPalette.filter((m) => m.when === "false").map((m) => m.command);
    assert.deepEqual(hidden.sort(), [...INTERNAL_COMMANDS].sort());
  });

  it("only references declared commands in menus", () => {
    const ids = new Set<string>(Object.values(Commands));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu} references unknown ${item.command}`);
    }
  });

  it("offers each task command in the Tasks view on exactly the statuses whose capabilities allow it", () => {
    const inputWait: WaitingFor = { kind: "input", name: "approval", prompt: null, schema: null, timeoutAt: null, step: "input:approval#1" };
    const sleepWait: WaitingFor = { kind: "sleep", until: "2026-12-07T16:00:00.000Z", step: "sleep#1" };
    // Each status as a row, and a waiting row per kind of wait: Provide Input shows only on one waiting for input.
    const rows = [
      ...ALL_STATUSES.map((status) => ({ status, waitingFor: null })),
      { status: "waiting" as const, waitingFor: inputWait },
      { status: "waiting" as const, waitingFor: sleepWait },
    ];
    const allowed: Record<string, (row: { status: TaskStatus; waitingFor: WaitingFor | null }) => boolean> = {
      [Commands.retryTask]: (row) => isRetryable(row.status),
      [Commands.cancelTask]: (row) => isCancellable(row.status),
      [Commands.deleteTask]: (row) => isDeletable(row.status),
      [Commands.provideInput]: (row) => row.status === "waiting" && row.waitingFor?.kind === "input",
      [Commands.showTask]: () => true,
      [Commands.copyTaskId]: () => true,
      [Commands.copyAsCliCommand]: () => true,
      [Commands.copyAsCurl]: () => true,
    };
    const items = manifest.contributes.menus["view/item/context"].filter((m) => m.when?.includes("view == taskflow.tasks"));
    assert.deepEqual([...new Set(items.map((m) => m.command))].sort(), Object.keys(allowed).sort());
    for (const item of items) {
      const found = /viewItem =~ \/(.+?)\/([a-z]*)(?:\s|$)/.exec(item.when ?? "");
      assert.ok(found, `${item.command}: expected a "viewItem =~ /regex/" test in ${item.when}`);
      const regex = new RegExp(found[1], found[2]);
      const matched = rows.filter((row) => regex.test(taskContextValue(row.status, row.waitingFor)));
      assert.deepEqual(matched, rows.filter(allowed[item.command]), `${item.command} (${item.when})`);
      const groups = ALL_STATUSES.filter((status) => regex.test(toGroupItemModel(status, 1).contextValue));
      assert.deepEqual(groups, [], `${item.command} must not show on status group rows`);
    }
  });

  it("declares each setting with a default and a description", () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of ["taskflow.modules", "taskflow.maxConcurrentTasks", "taskflow.isolation", "taskflow.history.maxRecords", "taskflow.logs.maxLinesPerTask", "taskflow.logFile"]) {
      assert.ok(key in properties, `missing ${key}`);
    }
    for (const [key, p] of Object.entries(properties)) {
      assert.notEqual(p.default, undefined, `${key} has no default`);
      assert.ok((p.markdownDescription ?? p.description ?? "").length > 20, `${key} has no description`);
    }
  });

  it("offers the runtime's two isolation modes, warm by default, and says what a module keeps between warm runs", () => {
    const isolation = manifest.contributes.configuration.properties["taskflow.isolation"];
    assert.deepEqual(isolation.enum, ["warm", "fresh"]);
    assert.equal(isolation.default, "warm");
    assert.match(isolation.markdownDescription ?? "", /top level/);
  });

  it("activates on panels being restored and supports untrusted workspaces in a limited way", () => {
    assert.ok(manifest.activationEvents.includes("onWebviewPanel:taskflow.taskPanel"));
    assert.ok(manifest.activationEvents.includes("onWebviewPanel:taskflow.dashboard"));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
  });
});
