/**
 * The server's handlers of the task, queue and history endpoints (routeTable.ts declares them).
 * Bodies and queries arrive checked by the table's schemas; values the engine checks (addTask's
 * options, a queue's settings) are refused by it with the same message as for local callers.
 */
import type { TaskflowClient } from "../model";
import { HttpError } from "./httpErrors";
import type { RouteHandlers } from "./router";

async function getTaskOr404(client: TaskflowClient, taskId: string) {
  const record = await client.getTask(taskId);
  if (!record) throw new HttpError(404, `Unknown task id "${taskId}": it may have been deleted or cleared from history`);
  return record;
}

/** Retries every task of `ids`; failures are reported per task instead of failing the request. */
async function retryEach(client: TaskflowClient, ids: string[]) {
  const taskIds: string[] = [];
  const errors: Array<{ taskId: string; error: string }> = [];
  for (const id of ids) {
    try {
      taskIds.push(await client.retryTask(id));
    } catch (error) {
      errors.push({ taskId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { taskIds, errors };
}

/** The handlers of every route but the schedules, audit trail and throughput (scheduleRoutes.ts). */
export const TASK_ROUTES = {
  listTasks: async ({ client, query }) => (await client.listTasks(query)).map((r) => r.toDict()),
  // A full queue answers 409 (errorResponse), with the stored rejected run's taskId.
  addTask: async ({ client, body: { task, args, ...options } }) => ({ taskId: await client.addTask(task, args, options) }),
  addTasks: async ({ client, body }) => ({ taskIds: await client.addTasks(body.task, body.items) }),
  countTasks: async ({ client, query }) => ({ count: await client.countTasks(query) }),
  metrics: async ({ client }) => client.metrics(),
  registeredTasks: async ({ client }) => client.registeredTasks(),
  funcNames: async ({ client }) => client.funcNames(),
  listQueues: async ({ client }) => client.listQueues(),
  listKeys: async ({ client, query: { funcName, limit } }) => client.listKeys(funcName, limit === undefined ? {} : { limit }),
  flowHolds: async ({ client }) => client.flowHolds(),
  async patchQueue({ client, params: { name }, body: { paused, ...settings } }) {
    if (Object.keys(settings).length > 0) await client.configureQueue(name, settings);
    if (paused === true) await client.pauseQueue(name);
    if (paused === false) await client.resumeQueue(name);
    return (await client.listQueues()).find((q) => q.name === name) ?? (await client.configureQueue(name, {}));
  },
  bulkRetry: async ({ client, body }) => retryEach(client, body.taskIds),
  async retryFailed({ client, body: { since, funcName } }) {
    const taskIds = await client.retryFailed({ ...(since === undefined ? {} : { since }), ...(funcName === undefined ? {} : { funcName }) });
    return { taskIds, errors: [] };
  },
  deleteTasks: async ({ client, body }) => ({ deleted: await client.deleteTasks(body.taskIds) }),
  async clearHistory({ client, query: { olderThanSeconds } }) {
    if (olderThanSeconds === undefined) return { deleted: await client.clearHistory() };
    return { deleted: await client.clearHistory({ olderThan: new Date(Date.now() - olderThanSeconds * 1000) }) };
  },
  getTask: async ({ client, params }) => (await getTaskOr404(client, params.id)).toDict(),
  async taskLogs({ client, params }) {
    const record = await getTaskOr404(client, params.id);
    return { taskId: record.taskId, status: record.status, logs: record.logs };
  },
  retryTask: async ({ client, params, body }) => ({ taskId: await client.retryTask(params.id, body) }),
  async provideInput({ client, params, body: { name, value } }) {
    await client.provideInput(params.id, name, value);
    return { taskId: params.id };
  },
  async cancelTask({ client, params }) {
    await client.cancelTask(params.id);
    return { taskId: params.id, status: "cancelled" as const };
  },
} satisfies Partial<RouteHandlers>;
