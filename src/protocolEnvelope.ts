/**
 * The envelopes and descriptor kinds of the host/webview protocol (src/protocol.ts declares the
 * messages themselves with them). Free of Node and vscode: bundled into the browser apps too.
 */

/** A command from the webview to the host. */
export interface CommandMessage<M extends string = string, P = unknown> {
  kind: "command";
  method: M;
  params: P;
}
/** A request from the webview; the host answers with one {@link ResponseMessage} of the same id. */
export interface RequestMessage<M extends string = string, P = unknown> {
  kind: "request";
  /** Chosen by the webview, unique among its outstanding requests. Positive integer. */
  id: number;
  method: M;
  params: P;
}
/** The host's answer to a request. */
export type ResponseMessage<R = unknown> =
  | { kind: "response"; id: number; ok: true; result: R }
  | { kind: "response"; id: number; ok: false; error: string };
/** A notification from the host to the webview. */
export interface NotificationMessage<M extends string = string, P = unknown> {
  kind: "notification";
  method: M;
  params: P;
}

export type WebviewToHostMessage = CommandMessage | RequestMessage;
export type HostToWebviewMessage = ResponseMessage | NotificationMessage;

/** Thrown by a descriptor's `parse` when a webview message is malformed. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    message: string,
    /** Dot path of the first bad field (`taskIds.1`), empty for the params themselves. */
    readonly path = "",
  ) {
    super(message);
  }
}

export interface CommandType<M extends string, P> {
  readonly kind: "command";
  readonly method: M;
  /** Validates untrusted params; throws ProtocolError. */
  parse(params: unknown): P;
  /** True for a command envelope of this method (params still unchecked: call `parse`). */
  is(message: unknown): message is CommandMessage<M, unknown>;
  /** Builds the envelope (webview side). */
  create(params: P): CommandMessage<M, P>;
}

export interface RequestType<M extends string, P, R> {
  readonly kind: "request";
  readonly method: M;
  parse(params: unknown): P;
  is(message: unknown): message is RequestMessage<M, unknown>;
  create(id: number, params: P): RequestMessage<M, P>;
  /** Type-only marker for the result; never read at run time. */
  readonly resultType?: R;
}

export interface NotificationType<M extends string, P> {
  readonly kind: "notification";
  readonly method: M;
  is(message: unknown): message is NotificationMessage<M, P>;
  create(params: P): NotificationMessage<M, P>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function envelopeIs(message: unknown, kind: string, method: string): boolean {
  return isRecord(message) && message.kind === kind && message.method === method;
}

export function command<M extends string, P>(method: M, parse: (params: unknown) => P): CommandType<M, P> {
  return {
    kind: "command",
    method,
    parse,
    is: (m): m is CommandMessage<M, unknown> => envelopeIs(m, "command", method),
    create: (params) => ({ kind: "command", method, params }),
  };
}

export function request<M extends string, P, R>(method: M, parse: (params: unknown) => P): RequestType<M, P, R> {
  return {
    kind: "request",
    method,
    parse,
    is: (m): m is RequestMessage<M, unknown> =>
      envelopeIs(m, "request", method) && isRequestId((m as Record<string, unknown>).id),
    create: (id, params) => ({ kind: "request", id, method, params }),
  };
}

export function notification<M extends string, P>(method: M): NotificationType<M, P> {
  return {
    kind: "notification",
    method,
    is: (m): m is NotificationMessage<M, P> => envelopeIs(m, "notification", method) && "params" in (m as object),
    create: (params) => ({ kind: "notification", method, params }),
  };
}

function isRequestId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** True for a well-formed response envelope (the webview checks host replies with it). */
export function isResponseMessage(message: unknown): message is ResponseMessage {
  if (!isRecord(message) || message.kind !== "response" || !isRequestId(message.id)) return false;
  return message.ok === true ? "result" in message : message.ok === false && typeof message.error === "string";
}
