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

  after(async () => {
    // The programmatic form: an empty key removes it, so later suites store arguments in clear.
    assert.equal(await vscode.commands.executeCommand("taskflow.setEncryptionKey", ""), true);
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
    assert.equal((await api.getTask(plain))?.status, "success", "history from before the key survives");
  });

  it("refuses a malformed key given programmatically, without echoing it", async () => {
    try {
      await vscode.commands.executeCommand("taskflow.setEncryptionKey", "not-a-key");
      assert.fail("expected the command to reject the key");
    } catch (err) {
      assert.match((err as Error).message, /A Fernet key decodes to 32 bytes, got \d+/);
      assert.ok(!(err as Error).message.includes("not-a-key"));
    }
  });
});
