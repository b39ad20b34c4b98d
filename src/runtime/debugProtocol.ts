/**
 * The channel between the host and the process the debugger runs one attempt in (dist/debugRunner.js):
 * a local socket (a Unix domain socket, a named pipe on Windows) whose path and token the runner finds
 * in its environment. Messages are JSON, one per line. After the handshake they are the worker
 * messages of a fresh worker's run job (workerProtocol.ts), so log lines, progress, enqueue() and the
 * result or error travel exactly as they do from a worker thread.
 */
import type { HostMessage, RunJob, WorkerMessage } from "./workerProtocol";

/** Environment variable holding the channel's socket path. */
export const DEBUG_CHANNEL_ENV = "TASKFLOW_DEBUG_CHANNEL";
/** Environment variable holding the token the runner proves it was launched for this attempt with. */
export const DEBUG_TOKEN_ENV = "TASKFLOW_DEBUG_TOKEN";

/** Runner -> host, first: who connects, with the token from its environment. */
export interface HelloMessage {
  type: "hello";
  token: string;
  pid: number;
}

/** Host -> runner, the answer to a hello with the right token: the attempt to run. */
export interface JobMessage {
  type: "job";
  job: RunJob;
}

/** Runner -> host. */
export type RunnerMessage = HelloMessage | WorkerMessage;

/** Host -> runner. */
export type ChannelMessage = JobMessage | HostMessage;

/** One message as a line of the channel. */
export function encodeLine(message: RunnerMessage | ChannelMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * A reader of the channel's byte stream: calls `onMessage` with each complete line parsed, and
 * `onMalformed` with a line that is not JSON (the peer is then not a Taskflow runner or host).
 */
export function lineReader<T>(onMessage: (message: T) => void, onMalformed: (line: string) => void): (chunk: Buffer | string) => void {
  let buffered = "";
  return (chunk) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== "") {
        let message: T;
        try {
          message = JSON.parse(line) as T;
        } catch {
          onMalformed(line);
          return;
        }
        onMessage(message);
      }
      newline = buffered.indexOf("\n");
    }
  };
}
