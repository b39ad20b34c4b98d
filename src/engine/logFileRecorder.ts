import type { LogFileOptions } from "../store/logFile";
import type { Disposable, Event, LifecycleEvent, LogEvent } from "../core/types";

/** Where the engine's text log goes: a RotatingLogFile, opened by the package entry for `options.logFile`. */
export interface LogSink {
  append(line: string): void;
  /** Resolves once every line appended so far is written. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the sink for `options.logFile`; throws for bad options. `onError` gets write failures. */
export type LogSinkFactory = (options: LogFileOptions, onError: (message: string) => void) => LogSink;

/** Newlines and tabs as escapes, so every event stays one line of the file. */
const oneLine = (text: string): string => text.replace(/\r?\n/g, "\\n").replace(/\t/g, "\\t");

/** `<ISO time> <LEVEL> <taskId> <funcName> <message>`. */
export function logEventLine(e: LogEvent): string {
  return `${e.timestamp} ${e.level.toUpperCase()} ${e.taskId} ${e.funcName} ${oneLine(e.message)}`;
}

/** `<ISO time> <STATUS> <taskId> <funcName> attempt <n>[ retries <n>][ <seconds>s][ error: <message>]`. */
export function lifecycleEventLine(e: LifecycleEvent): string {
  const parts = [e.timestamp, e.status.toUpperCase(), e.taskId, e.funcName, `attempt ${e.attempt + 1}`];
  if (e.retriesUsed > 0) parts.push(`retries ${e.retriesUsed}`);
  if (e.duration !== null) parts.push(`${e.duration}s`);
  if (e.error !== null) parts.push(`error: ${oneLine(e.error)}`);
  return parts.join(" ");
}

/** Appends every log line and lifecycle change of a manager to the sink until disposed. */
export function recordToLogFile(sink: LogSink, onLog: Event<LogEvent>, onLifecycle: Event<LifecycleEvent>): Disposable {
  const subscriptions = [onLog((e) => sink.append(logEventLine(e))), onLifecycle((e) => sink.append(lifecycleEventLine(e)))];
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}
