/**
 * The HTTP API's errors: the JSON body `{ error, name, ... }` and its status, from the model's
 * errors, so a client can rebuild the same error class on its side (see errorFromResponse).
 */
import { QueueFullError, TaskStateError, UnknownFunctionError, UnknownScheduleError, UnknownTaskError, ValidationError, isPlainObject, isTaskStatus } from "../model";

/** An error with the HTTP status it is answered with. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The body of an error response. */
export interface ErrorBody {
  /** One sentence: what was expected, what was got, what to do. */
  error: string;
  /** The error's class name (ValidationError, UnknownTaskError, TaskStateError, ...). */
  name: string;
  taskId?: string;
  status?: string;
  funcName?: string;
  path?: string;
  /** UnknownScheduleError: the id asked for. */
  scheduleId?: string;
  /** QueueFullError: the full queue and its maxSize (`taskId` is the stored rejected run). */
  queue?: string;
  maxSize?: number;
}

/** The status and body answering `error`; a store that cannot save is 503, unknown errors are 500 with their message. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  const e = error instanceof Error ? error : new Error(String(error));
  const body: ErrorBody = { error: e.message, name: e.name };
  // By name, not instanceof: the client interface may be served by another bundle's copy of the model.
  switch (e.name) {
    case "HttpError":
      return { status: (e as HttpError).status, body };
    case "ValidationError":
      return { status: 400, body: { ...body, path: (e as ValidationError).path } };
    case "UnknownTaskError":
      return { status: 404, body: { ...body, taskId: (e as UnknownTaskError).taskId } };
    case "UnknownFunctionError":
      return { status: 404, body: { ...body, funcName: (e as UnknownFunctionError).funcName } };
    case "UnknownScheduleError":
      return { status: 404, body: { ...body, scheduleId: (e as UnknownScheduleError).scheduleId } };
    case "TaskStateError":
      return { status: 409, body: { ...body, taskId: (e as TaskStateError).taskId, status: (e as TaskStateError).status } };
    case "QueueFullError": {
      const full = e as QueueFullError;
      return { status: 409, body: { ...body, taskId: full.taskId, queue: full.queue, maxSize: full.maxSize } };
    }
    case "StoreWriteError":
      // The disk is full or read-only: not the request's fault, and the same request succeeds once it is writable.
      return { status: 503, body };
    default:
      return { status: 500, body };
  }
}

/** The model's error for an error response, so callers over HTTP catch what local callers catch. */
export function errorFromResponse(status: number, body: unknown): Error {
  const field = (key: keyof ErrorBody): string | undefined => (isPlainObject(body) && typeof body[key] === "string" ? body[key] : undefined);
  const message = field("error") ?? `The Taskflow API answered ${status} without an error message`;
  const taskId = field("taskId") ?? "";
  switch (field("name")) {
    case "ValidationError":
      return new ValidationError(message, field("path") ?? "");
    case "UnknownTaskError":
      return new UnknownTaskError(taskId, message);
    case "UnknownFunctionError":
      return new UnknownFunctionError(field("funcName") ?? "", message);
    case "UnknownScheduleError":
      return new UnknownScheduleError(field("scheduleId") ?? "", message);
    case "TaskStateError": {
      const taskStatus = field("status");
      if (isTaskStatus(taskStatus)) return new TaskStateError(taskId, taskStatus, message);
      break;
    }
    case "QueueFullError": {
      const maxSize = isPlainObject(body) && typeof body.maxSize === "number" ? body.maxSize : 0;
      return new QueueFullError(taskId, field("queue") ?? "", maxSize, message);
    }
    default:
      break;
  }
  return new HttpError(status, message);
}
