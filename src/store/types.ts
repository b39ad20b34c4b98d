/**
 * Persistence behind one interface. Every store (sql.js on disk, in memory) passes the same
 * conformance suite in test/unit/storeConformance.test.ts.
 *
 * Reads and writes are synchronous (sql.js works in memory); durability is asynchronous: a write is
 * on disk within `flushIntervalMs` of being made, and `flush()` forces it.
 */
import type { AuditEntry, AuditQuery, ListTasksQuery, Metrics, ScheduleData, TaskData, TaskStatus, ThroughputBucket, ThroughputRange, Timers } from "../model";

/** A task object its owner keeps changing (the engine's TaskRecord): its id and status now, its data on demand. */
export interface LiveTask {
  readonly taskId: string;
  readonly status: TaskStatus;
  /** Its data now; may share arrays and objects with the task. */
  toData(): TaskData;
}

export interface TaskStore {
  /** Opens the database (creating it, migrating it, replaying any journal). */
  open(): Promise<void>;
  /** Flushes and closes. Further calls are errors. */
  close(): Promise<void>;
  /** Resolves once every write made before the call is durable. */
  flush(): Promise<void>;

  /**
   * Throws a StoreWriteError (saying the disk is full or the folder read-only, and what to do) while
   * changes cannot be made durable because the last write to disk failed; returns at once otherwise.
   * Adds call it first, so they refuse what could not be kept instead of acknowledging it. Stores
   * that keep nothing on disk leave it out.
   */
  assertWritable?(): void;
  /** Inserts or replaces a task, every field but `logs` (those only grow, through appendLogs). */
  saveTask(task: TaskData): void;
  /** saveTask for each task, in order, as one batch (one transaction in a database). */
  saveTasks(tasks: readonly TaskData[]): void;
  /**
   * saveTasks for tasks whose objects the caller keeps and changes: the store may read each one
   * (`toData()`) when it writes it, within `flushIntervalMs`, rather than copy it now, so a task saved
   * several times before then is read once. The caller saves a task again after every change to be
   * stored; a change it made without saving may be stored with the next write. Stores without it get
   * saveTasks of each `toData()`.
   */
  saveLive?(tasks: readonly LiveTask[]): void;
  /** Appends log lines to a task. */
  appendLogs(taskId: string, lines: string[]): void;
  /** A task with its logs, or undefined. */
  getTask(taskId: string): TaskData | undefined;
  /**
   * Filtered, sorted and paged: newest first (createdAt, then taskId, descending) unless `query.sort`
   * says otherwise. Ties are broken by taskId in the sort's direction; under `duration`, tasks without
   * one sort last in either order; `status` sorts in ALL_STATUSES order (running, pending, failed,
   * interrupted, rejected, cancelled, success) ascending. Text compares by code point. Logs are
   * included unless `query.withLogs` is false (then `logs` is empty and the logs are not read).
   * Throws a ValidationError for a malformed query.
   */
  listTasks(query?: ListTasksQuery): TaskData[];
  /** How many tasks match the query's filters (sort, withLogs, limit and offset ignored). Validates like listTasks. */
  countTasks(query?: ListTasksQuery): number;
  /** Every task in one of these statuses, oldest first (recovery at start). */
  tasksWithStatus(statuses: TaskStatus[]): TaskData[];
  /** The newest task holding this idempotency key. */
  findByIdempotencyKey(key: string): TaskData | undefined;
  /** Deletes tasks and their logs; returns how many were deleted. */
  deleteTasks(taskIds: string[]): number;
  /** Deletes finished tasks created before the time (epoch ms), or all finished ones; returns the count. */
  clearFinished(createdBefore?: number): number;
  /** Counts per status (every status of the model, rejected included) and duration figures over the whole store. */
  metrics(): Metrics;
  /** Distinct function names that have at least one task, sorted by code point. */
  funcNames(): string[];

  /** Inserts or replaces a schedule (by scheduleId). */
  saveSchedule(schedule: ScheduleData): void;
  /** Deletes a schedule; an unknown id changes nothing. Its tasks stay. */
  deleteSchedule(scheduleId: string): void;
  /** Every schedule, by scheduleId. */
  listSchedules(): ScheduleData[];

  /** Appends an entry to the audit trail; beyond AUDIT_MAX_ENTRIES (10,000) entries the oldest are dropped. */
  appendAudit(entry: AuditEntry): void;
  /** A page of the audit trail, newest (last appended) first. */
  listAudit(query: Required<AuditQuery>): AuditEntry[];
  /**
   * Finished tasks whose endTime falls in each bucket of the range, by final status: every bucket,
   * oldest first, empty ones included.
   */
  throughput(range: ThroughputRange): ThroughputBucket[];
}

export interface SqlJsStoreOptions {
  /** The database file. Its folder is created when missing. */
  dbPath: string;
  /** Finished records kept; the oldest beyond this are deleted. @default 10000 */
  maxRecords?: number;
  /** How long a write may wait before it is written to disk, in ms. @default 50 */
  flushIntervalMs?: number;
  /** Told when a corrupt file was moved aside, and of other recoverable problems. @default console.warn */
  onWarning?: (message: string) => void;
  /**
   * Journal size, in bytes, past which the journal is folded into the database file by a worker
   * thread (and at open and close in any case). @default 16777216 (16 MiB)
   */
  journalFoldBytes?: number;
  /**
   * What opens the database, named in the error a second writer gets ("a VS Code window", "taskflow run").
   * @default "a node process (<script>)"
   */
  lockOwner?: string;
  /** Timers used to schedule journal writes; tests pass fake ones. @default the global setTimeout/clearTimeout */
  timers?: Timers;
}
