/** The server's handlers of the schedule, audit trail and throughput endpoints (routeTable.ts declares them). */
import type { ScheduleSpec, TaskflowClient } from "../model";
import { HttpError } from "./httpErrors";
import { SCHEDULE_BODY } from "./requestBodies";
import type { RouteHandlers } from "./router";

/** The schedule's info after a change, or just its id should it be gone by then. */
async function scheduleInfo(client: TaskflowClient, scheduleId: string) {
  return (await client.listSchedules()).find((s) => s.scheduleId === scheduleId) ?? { scheduleId };
}

export const SCHEDULE_ROUTES = {
  async schedule({ client, body: { task, every, cron, timezone, ...options } }) {
    if ((every === undefined) === (cron === undefined)) {
      throw new HttpError(400, `A schedule needs exactly one of "every" (seconds) and "cron", got ${every === undefined ? "neither" : "both"}: like ${SCHEDULE_BODY.example}`);
    }
    if (every !== undefined && timezone !== undefined) throw new HttpError(400, `"timezone" goes with "cron", not with "every": leave it out`);
    // schedule() checks the spec's values and refuses a bad one by name.
    const spec: ScheduleSpec = every !== undefined ? { every } : { cron: cron ?? "", ...(timezone === undefined ? {} : { timezone }) };
    return { scheduleId: await client.schedule(task, spec, options) };
  },
  async pauseSchedule({ client, params: { id } }) {
    await client.pauseSchedule(id);
    return scheduleInfo(client, id);
  },
  async resumeSchedule({ client, params: { id } }) {
    await client.resumeSchedule(id);
    return scheduleInfo(client, id);
  },
  runScheduleNow: async ({ client, params: { id } }) => ({ taskId: await client.runScheduleNow(id) }),
  async removeSchedule({ client, params: { id } }) {
    await client.removeSchedule(id);
    return { scheduleId: id, removed: true as const };
  },
  listSchedules: async ({ client }) => client.listSchedules(),
  audit: async ({ client, query }) => client.audit(query),
  throughput: async ({ client, query }) => client.throughput(query),
} satisfies Partial<RouteHandlers>;
