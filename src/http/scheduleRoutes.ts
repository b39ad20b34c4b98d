/** The endpoints of schedules, the audit trail and throughput (design section 9). */
import { describeValue, isPlainObject, type ScheduleSpec } from "../model";
import { HttpError } from "./httpErrors";
import type { Route, RouteResponse } from "./routes";

const ok = (body: unknown, status = 200): RouteResponse => ({ status, body });
const ID = "([^/]+)";
const SCHEDULE_KEYS = ["task", "every", "cron", "timezone", "args", "kwargs", "tags", "runOnStart"];
const EXAMPLE = `{ "task": "report", "every": 300 } or { "task": "report", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin" }`;

/** `POST /tasks/schedules`'s body as schedule()'s arguments; the spec and run arguments are checked by schedule() itself. */
function scheduleBody(body: unknown): { task: string; spec: ScheduleSpec; options: Record<string, unknown> } {
  if (!isPlainObject(body)) throw new HttpError(400, `Request body must be a JSON object like ${EXAMPLE}, got ${describeValue(body)}`);
  const unknown = Object.keys(body).find((k) => !SCHEDULE_KEYS.includes(k));
  if (unknown !== undefined) throw new HttpError(400, `A schedule takes ${SCHEDULE_KEYS.join(", ")}; got the unknown key "${unknown}"`);
  const { task, every, cron, timezone, runOnStart, ...options } = body;
  if (typeof task !== "string" || task === "") throw new HttpError(400, `"task" must be the name of a task function, got ${describeValue(task)}`);
  if ((every === undefined) === (cron === undefined)) {
    throw new HttpError(400, `A schedule needs exactly one of "every" (seconds) and "cron", got ${every === undefined ? "neither" : "both"}: like ${EXAMPLE}`);
  }
  if (every !== undefined && timezone !== undefined) throw new HttpError(400, `"timezone" goes with "cron", not with "every": leave it out`);
  if (runOnStart !== undefined && typeof runOnStart !== "boolean") throw new HttpError(400, `"runOnStart" must be true or false, got ${describeValue(runOnStart)}`);
  const spec = (every !== undefined ? { every } : { cron, ...(timezone === undefined ? {} : { timezone }) }) as ScheduleSpec;
  return { task, spec, options: { ...options, ...(runOnStart === undefined ? {} : { runOnStart }) } };
}

/** A whole-number parameter as a number; other text is passed on for the engine to refuse by name. */
function numberParam(params: URLSearchParams, key: string): number | string | undefined {
  const text = params.get(key);
  if (text === null) return undefined;
  return /^\d+$/.test(text) ? Number(text) : text;
}

export const SCHEDULE_ROUTES: Route[] = [
  {
    method: "POST",
    pattern: /^\/tasks\/schedules$/,
    async handle({ client, body }) {
      const { task, spec, options } = scheduleBody(await body());
      return ok({ scheduleId: await client.schedule(task, spec, options) }, 201);
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^/tasks/schedules/${ID}/(pause|resume|run)$`),
    async handle({ client, params: [scheduleId, action] }) {
      if (action === "run") return ok({ taskId: await client.runScheduleNow(scheduleId) }, 201);
      await (action === "pause" ? client.pauseSchedule(scheduleId) : client.resumeSchedule(scheduleId));
      return ok((await client.listSchedules()).find((s) => s.scheduleId === scheduleId) ?? { scheduleId });
    },
  },
  {
    method: "DELETE",
    pattern: new RegExp(`^/tasks/schedules/${ID}$`),
    async handle({ client, params: [scheduleId] }) {
      await client.removeSchedule(scheduleId);
      return ok({ scheduleId, removed: true });
    },
  },
  {
    method: "GET",
    pattern: /^\/tasks\/audit$/,
    handle: async ({ client, url }) => {
      const query = { limit: numberParam(url.searchParams, "limit"), offset: numberParam(url.searchParams, "offset") } as { limit?: number; offset?: number };
      return ok(await client.audit(query));
    },
  },
  {
    method: "GET",
    pattern: /^\/tasks\/throughput$/,
    async handle({ client, url }) {
      const get = (key: string): string | undefined => url.searchParams.get(key) ?? undefined;
      const bucket = get("bucket") ?? "minute";
      const since = get("since");
      const funcName = get("funcName");
      return ok(await client.throughput({ bucket: bucket as "minute", ...(since === undefined ? {} : { since }), ...(funcName === undefined ? {} : { funcName }) }));
    },
  },
];
