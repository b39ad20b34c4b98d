/**
 * The query parameters of the HTTP API's routes, each both ways: the client writes a query as URL
 * parameters, the server reads them back. Values the engine checks (a listTasks query, an audit
 * page, a throughput bucket) are handed on for it to refuse with its own message.
 */
import { parseListTasksQuery, type AuditQuery, type ListTasksQuery, type ThroughputQuery } from "../model";
import { HttpError } from "./httpErrors";
import { paramsToQuery, queryToParams } from "./queryParams";

/** How one route's query travels: `In` is what the client gives, `Out` what the server's handler gets. */
export interface QueryCodec<In, Out> {
  /** The URL parameters of a query (client side). */
  toParams(query: In): URLSearchParams;
  /** The query of the URL parameters (server side); throws an error answered with 400 for one that does not decode. */
  fromParams(params: URLSearchParams): Out;
}

/** `GET /tasks` and `GET /tasks/count`: the listTasks query, checked by the model's schema. */
export const LIST_TASKS_QUERY: QueryCodec<ListTasksQuery, ListTasksQuery> = {
  toParams: queryToParams,
  fromParams: (params) => parseListTasksQuery(paramsToQuery(params)),
};

/** `GET /tasks/keys`: `funcName` (required) and `limit`, a whole number >= 1. */
export const KEYS_QUERY: QueryCodec<{ funcName: string; limit?: number }, { funcName: string; limit?: number }> = {
  toParams: ({ funcName, limit }) => new URLSearchParams({ funcName, ...(limit === undefined ? {} : { limit: String(limit) }) }),
  fromParams(params) {
    const funcName = params.get("funcName");
    if (funcName === null || funcName === "") {
      throw new HttpError(400, `GET /tasks/keys needs funcName, the task function whose keys to list, got ${funcName === null ? "none" : "an empty one"}: /tasks/keys?funcName=sync`);
    }
    const limit = params.get("limit");
    if (limit === null) return { funcName };
    if (!/^\d+$/.test(limit) || Number(limit) < 1) throw new HttpError(400, `limit must be a whole number >= 1, got ${JSON.stringify(limit)}`);
    return { funcName, limit: Number(limit) };
  },
};

/** A whole-number parameter as a number; other text is passed on for the engine to refuse by name. */
function numberParam(params: URLSearchParams, key: string): number | string | undefined {
  const text = params.get(key);
  if (text === null) return undefined;
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** `GET /tasks/audit`: `limit` and `offset`. */
export const AUDIT_QUERY: QueryCodec<AuditQuery, AuditQuery> = {
  toParams: (query) => new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined).map(([key, value]): [string, string] => [key, String(value)])),
  // Text that is not a whole number reaches audit(), whose ValidationError names it ("audit limit must be ...").
  fromParams: (params) => ({ limit: numberParam(params, "limit"), offset: numberParam(params, "offset") }) as AuditQuery,
};

/** `GET /tasks/throughput`: `bucket` (default minute), `since` (ISO time) and `funcName`. */
export const THROUGHPUT_QUERY: QueryCodec<ThroughputQuery, ThroughputQuery> = {
  toParams(query) {
    const since = query.since instanceof Date ? query.since.toISOString() : query.since;
    const params = new URLSearchParams({ bucket: String(query.bucket) });
    if (since !== undefined) params.set("since", since);
    if (query.funcName !== undefined) params.set("funcName", query.funcName);
    return params;
  },
  fromParams(params) {
    const since = params.get("since") ?? undefined;
    const funcName = params.get("funcName") ?? undefined;
    // throughput() checks the bucket and refuses another with its own message.
    const bucket = (params.get("bucket") ?? "minute") as ThroughputQuery["bucket"];
    return { bucket, ...(since === undefined ? {} : { since }), ...(funcName === undefined ? {} : { funcName }) };
  },
};

/** `DELETE /tasks/history`: `olderThanSeconds`, a number of seconds >= 0; left out clears every finished task. */
export const CLEAR_HISTORY_QUERY: QueryCodec<{ olderThanSeconds?: number }, { olderThanSeconds?: number }> = {
  toParams: ({ olderThanSeconds }) => new URLSearchParams(olderThanSeconds === undefined ? {} : { olderThanSeconds: String(olderThanSeconds) }),
  fromParams(params) {
    const older = params.get("olderThanSeconds");
    if (older === null) return {};
    const seconds = Number(older);
    if (older.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
      throw new HttpError(400, `olderThanSeconds must be a number of seconds >= 0, got ${JSON.stringify(older)}`);
    }
    return { olderThanSeconds: seconds };
  },
};
