import {
  AUDIT_MAX_ENTRIES, MetricsAccumulator, THROUGHPUT_FIELDS, copyTaskData, emptyBuckets, isFinished,
  type AuditEntry, type AuditQuery, type ListTasksQuery, type Metrics, type ScheduleData, type TaskData, type TaskStatus, type ThroughputBucket, type ThroughputRange,
} from "../model";
import { copySchedule } from "./scheduleRows";
import {
  DEFAULT_MAX_RECORDS, comparatorFor, compareNewestFirst, compareOldestFirst, compareText, matchesQuery, resolveQuery,
} from "./taskQuery";
import type { LiveTask, TaskStore } from "./types";

/** Live tasks (see saveLive) waiting to be copied before they are copied in one go. */
const LIVE_BATCH = 256;

/** Options of the in-memory store. */
export interface MemoryStoreOptions {
  /** Finished records kept; the oldest (by createdAt) beyond this are deleted. @default 10000 */
  maxRecords?: number;
}

/**
 * A TaskStore that keeps everything in memory: history without a database file, and tests.
 * Every object going in or out is copied, so callers never share state with the store.
 */
export class MemoryStore implements TaskStore {
  private readonly maxRecords: number;
  private readonly tasks = new Map<string, TaskData>();
  private readonly idsByKey = new Map<string, Set<string>>();
  private readonly schedules = new Map<string, ScheduleData>();
  /**
   * Tasks saved with saveLive and not copied yet, in the order they were first saved: each is copied
   * into `tasks` once, before any other call on tasks reads or writes the store, or when LIVE_BATCH are waiting,
   * so a task saved pending, running and finished in between is copied once instead of three times.
   */
  private readonly live = new Map<string, LiveTask>();
  /**
   * The newest AUDIT_MAX_ENTRIES audit entries, a ring once full: the oldest is at `auditStart` and
   * an append overwrites it, where cutting the front of an array moved all of it every time.
   */
  private readonly auditTrail: AuditEntry[] = [];
  private auditStart = 0;
  private finishedCount = 0;
  /**
   * True while the map's insertion order never goes back in createdAt (ties in any order), so
   * retention can evict from the front, sorting only the tie group at its edge.
   */
  private insertionOrdered = true;
  private newest: TaskData | undefined;
  private state: "new" | "open" | "closed" = "new";

  constructor(options: MemoryStoreOptions = {}) {
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 0) {
      throw new RangeError(`maxRecords must be a whole number >= 0, got ${String(options.maxRecords)}`);
    }
  }

  async open(): Promise<void> {
    if (this.state !== "new") throw new Error(`MemoryStore.open() called on a store that is ${this.state}: create a new store instead`);
    this.state = "open";
  }

  async close(): Promise<void> {
    this.settle("close");
    this.state = "closed";
  }

  async flush(): Promise<void> {
    this.assertOpen("flush");
  }

  saveTask(task: TaskData): void {
    this.settle("saveTask");
    this.put(task);
  }

  /** Keeps the task's object and copies it later (see `live`): the caller saves it again after each change. */
  saveLive(tasks: readonly LiveTask[]): void {
    this.assertOpen("saveLive");
    for (const task of tasks) this.live.set(task.taskId, task);
    if (this.live.size >= LIVE_BATCH) this.copyLive();
  }

  /** Stores a copy of `task`, keeping the log lines already stored for it. */
  private put(task: TaskData): void {
    const copy = copyTaskData(task);
    const old = this.tasks.get(task.taskId);
    copy.logs = old ? old.logs : [];
    if (old) {
      this.unindex(old);
      this.tasks.set(copy.taskId, copy);
    } else {
      if (!this.newest && this.tasks.size > 0) this.newest = this.findNewest();
      // Tasks added within one millisecond tie on createdAt and arrive in no taskId order: only a
      // step back in time breaks the order retention relies on.
      if (this.newest && copy.createdAt < this.newest.createdAt) this.insertionOrdered = false;
      if (!this.newest || compareOldestFirst(copy, this.newest) > 0) this.newest = copy;
      this.tasks.set(copy.taskId, copy);
    }
    this.index(copy);
    if (isFinished(copy.status)) this.enforceRetention();
  }

  saveTasks(tasks: readonly TaskData[]): void {
    this.settle("saveTasks");
    for (const task of tasks) this.saveTask(task);
  }

  /** Appends lines; lines for a task that does not exist (deleted meanwhile) are dropped. */
  appendLogs(taskId: string, lines: string[]): void {
    this.settle("appendLogs");
    const task = this.tasks.get(taskId);
    if (task) task.logs.push(...lines);
  }

  getTask(taskId: string): TaskData | undefined {
    this.settle("getTask");
    const task = this.tasks.get(taskId);
    return task && copyTaskData(task);
  }

  listTasks(query: ListTasksQuery = {}): TaskData[] {
    const { sort, limit, offset, withLogs, ...filters } = resolveQuery(query);
    this.settle("listTasks");
    const page = this.matching(filters).sort(comparatorFor(sort)).slice(offset, offset + limit);
    // Without logs, the lines are left out before copying: a long task's logs can be large.
    return page.map((task) => copyTaskData(withLogs ? task : { ...task, logs: [] }));
  }

  countTasks(query: ListTasksQuery = {}): number {
    const filters = resolveQuery(query);
    this.settle("countTasks");
    return this.matching(filters).length;
  }

  tasksWithStatus(statuses: TaskStatus[]): TaskData[] {
    this.settle("tasksWithStatus");
    return [...this.tasks.values()].filter((t) => statuses.includes(t.status)).sort(compareOldestFirst).map(copyTaskData);
  }

  findByIdempotencyKey(key: string): TaskData | undefined {
    this.settle("findByIdempotencyKey");
    let best: TaskData | undefined;
    for (const id of this.idsByKey.get(key) ?? []) {
      const task = this.tasks.get(id);
      if (task && (!best || compareNewestFirst(task, best) < 0)) best = task;
    }
    return best && copyTaskData(best);
  }

  deleteTasks(taskIds: string[]): number {
    this.settle("deleteTasks");
    let deleted = 0;
    for (const id of new Set(taskIds)) if (this.remove(id)) deleted++;
    return deleted;
  }

  clearFinished(createdBefore?: number): number {
    this.settle("clearFinished");
    let deleted = 0;
    for (const task of [...this.tasks.values()]) {
      if (isFinished(task.status) && (createdBefore === undefined || task.createdAt < createdBefore)) {
        if (this.remove(task.taskId)) deleted++;
      }
    }
    return deleted;
  }

  metrics(): Metrics {
    this.settle("metrics");
    const acc = new MetricsAccumulator();
    for (const task of this.tasks.values()) acc.add(task.status, task.startTime, task.endTime);
    return acc.result();
  }

  funcNames(): string[] {
    this.settle("funcNames");
    return [...new Set([...this.tasks.values()].map((t) => t.funcName))].sort(compareText);
  }

  saveSchedule(schedule: ScheduleData): void {
    this.assertOpen("saveSchedule");
    this.schedules.set(schedule.scheduleId, copySchedule(schedule));
  }

  deleteSchedule(scheduleId: string): void {
    this.assertOpen("deleteSchedule");
    this.schedules.delete(scheduleId);
  }

  listSchedules(): ScheduleData[] {
    this.assertOpen("listSchedules");
    return [...this.schedules.values()].sort((a, b) => compareText(a.scheduleId, b.scheduleId)).map(copySchedule);
  }

  appendAudit(entry: AuditEntry): void {
    this.assertOpen("appendAudit");
    const copy = { ...entry };
    if (this.auditTrail.length < AUDIT_MAX_ENTRIES) {
      this.auditTrail.push(copy);
    } else {
      this.auditTrail[this.auditStart] = copy;
      this.auditStart = (this.auditStart + 1) % AUDIT_MAX_ENTRIES;
    }
  }

  listAudit({ limit, offset }: Required<AuditQuery>): AuditEntry[] {
    this.assertOpen("listAudit");
    const out: AuditEntry[] = [];
    const size = this.auditTrail.length;
    // Entry i, counted from the oldest, sits at (auditStart + i) % size.
    for (let i = size - 1 - offset; i >= 0 && out.length < limit; i--) out.push({ ...this.auditTrail[(this.auditStart + i) % size] });
    return out;
  }

  throughput(range: ThroughputRange): ThroughputBucket[] {
    this.settle("throughput");
    const buckets = emptyBuckets(range);
    for (const task of this.tasks.values()) {
      const field = THROUGHPUT_FIELDS[task.status as keyof typeof THROUGHPUT_FIELDS];
      if (field === undefined || task.endTime === null || (range.funcName !== undefined && task.funcName !== range.funcName)) continue;
      const index = Math.floor((task.endTime - range.startMs) / range.bucketMs);
      if (index >= 0 && index < range.count) buckets[index][field]++;
    }
    return buckets;
  }

  private matching(query: ListTasksQuery): TaskData[] {
    const out: TaskData[] = [];
    for (const task of this.tasks.values()) if (matchesQuery(task, query)) out.push(task);
    return out;
  }

  private index(task: TaskData): void {
    if (isFinished(task.status)) this.finishedCount++;
    if (task.idempotencyKey !== null) {
      let ids = this.idsByKey.get(task.idempotencyKey);
      if (!ids) this.idsByKey.set(task.idempotencyKey, (ids = new Set()));
      ids.add(task.taskId);
    }
  }

  private unindex(task: TaskData): void {
    if (isFinished(task.status)) this.finishedCount--;
    if (task.idempotencyKey !== null) {
      const ids = this.idsByKey.get(task.idempotencyKey);
      ids?.delete(task.taskId);
      if (ids?.size === 0) this.idsByKey.delete(task.idempotencyKey);
    }
  }

  private remove(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task) return false;
    this.unindex(task);
    this.tasks.delete(taskId);
    if (task === this.newest) this.newest = undefined;
    if (this.tasks.size === 0) this.insertionOrdered = true;
    return true;
  }

  private enforceRetention(): void {
    const excess = this.finishedCount - this.maxRecords;
    if (excess <= 0) return;
    const victims = this.insertionOrdered ? this.oldestFinishedInOrder(excess) : [...this.tasks.values()].filter((t) => isFinished(t.status)).sort(compareOldestFirst).slice(0, excess);
    for (const task of victims) this.remove(task.taskId);
  }

  /**
   * The `count` oldest finished tasks (createdAt, then taskId, as the sql.js store deletes them) while
   * insertion order is createdAt order: the first `count` finished from the front, plus the rest of the
   * last one's createdAt tie group, sorted. Costs the front of the map, not all of it.
   */
  private oldestFinishedInOrder(count: number): TaskData[] {
    const found: TaskData[] = [];
    let edge: number | undefined;
    for (const task of this.tasks.values()) {
      if (edge !== undefined && task.createdAt > edge) break;
      if (!isFinished(task.status)) continue;
      found.push(task);
      if (found.length === count) edge = task.createdAt;
    }
    return found.length > count ? found.sort(compareOldestFirst).slice(0, count) : found;
  }

  private findNewest(): TaskData | undefined {
    let newest: TaskData | undefined;
    for (const task of this.tasks.values()) if (!newest || compareOldestFirst(task, newest) > 0) newest = task;
    return newest;
  }

  /** assertOpen, then copies in the live tasks saved since, so a call on tasks sees them. */
  private settle(method: string): void {
    this.assertOpen(method);
    if (this.live.size > 0) this.copyLive();
  }

  private assertOpen(method: string): void {
    if (this.state !== "open") {
      throw new Error(`MemoryStore.${method}() needs an open store, but it is ${this.state === "new" ? "not opened yet: await open() first" : "closed"}`);
    }
  }

  private copyLive(): void {
    const tasks = [...this.live.values()];
    this.live.clear();
    for (const task of tasks) this.put(task.toData());
  }
}
