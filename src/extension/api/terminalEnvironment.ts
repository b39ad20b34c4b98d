/**
 * What the window adds to its integrated terminals so that `taskflow` works there with nothing to
 * configure: `TASKFLOW_DB` (the window's database, which the CLI forwards to while the window holds
 * it) and, first on PATH, a folder with a small `taskflow` launcher that runs the extension's own
 * dist/cli.js. No vscode import: the collection is described by the few members used.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import * as l10n from "@vscode/l10n";

/** The part of `vscode.EnvironmentVariableCollection` this module uses. */
export interface EnvironmentCollection {
  description: string | { value: string } | undefined;
  replace(variable: string, value: string): void;
  prepend(variable: string, value: string): void;
  delete(variable: string): void;
}

export interface LauncherOptions {
  /**
   * The executable that runs JavaScript: the extension host's own (`process.execPath`), so the
   * terminal needs no Node of its own. Under Electron it runs as Node through ELECTRON_RUN_AS_NODE.
   */
  nodePath: string;
  /** Absolute path of the extension's dist/cli.js. */
  cliPath: string;
  /** @default process.platform */
  platform?: NodeJS.Platform;
}

/** A file of the launcher folder. */
export interface LauncherFile {
  name: string;
  content: string;
  /** Unix permission bits. */
  mode: number;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The launcher: `taskflow` (a POSIX shell script) or, on Windows, `taskflow.cmd`. */
export function launcherFile(options: LauncherOptions): LauncherFile {
  if ((options.platform ?? process.platform) === "win32") {
    const content = ["@echo off", "setlocal", "set ELECTRON_RUN_AS_NODE=1", `"${options.nodePath}" "${options.cliPath}" %*`, ""].join("\r\n");
    return { name: "taskflow.cmd", content, mode: 0o755 };
  }
  const content = [
    "#!/bin/sh",
    "# The Taskflow CLI of the VS Code extension; the extension writes this file at activation.",
    `ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(options.nodePath)} ${shellQuote(options.cliPath)} "$@"`,
    "",
  ].join("\n");
  return { name: "taskflow", content, mode: 0o755 };
}

/** Writes the launcher into `dir` (created when missing; replaced whole, so a running shell never reads half of it). */
export async function writeLauncher(dir: string, options: LauncherOptions): Promise<string> {
  const file = launcherFile(options);
  await fsp.mkdir(dir, { recursive: true });
  const target = path.join(dir, file.name);
  const temp = `${target}.${process.pid}.tmp`;
  await fsp.writeFile(temp, file.content, { mode: file.mode });
  await fsp.chmod(temp, file.mode);
  await fsp.rename(temp, target);
  return target;
}

/**
 * Points the terminals' `taskflow` at the shared queue the window is on (`TASKFLOW_REDIS`, which the
 * CLI takes over TASKFLOW_DB, and `TASKFLOW_REDIS_PREFIX`), or back at the database with none. The
 * URL is the setting's, so never a password: VS Code keeps this collection on disk.
 */
export function applyTerminalBackend(collection: EnvironmentCollection, redis: { url: string; prefix: string } | undefined): void {
  if (!redis) {
    collection.delete("TASKFLOW_REDIS");
    collection.delete("TASKFLOW_REDIS_PREFIX");
    return;
  }
  collection.replace("TASKFLOW_REDIS", redis.url);
  collection.replace("TASKFLOW_REDIS_PREFIX", redis.prefix);
}

/** Sets `TASKFLOW_DB` and puts the launcher folder first on PATH in the window's new terminals. */
export function applyTerminalEnvironment(collection: EnvironmentCollection, options: { dbPath: string; launcherDir: string }): void {
  collection.description = l10n.t("Taskflow: the `taskflow` command, reaching this workspace's task history (TASKFLOW_DB)");
  collection.replace("TASKFLOW_DB", options.dbPath);
  collection.prepend("PATH", `${options.launcherDir}${path.delimiter}`);
}
