/**
 * The handler of every command in Commands, in one table: the composition root registers them all
 * through the one wrapper (registerCommand), and the type makes a command without a handler an error.
 */
import * as vscode from "vscode";
import { Commands } from "./commandIds";
import { UserError, type CommandHandler } from "./commandRegistry";
import type { DebugRuns } from "./debugRuns";
import { copyAsCliCommand, copyAsCurl } from "./copyRunCommands";
import { debugTask } from "./debugTask";
import { generateEncryptionKey, setEncryptionKey } from "./encryptionKeyCommands";
import { setRedisPassword } from "./redisPasswordCommand";
import { newTaskModule } from "./newTaskModule";
import { provideInput } from "./provideInput";
import { runFunction, runTask, runTaskWithOptions } from "./runCommands";
import { scheduleCommandHandlers } from "./scheduleActions";
import type { ExtensionServices } from "./services";
import { cancelTask, clearHistory, copyTaskId, deleteTask, retryTask, showTask } from "./taskActions";
import { copyApiUrlAndToken, regenerateApiToken, type WindowApi } from "../api/windowApi";

/** What the handlers reach beyond the services; each getter throws a UserError when the window has none. */
export interface CommandHandlerDeps {
  services: ExtensionServices;
  showDashboard(): void;
  /** The window's debug runs, for Debug Task. */
  debugRuns(): DebugRuns;
  /** The window's HTTP API, for its two commands and Copy as curl. */
  windowApi(): WindowApi;
}

export function commandHandlers({ services, showDashboard, debugRuns, windowApi }: CommandHandlerDeps): Record<(typeof Commands)[keyof typeof Commands], CommandHandler> {
  return {
    [Commands.runTask]: (name, options) => runTask(services, name, options),
    [Commands.runTaskWithOptions]: (node) => runTaskWithOptions(services, node),
    [Commands.runFunction]: (target) => runFunction(services, target),
    [Commands.debugTask]: (name, options) => debugTask(services, debugRuns, name, options),
    [Commands.retryTask]: (target) => retryTask(services, target),
    [Commands.cancelTask]: (target) => cancelTask(services, target),
    [Commands.provideInput]: (target, name, value) => provideInput(services, target, name, value),
    [Commands.showTask]: (target) => showTask(services, target),
    [Commands.openDashboard]: () => {
      services.manager();
      showDashboard();
    },
    [Commands.clearHistory]: (options) => clearHistory(services, options),
    [Commands.deleteTask]: (target) => deleteTask(services, target),
    [Commands.copyTaskId]: (target) => copyTaskId(services, target),
    [Commands.copyAsCliCommand]: (target) => copyAsCliCommand(services, target),
    [Commands.copyAsCurl]: (target) => copyAsCurl(services, target, () => windowApi().access()?.url),
    [Commands.setEncryptionKey]: (key) => setEncryptionKey(services, key),
    [Commands.generateEncryptionKey]: () => generateEncryptionKey(services),
    [Commands.setRedisPassword]: (password) => setRedisPassword(services, password),
    [Commands.newTaskModule]: (fileName, folder) => newTaskModule(services, fileName, folder),
    [Commands.refresh]: async () => {
      await services.reloadModules();
      services.refreshViews();
    },
    [Commands.loadMore]: (status) => services.loadMore(String(status)),
    [Commands.openModule]: async (file, line, column) => {
      if (typeof file !== "string") throw new UserError(vscode.l10n.t("Open Module needs a file path"));
      const position = new vscode.Position(Math.max(0, Number(line ?? 1) - 1), Math.max(0, Number(column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(position, position) });
    },
    [Commands.copyApiUrlAndToken]: () => copyApiUrlAndToken(windowApi()),
    [Commands.regenerateApiToken]: () => regenerateApiToken(windowApi()),
    ...scheduleCommandHandlers(services),
  };
}
