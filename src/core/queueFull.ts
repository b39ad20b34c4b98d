import { QueueFullError } from "./types";

/** The `error` of a task stored rejected because its queue held `maxSize` pending tasks. */
export function queueFullReason(queue: string, maxSize: number): string {
  return `QueueFullError: queue "${queue}" was full (maxSize ${maxSize} pending tasks) when this task was added`;
}

/** What addTask rejects with when the queue of the task `taskId` (stored rejected) was full. */
export function queueFullError(taskId: string, queue: string, maxSize: number): QueueFullError {
  return new QueueFullError(
    taskId, queue, maxSize,
    `Queue "${queue}" is full: it holds its maxSize of ${maxSize} pending tasks. Task ${taskId} was stored as rejected: retry it once the queue has room, or raise maxSize with configureQueue("${queue}", { maxSize })`,
  );
}
