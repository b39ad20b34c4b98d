/**
 * The HTTP API's errors: the JSON body `{ error, name, ... }` and its status, from the model's
 * errors, so a client can rebuild the same error class on its side (see errorFromResponse).
 */
import { QueueFullError, TaskStateError, UnknownFunctionError, UnknownScheduleError, UnknownTaskError, ValidationError, isTaskStatus } from "../model";

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

/** The status and body answering `error`; unknown errors are 500 with their message. */
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
    default:
      return { status: 500, body };
  }
}

/** The model's error for an error response, so callers over HTTP catch what local callers catch. */
export function errorFromResponse(status: number, body: Partial<ErrorBody> | undefined): Error {
  const message = typeof body?.error === "string" ? body.error : `The Taskflow API answered ${status} without an error message`;
  switch (body?.name) {
    case "ValidationError":
      return new ValidationError(message, body.path ?? "");
    case "UnknownTaskError":
      return new UnknownTaskError(body.taskId ?? "", message);
    case "UnknownFunctionError":
      return new UnknownFunctionError(body.funcName ?? "", message);
    case "UnknownScheduleError":
      return new UnknownScheduleError(body.scheduleId ?? "", message);
    case "TaskStateError":
      if (isTaskStatus(body.status)) return new TaskStateError(body.taskId ?? "", body.status, message);
      break;
    case "QueueFullError":
      return new QueueFullError(body.taskId ?? "", body.queue ?? "", body.maxSize ?? 0, message);
    default:
      break;
  }
  return new HttpError(status, message);
}
