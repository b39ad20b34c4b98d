/**
 * The runtime's public surface: loading a workspace's task modules and running their tasks in
 * worker threads. No vscode; the package entry (src/index.ts, dist/engine.js) re-exports it.
 */
export { WorkspaceRuntime, type WorkspaceRuntimeOptions } from "./workspaceRuntime";
export { ModuleHost, type ModuleHostOptions, type TaskRegistrar } from "./moduleHost";
export type { WorkerStoppedEvent } from "./modulePools";
export type { WorkerStopReason } from "./workerPool";
export type { CompiledTask, ModuleDiagnostic, TaskFunctionInfo } from "./types";
export { externalAttemptFunction, runExternalAttempt, RunnerDisconnectedError, type ExternalAttemptOptions } from "./externalAttempt";
export { DEFAULT_MODULE_PATTERNS, discoverModules, globToRegExp } from "./discoverModules";
