import * as fs from "node:fs";
import * as l10n from "@vscode/l10n";
import { rerunCall } from "../../core/rerun";
import type { TaskflowClient } from "../../model/client";
import { TaskStateError } from "../../model/errors";
import type { Disposable } from "../../model/events";
import type { TaskDict } from "../../model/fields";
import type { TaskRecord } from "../../model/taskRecord";
import { systemTimers, type Timers } from "../../model/timers";
import {
  CancelTask,
  CopyRunAs,
  DebugAgain,
  EngineUnavailable,
  OpenFrame,
  ProvideInput,
  Ready,
  ResumeTask,
  RetryTask,
  RunAgain,
  RunWithArguments,
  ShowTask,
  TaskChanged,
  TaskLogAppended,
  TaskSnapshot,
  MAX_PANEL_CHILDREN,
  type HostToWebviewMessage,
  type TaskView,
} from "../../protocol";
import { Commands, ContextKeys } from "../commands/commandIds";
import { holdText } from "../views/flowText";
import { MessageDispatcher } from "./messageDispatcher";
import type { PanelHost } from "./ports";
import { resolveStack, workspaceLabel } from "./stackFrames";
import { throttle, type Throttled } from "./throttle";
import { UnavailableRetry } from "./unavailableRetry";

/** How often, at most, a task panel is sent new log lines and status, in ms. */
export const TASK_PANEL_FLUSH_MS = 100;

/** How often, at most, the panel of a running task looks for steps it recorded (a step raises no event), in ms. */
export const STEP_POLL_MS = 1000;

/** The steps of a run as far as its panel shows them: which exist and how each ended. */
function stepsSignature(steps: TaskDict["steps"]): string {
  return steps.map((s) => `${s.name}#${s.occurrence} ${s.status}`).join("\n");
}

/** Command that runs a task function by name: `(name, { args, kwargs, tags })` resolves with the new id. */
export const RUN_TASK_COMMAND = Commands.runTask;

/** Command that runs one attempt of a task function under the debugger: `(name, { args, kwargs })` resolves with the new id. */
export const DEBUG_TASK_COMMAND = Commands.debugTask;

export interface TaskPanelControllerOptions {
  manager: TaskflowClient;
  host: PanelHost;
  /** Sends a message to this panel's webview. */
  post: (message: HostToWebviewMessage) => void;
  /** @default systemTimers */
  timers?: Timers;
  /** Resolves symlinks before the workspace check. @default fs.promises.realpath */
  realpath?: (path: string) => Promise<string>;
  /** Why this window refuses to debug a run, asked at each update; undefined when it may. @default never refused */
  debugRefusal?: () => string | undefined;
}

/**
 * The host side of one task panel, free of vscode: answers the webview's messages and streams the
 * shown task's changes to it, batched to at most one message pair per TASK_PANEL_FLUSH_MS.
 */
export class TaskPanelController implements Disposable {
  private currentTaskId: string;
  private ready = false;
  private sentLogCount = 0;
  private changed = false;
  private disposed = false;
  /** A flush is awaiting the task; a change meanwhile asks for one more flush after it. */
  private flushing = false;
  private flushAgain = false;
  private readonly dispatcher: MessageDispatcher;
  private readonly flusher: Throttled;
  private readonly subscriptions: Disposable[];
  private readonly realpath: (path: string) => Promise<string>;
  private readonly unavailable: UnavailableRetry;
  private readonly timers: Timers;
  private stepsSent = "";
  private stepPoll: unknown;

  constructor(taskId: string, private readonly options: TaskPanelControllerOptions) {
    this.currentTaskId = taskId;
    const { manager, host } = options;
    this.realpath = options.realpath ?? ((p) => fs.promises.realpath(p));
    const timers = options.timers ?? systemTimers;
    this.timers = timers;
    this.flusher = throttle(() => void this.flush(), TASK_PANEL_FLUSH_MS, timers);
    this.unavailable = new UnavailableRetry(timers, (message) => this.post(EngineUnavailable.create({ message })));
    this.dispatcher = new MessageDispatcher((m) => this.post(m), host.log, "task panel", host.showError)
      .onCommand(Ready, () => {
        void host.executeCommand("setContext", ContextKeys.taskPanelShown, true);
        return this.sendSnapshot();
      })
      .onCommand(OpenFrame, (frame) => this.openFrame(frame.path, frame.line, frame.column))
      .onCommand(ShowTask, ({ taskId }) => host.showTask(taskId))
      .onRequest(RetryTask, async ({ taskId }) => {
        const newTaskId = await manager.retryTask(taskId);
        host.showTask(newTaskId);
        return { taskId: newTaskId };
      })
      .onRequest(ResumeTask, async ({ taskId, fromStep }) => {
        const newTaskId = await manager.retryTask(taskId, fromStep === null ? { resume: true } : { fromStep });
        host.log(`task panel: ${fromStep === null ? "resumed" : `retried from step ${fromStep}`} task ${taskId} as ${newTaskId}`);
        host.showTask(newTaskId);
        return { taskId: newTaskId };
      })
      .onRequest(ProvideInput, async ({ taskId, name, value }) => {
        await manager.provideInput(taskId, name, value);
        return {};
      })
      .onRequest(CancelTask, async ({ taskId }) => {
        try {
          await manager.cancelTask(taskId);
        } catch (error) {
          // Finished before the click reached the engine: nothing left to cancel, which is no failure.
          if (error instanceof TaskStateError) return { cancelled: false };
          throw error;
        }
        return { cancelled: true };
      })
      .onRequest(RunAgain, ({ taskId }) => this.runAgain(taskId, "run"))
      .onRequest(DebugAgain, ({ taskId }) => this.runAgain(taskId, "debug"))
      .onRequest(RunWithArguments, async ({ taskId, args, kwargs }) => {
        const task = await this.requireRecord(taskId);
        if (task.encrypted) {
          throw new Error(l10n.t("Task {0} has encrypted arguments, which the panel never reads, so there is nothing to edit: run {1} from \"Taskflow: Run Task...\" instead", taskId, task.funcName));
        }
        const call = rerunCall(task, { args, kwargs });
        const newTaskId = await manager.addTask(call.funcName, call.args, call.options);
        host.log(`task panel: ran ${task.funcName} again with edited arguments as ${newTaskId}`);
        host.showTask(newTaskId);
        return { taskId: newTaskId };
      })
      .onRequest(CopyRunAs, async ({ taskId, form }) => {
        // The commands write the clipboard and word their own errors; the panel shows what they copied.
        const text = await host.executeCommand(form === "cli" ? Commands.copyAsCliCommand : Commands.copyAsCurl, taskId);
        if (typeof text !== "string") {
          throw new Error(form === "cli"
            ? l10n.t("Copying task {0} as a CLI command gave no text (got {1}): see the Taskflow output channel", taskId, typeof text)
            : l10n.t("Copying task {0} as a curl command gave no text (got {1}): see the Taskflow output channel", taskId, typeof text));
        }
        return { text };
      });
    this.subscriptions = [
      manager.onLog((e) => {
        if (e.taskId === this.currentTaskId) this.flusher.schedule();
      }),
      manager.onLifecycle((e) => this.taskChanged(e.taskId)),
      manager.onProgress((e) => this.taskChanged(e.taskId)),
    ];
  }

  get taskId(): string {
    return this.currentTaskId;
  }

  /** Points the panel at another task and sends its snapshot. */
  showTask(taskId: string): void {
    this.currentTaskId = taskId;
    if (this.ready) void this.sendSnapshot();
  }

  /** Handles one raw message from the webview. */
  handleMessage(raw: unknown): Promise<void> {
    return this.dispatcher.dispatch(raw);
  }

  dispose(): void {
    this.disposed = true;
    this.unavailable.dispose();
    this.flusher.dispose();
    if (this.stepPoll !== undefined) this.timers.clearTimeout(this.stepPoll);
    for (const s of this.subscriptions) s.dispose();
  }

  private taskChanged(taskId: string): void {
    if (taskId !== this.currentTaskId) return;
    this.changed = true;
    this.flusher.schedule();
  }

  private post(message: HostToWebviewMessage): void {
    // An answer that arrives after the panel closed has nowhere to go.
    if (!this.disposed) this.options.post(message);
  }

  private async view(task: TaskDict): Promise<TaskView> {
    const { manager } = this.options;
    const query = { parentId: task.taskId, withLogs: false } as const;
    const [children, childCount, holds] = await Promise.all([
      manager.listTasks({ ...query, limit: MAX_PANEL_CHILDREN }),
      manager.countTasks(query),
      // Only a pending run can be held by its key.
      task.status === "pending" ? manager.flowHolds() : undefined,
    ]);
    const hold = holds?.[task.taskId];
    const debugRefusal = this.options.debugRefusal?.();
    return {
      ...task,
      ...(debugRefusal === undefined ? {} : { debugRefusal }),
      stack: resolveStack(task.stacktrace, this.options.host.workspaceFolders()),
      children: children.map(({ taskId, funcName, status, createdAt, startTime, endTime }) =>
        ({ taskId, funcName, status, createdAt: createdAt.toISOString(), startTime: startTime?.toISOString() ?? null, endTime: endTime?.toISOString() ?? null })),
      childCount,
      hold: hold === undefined ? null : { rule: hold.rule, ...holdText(hold) },
    };
  }

  /**
   * Run Again (a re-run as core/rerun.ts says: the same arguments, tags, queue, priority and key) or
   * Debug Again (the same arguments, one attempt under the debugger); shows the new task.
   */
  private async runAgain(taskId: string, how: "run" | "debug"): Promise<{ taskId: string }> {
    const task = await this.requireRecord(taskId);
    if (task.encrypted) {
      throw new Error(how === "run"
        ? l10n.t("Task {0} has encrypted arguments, which the panel never reads: run {1} again from \"Taskflow: Run Task...\" or retry it when it failed", taskId, task.funcName)
        : l10n.t("Task {0} has encrypted arguments, which the panel never reads: debug {1} again from \"Taskflow: Debug Task...\" or retry it when it failed", taskId, task.funcName));
    }
    const { host } = this.options;
    const call = rerunCall(task);
    const newTaskId = how === "run"
      ? await host.executeCommand(RUN_TASK_COMMAND, call.funcName, { args: call.args, ...call.options })
      : await host.executeCommand(DEBUG_TASK_COMMAND, call.funcName, { args: call.args, kwargs: call.options.kwargs });
    if (typeof newTaskId !== "string") {
      throw new Error(how === "run"
        ? l10n.t("Running {0} again returned no task id (got {1}): see the Taskflow output channel", task.funcName, typeof newTaskId)
        : l10n.t("Debugging {0} again returned no task id (got {1}): see the Taskflow output channel", task.funcName, typeof newTaskId));
    }
    if (newTaskId === taskId && call.options.idempotencyKey !== undefined) {
      // The key carries over (core/rerun.ts), and this run still holds it: addTask gave its own id back.
      const key = call.options.idempotencyKey;
      throw new Error(how === "run"
        ? l10n.t("Run Again started no new run: this run still holds its idempotency key \"{0}\", and a key runs its work once (only a failed, interrupted or cancelled run gives it up). To run it anyway, use \"Taskflow: Run Task...\" without a key", key)
        : l10n.t("Debug Again started no new run: this run still holds its idempotency key \"{0}\", and a key runs its work once (only a failed, interrupted or cancelled run gives it up). To run it anyway, use \"Taskflow: Run Task...\" without a key", key));
    }
    host.showTask(newTaskId);
    return { taskId: newTaskId };
  }

  private async requireRecord(taskId: string): Promise<TaskRecord> {
    const found = await this.options.manager.getTask(taskId);
    if (!found) throw new Error(l10n.t("No task with id {0}: it may have been cleared from the history", taskId));
    return found;
  }

  private async sendSnapshot(): Promise<void> {
    this.ready = true;
    const taskId = this.currentTaskId;
    let task: TaskView | null;
    try {
      const found = await this.options.manager.getTask(taskId);
      task = found ? await this.view(found.toDict()) : null;
    } catch (error) {
      if (!this.disposed) this.unavailable.failed(error, () => void this.sendSnapshot());
      return;
    }
    // Pointed at another task meanwhile: that task's snapshot is on its way.
    if (taskId !== this.currentTaskId) return;
    this.unavailable.succeeded();
    this.sentLogCount = task ? task.logs.length : 0;
    this.stepsSent = task ? stepsSignature(task.steps) : "";
    this.changed = false;
    if (task) this.pollSteps(task.status);
    this.post(TaskSnapshot.create({ taskId, task }));
  }

  private async flush(): Promise<void> {
    if (!this.ready || this.unavailable.waiting) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      const taskId = this.currentTaskId;
      const found = await this.options.manager.getTask(taskId);
      if (found && taskId === this.currentTaskId) await this.send(found.toDict());
    } catch (error) {
      // The engine went away (a restart): say so, and send a whole snapshot once it is back.
      if (!this.disposed) this.unavailable.failed(error, () => void this.sendSnapshot());
    } finally {
      this.flushing = false;
      if (this.flushAgain) {
        this.flushAgain = false;
        void this.flush();
      }
    }
  }

  /** Sends what changed since the last message: new log lines, then the rest of the task when it changed. */
  private async send(task: TaskDict): Promise<void> {
    if (task.logs.length < this.sentLogCount) {
      void this.sendSnapshot();
      return;
    }
    if (task.logs.length > this.sentLogCount) {
      const from = this.sentLogCount;
      this.sentLogCount = task.logs.length;
      this.post(TaskLogAppended.create({ taskId: task.taskId, from, lines: task.logs.slice(from) }));
    }
    const steps = stepsSignature(task.steps);
    if (steps !== this.stepsSent) {
      this.stepsSent = steps;
      this.changed = true;
    }
    this.pollSteps(task.status);
    if (this.changed) {
      this.changed = false;
      const { logs: _logs, ...rest } = await this.view(task);
      if (task.taskId !== this.currentTaskId) return;
      this.post(TaskChanged.create({ taskId: task.taskId, task: rest }));
    }
  }

  /** While the task runs, looks again after STEP_POLL_MS: the timeline shows each step as it is recorded. */
  private pollSteps(status: string): void {
    if (status !== "running" || this.stepPoll !== undefined || this.disposed) return;
    this.stepPoll = this.timers.setTimeout(() => {
      this.stepPoll = undefined;
      this.flusher.schedule();
    }, STEP_POLL_MS);
  }

  private async openFrame(filePath: string, line: number, column: number): Promise<void> {
    const { host } = this.options;
    const folders = host.workspaceFolders();
    const outside = (): Error =>
      new Error(l10n.t("Refused to open {0}: expected a file inside a workspace folder ({1})", filePath, folders.join(", ") || l10n.t("none open")));
    if (workspaceLabel(filePath, folders) === null) throw outside();
    let real: string;
    try {
      real = await this.realpath(filePath);
    } catch {
      throw new Error(l10n.t("Cannot open {0}: the file does not exist (any more)", filePath));
    }
    const realFolders = await Promise.all(folders.map((f) => this.realpath(f).catch(() => f)));
    if (workspaceLabel(real, realFolders) === null) throw outside();
    await host.openFile(filePath, line, column);
  }
}
