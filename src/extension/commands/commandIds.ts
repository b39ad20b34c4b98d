/**
 * Every command id of the extension, declared once. package.json contributes the same ids (a unit
 * test checks both lists agree); code refers to them only through this object.
 */
export const Commands = {
  runTask: "taskflow.runTask",
  runTaskWithOptions: "taskflow.runTaskWithOptions",
  runFunction: "taskflow.runFunction",
  debugTask: "taskflow.debugTask",
  retryTask: "taskflow.retryTask",
  cancelTask: "taskflow.cancelTask",
  provideInput: "taskflow.provideInput",
  showTask: "taskflow.showTask",
  openDashboard: "taskflow.openDashboard",
  clearHistory: "taskflow.clearHistory",
  deleteTask: "taskflow.deleteTask",
  copyTaskId: "taskflow.copyTaskId",
  copyAsCliCommand: "taskflow.copyAsCliCommand",
  copyAsCurl: "taskflow.copyAsCurl",
  setEncryptionKey: "taskflow.setEncryptionKey",
  generateEncryptionKey: "taskflow.generateEncryptionKey",
  setRedisPassword: "taskflow.setRedisPassword",
  newTaskModule: "taskflow.newTaskModule",
  refresh: "taskflow.refresh",
  loadMore: "taskflow.loadMore",
  openModule: "taskflow.openModule",
  copyApiUrlAndToken: "taskflow.copyApiUrlAndToken",
  regenerateApiToken: "taskflow.regenerateApiToken",
  pauseSchedule: "taskflow.pauseSchedule",
  resumeSchedule: "taskflow.resumeSchedule",
  runScheduleNow: "taskflow.runScheduleNow",
  removeSchedule: "taskflow.removeSchedule",
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Commands that are only invoked from tree items and panels, never shown in the Command Palette. */
export const INTERNAL_COMMANDS: readonly CommandId[] = [
  Commands.loadMore,
  Commands.runFunction,
  Commands.openModule,
  Commands.pauseSchedule,
  Commands.resumeSchedule,
  Commands.runScheduleNow,
  Commands.removeSchedule,
  Commands.copyAsCliCommand,
  Commands.copyAsCurl,
];

/** View ids contributed in package.json. */
export const Views = {
  tasks: "taskflow.tasks",
  functions: "taskflow.functions",
  schedules: "taskflow.schedules",
} as const;

/** Context keys set with `setContext`, used in package.json `when` clauses. */
export const ContextKeys = {
  /** True once activation finished building the views. */
  ready: "taskflow.ready",
  /** True when the workspace is trusted and at least one task module was found. */
  hasModules: "taskflow.hasModules",
  /** True when no folder is open (there is no storage to keep history in). */
  noFolder: "taskflow.noFolder",
  /** True while taskflow.backend is a Redis URL: Debug Task is hidden, since any worker may take the run. */
  sharedQueue: "taskflow.sharedQueue",
  /** True once a task panel showed in this window: completes the walkthrough's "Open a run's panel" step. */
  taskPanelShown: "taskflow.taskPanelShown",
} as const;
