/**
 * Entry of dist/debugRunner.js: the program the editor's debugger launches to run one attempt of a
 * task. It connects to the host's channel (debugProtocol.ts), receives the attempt, loads the
 * compiled module from the runtime's compile cache (its inline source map points at the original
 * .ts, so breakpoints there are hit) and runs the export, sending its log lines, progress,
 * enqueue() calls, steps and waits, and result or error back, then exits.
 */
import { connect } from "node:net";
import type { StepJournal } from "../core/stepJournal";
import { installRuntime } from "./runtimeGlobals";
import { DEBUG_CHANNEL_ENV, DEBUG_TOKEN_ENV, encodeLine, lineReader, type ChannelMessage, type RunnerMessage } from "./debugProtocol";
import { abortReason, callExport, routeConsole, taskContext, taskRuntime, type LoadedModule, type Log } from "./exportCall";
import { serializeError, type RunJob } from "./workerProtocol";
import { openWorkerJournal } from "./workerJournal";
import { WorkerRequests } from "./workerRequests";

async function main(): Promise<void> {
  const channel = process.env[DEBUG_CHANNEL_ENV];
  const token = process.env[DEBUG_TOKEN_ENV];
  if (!channel || !token) {
    process.stderr.write(`debugRunner.js runs a task for Taskflow's "Debug Task" command, which sets ${DEBUG_CHANNEL_ENV} and ${DEBUG_TOKEN_ENV}: run it from there\n`);
    process.exitCode = 2;
    return;
  }
  const socket = connect(channel);
  const send = (message: RunnerMessage): void => {
    if (socket.writable) socket.write(encodeLine(message));
  };
  socket.on("error", (error) => {
    process.stderr.write(`Taskflow's debug channel failed: ${error.message}\n`);
    process.exit(1);
  });
  // The host is gone (the window closed, the run was cancelled): nothing would receive the outcome.
  socket.on("close", () => process.exit(1));
  const controller = new AbortController();
  const requests = new WorkerRequests(send, () => undefined);
  const job = await new Promise<RunJob>((resolve) => {
    socket.on("data", lineReader<ChannelMessage>((message) => {
      if (message.type === "job") resolve(message.job);
      else if (message.type === "abort") controller.abort(abortReason(message));
      else if (message.type !== "run") requests.answer(message);
    }, () => socket.destroy()));
    send({ type: "hello", token, pid: process.pid });
  });
  const log: Log = (message, level, extra) => send({ type: "log", message, level, extra });
  // taskLog() lines show in the Debug Console too, beside the console output routeConsole echoes.
  const echo = console.log.bind(console);
  const taskLogLine: Log = (message, level, extra) => {
    log(message, level, extra);
    echo(message);
  };
  const context = taskContext(job.context, controller.signal);
  const loaded: LoadedModule = {};
  // A wait that suspends the attempt ends this process: the host has the run waiting, and its resume
  // is a new attempt, which the engine's attempt delegate places again.
  const suspended = (): void => {
    socket.removeAllListeners("close");
    socket.removeAllListeners("error");
    // The host may close its end first: the run is in its hands either way.
    socket.on("error", () => process.exit(0));
    socket.end(() => process.exit(0));
  };
  let journal: Promise<StepJournal> | undefined;
  installRuntime(taskRuntime(() => context, taskLogLine, requests, loaded, () => (journal ??= openWorkerJournal(requests, undefined, suspended))));
  routeConsole(log, true);
  process.setSourceMapsEnabled(true);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(job.compiledPath) as Record<string, unknown>;
    loaded.exports = exports;
    send({ type: "result", json: await callExport(exports, job.exportName, job.sourcePath, job.args) });
  } catch (error) {
    send({ type: "error", error: serializeError(error, __filename) });
  }
  socket.removeAllListeners("close");
  // Timers or handles the task left behind must not keep the debug session open.
  socket.end(() => process.exit(0));
}

void main();
