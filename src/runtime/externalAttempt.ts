/**
 * The host's side of an attempt run in a process of its own, launched by someone else (the editor's
 * debugger): a one-use channel (debugProtocol.ts) the process connects to, and the attempt's log
 * lines, progress, enqueue() calls, steps and waits, and outcome from it.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { getTaskContext } from "../core/taskContext";
import type { TaskFunction } from "../model";
import { answerAttemptCall, engineAttemptCalls, isAttemptCall, type AttemptCalls } from "./attemptCalls";
import { DEBUG_CHANNEL_ENV, DEBUG_TOKEN_ENV, encodeLine, lineReader, type ChannelMessage, type RunnerMessage } from "./debugProtocol";
import { abortError } from "./runTaskWorker";
import type { CompiledTask } from "./types";
import { deserializeError, type RunJob } from "./workerProtocol";

/** Options of runExternalAttempt(). */
export interface ExternalAttemptOptions extends AttemptCalls {
  /** The attempt: compiled module, export, arguments (kwargs appended) and context. */
  job: RunJob;
  /** Aborting it sends the process an abort for the task's signal and fails the attempt with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Starts the process that runs dist/debugRunner.js with `env` added to its environment. Resolves
   * once it was started; rejects with why it could not be, which fails the attempt.
   */
  launch(env: Record<string, string>): Promise<void>;
  /** Milliseconds from `launch` resolving until the process must have connected. @default 30000 */
  connectTimeoutMs?: number;
}

/** The process ended (exited, crashed, or was stopped) before it sent the attempt's outcome. */
export class RunnerDisconnectedError extends Error {
  override readonly name = "RunnerDisconnectedError";
}

/** A socket path no other channel uses, short enough for the Unix limit of about 100 bytes. */
function channelPath(): string {
  const name = `taskflow-debug-${randomBytes(8).toString("hex")}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\${name}`;
  const inTmp = path.join(tmpdir(), `${name}.sock`);
  return inTmp.length <= 100 ? inTmp : path.join("/tmp", `${name}.sock`);
}

/**
 * Runs one attempt in a process `launch` starts; resolves with the task's return value (parsed from
 * JSON, undefined for none), rejects with its error (name, message and stack as thrown there), with
 * RunnerDisconnectedError when the process ends first, or with a clear error when it never connects.
 * Only a process holding the channel's token is given the attempt.
 */
export async function runExternalAttempt(options: ExternalAttemptOptions): Promise<unknown> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const socketPath = channelPath();
  const token = randomBytes(24).toString("hex");
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  let runner: Socket | undefined;
  let connectTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: unknown): void => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve(value);
      };
      onAbort = () => {
        if (runner) {
          const reason = abortError(signal as AbortSignal);
          runner.write(encodeLine({ type: "abort", reason: reason.message, name: reason.name }));
        }
        finish(abortError(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      server.on("connection", (socket) => {
        const reply = (message: ChannelMessage): void => {
          if (socket.writable) socket.write(encodeLine(message));
        };
        socket.on("error", () => undefined);
        socket.on("data", lineReader<RunnerMessage>((message) => {
          if (message.type === "hello") {
            if (runner || message.token !== token) return void socket.destroy();
            runner = socket;
            clearTimeout(connectTimer);
            return reply({ type: "job", job: options.job });
          }
          if (socket !== runner) return void socket.destroy();
          if (message.type === "log") {
            if (!settled) options.onLog?.(message.message, message.level, message.extra);
          } else if (isAttemptCall(message)) {
            answerAttemptCall(message, settled ? undefined : options, reply);
            // The attempt waits (the engine has ended it); the process exits by itself.
            if (message.type === "suspend") finish(undefined, undefined);
          } else if (message.type === "result") {
            finish(undefined, message.json === undefined ? undefined : JSON.parse(message.json));
          } else if (message.type === "error") {
            finish(deserializeError(message.error));
          }
        }, () => socket.destroy()));
        socket.on("close", () => {
          if (socket === runner) {
            finish(new RunnerDisconnectedError("The process running the task under the debugger ended before the task finished: it exited, crashed or its debug session was stopped"));
          }
        });
      });
      options.launch({ [DEBUG_CHANNEL_ENV]: socketPath, [DEBUG_TOKEN_ENV]: token }).then(() => {
        if (settled || runner) return;
        const ms = options.connectTimeoutMs ?? 30_000;
        connectTimer = setTimeout(() => {
          finish(new Error(`The debug session started, but its task runner did not connect within ${ms / 1000} s: check the Debug Console for why it did not start`));
        }, ms);
      }, (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    });
  } finally {
    clearTimeout(connectTimer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    // Destroyed, not ended: a process held at a breakpoint would never answer an end.
    runner?.destroy();
    server.close();
    if (process.platform !== "win32") await rm(socketPath, { force: true });
  }
}

/**
 * A task function for the engine's attemptDelegate: each call runs `task` (the module version it was
 * compiled from) in a process `launch` starts, with the calling task's context, log lines, progress,
 * enqueue() and cancel signal wired to that process.
 */
export function externalAttemptFunction(
  task: CompiledTask,
  launch: ExternalAttemptOptions["launch"],
  options: { connectTimeoutMs?: number } = {},
): TaskFunction {
  return (...args: unknown[]) => {
    const context = getTaskContext();
    const job: RunJob = {
      kind: "run",
      compiledPath: task.compiledPath,
      sourcePath: task.sourcePath,
      exportName: task.exportName,
      args,
      context: { taskId: context?.taskId ?? "", funcName: context?.funcName ?? task.name, attempt: context?.attempt ?? 0, tags: { ...(context?.tags ?? {}) } },
    };
    return runExternalAttempt({ job, signal: context?.signal, launch, connectTimeoutMs: options.connectTimeoutMs, ...engineAttemptCalls() });
  };
}
