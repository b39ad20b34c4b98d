import { toJournalRow, type AuditEntry, type JournalRow, type TaskData } from "../model";
import { searchText } from "./taskQuery";

/** A task row saved since the last apply, with its search_text, computed while the task is at hand. */
export interface BufferedRow {
  row: JournalRow;
  search: string;
}

/**
 * The changes a store has acknowledged and not yet applied to its database nor journalled: the live
 * overlay its reads see. A task saved several times keeps only its last row, so within one flush
 * window it costs one row write and one journal line however often it changed.
 */
export class WriteBuffer {
  readonly rows = new Map<string, BufferedRow>();
  /** Log lines per task, in the order they were appended. */
  readonly logs = new Map<string, string[]>();
  /** Audit entries with their positions in the trail, in order. */
  readonly audit: Array<{ seq: number; entry: AuditEntry }> = [];

  /** Buffered entries: rows, tasks with log lines, audit entries. */
  get size(): number {
    return this.rows.size + this.logs.size + this.audit.length;
  }

  saveTask(task: TaskData): void {
    this.rows.set(task.taskId, { row: toJournalRow(task), search: searchText(task) });
  }

  appendLogs(taskId: string, lines: readonly string[]): void {
    const pending = this.logs.get(taskId);
    if (pending) pending.push(...lines);
    else this.logs.set(taskId, lines.slice());
  }

  appendAudit(seq: number, entry: AuditEntry): void {
    this.audit.push({ seq, entry: { ...entry } });
  }

  clear(): void {
    this.rows.clear();
    this.logs.clear();
    this.audit.length = 0;
  }
}
