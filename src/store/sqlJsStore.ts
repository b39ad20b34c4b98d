import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import type { Database, SqlJsStatic, SqlValue, Statement } from "sql.js";
import { type ListTasksQuery, type Metrics, type TaskData, type TaskStatus } from "../engine/types";
import { writeFileAtomic, syncDir } from "./atomicFile";
import { foldWorkerPath, runFoldWorker } from "./foldRunner";
import { JournalApplier, toJournalRow, type JournalOp, type JournalRow } from "./journalOps";
import { applyPragmas, FINISHED_SQL, migrate } from "./schema";
import { loadSqlJs, sqlWasmPath } from "./sqlJsLoader";
import { COLUMNS, rowToTask, whereClause } from "./sqlQueries";
import { DEFAULT_MAX_RECORDS, MetricsAccumulator, isFinished, paging } from "./taskQuery";
import type { SqlJsStoreOptions, StoreTimers, TaskStore } from "./types";

/** Buffered changes applied to the database at once; bounds the work done inside one call. */
const APPLY_BATCH = 64;
const MAX_FLUSH_INTERVAL_MS = 200;
/** Journal size past which it is folded into the database file by a worker. */
const DEFAULT_FOLD_BYTES = 16 * 1024 * 1024;

/**
 * The task store on disk: an sql.js database (all reads are served from it, in memory) plus an
 * append-only journal `<dbPath>.journal` that makes every change durable within flushIntervalMs
 * without exporting the whole database. The journal is folded into the database file at open (by a
 * worker thread), when it passes a size threshold (worker thread) and at close.
 *
 * Writes are buffered and applied to the database in batches (before any read, every
 * APPLY_BATCH changes, and at each flush), so the several saves of one short task cost one row write.
 */
export class SqlJsStore implements TaskStore {
  private readonly dbPath: string;
  private readonly journalPath: string;
  private readonly maxRecords: number;
  private readonly flushIntervalMs: number;
  private readonly foldBytes: number;
  private readonly warn: (message: string) => void;
  private readonly timers: StoreTimers;

  private SQL: SqlJsStatic | undefined;
  private db: Database | undefined;
  private applier: JournalApplier | undefined;
  private readStatements: { getTask: Statement; logsOf: Statement } | undefined;
  private state: "new" | "opening" | "open" | "closed" = "new";

  private readonly pendingRows = new Map<string, JournalRow>();
  private readonly pendingLogs = new Map<string, string[]>();
  private pendingCount = 0;
  /** Next log position per task that logged lately; dropped when the task finishes. */
  private readonly nextSeq = new Map<string, number>();

  private journalLines: string[] = [];
  private journal: fsp.FileHandle | undefined;
  private journalBytes = 0;
  private writing: Promise<void> | undefined;
  private flushTimer: unknown;
  private folding: Promise<void> | undefined;
  private foldSeq = 0;
  private workerMissingWarned = false;

  constructor(options: SqlJsStoreOptions) {
    if (typeof options?.dbPath !== "string" || options.dbPath === "") {
      throw new TypeError(`SqlJsStore needs options.dbPath, the database file path; got ${JSON.stringify(options?.dbPath)}`);
    }
    this.dbPath = path.resolve(options.dbPath);
    this.journalPath = `${this.dbPath}.journal`;
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.foldBytes = options.journalFoldBytes ?? DEFAULT_FOLD_BYTES;
    this.timers = options.timers ?? { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.warn = options.onWarning ?? ((message) => console.warn(`[taskflow store] ${message}`));
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 0) {
      throw new RangeError(`maxRecords must be a whole number >= 0, got ${String(options.maxRecords)}`);
    }
    if (!(this.flushIntervalMs >= 0 && this.flushIntervalMs <= MAX_FLUSH_INTERVAL_MS)) {
      throw new RangeError(`flushIntervalMs must be between 0 and ${MAX_FLUSH_INTERVAL_MS} ms, got ${String(options.flushIntervalMs)}`);
    }
    if (!(this.foldBytes > 0)) {
      throw new RangeError(`journalFoldBytes must be a positive number of bytes, got ${String(options.journalFoldBytes)}`);
    }
  }

  async open(): Promise<void> {
    if (this.state !== "new") throw new Error(`SqlJsStore.open() called on a store that is ${this.state}: create a new store instead`);
    this.state = "opening";
    try {
      await fsp.mkdir(path.dirname(this.dbPath), { recursive: true });
      this.SQL = await loadSqlJs();
      this.db = await this.loadDatabase(this.SQL);
      this.prepareStatements();
      await this.replayJournals();
      this.journal = await fsp.open(this.journalPath, "w");
      this.journalBytes = 0;
      await syncDir(path.dirname(this.dbPath));
      this.state = "open";
      this.inTransaction(() => this.enforceRetention());
      if ((await this.foldJournalPaths()).length > 0) this.startFold();
    } catch (err) {
      this.state = "closed";
      this.freeDatabase();
      await this.journal?.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.assertOpen("close");
    await this.flush();
    this.state = "closed";
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer);
    await this.folding;
    await this.journal?.close();
    this.journal = undefined;
    try {
      // The in-memory database holds the file plus every journal, so its image replaces them all.
      this.freeStatements();
      const image = this.db!.export();
      await writeFileAtomic(this.dbPath, image);
      for (const journal of [...(await this.foldJournalPaths()), this.journalPath]) await fsp.rm(journal, { force: true });
      await syncDir(path.dirname(this.dbPath));
    } catch (err) {
      this.warn(`Could not write the task database ${this.dbPath} at close (${errorText(err)}); the journal files beside it are kept and replayed at the next open, so nothing is lost.`);
    } finally {
      this.freeDatabase();
    }
  }

  async flush(): Promise<void> {
    this.assertOpen("flush");
    this.applyPending();
    await this.drainJournal();
  }

  saveTask(task: TaskData): void {
    this.assertOpen("saveTask");
    this.pendingRows.set(task.taskId, toJournalRow(task));
    this.changed(1);
  }

  appendLogs(taskId: string, lines: string[]): void {
    this.assertOpen("appendLogs");
    if (lines.length === 0) return;
    const pending = this.pendingLogs.get(taskId);
    if (pending) pending.push(...lines);
    else this.pendingLogs.set(taskId, lines.slice());
    this.changed(1);
  }

  getTask(taskId: string): TaskData | undefined {
    this.read("getTask");
    const stmt = this.readStatements!.getTask;
    stmt.bind([taskId]);
    try {
      if (!stmt.step()) return undefined;
      const task = rowToTask(stmt.get());
      task.logs = this.logsOf(taskId);
      return task;
    } finally {
      stmt.reset();
    }
  }

  listTasks(query: ListTasksQuery = {}): TaskData[] {
    this.read("listTasks");
    const { limit, offset } = paging(query);
    const { where, params } = whereClause(query);
    return this.selectTasks(`SELECT ${COLUMNS} FROM tasks t ${where} ORDER BY created_at DESC, task_id DESC LIMIT ? OFFSET ?`, [...params, limit, offset]);
  }

  countTasks(query: ListTasksQuery = {}): number {
    this.read("countTasks");
    const { where, params } = whereClause(query);
    return Number(this.scalar(`SELECT count(*) FROM tasks t ${where}`, params));
  }

  tasksWithStatus(statuses: TaskStatus[]): TaskData[] {
    this.read("tasksWithStatus");
    if (statuses.length === 0) return [];
    return this.selectTasks(`SELECT ${COLUMNS} FROM tasks WHERE status IN (${statuses.map(() => "?").join(",")}) ORDER BY created_at, task_id`, statuses);
  }

  findByIdempotencyKey(key: string): TaskData | undefined {
    this.read("findByIdempotencyKey");
    return this.selectTasks(`SELECT ${COLUMNS} FROM tasks WHERE idempotency_key = ? ORDER BY created_at DESC, task_id DESC LIMIT 1`, [key])[0];
  }

  deleteTasks(taskIds: string[]): number {
    this.read("deleteTasks");
    const unique = [...new Set(taskIds)];
    if (unique.length === 0) return 0;
    return this.inTransaction(() => this.deleteAndJournal(unique));
  }

  clearFinished(createdBefore?: number): number {
    this.read("clearFinished");
    const ids = this.column(`SELECT task_id FROM tasks WHERE status IN ${FINISHED_SQL}${createdBefore === undefined ? "" : " AND created_at < ?"}`,
      createdBefore === undefined ? [] : [createdBefore]);
    if (ids.length === 0) return 0;
    return this.inTransaction(() => this.deleteAndJournal(ids.map(String)));
  }

  metrics(): Metrics {
    this.read("metrics");
    const acc = new MetricsAccumulator();
    const stmt = this.db!.prepare("SELECT status, n, duration_n, duration_sum_ms FROM status_counts");
    try {
      while (stmt.step()) {
        const [status, n, durationN, durationSumMs] = stmt.get() as [TaskStatus, number, number, number];
        acc.addCount(status, n);
        if (isFinished(status)) acc.addDurations(durationSumMs, durationN);
      }
    } finally {
      stmt.free();
    }
    return acc.result();
  }

  funcNames(): string[] {
    this.read("funcNames");
    return this.column("SELECT DISTINCT func_name FROM tasks ORDER BY func_name", []).map(String);
  }

  // ---- database file and journal

  private async loadDatabase(SQL: SqlJsStatic): Promise<Database> {
    let bytes: Buffer | undefined;
    try {
      bytes = await fsp.readFile(this.dbPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`Could not read the task database ${this.dbPath}: ${errorText(err)}`);
    }
    if (bytes !== undefined && bytes.length > 0) {
      let db: Database | undefined;
      try {
        if (!bytes.subarray(0, 16).equals(Buffer.from("SQLite format 3\0", "latin1"))) {
          throw new Error("it does not start with the SQLite header");
        }
        db = new SQL.Database(bytes);
        applyPragmas(db);
        migrate(db);
        return db;
      } catch (err) {
        db?.close();
        if (err instanceof Error && err.message.includes("newer than")) throw err;
        const aside = `${this.dbPath}.corrupt-${Date.now()}`;
        await fsp.rename(this.dbPath, aside);
        this.warn(`The task database ${this.dbPath} could not be read (${errorText(err)}). It was moved to ${aside} and a new, empty database was started; the journal, if any, is replayed into it.`);
      }
    }
    const db = new SQL.Database();
    applyPragmas(db);
    migrate(db);
    return db;
  }

  /** Applies rotated journals left by an unfinished fold, then the journal; the latter becomes a rotated one. */
  private async replayJournals(): Promise<void> {
    const journals = await this.foldJournalPaths();
    if (existsSync(this.journalPath)) journals.push(this.journalPath);
    for (const journal of journals) {
      const bad = this.applier!.applyText(await fsp.readFile(journal, "utf8"));
      if (bad.length > 0) {
        const aside = `${journal}.corrupt-${Date.now()}`;
        await fsp.writeFile(aside, bad.map((b) => b.line).join("\n") + "\n");
        this.warn(`Skipped ${bad.length} unreadable line(s) of the task journal ${journal} (first: ${bad[0].reason}); the other lines were applied. The skipped lines are kept in ${aside}.`);
      }
    }
    if (existsSync(this.journalPath)) await fsp.rename(this.journalPath, this.nextFoldPath());
  }

  private nextFoldPath(): string {
    return `${this.dbPath}.journal.fold-${String(Date.now()).padStart(15, "0")}-${String(this.foldSeq++).padStart(6, "0")}`;
  }

  /** Rotated journals waiting to be folded, oldest first. */
  private async foldJournalPaths(): Promise<string[]> {
    const prefix = `${path.basename(this.dbPath)}.journal.fold-`;
    const names = await fsp.readdir(path.dirname(this.dbPath));
    return names.filter((n) => n.startsWith(prefix) && !n.includes(".corrupt-")).sort().map((n) => path.join(path.dirname(this.dbPath), n));
  }

  private changed(count: number): void {
    this.pendingCount += count;
    if (this.pendingCount >= APPLY_BATCH) this.applyPending();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.state !== "open") return;
    this.flushTimer = this.timers.setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state !== "open") return;
      this.applyPending();
      this.drainJournal().catch(() => undefined); // reported through onWarning, retried by the next timer
    }, this.flushIntervalMs);
  }

  /** Writes the buffered journal lines, one batch at a time, until none is left. Rejects when a write fails. */
  private async drainJournal(): Promise<void> {
    for (;;) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (this.journalLines.length === 0) return;
      this.writing = this.writeBatch().finally(() => { this.writing = undefined; });
    }
  }

  private async writeBatch(): Promise<void> {
    const lines = this.journalLines;
    this.journalLines = [];
    const bytes = Buffer.from(lines.join("\n") + "\n");
    try {
      // Positioned writes: after a partial write the retry overwrites the torn tail.
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.journal!.write(bytes, written, bytes.length - written, this.journalBytes + written);
        written += bytesWritten;
      }
      await this.journal!.datasync();
      this.journalBytes += bytes.length;
    } catch (err) {
      this.journalLines = lines.concat(this.journalLines);
      this.warn(`Could not write the task journal ${this.journalPath} (${errorText(err)}). ${lines.length} change(s) are kept in memory and written again in ${this.flushIntervalMs} ms; free some disk space if it is full.`);
      this.scheduleFlush();
      throw err;
    }
    if (this.journalBytes >= this.foldBytes && !this.folding) await this.rotateAndFold();
  }

  private async rotateAndFold(): Promise<void> {
    await this.journal!.close();
    this.journal = undefined;
    await fsp.rename(this.journalPath, this.nextFoldPath());
    this.journal = await fsp.open(this.journalPath, "w");
    this.journalBytes = 0;
    await syncDir(path.dirname(this.dbPath));
    this.startFold();
  }

  /** Folds rotated journals into the file in a worker thread; falls back to this thread without one. */
  private startFold(): void {
    const workerPath = foldWorkerPath();
    const run = async (): Promise<void> => {
      const journalPaths = await this.foldJournalPaths();
      if (journalPaths.length === 0) return;
      if (!workerPath) {
        if (!this.workerMissingWarned) {
          this.workerMissingWarned = true;
          this.warn(`The store's fold worker (storeFoldWorker.js) is missing beside ${__dirname}; folding the journal on the main thread instead, which pauses it while the database is exported. Rebuild to restore the worker.`);
        }
        await this.foldHere(journalPaths);
        return;
      }
      const reply = await runFoldWorker(workerPath, { dbPath: this.dbPath, journalPaths, wasmPath: sqlWasmPath() });
      if (!reply.ok) throw new Error(reply.error);
    };
    this.folding = run()
      .catch((err) => this.warn(`Could not fold the task journal into ${this.dbPath} (${errorText(err)}); the journal files are kept and folded again later, nothing is lost.`))
      .finally(() => { this.folding = undefined; });
  }

  private async foldHere(journalPaths: string[]): Promise<void> {
    this.applyPending();
    this.freeStatements();
    let image: Uint8Array;
    try {
      image = this.db!.export();
    } finally {
      this.prepareStatements();
    }
    // The image also holds what came after the rotated journals; replaying those later is harmless.
    await writeFileAtomic(this.dbPath, image);
    for (const journal of journalPaths) await fsp.rm(journal, { force: true });
    await syncDir(path.dirname(this.dbPath));
  }

  // ---- applying buffered changes

  private applyPending(): void {
    if (this.pendingCount === 0) return;
    this.inTransaction(() => {
      let finishedSaved = false;
      for (const row of this.pendingRows.values()) {
        this.applier!.save(row);
        this.journalLines.push(JSON.stringify({ op: "save", row } satisfies JournalOp));
        if (isFinished(row.status)) {
          finishedSaved = true;
          this.nextSeq.delete(row.taskId);
        }
      }
      for (const [taskId, lines] of this.pendingLogs) {
        const seq = this.nextSeq.get(taskId) ?? this.applier!.nextSeq(taskId);
        this.applier!.appendLogs(taskId, seq, lines);
        this.nextSeq.set(taskId, seq + lines.length);
        this.journalLines.push(JSON.stringify({ op: "logs", taskId, seq, lines } satisfies JournalOp));
      }
      this.pendingRows.clear();
      this.pendingLogs.clear();
      this.pendingCount = 0;
      if (finishedSaved) this.enforceRetention();
    });
  }

  /** Deletes the oldest finished tasks beyond maxRecords. Runs inside a transaction. */
  private enforceRetention(): void {
    const finished = Number(this.scalar(`SELECT coalesce(sum(n), 0) FROM status_counts WHERE status IN ${FINISHED_SQL}`, []));
    const excess = finished - this.maxRecords;
    if (excess <= 0) return;
    const ids = this.column(`SELECT task_id FROM tasks WHERE status IN ${FINISHED_SQL} ORDER BY created_at, task_id LIMIT ?`, [excess]);
    this.deleteAndJournal(ids.map(String));
  }

  private deleteAndJournal(ids: string[]): number {
    const deleted = this.applier!.delete(ids);
    for (const id of ids) this.nextSeq.delete(id);
    this.journalLines.push(JSON.stringify({ op: "delete", taskIds: ids } satisfies JournalOp));
    this.scheduleFlush();
    return deleted;
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

  // ---- reading

  private selectTasks(sql: string, params: SqlValue[]): TaskData[] {
    const stmt = this.db!.prepare(sql);
    const tasks: TaskData[] = [];
    try {
      stmt.bind(params);
      while (stmt.step()) tasks.push(rowToTask(stmt.get()));
    } finally {
      stmt.free();
    }
    if (tasks.length === 0) return tasks;
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    const logs = this.db!.prepare("SELECT task_id, line FROM logs WHERE task_id IN (SELECT value FROM json_each(?)) ORDER BY task_id, seq");
    try {
      logs.bind([JSON.stringify([...byId.keys()])]);
      while (logs.step()) {
        const [taskId, line] = logs.get() as [string, string];
        byId.get(taskId)!.logs.push(line);
      }
    } finally {
      logs.free();
    }
    return tasks;
  }

  private logsOf(taskId: string): string[] {
    const stmt = this.readStatements!.logsOf;
    const lines: string[] = [];
    stmt.bind([taskId]);
    try {
      while (stmt.step()) lines.push(stmt.get()[0] as string);
    } finally {
      stmt.reset();
    }
    return lines;
  }

  private scalar(sql: string, params: SqlValue[]): SqlValue {
    return this.column(sql, params)[0] ?? null;
  }

  private column(sql: string, params: SqlValue[]): SqlValue[] {
    const stmt = this.db!.prepare(sql);
    const values: SqlValue[] = [];
    try {
      stmt.bind(params);
      while (stmt.step()) values.push(stmt.get()[0]);
    } finally {
      stmt.free();
    }
    return values;
  }

  private read(method: string): void {
    this.assertOpen(method);
    this.applyPending();
  }

  private prepareStatements(): void {
    this.applier = new JournalApplier(this.db!);
    this.readStatements = {
      getTask: this.db!.prepare(`SELECT ${COLUMNS} FROM tasks WHERE task_id = ?`),
      logsOf: this.db!.prepare("SELECT line FROM logs WHERE task_id = ? ORDER BY seq"),
    };
  }

  private freeStatements(): void {
    this.applier?.free();
    this.applier = undefined;
    this.readStatements?.getTask.free();
    this.readStatements?.logsOf.free();
    this.readStatements = undefined;
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
