import { describeValue, previewValue } from "./types";

/** An attempt ran longer than its task's `timeout`. Counts as a failure for retries. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/** The reason given to a task's AbortSignal when it is cancelled. */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
}

/** The reason given to a running task's AbortSignal when the engine shuts down. */
export class ShutdownError extends Error {
  override readonly name = "ShutdownError";
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  // Errors from another realm (a vm context, a worker's structured clone) fail instanceof.
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { message?: unknown }).message === "string" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}

/**
 * Whatever a task threw, as an Error with a message and a stack. Errors pass through (a missing stack
 * is filled in); anything else is wrapped with a message that says what was thrown.
 */
export function toError(thrown: unknown): Error {
  if (isErrorLike(thrown)) {
    if (typeof thrown.stack !== "string" || thrown.stack === "") {
      const like = thrown as { message: string; name: string };
      const err = thrown instanceof Error ? thrown : Object.assign(new Error(like.message), { name: like.name });
      err.stack = `${err.name}: ${err.message}\n    (no stack trace was recorded for this error)`;
      return err;
    }
    return thrown;
  }
  let message: string;
  let note: string;
  if (typeof thrown === "string") {
    message = thrown;
    note = "the task threw a string, which carries no stack trace: throw new Error(...) to get one";
  } else {
    // An object's description ("an object") says little, so its JSON preview follows.
    const preview = typeof thrown === "object" && thrown !== null ? `: ${previewValue(thrown)}` : "";
    message = `the task threw ${describeValue(thrown)} instead of an Error${preview}`;
    note = "throw new Error(\"what went wrong\") to get a message and a stack trace";
  }
  const err = new Error(message);
  err.stack = `Error: ${message}\n    (${note})`;
  return err;
}

/** The one-line form stored in a record's `error`: `Name: message`. */
export function errorSummary(err: Error): string {
  return `${err.name || "Error"}: ${err.message}`;
}
