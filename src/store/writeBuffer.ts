import { isFinished, toJournalRow, type AuditEntry, type JournalRow, type TaskData, type TaskStatus } from "../model";
import type { JournalApplier, JournalOp } from "./journalOps";
import { searchText } from "./taskQuery";

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

/**
 * The changes a store has acknowledged and not yet applied to its database nor journalled: the live
 * overlay its reads see. A task saved several times keeps only its last row, so within one flush
 * window it costs one row write and one journal line however often it changed.
 *
 * The rows of finished tasks are also tracked apart (`settled`): their rows will not change again, so
 * they can be applied early while an unfinished task's row waits for its last change.
 */
export class WriteBuffer {
  readonly rows = new Map<string, BufferedRow>();
  /** Ids of the buffered rows whose task is finished. */
  readonly settled = new Set<string>();
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

  saveTask(task: TaskData): void {
    const id = task.taskId;
    this.rows.set(id, { row: toJournalRow(task), search: searchText(task) });
    if (isFinished(task.status)) this.settled.add(id);
    else this.settled.delete(id);
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
    for (const [taskId, { row, search }] of this.rows) applyRow(sink, taskId, row, search, finished);
    this.rows.clear();
    this.settled.clear();
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
      applyRow(sink, taskId, buffered.row, buffered.search, finished);
      this.rows.delete(taskId);
    }
    this.settled.clear();
    this.applyLogsAndAudit(sink, finished);
    return finished.length > 0;
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

/** Upserts and journals one row; a finished task's id goes into `finished`. */
function applyRow(sink: ApplySink, taskId: string, row: JournalRow, search: string, finished: string[]): void {
  sink.applier.save(row, search);
  sink.journal.push(JSON.stringify({ op: "save", row } satisfies JournalOp));
  if (isFinished(row.status as TaskStatus)) finished.push(taskId);
}
