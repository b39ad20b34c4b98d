/**
 * The HTTP API server: the same handler serves `taskflow serve` on a loopback TCP port and the
 * lock holder's local socket, which the CLI (and a second window) forward their calls to.
 *
 * Built on node:http, not a router library: the routes are one typed table (routeTable.ts) shared
 * with the client, and the checks that matter here (Host and Origin, the token, the body limit) are
 * a few lines that are clearer written out than configured.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Disposable, TaskflowClient } from "../model";
import { errorResponse } from "./httpErrors";
import { DEFAULT_MAX_BODY_BYTES, checkOrigin, checkToken, readJsonBody, requestActor } from "./requestGuard";
import { streamEvents } from "./eventStream";
import { Router } from "./router";
import { EVENTS_ROUTE } from "./routeTable";
import { TASK_ROUTES } from "./routes";
import { SCHEDULE_ROUTES } from "./scheduleRoutes";

export interface ApiServerOptions {
  /**
   * What the API serves: a TaskManager, or a client forwarding to the database's holder. Each
   * request acts through `client.actingAs(actor)`: "http", or the X-Taskflow-Actor header's actor.
   */
  client: TaskflowClient;
  /** The bearer token every request must carry. @default 32 random bytes, base64url */
  token?: string;
  /** Largest request body, in bytes; larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
}

/** A new random bearer token (32 bytes, base64url). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
  response.end(text);
}

/** A running API server. */
export class ApiServer {
  readonly token: string;
  private readonly streams = new Set<Disposable>();
  private readonly server: Server;
  private readonly router = new Router({ ...TASK_ROUTES, ...SCHEDULE_ROUTES });
  /** The TCP port, or undefined while not listening or when listening on a local socket. */
  private port: number | undefined;
  private readonly forwardedHosts = new Set<string>();

  constructor(private readonly options: ApiServerOptions) {
    this.token = options.token ?? newToken();
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  /**
   * Listens on the loopback address only. Resolves with the base URL (`http://127.0.0.1:<port>`).
   * @param port 0 picks a free port. @default 0
   */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Also answers requests addressed to `host` (`name:port`): where a remote window's port forwarding
   * (VS Code's `env.asExternalUri`) delivers them, with the Host the person's machine used. Every
   * request still needs the token.
   */
  allowForwardedHost(host: string): void {
    this.forwardedHosts.add(host.toLowerCase());
  }

  /** Listens on a Unix socket path or Windows named pipe (no Host check: browsers cannot reach it). */
  async listenOnSocket(socketPath: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(socketPath, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Ends the event streams and stops accepting; resolves once every connection is closed. */
  async close(): Promise<void> {
    this.streams.forEach((s) => s.dispose());
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      checkOrigin(request, this.port, this.forwardedHosts);
      checkToken(request, this.token);
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const method = request.method ?? "GET";
      if (method === EVENTS_ROUTE.method && url.pathname === EVENTS_ROUTE.path) {
        const stream = streamEvents(this.options.client, response);
        this.streams.add(stream);
        response.on("close", () => this.streams.delete(stream));
        return;
      }
      const maxBytes = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
      const client = () => this.options.client.actingAs(requestActor(request));
      const { status, body } = await this.router.handle({ method, url, client, readBody: () => readJsonBody(request, maxBytes) });
      send(response, status, body);
    } catch (error) {
      const { status, body } = errorResponse(error);
      // The rest of a refused body is not read: close the connection rather than drain it.
      if (status === 413) response.setHeader("Connection", "close");
      if (!response.headersSent) send(response, status, body);
      else response.end();
    }
  }
}
