import { randomUUID } from "node:crypto";
import { DEFAULT_QUEUE, TaskRecord } from "../model";
import type { AddTaskInput } from "./addTaskInput";
import type { ArgumentCipher } from "./argumentCipher";
import type { Registration } from "./taskRegistry";

/**
 * A new run's record: its queue and priority from the call, else the task's config, else the
 * defaults; `runAt` from the call's runAt or delay; arguments sealed when a key is set.
 */
export function newRunRecord({ name, config }: Pick<Registration, "name" | "config">, input: AddTaskInput, nowMs: number, cipher: ArgumentCipher): TaskRecord {
  const runAtMs = input.runAtMs ?? (input.delaySeconds > 0 ? nowMs + input.delaySeconds * 1000 : null);
  return new TaskRecord({
    taskId: randomUUID(),
    funcName: name,
    createdAt: new Date(nowMs),
    idempotencyKey: input.idempotencyKey,
    tags: input.tags,
    queue: input.queue ?? config.queue ?? DEFAULT_QUEUE,
    priority: input.priority ?? config.priority ?? 0,
    runAt: runAtMs === null ? null : new Date(runAtMs),
    ...cipher.seal(input.args, input.kwargs),
  });
}

/** What a bulk add needs to know of the manager. */
export interface BulkAddContext {
  /** The id of a stored task that still holds this idempotency key, if any. */
  heldKey(key: string): string | undefined;
  /** How many more pending tasks the queue takes (Infinity without a maxSize). */
  room(queue: string): number;
  newRecord(input: AddTaskInput): TaskRecord;
}

/**
 * Plans `addTasks`: each item's id in order (a key held by a stored task, or by an earlier item of the
 * same call, gives that task's id), the new records that fit their queue, and those beyond its
 * maxSize, to be stored as rejected.
 */
export function planBulkAdd(inputs: readonly AddTaskInput[], context: BulkAddContext): { ids: string[]; records: TaskRecord[]; rejected: TaskRecord[] } {
  const ids: string[] = [];
  const records: TaskRecord[] = [];
  const rejected: TaskRecord[] = [];
  const idsByKey = new Map<string, string>();
  const room = new Map<string, number>();
  for (const input of inputs) {
    const key = input.idempotencyKey;
    let id = key === null ? undefined : idsByKey.get(key) ?? context.heldKey(key);
    if (id === undefined) {
      const record = context.newRecord(input);
      const left = room.get(record.queue) ?? context.room(record.queue);
      room.set(record.queue, left - 1);
      (left > 0 ? records : rejected).push(record);
      id = record.taskId;
    }
    if (key !== null) idsByKey.set(key, id);
    ids.push(id);
  }
  return { ids, records, rejected };
}
