import { callArguments, runAttempt, retryDecision, Suspended, type AttemptPort, type AttemptTask } from "../core/attempt";
import { errorSummary, toError } from "../core/errors";
import { LogCap } from "../core/logCap";
import { Stopper } from "../core/stopper";
import type { TaskRecord } from "./taskRecord";
import type {
  AddTaskOptions, Clock, LogLevel, RandomSource, StepRecord, TaskConfig, TaskDict, TaskFunction, TaskHandle, TaskProgress, TaskStatus,
} from "../core/types";

/**
 * One execution of a task (all its attempts) in this process. It is also the attempts' port (see
 * AttemptPort) and the task they run (see AttemptTask), so an attempt of a local run allocates
 * neither of its own.
 */
export class TaskRun implements AttemptPort, AttemptTask {
  /** Stopped when the task is cancelled or the engine shuts down; cuts attempts and backoff waits short. */
  readonly stopper = new Stopper();
  /**
   * Set when the manager has taken the record over (cancel, shutdown): from then on the run changes
   * nothing, and whatever the task function eventually returns or throws is ignored.
   */
  detached = false;
  /** 0-based number of the attempt in progress. */
  attempt = 0;
  /** The per-task log cap, counting the lines the record already holds. */
  readonly logCap: LogCap;
  readonly clock: Clock;
  readonly taskId: string;
  readonly funcName: string;
  readonly timeoutSeconds: number | undefined;
  /** The call arguments, set by executeRun before the first attempt. */
  args: readonly unknown[] = [];
  private frozenTags: Readonly<Record<string, string>> | undefined;

  constructor(
    private readonly host: RunHost,
    readonly record: TaskRecord,
    /** The function the run started with; a module reload mid-run does not change it. */
    readonly fn: TaskFunction,
    readonly config: Readonly<TaskConfig>,
  ) {
    this.clock = host.clock;
    this.logCap = new LogCap(host.maxLogLinesPerTask, record.logs.length);
    this.taskId = record.taskId;
    this.funcName = record.funcName;
    this.timeoutSeconds = config.timeout;
  }

  /** A frozen copy of the record's tags, made when a task first reads its context. */
  get tags(): Readonly<Record<string, string>> {
    this.frozenTags ??= Object.freeze({ ...this.record.tags });
    return this.frozenTags;
  }

  recordedSteps(): readonly StepRecord[] {
    return this.record.steps;
  }

  log(message: string, level: LogLevel, extra: Record<string, unknown>, marker: boolean): void {
    this.host.log(this, message, level, extra, marker);
  }

  progress(progress: TaskProgress): void {
    this.host.reportProgress(this, progress);
  }

  enqueueChild(task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string> {
    return this.host.enqueueChild(this, task, args, options);
  }

  recordStep(entry: StepRecord, durable = true): Promise<void> {
    return this.host.recordStep(this, entry, durable);
  }

  finishedRuns(taskIds: readonly string[]): Promise<TaskDict[] | undefined> {
    return this.host.finishedRuns(taskIds);
  }
}

/** What the executor needs from the manager. */
export interface RunHost {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Log lines kept per task; later lines are counted in one marker line. */
  readonly maxLogLinesPerTask: number;
  /** Applies a status change with its field changes: persists it and emits the lifecycle event. */
  transition(run: TaskRun, status: TaskStatus, changes: Partial<TaskRecord>): void;
  /** Appends a log line the cap admitted (a `marker` line is stored verbatim, without a timestamp). */
  log(run: TaskRun, message: string, level: LogLevel, extra: Record<string, unknown>, marker: boolean): void;
  /** enqueue() inside the run: adds a task whose parentId is the run's task; resolves with its id. */
  enqueueChild(run: TaskRun, task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** reportProgress() inside the run, already checked. */
  reportProgress(run: TaskRun, progress: TaskProgress): void;
  /** Stores a step entry on the run's record (flushing the store when `durable`); resolves once stored. Nothing for a detached run. */
  recordStep(run: TaskRun, entry: StepRecord, durable: boolean): Promise<void>;
  /** The runs' dicts in order once all are finished, undefined while any is not; rejects with UnknownTaskError. */
  finishedRuns(taskIds: readonly string[]): Promise<TaskDict[] | undefined>;
  /** The call arguments, decrypted when the record holds an encrypted payload; throws a clear Error when it cannot. */
  resolveArguments(record: TaskRecord): { args: unknown[]; kwargs: Record<string, unknown> };
}

/**
 * Runs a task to its end: its attempts (see runAttempt), the backoff waits between them, and the final
 * status. Returns early, changing nothing more, as soon as the run is detached (cancelled or shut down).
 */
export async function executeRun(host: RunHost, run: TaskRun): Promise<void> {
  const { record, config } = run;
  try {
    run.args = callArguments(host.resolveArguments(record));
  } catch (thrown) {
    const error = toError(thrown);
    const now = new Date(host.clock.now());
    host.transition(run, "failed", { startTime: record.startTime ?? now, endTime: now, error: errorSummary(error), stacktrace: error.stack ?? null });
    return;
  }
  for (;;) {
    if (run.detached) return;
    const attempt = record.retriesUsed;
    run.attempt = attempt;
    // An attempt that recorded steps before is resumed (after a wait or a restart), not retried: no retry marker.
    const resumed = hasStepOf(record.steps, attempt);
    host.transition(run, "running", { startTime: record.startTime ?? new Date(host.clock.now()) });
    let failure: Error | undefined;
    let result: unknown = null;
    try {
      result = await runAttempt(run, run, attempt, resumed);
    } catch (thrown) {
      failure = thrown as Error;
    }
    if (run.detached) return;
    if (result instanceof Suspended) {
      host.transition(run, "waiting", { waitingFor: result.waitingFor });
      return;
    }
    if (!failure) {
      host.transition(run, "success", { endTime: new Date(host.clock.now()), error: null, stacktrace: null, result });
      return;
    }
    const decision = retryDecision(config, attempt, failure, host.random);
    if (!decision.retry) {
      host.transition(run, "failed", { endTime: new Date(host.clock.now()), error: errorSummary(failure), stacktrace: failure.stack ?? null });
      return;
    }
    host.transition(run, "pending", { retriesUsed: attempt + 1, error: errorSummary(failure), stacktrace: failure.stack ?? null });
    try {
      await host.clock.sleep(decision.delayMs, run.stopper.signal);
    } catch {
      return; // cancelled or shut down during the wait: the manager has already settled the record
    }
  }
}

function hasStepOf(steps: readonly StepRecord[], attempt: number): boolean {
  for (const step of steps) if (step.attempt === attempt) return true;
  return false;
}
