/**
 * The `listTasks` query as URL parameters, both ways, so the HTTP client and server agree on one
 * encoding: `status` repeated (or comma-separated), `sort=by` with `order=asc|desc`, booleans as
 * `true`/`false`, numbers as decimals. A value that does not decode is passed on as its text, so
 * the model's schema refuses it with its usual message ("limit must be a whole number >= 0, got the string ...").
 */
import type { ListTasksQuery } from "../model";

const NUMERIC = new Set(["limit", "offset", "createdBefore"]);
const BOOLEAN = new Set(["withLogs"]);

/** URL parameters of a query (undefined fields are left out). */
export function queryToParams(query: ListTasksQuery = {}): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    if (key === "status" && Array.isArray(value)) value.forEach((s) => params.append("status", String(s)));
    else if (key === "sort" && typeof value === "object" && value !== null) {
      const sort = value as { by: string; order?: string };
      params.set("sort", sort.by);
      if (sort.order !== undefined) params.set("order", sort.order);
    } else params.set(key, String(value));
  }
  return params;
}

/** The query of URL parameters, not validated yet: pass it to the model's parseListTasksQuery. */
export function paramsToQuery(params: URLSearchParams): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    const last = values[values.length - 1];
    if (key === "status") {
      const statuses = values.flatMap((v) => v.split(",")).filter((s) => s !== "");
      query.status = statuses.length === 1 ? statuses[0] : statuses;
    } else if (key === "sort") {
      query.sort = { by: last, ...(params.has("order") ? { order: params.get("order") } : {}) };
    } else if (key === "order") {
      if (!params.has("sort")) query.order = last; // refused by the schema: order needs sort
    } else if (NUMERIC.has(key)) {
      query[key] = /^-?\d+(\.\d+)?$/.test(last) ? Number(last) : last;
    } else if (BOOLEAN.has(key)) {
      query[key] = last === "true" ? true : last === "false" ? false : last;
    } else {
      query[key] = last;
    }
  }
  return query;
}
