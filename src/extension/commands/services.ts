/**
 * What command handlers get from the composition root. Each accessor throws a UserError saying what
 * to do when its part is not available (no folder open, untrusted workspace).
 */
import * as l10n from "@vscode/l10n";
import type * as vscode from "vscode";
import type { TaskflowClient } from "../../model";
import type { CatalogSnapshot } from "../modules/taskCatalog";
import type { TypeScriptModule } from "../prompts/typeScriptLoader";

/** Opens the webview panels (the panels module, or the placeholder until it is available). */
export interface PanelsPort {
  showTask(taskId: string): void;
  showDashboard(): void;
}

export interface ExtensionServices {
  log: vscode.LogOutputChannel;
  /** Per-workspace memory: the last arguments and tags typed per task. */
  workspaceState: vscode.Memento;
  secrets: vscode.SecretStorage;
  /** The workspace's tasks; throws a UserError when there is no engine (no folder, or it failed to start). */
  manager(): TaskflowClient;
  catalog(): CatalogSnapshot;
  panels(): PanelsPort;
  /** Rediscovers and reloads every task module. */
  reloadModules(): Promise<void>;
  /** Loads a module file just created, without waiting for the file watcher. */
  moduleCreated(uri: vscode.Uri): void;
  /** Refreshes the trees and the status bar. */
  refreshViews(): void;
  /** Shows the next page of a status group in the Tasks tree. */
  loadMore(status: string): void;
  /** Applies a changed encryption key (or its removal) to the running manager. */
  applyEncryptionKey(): Promise<void>;
  /** Reconnects to the shared queue with a changed Redis password (or none). */
  applyRedisPassword(): Promise<void>;
  /** The extension's own folder (for the shipped taskflow.d.ts). */
  extensionUri: vscode.Uri;
  /** The TypeScript compiler for reading task parameters, loaded on the first call; or why it is unavailable. */
  typeScript(): TypeScriptModule;
}

/** SecretStorage key of the argument-encryption key. */
export const ENCRYPTION_KEY_SECRET = "taskflow.encryptArgsKey";

/** SecretStorage key of the password of the Redis in `taskflow.backend`. */
export const REDIS_PASSWORD_SECRET = "taskflow.redisPassword";

/** Why a command that needs the task engine cannot run in a window with no folder open, in the display language. */
export function noFolderMessage(): string {
  return l10n.t("Taskflow needs an open folder to keep task history: open one with File > Open Folder");
}
