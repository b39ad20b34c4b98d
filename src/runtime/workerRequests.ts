/**
 * The worker's side of reportProgress() and enqueue() in a task module: messages to the host, and
 * the host's answers to enqueue. The host's side is attemptCalls.ts.
 */
import type { TaskProgress } from "../model/fields";
import type { AddTaskOptions } from "../model/schemas";
import { deserializeError, type HostMessage, type WorkerMessage } from "./workerProtocol";

interface Pending {
  resolve(taskId: string): void;
  reject(error: Error): void;
}

/** Requests of the attempts in one worker; `runId()` names the attempt the calling code belongs to. */
export class WorkerRequests {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (message: WorkerMessage) => void,
    private readonly runId: () => number | undefined,
  ) {}

  progress(progress: TaskProgress): void {
    this.post({ type: "progress", runId: this.runId(), fraction: progress.fraction, message: progress.message });
  }

  enqueue(task: string, args: unknown[], options: AddTaskOptions): Promise<string> {
    const requestId = this.nextRequestId++;
    try {
      this.post({ type: "enqueue", runId: this.runId(), requestId, task, args, options });
    } catch (error) {
      // postMessage refuses what structured clone cannot copy (a function, a class instance with private state).
      return Promise.reject(new TypeError(`enqueue("${task}") arguments and options must be JSON-serialisable: ${(error as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
    });
  }

  /** Settles the enqueue() a host answer is for; false for a message that is no such answer. */
  answer(message: HostMessage): boolean {
    if (message.type !== "enqueued" && message.type !== "enqueueFailed") return false;
    const pending = this.pending.get(message.requestId);
    if (!pending) return true;
    this.pending.delete(message.requestId);
    if (message.type === "enqueued") pending.resolve(message.taskId);
    else pending.reject(deserializeError(message.error));
    return true;
  }
}
