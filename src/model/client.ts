/**
 * The one interface to Taskflow's tasks. TaskManager implements it; the extension's views,
 * commands and panels, the exported API, the CLI and the HTTP API use it and nothing narrower.
 *
 * Reads are `Awaitable`: the local engine answers them synchronously, a backend across the network
 * (BullMQ on Redis) with a promise. Code that must work on both awaits them.
 */
import type { AuditActor, AuditEntry, AuditQuery } from "./audit";
import type { RetryOptions } from "./durable";
import type { Event, LifecycleEvent, LogEvent, ProgressEvent, RegistryChangeEvent } from "./events";
import type { Metrics } from "./metrics";
import type { ScheduleInfo, ScheduleOptions, ScheduleSpec } from "./schedules";
import type { ThroughputBucket, ThroughputQuery } from "./throughput";
import type { AddTaskOptions, AddTasksItem, ListTasksQuery, QueueOptions } from "./schemas";
import type { RegisteredTask, TaskHandle } from "./taskFunction";
import type { TaskRecord } from "./taskRecord";

export type Awaitable<T> = T | Promise<T>;

/** Options of `clearHistory`. */
export interface ClearHistoryOptions {
  /** Only finished tasks created before this time. @default every finished task */
  olderThan?: Date;
}

/** A queue's settings and what it holds now (`listQueues`). */
export interface QueueInfo {
  name: string;
  /** Runs of the queue in progress at once; null: only the manager's `maxConcurrentTasks`. */
  concurrency: number | null;
  /** Pending tasks the queue may hold; null: no limit. */
  maxSize: number | null;
  /** Whether starts are held: a paused queue starts nothing new, running tasks go on. */
  paused: boolean;
  /** At most `max` starts per `perSeconds` seconds; null: no limit. */
  rateLimit: { max: number; perSeconds: number } | null;
  /** Tasks waiting to start: ready, delayed (delay or runAt) or waiting for their function to register. */
  pending: number;
  /** Runs in progress, including ones waiting for their next retry. */
  running: number;
}

/** The flow-control rules of a task function (its config's `concurrency`, `rateLimit`, `debounce`). */
export type FlowRule = "concurrency" | "rateLimit" | "debounce";

/** One key of a task function that has flow control per key, and what it holds now (`listKeys`). */
export interface KeyInfo {
  /** The key: the value at the rule's key path ("" for runs where that value is missing). */
  key: string;
  /** Runs of this key in progress (waiting runs not counted). */
  running: number;
  /** Runs of this key pending, held or not. */
  pending: number;
  /** Pending runs of this key that could start but for a rule of their key. */
  held: number;
  /** Starts of this key inside the current rate-limit window; 0 without a rateLimit. */
  recentStarts: number;
}

/** Why a pending run has not started although its queue had room: a rule of its key. */
export type FlowHold =
  | { rule: "concurrency"; key: string; running: number; limit: number }
  | { rule: "rateLimit"; key: string; max: number; perSeconds: number; /** ISO time the window has room again. */ until: string }
  | { rule: "debounce"; key: string; /** ISO time the run may start. */ until: string; /** Adds this run has taken. */ adds: number };

/** Options of `retryFailed`; filters combine with AND. */
export interface RetryFailedOptions {
  /** Only tasks created at or after this time: a Date or an ISO 8601 string. @default every time */
  since?: Date | string;
  /** Only tasks of this function. @default every function */
  funcName?: string;
}

export interface TaskflowClient {
  /** Task functions that can be run now. */
  registeredTasks(): RegisteredTask[];
  /**
   * Enqueues a run; resolves with its id. With an idempotency key held by a task that is not
   * failed, interrupted or rejected, resolves with that task's id and enqueues nothing.
   * Rejects with UnknownFunctionError for a name nothing registered, ValidationError for bad input,
   * QueueFullError when its queue holds `maxSize` pending tasks (the run is then stored as rejected).
   */
  addTask(task: TaskHandle | string, args?: unknown[], options?: AddTaskOptions): Promise<string>;
  /**
   * Enqueues one run of `task` per item, all saved in one store batch; resolves with their ids in
   * item order. Every item is validated first: a bad one rejects with a ValidationError (or a
   * TypeError for a value JSON cannot carry) naming its index, and nothing is enqueued. An item
   * whose idempotency key is held (by an existing task, or by an earlier item of the same call)
   * gets the holder's id and enqueues nothing. Items beyond a queue's `maxSize` are stored as
   * rejected tasks; their ids are returned like the others (check their status).
   */
  addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]>;
  /** The task, or undefined for an unknown id. */
  getTask(taskId: string): Awaitable<TaskRecord | undefined>;
  /** Filtered, sorted (newest first by default) and paged. */
  listTasks(query?: ListTasksQuery): Awaitable<TaskRecord[]>;
  /** How many tasks match the query's filters (sort, limit and offset ignored). */
  countTasks(query?: ListTasksQuery): Awaitable<number>;
  /** Every function name that has at least one task in the history, sorted. */
  funcNames(): Awaitable<string[]>;
  metrics(): Awaitable<Metrics>;
  /** Resolves with the record once the task is finished; rejects with UnknownTaskError. */
  waitFor(taskId: string): Promise<TaskRecord>;
  /**
   * A new run of a failed, interrupted or rejected task; resolves with its id. Rejects with
   * UnknownTaskError or TaskStateError, or QueueFullError when its queue is full (the new run is then stored as rejected).
   * With `{ resume: true }` (a failed, interrupted or cancelled task) the new run starts with the
   * original's completed steps, so it resumes where the original stopped; `{ fromStep: "fetch#2" }`
   * keeps only the steps recorded before that one (a ValidationError names the run's steps when it
   * has no such step).
   */
  retryTask(taskId: string, options?: RetryOptions): Promise<string>;
  /**
   * Gives the input a waiting run asked for with `waitForInput(name, ...)` and resumes the run.
   * Rejects with a ValidationError naming the field and what was expected when `value` does not
   * match the wait's schema (the run stays waiting), UnknownTaskError for an unknown task, and
   * TaskStateError when the task is not waiting for input `name`. The audit trail records who gave it.
   */
  provideInput(taskId: string, name: string, value: unknown): Promise<void>;
  /**
   * Retries every failed, interrupted or rejected task that matches, oldest first; resolves with the
   * new ids in that order. A task whose function is not registered now is skipped.
   */
  retryFailed(options?: RetryFailedOptions): Promise<string[]>;
  /** Cancels a pending or running task. Rejects with UnknownTaskError, or TaskStateError when it already finished. */
  cancelTask(taskId: string): Promise<void>;
  /** Deletes finished tasks (others are skipped); resolves with how many were deleted. */
  deleteTasks(taskIds: string[]): Awaitable<number>;
  /** Deletes finished tasks (created before `olderThan` when given); resolves with how many. */
  clearHistory(options?: ClearHistoryOptions): Awaitable<number>;
  /**
   * Changes a queue's settings (creating the queue when new) and resolves with its state. Keys left
   * out keep their value, `null` removes a limit. Settings live in memory only. Rejects with a
   * ValidationError for a bad name or setting.
   */
  configureQueue(name: string, options: QueueOptions): Awaitable<QueueInfo>;
  /** Holds the queue's starts: its pending tasks wait, running ones go on. In memory only. */
  pauseQueue(name: string): Awaitable<void>;
  /** Lets a paused queue start tasks again. */
  resumeQueue(name: string): Awaitable<void>;
  /** Every queue that is configured, paused or holds tasks ("default" always), sorted by name. */
  listQueues(): Awaitable<QueueInfo[]>;
  /**
   * The keys of `funcName` (a function with `concurrency`, `rateLimit` or `debounce` in its config)
   * that have runs pending or running or recent starts, busiest first (running, then held, then
   * pending); at most `limit`. Empty for a function without flow control. @default limit 20
   */
  listKeys(funcName: string, options?: { limit?: number }): Awaitable<KeyInfo[]>;
  /** The pending runs held by a rule of their key now, by task id. */
  flowHolds(): Awaitable<Record<string, FlowHold>>;
  /** Every schedule (of `manager.schedule()` and of tasks' `schedule` config), soonest next slot first, paused ones last. */
  listSchedules(): Awaitable<ScheduleInfo[]>;
  /**
   * Runs `task` by itself on `spec` (see ScheduleSpec), each run a normal task with the schedule's id;
   * persisted. Resolves with the schedule's id. Rejects with a ValidationError for a spec or time
   * zone that does not parse, UnknownFunctionError for a name nothing registered.
   */
  schedule(task: TaskHandle | string, spec: ScheduleSpec, options?: ScheduleOptions): Promise<string>;
  /** Holds a schedule: no slot fires until resumeSchedule. Rejects with UnknownScheduleError for an unknown id (as do the three below). */
  pauseSchedule(scheduleId: string): Promise<void>;
  /** Lets a paused schedule fire again, from the first slot after now. */
  resumeSchedule(scheduleId: string): Promise<void>;
  /** Deletes a schedule; the tasks it enqueued stay. */
  removeSchedule(scheduleId: string): Promise<void>;
  /**
   * Fires a schedule once now, as a slot would (the run gets its scheduleId; lastRunAt and lastTaskId
   * are updated, the next slot stays); resolves with the task's id. Fires a paused schedule too.
   */
  runScheduleNow(scheduleId: string): Promise<string>;
  /**
   * The audit trail, newest first: `limit` (default 100, at most 1000) entries after `offset`. The
   * store keeps the newest 10,000 (AUDIT_MAX_ENTRIES). Rejects with a ValidationError for a bad page.
   */
  audit(query?: AuditQuery): Awaitable<AuditEntry[]>;
  /**
   * Finished tasks per minute or hour (UTC buckets of their endTime) by outcome, oldest bucket first,
   * empty buckets included, up to the bucket holding now; at most THROUGHPUT_MAX_BUCKETS buckets.
   * Rejects with a ValidationError for a bad bucket, since or funcName.
   */
  throughput(query: ThroughputQuery): Awaitable<ThroughputBucket[]>;
  /**
   * The same client, recording `actor` in the audit trail for what is done through it (the
   * extension acts as "vscode", the CLI as "cli", the HTTP API as "http"; the default is "api").
   */
  actingAs(actor: AuditActor): TaskflowClient;
  readonly onLifecycle: Event<LifecycleEvent>;
  readonly onLog: Event<LogEvent>;
  /** Fired each time a running task reports progress (reportProgress). */
  readonly onProgress: Event<ProgressEvent>;
  readonly onDidChangeRegistry: Event<RegistryChangeEvent>;
}
