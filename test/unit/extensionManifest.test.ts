import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Commands, INTERNAL_COMMANDS } from "../../src/extension/commandIds";

interface Manifest {
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: unknown } };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string; description?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as Manifest;

describe("extension: package.json agrees with the code", () => {
  it("contributes exactly the command ids the code declares, all in the Taskflow category", () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(Commands).sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, "Taskflow", c.command);
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

  it("declares each setting with a default and a description", () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of ["taskflow.modules", "taskflow.maxConcurrentTasks", "taskflow.history.maxRecords", "taskflow.logs.maxLinesPerTask"]) {
      assert.ok(key in properties, `missing ${key}`);
    }
    for (const [key, p] of Object.entries(properties)) {
      assert.notEqual(p.default, undefined, `${key} has no default`);
      assert.ok((p.markdownDescription ?? p.description ?? "").length > 20, `${key} has no description`);
    }
  });

  it("activates on panels being restored and supports untrusted workspaces in a limited way", () => {
    assert.ok(manifest.activationEvents.includes("onWebviewPanel:taskflow.taskPanel"));
    assert.ok(manifest.activationEvents.includes("onWebviewPanel:taskflow.dashboard"));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
  });
});
