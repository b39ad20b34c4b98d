/**
 * `GET /tasks/events`: the client's events as server-sent events. Each event is
 * `event: <kind>` + `data: <one JSON line>`; kinds are `lifecycle` (a LifecycleEvent), `log` (a
 * LogEvent), `progress` (a ProgressEvent) and `registry` (a
 * RegistryChangeEvent). A first `ready` event says the subscriptions are in place, so a client that
 * waits for it and then reads a task misses no later change.
 */
import type { ServerResponse } from "node:http";
import type { Disposable, TaskflowClient } from "../model";
import type { EventData, EventKind } from "./routeTable";

/** Milliseconds between keep-alive comments, so proxies and idle timeouts keep the stream open. */
const HEARTBEAT_MS = 15000;

/** Streams the client's events to `response` until the request closes; returns what stops it. */
export function streamEvents(client: TaskflowClient, response: ServerResponse): Disposable {
  response.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  const send = <K extends EventKind>(kind: K, data: EventData<K>) => {
    response.write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const subscriptions: Disposable[] = [
    client.onLifecycle((e) => send("lifecycle", e)),
    client.onLog((e) => send("log", e)),
    client.onProgress((e) => send("progress", e)),
    client.onDidChangeRegistry((e) => send("registry", e)),
  ];
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  send("ready", {});
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    subscriptions.forEach((s) => s.dispose());
    response.end();
  };
  response.on("close", stop);
  return { dispose: stop };
}
