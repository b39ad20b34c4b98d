import type { TaskManager, TaskRecord } from "../../../src";

const FINISHED = ["success", "failed", "cancelled", "interrupted", "rejected"];

/**
 * Resolves with the run's record once `predicate` holds for it (at once when it already does), from
 * the manager's lifecycle events; rejects when the run finishes first, saying how it ended.
 */
export function untilRecord(manager: TaskManager, taskId: string, predicate: (record: TaskRecord) => boolean, what: string): Promise<TaskRecord> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const record = manager.getTask(taskId);
      if (record && predicate(record)) {
        resolve(record);
        return true;
      }
      if (record && FINISHED.includes(record.status)) {
        reject(new Error(`run ${taskId} ended ${record.status} (${record.error ?? "no error"}) before it was ${what}`));
        return true;
      }
      return false;
    };
    if (check()) return;
    const subscription = manager.onLifecycle((event) => {
      if (event.taskId === taskId && check()) subscription.dispose();
    });
  });
}

/** Resolves with the run's record once it waits for a wait of `kind` (sleep, input or runs). */
export function untilWaiting(manager: TaskManager, taskId: string, kind: "sleep" | "input" | "runs"): Promise<TaskRecord> {
  return untilRecord(manager, taskId, (r) => r.status === "waiting" && r.waitingFor?.kind === kind, `waiting for ${kind}`);
}
