/**
 * The worker's side of what a task attempt asks of the host: reportProgress(), enqueue(), and the
 * requests of its steps and waits (workerJournal.ts), with the host's answers. The host's side is
 * attemptCalls.ts.
 */
import type { StepRecord, WaitingFor } from "../model/durable";
import type { TaskDict, TaskProgress } from "../model/fields";
import type { AddTaskOptions } from "../model/schemas";
import { deserializeError, type DurableAnswer, type HostMessage, type WorkerMessage } from "./workerProtocol";

/** An answer the host sends to one request, by its `requestId`. */
type Answer = Extract<HostMessage, { requestId: number }>;

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/** What the host answers a journal request with: the run's steps, the attempt, and the host clock's now (epoch ms). */
export type JournalStart = Omit<Extract<DurableAnswer, { type: "journalOpened" }>, "type" | "requestId">;

/** Requests of the attempts in one worker; `runId()` names the attempt the calling code belongs to. */
export class WorkerRequests {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (message: WorkerMessage) => void,
    readonly runId: () => number | undefined,
  ) {}

  progress(progress: TaskProgress): void {
    this.post({ type: "progress", runId: this.runId(), fraction: progress.fraction, message: progress.message });
  }

  async enqueue(task: string, args: unknown[], options: AddTaskOptions): Promise<string> {
    let answer: Answer;
    try {
      answer = await this.request((requestId) => ({ type: "enqueue", runId: this.runId(), requestId, task, args, options }));
    } catch (error) {
      // postMessage refuses what structured clone cannot copy (a function, a class instance with private state).
      if (error instanceof CloneError) throw new TypeError(`enqueue("${task}") arguments and options must be JSON-serialisable: ${error.message}`);
      throw error;
    }
    return expect(answer, "enqueued").taskId;
  }

  /** The steps of attempt `runId` as the host has them, when its first step or wait is reached. */
  async openJournal(runId: number | undefined): Promise<JournalStart> {
    const { steps, attempt, now } = expect(await this.request((requestId) => ({ type: "journal", runId, requestId })), "journalOpened");
    return { steps, attempt, now };
  }

  /** Stores `entry` on the run; resolves with the host's now once it is stored. */
  async recordStep(runId: number | undefined, entry: StepRecord): Promise<number> {
    return expect(await this.request((requestId) => ({ type: "recordStep", runId, requestId, entry })), "stepRecorded").now;
  }

  /** The runs' dicts once all are finished (null while any is not), and the host's now. */
  async finishedRuns(runId: number | undefined, taskIds: string[]): Promise<{ runs: TaskDict[] | null; now: number }> {
    const { runs, now } = expect(await this.request((requestId) => ({ type: "finishedRuns", runId, requestId, taskIds })), "runsChecked");
    return { runs, now };
  }

  /** Tells the host that attempt `runId` waits for `waitingFor`: it is over here. */
  suspend(runId: number | undefined, waitingFor: WaitingFor): void {
    this.post({ type: "suspend", runId, waitingFor });
  }

  /** Settles the request a host answer is for; false for a message that is no such answer. */
  answer(message: HostMessage): boolean {
    if (!("requestId" in message)) return false;
    const pending = this.pending.get(message.requestId);
    if (!pending) return true;
    this.pending.delete(message.requestId);
    if (message.type === "enqueueFailed" || message.type === "durableFailed") pending.reject(deserializeError(message.error));
    else pending.resolve(message);
    return true;
  }

  private request(message: (requestId: number) => WorkerMessage): Promise<Answer> {
    const requestId = this.nextRequestId++;
    try {
      this.post(message(requestId));
    } catch (error) {
      return Promise.reject(new CloneError((error as Error).message));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
    });
  }
}

/** postMessage could not copy a request. */
class CloneError extends Error {}

/** The answer as the type the request expects; a mismatch is a bug in the host. */
function expect<T extends Answer["type"]>(answer: Answer, type: T): Extract<Answer, { type: T }> {
  if (answer.type !== type) throw new Error(`The host answered a "${type}" request with "${answer.type}": the worker and the host are from different builds`);
  return answer as Extract<Answer, { type: T }>;
}
