import * as fs from "node:fs";
import type { Disposable, TaskDict } from "../../engine/types";
import {
  CancelTask,
  EngineUnavailable,
  OpenFrame,
  Ready,
  RetryTask,
  RunAgain,
  TaskChanged,
  TaskLogAppended,
  TaskSnapshot,
  type HostToWebviewMessage,
  type TaskView,
} from "../../protocol";
import { MessageDispatcher } from "./messageDispatcher";
import { toTaskDict, type PanelHost, type PanelManager } from "./ports";
import { resolveStack, workspaceLabel } from "./stackFrames";
import { systemTimers, throttle, type Throttled, type TimerPort } from "./throttle";
import { UnavailableRetry } from "./unavailableRetry";

/** How often, at most, a task panel is sent new log lines and status, in ms. */
export const TASK_PANEL_FLUSH_MS = 100;

/** Command that runs a task function by name: `(name, { args, kwargs, tags })` resolves with the new id. */
export const RUN_TASK_COMMAND = "taskflow.runTask";

export interface TaskPanelControllerOptions {
  manager: PanelManager;
  host: PanelHost;
  /** Sends a message to this panel's webview. */
  post: (message: HostToWebviewMessage) => void;
  /** @default real timers */
  timers?: TimerPort;
  /** Resolves symlinks before the workspace check. @default fs.promises.realpath */
  realpath?: (path: string) => Promise<string>;
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
  private readonly dispatcher: MessageDispatcher;
  private readonly flusher: Throttled;
  private readonly subscriptions: Disposable[];
  private readonly realpath: (path: string) => Promise<string>;
  private readonly unavailable: UnavailableRetry;

  constructor(taskId: string, private readonly options: TaskPanelControllerOptions) {
    this.currentTaskId = taskId;
    const { manager, host } = options;
    this.realpath = options.realpath ?? ((p) => fs.promises.realpath(p));
    this.flusher = throttle(() => this.flush(), TASK_PANEL_FLUSH_MS, options.timers ?? systemTimers);
    this.unavailable = new UnavailableRetry(options.timers ?? systemTimers, (message) => options.post(EngineUnavailable.create({ message })));
    this.dispatcher = new MessageDispatcher(options.post, host.log, "task panel", host.showError)
      .onCommand(Ready, () => this.sendSnapshot())
      .onCommand(OpenFrame, (frame) => this.openFrame(frame.path, frame.line, frame.column))
      .onRequest(RetryTask, async ({ taskId }) => {
        const newTaskId = await manager.retryTask(this.requireTask(taskId).taskId);
        host.showTask(newTaskId);
        return { taskId: newTaskId };
      })
      .onRequest(CancelTask, async ({ taskId }) => {
        const result = await manager.cancelTask(this.requireTask(taskId).taskId);
        return { cancelled: result !== false };
      })
      .onRequest(RunAgain, async ({ taskId }) => {
        const task = this.requireTask(taskId);
        if (task.encrypted) {
          throw new Error(
            `Task ${taskId} has encrypted arguments, which the panel never reads: run ${task.funcName} again from "Taskflow: Run Task..." or retry it when it failed`,
          );
        }
        const newTaskId = await host.executeCommand(RUN_TASK_COMMAND, task.funcName, {
          args: task.args,
          kwargs: task.kwargs,
          tags: task.tags,
        });
        if (typeof newTaskId !== "string") {
          throw new Error(`Running ${task.funcName} again returned no task id (got ${typeof newTaskId}): see the Taskflow output channel`);
        }
        host.showTask(newTaskId);
        return { taskId: newTaskId };
      });
    this.subscriptions = [
      manager.onLog((e) => {
        if (e.taskId === this.currentTaskId) this.flusher.schedule();
      }),
      manager.onLifecycle((e) => {
        if (e.taskId === this.currentTaskId) {
          this.changed = true;
          this.flusher.schedule();
        }
      }),
    ];
  }

  get taskId(): string {
    return this.currentTaskId;
  }

  /** Points the panel at another task and sends its snapshot. */
  showTask(taskId: string): void {
    this.currentTaskId = taskId;
    if (this.ready) this.sendSnapshot();
  }

  /** Handles one raw message from the webview. */
  handleMessage(raw: unknown): Promise<void> {
    return this.dispatcher.dispatch(raw);
  }

  dispose(): void {
    this.unavailable.dispose();
    this.flusher.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private view(task: TaskDict): TaskView {
    return { ...task, stack: resolveStack(task.stacktrace, this.options.host.workspaceFolders()) };
  }

  private requireTask(taskId: string): TaskDict {
    const found = this.options.manager.getTask(taskId);
    if (!found) throw new Error(`No task with id ${taskId}: it may have been cleared from the history`);
    return toTaskDict(found);
  }

  private sendSnapshot(): void {
    this.ready = true;
    let found: ReturnType<PanelManager["getTask"]>;
    try {
      found = this.options.manager.getTask(this.currentTaskId);
    } catch (error) {
      this.unavailable.failed(error, () => this.sendSnapshot());
      return;
    }
    this.unavailable.succeeded();
    const task = found ? this.view(toTaskDict(found)) : null;
    this.sentLogCount = task ? task.logs.length : 0;
    this.changed = false;
    this.options.post(TaskSnapshot.create({ taskId: this.currentTaskId, task }));
  }

  private flush(): void {
    if (!this.ready || this.unavailable.waiting) return;
    const found = this.options.manager.getTask(this.currentTaskId);
    if (!found) return;
    const task = toTaskDict(found);
    if (task.logs.length < this.sentLogCount) {
      this.sendSnapshot();
      return;
    }
    if (task.logs.length > this.sentLogCount) {
      const from = this.sentLogCount;
      this.sentLogCount = task.logs.length;
      this.options.post(TaskLogAppended.create({ taskId: task.taskId, from, lines: task.logs.slice(from) }));
    }
    if (this.changed) {
      this.changed = false;
      const { logs: _logs, ...rest } = this.view(task);
      this.options.post(TaskChanged.create({ taskId: task.taskId, task: rest }));
    }
  }

  private async openFrame(filePath: string, line: number, column: number): Promise<void> {
    const { host } = this.options;
    const folders = host.workspaceFolders();
    const outside = (): Error =>
      new Error(`Refused to open ${filePath}: expected a file inside a workspace folder (${folders.join(", ") || "none open"})`);
    if (workspaceLabel(filePath, folders) === null) throw outside();
    let real: string;
    try {
      real = await this.realpath(filePath);
    } catch {
      throw new Error(`Cannot open ${filePath}: the file does not exist (any more)`);
    }
    const realFolders = await Promise.all(folders.map((f) => this.realpath(f).catch(() => f)));
    if (workspaceLabel(real, realFolders) === null) throw outside();
    await host.openFile(filePath, line, column);
  }
}
