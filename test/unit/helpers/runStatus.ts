import { isFinished, type TaskManager, type TaskRecord, type TaskStatus } from "../../../src";

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
      if (record && isFinished(record.status)) {
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

/** Resolves with the run's record once its status is `status` (now or later). */
export function untilStatus(manager: TaskManager, taskId: string, status: TaskStatus): Promise<TaskRecord> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const record = manager.getTask(taskId);
      if (record?.status !== status) return false;
      resolve(record);
      return true;
    };
    if (check()) return;
    const subscription = manager.onLifecycle((event) => {
      if (event.taskId === taskId && check()) subscription.dispose();
    });
  });
}
