// Helpers shared by the Taskflow extension-host tests: the activated API and waiting on events
// (never on wall-clock sleeps).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";

export const EXTENSION_ID = "taskflow.vscode-taskflow";

export async function activateTaskflow(): Promise<TaskflowApi> {
  const extension = vscode.extensions.getExtension<TaskflowApi>(EXTENSION_ID);
  assert.ok(extension, `expected the extension ${EXTENSION_ID} to be installed`);
  return extension.activate();
}

/**
 * Resolves once `check()` returns a value other than undefined, testing it now and after each
 * firing of `event`; rejects after `timeoutMs` saying what it waited for and what it last saw.
 */
export function waitUntil<T, E>(
  event: vscode.Event<E> | ((listener: (e: E) => void) => vscode.Disposable),
  check: () => T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first !== undefined) return resolve(first);
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`expected ${what} within ${timeoutMs} ms, it did not happen`));
    }, timeoutMs);
    const subscription = event(() => {
      const value = check();
      if (value !== undefined) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(value);
      }
    });
  });
}

export async function assertRejects(promise: Thenable<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.fail(`expected a rejection matching ${pattern}, got a result`);
}
