import { isFinished, toJournalRow, type AuditEntry, type JournalRow, type TaskData, type TaskStatus } from "../model";
import { saveLine, type JournalApplier, type JournalOp } from "./journalOps";
import { searchText } from "./taskQuery";
import type { LiveTask } from "./types";

/** Where a WriteBuffer's changes go when applied: the store's database and journal. */
export interface ApplySink {
  applier: JournalApplier;
  journal: { push(line: string): void };
  /** Next log position per task that logged lately; a finished task's entry is dropped. */
  nextSeq: Map<string, number>;
}

/** A task row saved since the last apply, with its search_text, computed while the task is at hand. */
export interface BufferedRow {
  row: JournalRow;
  search: string;
}

/** What the buffer holds for a task: its row, or the live task it reads the row of when it writes it. */
type Buffered = BufferedRow | LiveTask;

function isLive(buffered: Buffered): buffered is LiveTask {
  return typeof (buffered as LiveTask).toData === "function";
}

/** The row of a buffered task as it is now. */
export function bufferedRow(buffered: Buffered): BufferedRow {
  if (!isLive(buffered)) return buffered;
  const data = buffered.toData();
  return { row: toJournalRow(data), search: searchText(data) };
}

/**
 * The changes a store has acknowledged and not yet applied to its database: the live overlay its
 * reads see. A task saved several times keeps only its last row, so within one flush window it costs
 * one row write and one journal line however often it changed.
 *
 * The rows of finished tasks are also tracked apart (`settled`): their rows will not change again, so
 * they can be applied early while an unfinished task's row waits for its last change. At the flush
 * timer an unfinished task's row is only journalled (see journalUnsettled): it stays here, out of the
 * database, until it finishes, so a task that outlives a flush window is still one row write.
 */
export class WriteBuffer {
  readonly rows = new Map<string, Buffered>();
  /** Ids of the buffered rows whose task is finished. */
  readonly settled = new Set<string>();
  /**
   * Ids of the buffered rows changed since they were last journalled: the flush timer journals these
   * alone (see journalUnsettled), and applying any other row writes no journal line.
   */
  private readonly unjournalled = new Set<string>();
  /** Buffered rows that are live tasks (saveLive): their owner keeps those objects anyway. */
  private liveRows = 0;
  /** Log lines per task, in the order they were appended. */
  readonly logs = new Map<string, string[]>();
  /** Audit entries with their positions in the trail, in order. */
  readonly audit: Array<{ seq: number; entry: AuditEntry }> = [];

  /** Buffered entries: rows, tasks with log lines, audit entries. */
  get size(): number {
    return this.rows.size + this.logs.size + this.audit.length;
  }

  /** Entries an early apply takes: finished rows, tasks with log lines, audit entries. */
  get settledSize(): number {
    return this.settled.size + this.logs.size + this.audit.length;
  }

  /** Buffers the task's row, computed now: the row is also the copy that keeps later changes of `task` out. */
  saveTask(task: TaskData): void {
    this.put(task.taskId, task.status, { row: toJournalRow(task), search: searchText(task) });
  }

  /** Buffers the live task itself: its row is read when it is written (see TaskStore.saveLive). */
  saveLive(task: LiveTask): void {
    this.put(task.taskId, task.status, task);
  }

  /** Buffered rows copied from their task (saveTask), each a row's worth of memory of its own. */
  get copiedRows(): number {
    return this.rows.size - this.liveRows;
  }

  private put(taskId: string, status: TaskStatus, buffered: Buffered): void {
    const before = this.rows.get(taskId);
    if (before !== undefined && isLive(before)) this.liveRows--;
    if (isLive(buffered)) this.liveRows++;
    this.rows.set(taskId, buffered);
    this.unjournalled.add(taskId);
    if (isFinished(status)) this.settled.add(taskId);
    else this.settled.delete(taskId);
  }

  appendLogs(taskId: string, lines: readonly string[]): void {
    const pending = this.logs.get(taskId);
    if (pending) pending.push(...lines);
    else this.logs.set(taskId, lines.slice());
  }

  appendAudit(seq: number, entry: AuditEntry): void {
    this.audit.push({ seq, entry: { ...entry } });
  }

  /**
   * Applies and journals every buffered change (rows, then log lines, then audit entries) and empties
   * the buffer. Call it in a transaction. Returns whether a finished task's row was written.
   */
  applyAll(sink: ApplySink): boolean {
    const finished: string[] = [];
    for (const [taskId, buffered] of this.rows) this.applyRow(sink, taskId, buffered, finished);
    this.rows.clear();
    this.liveRows = 0;
    this.settled.clear();
    this.unjournalled.clear();
    this.applyLogsAndAudit(sink, finished);
    return finished.length > 0;
  }

  /**
   * Applies and journals the finished tasks' rows, the log lines (with the rows of the tasks that
   * wrote them, which the lines need in the database) and the audit entries; unfinished tasks' other
   * rows stay buffered for their next change. Call it in a transaction. Returns whether a finished
   * task's row was written.
   */
  applySettled(sink: ApplySink): boolean {
    const finished: string[] = [];
    for (const taskId of [...this.settled, ...this.logs.keys()]) {
      const buffered = this.rows.get(taskId);
      if (buffered === undefined) continue;
      this.applyRow(sink, taskId, buffered, finished);
      this.rows.delete(taskId);
      if (isLive(buffered)) this.liveRows--;
      this.unjournalled.delete(taskId);
    }
    this.settled.clear();
    this.applyLogsAndAudit(sink, finished);
    return finished.length > 0;
  }

  /**
   * The flush timer's pass, after applySettled: journals the rows of unfinished tasks not journalled
   * as they are now, and keeps them buffered, out of the database, until their task changes again.
   * The journal, not the database, is what must hold an acknowledged change within the interval.
   */
  journalUnsettled(journal: ApplySink["journal"]): void {
    for (const taskId of this.unjournalled) journal.push(saveLine(bufferedRow(this.rows.get(taskId) as Buffered).row));
    this.unjournalled.clear();
  }

  /** Upserts a row, and journals it unless it was journalled as it is; a finished task's id goes into `finished`. */
  private applyRow(sink: ApplySink, taskId: string, buffered: Buffered, finished: string[]): void {
    const { row, search } = bufferedRow(buffered);
    sink.applier.save(row, search);
    if (this.unjournalled.has(taskId)) sink.journal.push(saveLine(row));
    if (isFinished(row.status as TaskStatus)) finished.push(taskId);
  }

  /** Log positions of the `finished` tasks are dropped once their last lines are written. */
  private applyLogsAndAudit(sink: ApplySink, finished: readonly string[]): void {
    const { applier, journal, nextSeq } = sink;
    for (const [taskId, lines] of this.logs) {
      const seq = nextSeq.get(taskId) ?? applier.nextSeq(taskId);
      applier.appendLogs(taskId, seq, lines);
      nextSeq.set(taskId, seq + lines.length);
      journal.push(JSON.stringify({ op: "logs", taskId, seq, lines } satisfies JournalOp));
    }
    for (const { seq, entry } of this.audit) {
      applier.appendAudit(seq, entry);
      journal.push(JSON.stringify({ op: "audit", seq, entry } satisfies JournalOp));
    }
    applier.trimAudit();
    this.logs.clear();
    this.audit.length = 0;
    for (const taskId of finished) nextSeq.delete(taskId);
  }
}
