import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow } from "./taskflowApi";

describe("Taskflow argument encryption (extension host)", function () {
  // Applying a key restarts the engine, which compiles every module again, on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;

  before(async () => {
    api = await activateTaskflow();
  });

  it("generates a key into SecretStorage and stores the next tasks' arguments encrypted", async () => {
    const plain = await api.addTask("hello", ["in clear"]);
    assert.deepEqual((await api.waitFor(plain)).args, ["in clear"]);

    assert.equal(await vscode.commands.executeCommand("taskflow.generateEncryptionKey"), true);
    const encrypted = await api.addTask("hello", ["secret name"]);
    const record = await api.waitFor(encrypted);
    assert.equal(record.status, "success", `expected success, got ${record.status}: ${record.error}`);
    assert.ok(record.logs.some((line) => line.endsWith(" hello secret name")), "the task got its decrypted arguments");
    const dict = record.toDict();
    assert.equal(dict.encrypted, true);
    assert.deepEqual(dict.args, [], "stored arguments are not readable");
    assert.deepEqual(dict.kwargs, {});
    assert.equal(api.getTask(plain)?.status, "success", "history from before the key survives");
  });
});
