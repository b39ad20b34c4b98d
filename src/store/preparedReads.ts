import type { Database, Statement } from "sql.js";
import { fromColumns, type TaskData } from "../model";
import { FINISHED_SQL } from "./schema";
import { SELECT_COLUMNS, stepAll } from "./sqlQueries";

/** The reads a store makes on every task, prepared once per database. Call free() before an export. */
export class PreparedReads {
  private readonly taskRow: Statement;
  private readonly logLines: Statement;
  private readonly finishedSum: Statement;
  private readonly finishedOlder: Statement;

  constructor(db: Database) {
    this.taskRow = db.prepare(`SELECT ${SELECT_COLUMNS} FROM tasks t WHERE task_id = ?`);
    this.logLines = db.prepare("SELECT line FROM logs WHERE task_ref = (SELECT task_ref FROM tasks WHERE task_id = ?) ORDER BY seq");
    this.finishedSum = db.prepare(`SELECT coalesce(sum(n), 0) FROM status_counts WHERE status IN ${FINISHED_SQL}`);
    this.finishedOlder = db.prepare(`SELECT count(*) FROM (SELECT 1 FROM tasks WHERE status IN ${FINISHED_SQL} AND created_at < ? LIMIT ?)`);
  }

  /** The stored row of a task, without its logs. */
  task(taskId: string): TaskData | undefined {
    const [row] = stepAll(this.taskRow, [taskId]);
    return row && fromColumns(row);
  }

  logsOf(taskId: string): string[] {
    return stepAll(this.logLines, [taskId]).map((row) => row[0] as string);
  }

  /** Finished tasks in the database, from the counts the triggers keep. */
  finishedCount(): number {
    return Number(stepAll(this.finishedSum)[0][0]);
  }

  /** Finished tasks created before `createdAt`, counted up to `atMost`. */
  finishedBefore(createdAt: number, atMost: number): number {
    return Number(stepAll(this.finishedOlder, [createdAt, atMost])[0][0]);
  }

  free(): void {
    for (const statement of [this.taskRow, this.logLines, this.finishedSum, this.finishedOlder]) statement.free();
  }
}
