/**
 * The `taskflow.*` settings as typed values. package.json declares each with its description and
 * default; these readers fall back to the same defaults when a value is missing or invalid.
 */
import * as vscode from "vscode";
import { parseBackendSetting, type BackendSetting } from "./backendSetting";

export const DEFAULT_MODULE_GLOB = "**/*.tasks.{ts,mts,cts,js,mjs,cjs}";

export interface TaskflowSettings {
  /** Globs (relative to the workspace folder) that task modules match. node_modules is always excluded. */
  modules: string[];
  /** Tasks that run at the same time; also the most warm workers each task module gets. @default 4 */
  maxConcurrentTasks: number;
  /**
   * Where task attempts run: `"warm"` on worker threads that keep the module loaded between attempts,
   * `"fresh"` in a new worker thread that loads the module anew for every attempt. @default "warm"
   */
  isolation: "warm" | "fresh";
  /** Finished tasks kept in history; the oldest beyond this are deleted. @default 10000 */
  maxRecords: number;
  /** Log lines kept per task. @default 10000 */
  maxLinesPerTask: number;
  /** Tasks shown per status group in the Tasks view before "Load more". @default 50 */
  pageSize: number;
  /** Milliseconds after a save before a task module is reloaded. @default 300 */
  reloadDelayMs: number;
  /** Whether the status bar item shows. @default true */
  showStatusBar: boolean;
  /** Whether a failed task shows a notification. @default true */
  notifyOnFailure: boolean;
  /** Whether a run that starts waiting for input shows a notification. @default true */
  notifyOnInput: boolean;
  /** Whether runs started from Run Task show a progress notification. @default true */
  showRunNotifications: boolean;
  /** Whether this window serves the HTTP API on the loopback address. @default false */
  apiEnabled: boolean;
  /** TCP port of the HTTP API; 0 picks any free port. @default 0 */
  apiPort: number;
  /** Whether task modules show CodeLens (Run, Debug, last outcome) and the last failure's line. @default true */
  codeLensEnabled: boolean;
  /** The engine's text log file, relative to the workspace folder (see logFileOption); empty for none. @default "" */
  logFile: string;
  /** `taskflow.backend`: the local engine (default), or BullMQ on a Redis URL. */
  backend: BackendSetting;
  /** `taskflow.redis.prefix`: the Redis key prefix on the BullMQ backend. @default "taskflow" */
  redisPrefix: string;
  /** `taskflow.redis.runTasks`: whether this window also works the shared queue's jobs. @default false */
  redisRunTasks: boolean;
}

/** Settings whose change needs a new manager, and so a new runtime (applied once no task is pending or running). */
export const MANAGER_SETTINGS = [
  "taskflow.maxConcurrentTasks", "taskflow.history.maxRecords", "taskflow.logs.maxLinesPerTask", "taskflow.logFile",
  "taskflow.backend",
];

/** Settings of the connection to Redis: a change needs a new manager only while the backend is Redis. */
export const REDIS_SETTINGS = ["taskflow.redis"];

/** Settings the workspace runtime takes at construction: a change rebuilds it, once no task is pending or running. */
export const RUNTIME_SETTINGS = ["taskflow.isolation"];

function wholeNumber(value: unknown, fallback: number, min: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= min ? value : fallback;
}

/** A key prefix as package.json's pattern allows it, else the default. */
function redisPrefix(value: unknown): string {
  return typeof value === "string" && /^[A-Za-z0-9_.-]+$/.test(value) ? value : "taskflow";
}

export function readSettings(scope?: vscode.ConfigurationScope): TaskflowSettings {
  const config = vscode.workspace.getConfiguration("taskflow", scope);
  const modulesValue = config.get<unknown>("modules");
  const modules = (Array.isArray(modulesValue) ? modulesValue : [modulesValue]).filter(
    (g): g is string => typeof g === "string" && g.trim() !== "",
  );
  return {
    modules: modules.length > 0 ? modules : [DEFAULT_MODULE_GLOB],
    maxConcurrentTasks: wholeNumber(config.get("maxConcurrentTasks"), 4, 1),
    isolation: config.get("isolation") === "fresh" ? "fresh" : "warm",
    maxRecords: wholeNumber(config.get("history.maxRecords"), 10000, 1),
    maxLinesPerTask: wholeNumber(config.get("logs.maxLinesPerTask"), 10000, 1),
    pageSize: wholeNumber(config.get("tree.pageSize"), 50, 1),
    reloadDelayMs: wholeNumber(config.get("reloadDelayMs"), 300, 0),
    showStatusBar: config.get<boolean>("statusBar.enabled") ?? true,
    notifyOnFailure: config.get<boolean>("notifications.onFailure") ?? true,
    notifyOnInput: config.get<boolean>("notifications.onInput") ?? true,
    showRunNotifications: config.get<boolean>("showRunNotifications") ?? true,
    apiEnabled: config.get<boolean>("api.enabled") === true,
    apiPort: wholeNumber(config.get("api.port"), 0, 0) <= 65535 ? wholeNumber(config.get("api.port"), 0, 0) : 0,
    codeLensEnabled: config.get<boolean>("codeLens.enabled") ?? true,
    logFile: typeof config.get("logFile") === "string" ? config.get<string>("logFile")!.trim() : "",
    backend: parseBackendSetting(config.get("backend")),
    redisPrefix: redisPrefix(config.get("redis.prefix")),
    redisRunTasks: config.get<boolean>("redis.runTasks") === true,
  };
}
