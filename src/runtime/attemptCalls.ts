/**
 * The host's side of what a task attempt in a worker asks of the engine: its log lines, its
 * reportProgress() and its enqueue() calls. The worker's side is workerRequests.ts.
 */
import { AsyncResource } from "node:async_hooks";
import { enqueue, reportProgress, taskLog } from "../core/taskContext";
import type { LogLevel } from "../model/events";
import type { AddTaskOptions } from "../model/schemas";
import { serializeError, type EnqueueRequest, type HostMessage, type ProgressRequest, type WorkerMessage } from "./workerProtocol";

/** Where the calls of one attempt go. */
export interface AttemptCalls {
  /** Every taskLog() and console line of the attempt, in order, before it settles. */
  onLog?: (message: string, level: LogLevel, extra: Record<string, unknown>) => void;
  /** Every reportProgress() of the attempt (checked in the worker), in order with its log lines. */
  onProgress?: (fraction: number, message: string | null) => void;
  /** enqueue() of the attempt: resolves with the new task's id, rejects with why nothing was enqueued. */
  onEnqueue?: (task: string, args: unknown[], options: AddTaskOptions) => Promise<string>;
}

/**
 * The calls of an attempt made into the engine in the attempt's async scope (worker messages arrive
 * outside it), so the log lines and progress land on the running task and an enqueued task gets it
 * as its parent. Call it inside the attempt.
 */
export function engineAttemptCalls(): Required<AttemptCalls> {
  // An AsyncResource, not AsyncResource.bind, which costs several times more per attempt on Node 20.
  const scope = new AsyncResource("TaskflowAttemptCalls");
  return {
    onLog: (message, level, extra) => scope.runInAsyncScope(taskLog, undefined, message, { level, extra }),
    onProgress: (fraction, message) => scope.runInAsyncScope(reportProgress, undefined, fraction, message),
    onEnqueue: (task, args, options) => scope.runInAsyncScope(enqueue, undefined, task, args, options),
  };
}

/** Whether a worker message is an attempt's call that needs answerAttemptCall. */
export function isAttemptCall(message: WorkerMessage): message is ProgressRequest | EnqueueRequest {
  return message.type === "progress" || message.type === "enqueue";
}

/**
 * Carries out an attempt's call and, for enqueue, posts the answer with `reply`. `calls` is undefined
 * when the attempt that made the call has already settled: its progress is dropped and its enqueue
 * refused, so the worker's promise still settles.
 */
export function answerAttemptCall(message: ProgressRequest | EnqueueRequest, calls: AttemptCalls | undefined, reply: (answer: HostMessage) => void): void {
  if (message.type === "progress") {
    try {
      calls?.onProgress?.(message.fraction, message.message);
    } catch {
      // Checked in the worker already; outside a task (a proxy called directly) there is no record to
      // put it on. Either way a throw here must not reach the worker's message handler.
    }
    return;
  }
  const { requestId } = message;
  const refuse = (error: unknown): void => reply({ type: "enqueueFailed", requestId, error: serializeError(error) });
  const onEnqueue = calls?.onEnqueue;
  if (!onEnqueue) {
    refuse(new Error(`enqueue("${message.task}") came from a task attempt that has already ended (returned, failed, timed out or was cancelled): nothing was enqueued`));
    return;
  }
  let answer: Promise<string>;
  try {
    answer = onEnqueue(message.task, message.args, message.options);
  } catch (error) {
    refuse(error);
    return;
  }
  answer.then((taskId) => reply({ type: "enqueued", requestId, taskId }), refuse);
}
