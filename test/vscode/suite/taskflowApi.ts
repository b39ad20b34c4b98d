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
 * Resolves once `check()` gives (or resolves with) a value other than undefined, testing it now and
 * after each firing of `event`; rejects after `timeoutMs` saying what it waited for. The check may be
 * async because the API's reads are `Awaitable`.
 */
export function waitUntil<T, E>(
  event: vscode.Event<E> | ((listener: (e: E) => void) => vscode.Disposable),
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      subscription.dispose();
      finish();
    };
    const test = () => {
      Promise.resolve()
        .then(check)
        .then(
          (value) => {
            if (value !== undefined) settle(() => resolve(value));
          },
          (err: unknown) => settle(() => reject(err)),
        );
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`expected ${what} within ${timeoutMs} ms, it did not happen`))), timeoutMs);
    const subscription = event(test);
    test();
  });
}

/** Resolves when the engine was next replaced and is ready again (onDidRestartEngine). */
export function nextRestart(api: TaskflowApi): Promise<void> {
  return new Promise((resolve) => {
    const subscription = api.onDidRestartEngine(() => {
      subscription.dispose();
      resolve();
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
