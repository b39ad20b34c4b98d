/**
 * A task with every field of the model away from its initial value. Typed as the whole TaskData, so
 * a field added to the model needs a value here, and the tests that iterate the field list with it
 * (the BullMQ mapping, the re-run rule) then check the new field too.
 */
import { FIELD_NAMES, TASK_FIELDS, type Field, type TaskData, type TaskField } from "../../../src/model";

export const SAMPLE_CREATED_AT = Date.UTC(2026, 0, 1, 9, 0, 0);

export function sampleTask(overrides: Partial<TaskData> = {}): TaskData {
  return {
    taskId: "00000000-0000-4000-8000-00000000a001",
    funcName: "sample",
    status: "failed",
    args: [1, "two", { three: [3] }],
    kwargs: { dryRun: true },
    createdAt: SAMPLE_CREATED_AT,
    startTime: SAMPLE_CREATED_AT + 1000,
    endTime: SAMPLE_CREATED_AT + 2500,
    retriesUsed: 2,
    error: "Error: boom",
    logs: ["2026-01-01T09:00:01 working"],
    stacktrace: "Error: boom\n    at sample (/w/sample.tasks.ts:3:9)",
    idempotencyKey: "sample-key",
    tags: { team: "data" },
    result: { rows: 3 },
    parentId: "00000000-0000-4000-8000-00000000a000",
    queue: "reports",
    priority: 7,
    runAt: SAMPLE_CREATED_AT + 500,
    scheduleId: "nightly-report",
    progress: { fraction: 0.5, message: "half way" },
    steps: [{
      name: "fetch", occurrence: 1, kind: "step", status: "done", attempt: 0, startedAt: "2026-01-01T09:00:01.000Z",
      endedAt: "2026-01-01T09:00:02.000Z", value: { rows: 3 }, error: null, waitingFor: null,
    }],
    waitingFor: { kind: "sleep", until: "2026-01-01T10:00:00.000Z", step: "sleep#1" },
    encryptedPayload: new Uint8Array([1, 2, 3, 250]),
    ...overrides,
  };
}

/** Whether two field values are equal as JSON (bytes by their contents). */
export function sameValue(a: unknown, b: unknown): boolean {
  const json = (v: unknown) => JSON.stringify(v instanceof Uint8Array ? [...v] : v);
  return json(a) === json(b);
}

/** Whether a field's value is its initial value. */
export function isInitial(field: TaskField, value: unknown): boolean {
  return sameValue(value, (TASK_FIELDS[field] as Field<unknown>).initial());
}

/** The fields of `task` still at their initial value; none for sampleTask(). */
export function fieldsAtInitial(task: TaskData): TaskField[] {
  return FIELD_NAMES.filter((k) => isInitial(k, task[k]));
}
