/**
 * What every request passes before a route sees it: the Host and Origin checks that stop DNS
 * rebinding (a web page whose name resolves to 127.0.0.1 must not reach the API), the bearer token,
 * and a size-limited JSON body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AUDIT_ACTORS, describeValue, isAuditActor, type AuditActor } from "../model";
import { HttpError } from "./httpErrors";

/** Largest request body read, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Refuses (403) a request whose Host, or Origin when present, is not this server's loopback address
 * and port. `port` undefined means a local socket: no browser reaches one, so there is nothing to check.
 * @param forwardedHosts other Hosts (`name:port`, lower case) a request may be addressed to: where a
 * remote window's port forwarding delivers it. @default none
 */
export function checkOrigin(request: IncomingMessage, port: number | undefined, forwardedHosts: ReadonlySet<string> = new Set()): void {
  if (port === undefined) return;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const host = request.headers.host ?? "";
  if (!allowed.has(host.toLowerCase()) && !forwardedHosts.has(host.toLowerCase())) {
    throw new HttpError(403, `Host must be 127.0.0.1:${port} or localhost:${port}, got ${JSON.stringify(host)}: the API only answers requests addressed to the loopback address`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && ![...allowed].some((a) => origin.toLowerCase() === `http://${a}`)) {
    throw new HttpError(403, `Origin must be http://127.0.0.1:${port} or http://localhost:${port}, got ${JSON.stringify(origin)}: the API does not answer pages of other sites`);
  }
}

/** Refuses (401) a request without `Authorization: Bearer <token>`. Compared in constant time. */
export function checkToken(request: IncomingMessage, token: string): void {
  const header = request.headers.authorization ?? "";
  const match = /^Bearer (.+)$/.exec(header);
  if (!match) throw new HttpError(401, "Every request needs the header Authorization: Bearer <token> (the token printed by taskflow serve)");
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (!timingSafeEqual(digest(match[1]), digest(token))) throw new HttpError(401, "The bearer token is wrong: use the token printed by taskflow serve");
}

/**
 * Who the audit trail records for the request: "http", or the actor named by the header
 * `X-Taskflow-Actor` (the CLI sends "cli" when it forwards). 400 for a header naming no actor.
 */
export function requestActor(request: IncomingMessage): AuditActor {
  const header = request.headers["x-taskflow-actor"];
  if (header === undefined) return "http";
  if (!isAuditActor(header)) {
    throw new HttpError(400, `X-Taskflow-Actor must be one of ${AUDIT_ACTORS.join(", ")}, got ${describeValue(header)}: leave the header out to act as "http"`);
  }
  return header;
}

/** The request's JSON body (undefined when empty); 413 past `maxBytes`, 400 when it is not JSON. */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    request.resume();
    throw new HttpError(413, `Request body must be at most ${maxBytes} bytes, got ${declared}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `Request body must be at most ${maxBytes} bytes, got more`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, `Request body must be JSON, got ${describeValue(text.slice(0, 40))}: send a JSON object with Content-Type: application/json`);
  }
}
