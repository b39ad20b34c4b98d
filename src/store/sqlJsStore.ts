import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Database, SqlJsStatic } from "sql.js";
import {
  fromColumns, isFinished, journalRowToColumns, systemTimers,
  type AuditEntry, type AuditQuery, type ListTasksQuery, type Metrics, type ScheduleData, type TaskData, type TaskStatus,
  type ThroughputBucket, type ThroughputRange, type Timers,
} from "../model";
import { nextAuditSeq, readAudit } from "./auditRows";
import { WriteBuffer, bufferedRow, type ApplySink } from "./writeBuffer";
import { readThroughput } from "./throughputRows";
import { ApplyBatches, MAX_APPLY_ENTRIES } from "./applyBatches";
import { compactDatabaseFile, pageCounts, writeDatabaseImage } from "./compaction";
import { fileImage } from "./databaseImage";
import { JournalApplier, type JournalOp } from "./journalOps";
import { JournalWriter, errorText } from "./journalWriter";
import { openDatabaseFile } from "./databaseFile";
import { PreparedReads } from "./preparedReads";
import { DatabaseLock } from "./databaseLock";
import { copySchedule, readSchedules } from "./scheduleRows";
import { FINISHED_SQL } from "./schema";
import { checkStoreOptions } from "./storeOptions";
import { openError } from "./storeWriteError";
import { loadSqlJs } from "./sqlJsLoader";
import { SELECT_COLUMNS, column, orderByClause, readMetrics, scalar, selectTasks, whereClause } from "./sqlQueries";
import { DEFAULT_MAX_RECORDS, resolveQuery } from "./taskQuery";
import type { LiveTask, SqlJsStoreOptions, TaskStore } from "./types";

/**
 * Rows buffered by saveTask past which all buffered rows are applied before the flush timer fires:
 * bounds the buffer while adds outrun the timer and the runs. Live tasks' rows (saveLive) do not count.
 */
const MAX_BUFFERED_ROWS = 16 * MAX_APPLY_ENTRIES;
/** Journal size past which it is folded into the database file by a worker. */
const DEFAULT_FOLD_BYTES = 16 * 1024 * 1024;
/**
 * Half the promise that a change is on disk within 100 ms of being acknowledged: the other half is
 * for the write and its datasync, which on a busy machine take tens of ms.
 */
const DEFAULT_FLUSH_INTERVAL_MS = 50;

/**
 * The task store on disk: an sql.js database plus an append-only journal `<dbPath>.journal`, folded
 * into the database file at open, past a size threshold (both in a worker thread) and at close.
 *
 * The journal is the durable record and the database a view of it, updated in batches: changes are
 * buffered (a WriteBuffer) and, at each flush timer, journalled; finished tasks' rows, log lines and
 * audit entries are applied then too, while an unfinished task's row stays buffered until it finishes.
 * So a task is one row write of its final state however many flush intervals it spans, and one
 * journal line when it is added, run and finished within one. When entries of finished tasks, logs
 * and audit pile up before the timer (adds outrunning it) past what one apply does within its time
 * budget (ApplyBatches), those are applied early. Reads see the buffer: getTask reads it, the SQL
 * reads apply it first.
 */
export class SqlJsStore implements TaskStore {
  private readonly dbPath: string;
  private readonly maxRecords: number;
  private readonly flushIntervalMs: number;
  private readonly warn: (message: string) => void;
  private readonly timers: Timers;
  private readonly journal: JournalWriter;
  private readonly lockOwner: string | undefined;
  /** Held from open until close: this store is the database's one writer. */
  private lock: DatabaseLock | undefined;
  /** Pages of the database as its file was when opened: what close measures the session's growth from. */
  private openedPages = 0;

  private SQL: SqlJsStatic | undefined;
  private db: Database | undefined;
  private applier: JournalApplier | undefined;
  private reads: PreparedReads | undefined;
  private state: "new" | "opening" | "open" | "closed" = "new";

  private readonly pending = new WriteBuffer();
  private readonly batches = new ApplyBatches();
  /** The position of the next audit entry; read from the database at open. */
  private nextAuditSeq = 1;
  /** Next log position per task that logged lately; dropped when the task finishes. */
  private readonly nextSeq = new Map<string, number>();
  /**
   * At least the number of finished tasks in the database (Infinity until retention has counted
   * them): while it plus the buffered rows stays within maxRecords, applying them deletes nothing.
   */
  private finishedAtMost = Number.POSITIVE_INFINITY;
  private flushTimer: unknown;

  constructor(options: SqlJsStoreOptions) {
    if (typeof options?.dbPath !== "string" || options.dbPath === "") {
      throw new TypeError(`SqlJsStore needs options.dbPath, the database file path; got ${JSON.stringify(options?.dbPath)}`);
    }
    this.dbPath = path.resolve(options.dbPath);
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    const foldBytes = options.journalFoldBytes ?? DEFAULT_FOLD_BYTES;
    this.timers = options.timers ?? systemTimers;
    this.lockOwner = options.lockOwner;
    this.warn = options.onWarning ?? ((message) => console.warn(`[taskflow store] ${message}`));
    checkStoreOptions(options, { maxRecords: this.maxRecords, flushIntervalMs: this.flushIntervalMs, foldBytes });
    this.journal = new JournalWriter({
      dbPath: this.dbPath,
      foldBytes,
      retryMs: this.flushIntervalMs,
      warn: this.warn,
      onWriteFailed: () => this.scheduleFlush(),
      exportImage: () => this.exportImage(),
    });
  }

  async open(): Promise<void> {
    if (this.state !== "new") throw new Error(`SqlJsStore.open() called on a store that is ${this.state}: create a new store instead`);
    this.state = "opening";
    try {
      await fsp.mkdir(path.dirname(this.dbPath), { recursive: true });
      this.lock = await DatabaseLock.acquire(this.dbPath, this.lockOwner);
      this.SQL = await loadSqlJs();
      this.db = await openDatabaseFile(this.SQL, this.dbPath, this.warn);
      this.openedPages = pageCounts(this.db).pages;
      this.prepareStatements();
      await this.journal.replayInto(this.applier!);
      this.nextAuditSeq = nextAuditSeq(this.db);
      await this.journal.open();
      this.state = "open";
      this.inTransaction(() => this.enforceRetention());
      await this.journal.foldLeftovers();
    } catch (err) {
      this.state = "closed";
      this.freeDatabase();
      await this.journal.close();
      await this.lock?.release();
      throw openError(this.dbPath, err);
    }
  }

  async close(): Promise<void> {
    this.assertOpen("close");
    await this.flush();
    this.state = "closed";
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer);
    await this.journal.close();
    let compact = false;
    try {
      // The in-memory database holds the file plus every journal, so its image replaces them all.
      this.freeStatements();
      compact = await writeDatabaseImage(this.db!, this.dbPath, this.openedPages);
      await this.journal.removeAll();
    } catch (err) {
      this.warn(`Could not write the task database ${this.dbPath} at close (${errorText(err)}); the journal files beside it are kept and replayed at the next open, so nothing is lost.`);
    } finally {
      this.freeDatabase();
      if (compact) await compactDatabaseFile(this.dbPath, this.warn); // still under the lock, so no store opens the file meanwhile
      await this.lock?.release();
    }
  }

  async flush(): Promise<void> {
    this.assertOpen("flush");
    this.applyPending();
    await this.journal.drain();
  }

  assertWritable(): void {
    const failure = this.journal.writeFailure;
    if (failure) throw failure;
  }

  saveTask(task: TaskData): void {
    this.assertOpen("saveTask");
    this.pending.saveTask(task);
    this.changed();
  }

  /** Buffers them all before applying, so a batch larger than the early-apply limit is still one transaction. */
  saveTasks(tasks: readonly TaskData[]): void {
    this.assertOpen("saveTasks");
    if (tasks.length === 0) return;
    for (const task of tasks) this.pending.saveTask(task);
    this.changed();
  }

  saveLive(tasks: readonly LiveTask[]): void {
    this.assertOpen("saveLive");
    if (tasks.length === 0) return;
    for (const task of tasks) this.pending.saveLive(task);
    this.changed();
  }

  appendLogs(taskId: string, lines: string[]): void {
    this.assertOpen("appendLogs");
    if (lines.length === 0) return;
    this.pending.appendLogs(taskId, lines);
    this.changed();
  }

  getTask(taskId: string): TaskData | undefined {
    this.assertOpen("getTask");
    // One task is read from its buffered row (or the database) plus its buffered log lines, leaving the
    // batch whole (waitFor reads every task just after it is added), unless applying the batch could
    // make retention delete it (it is finished, and fewer finished tasks are older than it than the
    // batch could push beyond maxRecords): then the batch is applied first, as a list would.
    const buffered = this.pending.rows.get(taskId);
    let task = buffered ? fromColumns(journalRowToColumns(bufferedRow(buffered).row)) : this.reads!.task(taskId);
    const excess = this.finishedAtMost + this.pending.rows.size - this.maxRecords;
    if (task && excess > 0 && isFinished(task.status) && this.reads!.finishedBefore(task.createdAt, excess) < excess) {
      this.applyPending();
      task = this.reads!.task(taskId);
    }
    if (!task) return undefined;
    task.logs = this.reads!.logsOf(taskId);
    const lines = this.pending.logs.get(taskId);
    if (lines) task.logs.push(...lines);
    return task;
  }

  listTasks(query: ListTasksQuery = {}): TaskData[] {
    const resolved = resolveQuery(query);
    this.read("listTasks");
    const { where, params } = whereClause(resolved);
    const sql = `SELECT ${SELECT_COLUMNS} FROM tasks t ${where} ${orderByClause(resolved.sort)} LIMIT ? OFFSET ?`;
    return selectTasks(this.db!, sql, [...params, resolved.limit, resolved.offset], resolved.withLogs);
  }

  countTasks(query: ListTasksQuery = {}): number {
    const resolved = resolveQuery(query);
    this.read("countTasks");
    const { where, params } = whereClause(resolved);
    return Number(scalar(this.db!, `SELECT count(*) FROM tasks t ${where}`, params));
  }

  tasksWithStatus(statuses: TaskStatus[]): TaskData[] {
    this.read("tasksWithStatus");
    if (statuses.length === 0) return [];
    return selectTasks(this.db!, `SELECT ${SELECT_COLUMNS} FROM tasks t WHERE status IN (${statuses.map(() => "?").join(",")}) ORDER BY created_at, task_id`, statuses);
  }

  findByIdempotencyKey(key: string): TaskData | undefined {
    this.read("findByIdempotencyKey");
    return selectTasks(this.db!, `SELECT ${SELECT_COLUMNS} FROM tasks t WHERE idempotency_key = ? ORDER BY created_at DESC, task_id DESC LIMIT 1`, [key])[0];
  }

  deleteTasks(taskIds: string[]): number {
    this.read("deleteTasks");
    const unique = [...new Set(taskIds)];
    if (unique.length === 0) return 0;
    return this.inTransaction(() => this.deleteAndJournal(unique));
  }

  clearFinished(createdBefore?: number): number {
    this.read("clearFinished");
    const ids = column(this.db!, `SELECT task_id FROM tasks WHERE status IN ${FINISHED_SQL}${createdBefore === undefined ? "" : " AND created_at < ?"}`,
      createdBefore === undefined ? [] : [createdBefore]);
    if (ids.length === 0) return 0;
    return this.inTransaction(() => this.deleteAndJournal(ids.map(String)));
  }

  metrics(): Metrics {
    this.read("metrics");
    return readMetrics(this.db!);
  }

  funcNames(): string[] {
    this.read("funcNames");
    return column(this.db!, "SELECT DISTINCT func_name FROM tasks ORDER BY func_name", []).map(String);
  }

  saveSchedule(schedule: ScheduleData): void {
    this.applyAndJournal("saveSchedule", { op: "saveSchedule", schedule: copySchedule(schedule) });
  }

  deleteSchedule(scheduleId: string): void {
    this.applyAndJournal("deleteSchedule", { op: "deleteSchedule", scheduleId });
  }

  listSchedules(): ScheduleData[] {
    this.read("listSchedules");
    return readSchedules(this.db!);
  }

  appendAudit(entry: AuditEntry): void {
    this.assertOpen("appendAudit");
    this.pending.appendAudit(this.nextAuditSeq++, entry);
    this.changed();
  }

  listAudit(query: Required<AuditQuery>): AuditEntry[] {
    this.read("listAudit");
    return readAudit(this.db!, query);
  }

  throughput(range: ThroughputRange): ThroughputBucket[] {
    this.read("throughput");
    return readThroughput(this.db!, range);
  }

  /** Applies an operation now, after the buffered ones so the journal keeps their order. */
  private applyAndJournal(method: string, op: JournalOp): void {
    this.read(method);
    this.applier!.apply(op);
    this.journal.push(JSON.stringify(op));
    this.scheduleFlush();
  }

  /** Applies early when the buffer fills before the timer, and then writes the journal at once too. */
  private changed(): void {
    const full = this.pending.copiedRows >= MAX_BUFFERED_ROWS;
    if (full || this.pending.settledSize >= this.batches.limit) {
      this.applyPending(full ? "applyAll" : "applySettled");
      this.journal.writeNow();
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.state !== "open") return;
    this.flushTimer = this.timers.setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state !== "open") return;
      // The journal, not the database, must hold every acknowledged change now (see WriteBuffer.journalUnsettled).
      this.applyPending("applySettled", true);
      this.pending.journalUnsettled(this.journal);
      this.journal.drain().catch(() => undefined); // reported through onWarning, retried by the next timer
    }, this.flushIntervalMs);
  }

  /** Applies and journals all that is buffered, or what an early apply takes, committing when `commit` says (see ApplyBatches). */
  private applyPending(pass: "applyAll" | "applySettled" = "applyAll", commit = pass === "applyAll"): void {
    const sink: ApplySink = { applier: this.applier!, journal: this.journal, nextSeq: this.nextSeq };
    this.batches.apply(this.db!, this.pending, commit, () => {
      if (this.pending[pass](sink)) this.enforceRetention();
    });
  }

  /** Deletes the oldest finished tasks beyond maxRecords. Runs inside a transaction. */
  private enforceRetention(): void {
    const finished = this.reads!.finishedCount();
    const excess = finished - this.maxRecords;
    this.finishedAtMost = Math.min(finished, this.maxRecords);
    if (excess <= 0) return;
    const ids = column(this.db!, `SELECT task_id FROM tasks WHERE status IN ${FINISHED_SQL} ORDER BY created_at, task_id LIMIT ?`, [excess]);
    this.deleteAndJournal(ids.map(String));
  }

  private deleteAndJournal(ids: string[]): number {
    const deleted = this.applier!.delete(ids);
    for (const id of ids) this.nextSeq.delete(id);
    this.journal.push(JSON.stringify({ op: "delete", taskIds: ids } satisfies JournalOp));
    this.scheduleFlush();
    return deleted;
  }

  /** The database as file bytes, every buffered change applied. */
  private exportImage(): Uint8Array {
    this.applyPending();
    // sql.js refuses to export while statements are prepared.
    this.freeStatements();
    try {
      return fileImage(this.db!.export());
    } finally {
      this.prepareStatements();
    }
  }

  private inTransaction<T>(work: () => T): T {
    this.db!.run("BEGIN");
    try {
      const result = work();
      this.db!.run("COMMIT");
      return result;
    } catch (err) {
      this.db!.run("ROLLBACK");
      throw err;
    }
  }

  private read(method: string): void {
    this.assertOpen(method);
    this.applyPending();
  }

  private prepareStatements(): void {
    this.applier = new JournalApplier(this.db!);
    this.reads = new PreparedReads(this.db!);
  }

  private freeStatements(): void {
    this.applier?.free();
    this.applier = undefined;
    this.reads?.free();
    this.reads = undefined;
  }

  private freeDatabase(): void {
    this.freeStatements();
    this.db?.close();
    this.db = undefined;
  }

  private assertOpen(method: string): void {
    if (this.state !== "open") {
      const why = this.state === "closed" ? "closed" : "not opened yet: await open() first";
      throw new Error(`SqlJsStore.${method}() needs an open store, but it is ${why} (${this.dbPath})`);
    }
  }
}
