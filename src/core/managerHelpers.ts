import type { TaskStore } from "../store/types";
import { isDeletable, type LogLevel } from "./types";

/** A TaskManager option that must be a whole number >= 1; `fallback` when not given. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`TaskManager option ${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

/** The outside log sink with its throws contained: nowhere is left to report them, and the engine must keep going. */
export function containedSink(sink: (message: string, level: LogLevel) => void): (message: string, level: LogLevel) => void {
  return (message, level) => {
    try {
      sink(message, level);
    } catch {
      // Nothing to do: see above.
    }
  };
}

/** Deletes the finished tasks among `taskIds`; `inFlight` ones (a cancelled run still settling keeps its id) are skipped. */
export function deleteFinished(store: TaskStore, inFlight: (taskId: string) => boolean, taskIds: string[]): number {
  return store.deleteTasks(taskIds.filter((id) => {
    if (inFlight(id)) return false;
    const stored = store.getTask(id);
    return stored !== undefined && isDeletable(stored.status);
  }));
}
