/**
 * The host's side of what a task attempt in a worker asks of the engine: its log lines, its
 * reportProgress() and enqueue() calls, and its steps and waits (recorded through the running
 * attempt's journal sink). The worker's side is workerRequests.ts.
 */
import { currentTaskScope, enqueue, reportProgress, taskLog, type DurableScope } from "../core/taskContext";
import type { LogLevel } from "../model/events";
import type { AddTaskOptions } from "../model/schemas";
import {
  serializeError, type DurableAnswer, type DurableRequest, type EnqueueRequest, type HostMessage, type ProgressRequest, type WorkerMessage,
} from "./workerProtocol";

/** Where the calls of one attempt go. */
export interface AttemptCalls {
  /** Every taskLog() and console line of the attempt, in order, before it settles. */
  onLog?: (message: string, level: LogLevel, extra: Record<string, unknown>) => void;
  /** Every reportProgress() of the attempt (checked in the worker), in order with its log lines. */
  onProgress?: (fraction: number, message: string | null) => void;
  /** enqueue() of the attempt: resolves with the new task's id, rejects with why nothing was enqueued. */
  onEnqueue?: (task: string, args: unknown[], options: AddTaskOptions) => Promise<string>;
  /**
   * The attempt's steps and waits (the engine's DurableScope, made on the first call): asked only
   * when the worker's code reaches a step or a wait. Its sink records them, checks runs, and ends the
   * attempt as waiting.
   */
  durable?: () => DurableScope;
}

/**
 * The calls of an attempt made into the engine: straight onto the running task's scope (worker
 * messages arrive outside its async scope), so the log lines and progress land on the running task
 * and an enqueued task gets it as its parent. Call it inside the attempt. Outside a task (a proxy
 * called directly) lines go where taskLog sends them, and the rest is refused as the engine would.
 */
export function engineAttemptCalls(): Required<AttemptCalls> {
  const task = currentTaskScope();
  if (task) {
    return {
      onLog: (message, level, extra) => task.log(message, level, extra),
      onProgress: (fraction, message) => task.progress({ fraction, message }),
      onEnqueue: (child, args, options) => task.enqueue(child, args, options),
      durable: () => task.durable(),
    };
  }
  return {
    onLog: (message, level, extra) => taskLog(message, { level, extra }),
    onProgress: (fraction, message) => reportProgress(fraction, message),
    onEnqueue: (child, args, options) => enqueue(child, args, options),
    durable: () => {
      throw new Error("step() and the waits work only in a task run by the engine: this call of the task function has no run to record them on");
    },
  };
}

/** A worker message that is an attempt's call: answerAttemptCall carries it out. */
export type AttemptCall = ProgressRequest | EnqueueRequest | DurableRequest;

const ATTEMPT_CALLS: ReadonlySet<string> = new Set<AttemptCall["type"]>(["progress", "enqueue", "journal", "recordStep", "finishedRuns", "suspend"]);

/** Whether a worker message is an attempt's call that needs answerAttemptCall. */
export function isAttemptCall(message: WorkerMessage): message is AttemptCall {
  return ATTEMPT_CALLS.has(message.type);
}

/**
 * Carries out an attempt's call and, for enqueue, posts the answer with `reply`. `calls` is undefined
 * when the attempt that made the call has already settled: its progress is dropped and its enqueue
 * refused, so the worker's promise still settles.
 */
export function answerAttemptCall(message: AttemptCall, calls: AttemptCalls | undefined, reply: (answer: HostMessage) => void): void {
  if (message.type !== "progress" && message.type !== "enqueue") return answerDurable(message, calls, reply);
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
  if (!calls?.onEnqueue) {
    refuse(new Error(`enqueue("${message.task}") came from a task attempt that has already ended (returned, failed, timed out or was cancelled): nothing was enqueued`));
    return;
  }
  let answer: Promise<string>;
  try {
    answer = calls.onEnqueue(message.task, message.args, message.options);
  } catch (error) {
    refuse(error);
    return;
  }
  answer.then((taskId) => reply({ type: "enqueued", requestId, taskId }), refuse);
}

/**
 * A step or wait of an attempt, carried out through the attempt's journal sink; answered with the
 * host clock's now, which the worker's journal keeps to. A call from an attempt that has ended is
 * refused (a suspend from it is dropped), so the worker's code does not go on past it.
 */
function answerDurable(message: DurableRequest, calls: AttemptCalls | undefined, reply: (answer: HostMessage) => void): void {
  let durable: DurableScope;
  try {
    if (!calls?.durable) throw new Error(`A step or wait came from a task attempt that has already ended (returned, failed, timed out, was cancelled or is waiting): nothing was recorded`);
    durable = calls.durable();
  } catch (error) {
    if (message.type !== "suspend") reply({ type: "durableFailed", requestId: message.requestId, error: serializeError(error) });
    return;
  }
  const { sink } = durable;
  if (message.type === "suspend") return sink.suspend(message.waitingFor);
  const { requestId } = message;
  const answer = (build: () => Promise<DurableAnswer> | DurableAnswer): void => {
    Promise.resolve().then(build).then(reply, (error: unknown) => reply({ type: "durableFailed", requestId, error: serializeError(error) }));
  };
  switch (message.type) {
    case "journal":
      return answer(() => ({ type: "journalOpened", requestId, steps: [...durable.steps], attempt: durable.attempt, now: sink.now() }));
    case "recordStep":
      return answer(async () => {
        await sink.record(message.entry, message.durable);
        return { type: "stepRecorded", requestId, now: sink.now() };
      });
    case "finishedRuns":
      return answer(async () => ({ type: "runsChecked", requestId, runs: (await sink.finishedRuns(message.taskIds)) ?? null, now: sink.now() }));
  }
}
