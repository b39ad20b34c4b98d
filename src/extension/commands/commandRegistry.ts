/**
 * Registers every command through one wrapper: it logs each failure to the Taskflow output channel
 * and shows it as an error message, so no command fails silently.
 */
import * as vscode from "vscode";
import type { CommandId } from "./commandIds";

/** An error whose message is written for the person using the command (no stack in the message box). */
export class UserError extends Error {
  override name = "UserError";
}

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Registers `handler` under `id`. A failure is logged and shown; it is also rethrown when the
 * command was called from code with a string first argument (`executeCommand('taskflow.runTask',
 * 'name', ...)`), so a programmatic caller sees the rejection instead of `undefined`.
 */
export function registerCommand(id: CommandId, handler: CommandHandler, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (error instanceof UserError) log.warn(`${id}: ${error.message}`);
      else log.error(`${id} failed: ${error.stack ?? error.message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t("Taskflow: {0}", error.message));
      if (typeof args[0] === "string") throw error;
      return undefined;
    }
  });
}
