/**
 * The server's side of the route table: finds the route of a request (404 for an unknown path, 405
 * for a known path with another method), checks its body and query, and calls its handler.
 */
import type { TaskflowClient } from "../model";
import type * as v from "valibot";
import { HttpError } from "./httpErrors";
import { parseBody, type BodySpec } from "./requestBodies";
import { API_ROUTES, type AnyRoute, type PathParams, type RouteName, type RouteReply } from "./routeTable";

type BodyOutput<B> = B extends BodySpec<infer S> ? v.InferOutput<S> : undefined;
type QueryOutput<Q> = Q extends { fromParams(params: URLSearchParams): infer Out } ? Out : undefined;

/** What a route's handler gets: the client acting for the request, and the checked parts of the request. */
export interface HandlerRequest<S extends AnyRoute> {
  client: TaskflowClient;
  params: PathParams<S["path"]>;
  body: BodyOutput<S["body"]>;
  query: QueryOutput<S["query"]>;
}

/** A handler per route of the table, answering with the route's reply type. */
export type RouteHandlers = { [K in RouteName]: (request: HandlerRequest<(typeof API_ROUTES)[K]>) => Promise<RouteReply<(typeof API_ROUTES)[K]>> };

/** A handler as the router calls it; method syntax, since each takes its own route's request. */
interface AnyHandler {
  handle(request: HandlerRequest<AnyRoute>): Promise<unknown>;
}

interface CompiledRoute {
  route: AnyRoute;
  pattern: RegExp;
  paramNames: string[];
  handler: AnyHandler;
}

/** What a request gives the router. */
export interface IncomingCall {
  method: string;
  url: URL;
  /** The client acting for the request's caller; asked once the route is found. */
  client(): TaskflowClient;
  /** The JSON body, read only for a route that takes one (size-limited). */
  readBody(): Promise<unknown>;
}

function compile(route: AnyRoute, handler: AnyHandler): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, name: string) => {
    paramNames.push(name);
    return "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), paramNames, handler };
}

/** Dispatches requests through API_ROUTES to their handlers. */
export class Router {
  /** Fixed paths before those with parameters, so `/tasks/count` is never taken for a task id. */
  private readonly routes: CompiledRoute[];

  constructor(handlers: RouteHandlers) {
    const names = Object.keys(API_ROUTES) as RouteName[];
    this.routes = names
      .map((name) => compile(API_ROUTES[name], { handle: handlers[name] }))
      .sort((a, b) => a.paramNames.length - b.paramNames.length);
  }

  /** The status and JSON body answering the call; throws for a refused one (answered by errorResponse). */
  async handle(call: IncomingCall): Promise<{ status: number; body: unknown }> {
    const { pathname } = call.url;
    const matching = this.routes.filter((r) => r.pattern.test(pathname));
    const found = matching.find((r) => r.route.method === call.method);
    if (!found) {
      if (matching.length > 0) {
        const methods = [...new Set(matching.map((r) => r.route.method))];
        throw new HttpError(405, `${call.method} ${pathname} is not supported: use ${methods.join(" or ")}`);
      }
      throw new HttpError(404, `No endpoint ${call.method} ${pathname}: every endpoint is under /tasks, like GET /tasks (the task list) or GET /tasks/{id} (one task)`);
    }
    const { route, pattern, paramNames, handler } = found;
    const values = (pattern.exec(pathname) ?? []).slice(1).map((p) => decodeSegment(p, pathname));
    const params = Object.fromEntries(paramNames.map((name, i) => [name, values[i]]));
    const client = call.client();
    const body = route.body === undefined ? undefined : parseBody(route.body, await call.readBody());
    const query = route.query?.fromParams(call.url.searchParams);
    const reply = await handler.handle({ client, params, body, query });
    return { status: route.status, body: reply };
  }
}

/** A URL-decoded path segment; 400 for one that is not valid percent-encoding (`%`, `%zz`, a cut UTF-8 sequence). */
function decodeSegment(segment: string, pathname: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `The path ${pathname} must be URL-encoded, got the segment ${JSON.stringify(segment)} that does not decode: encode it with encodeURIComponent`);
  }
}
