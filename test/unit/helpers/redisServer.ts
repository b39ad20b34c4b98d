/**
 * A redis-server of its own for the bench and the BullMQ tests: on a free loopback port, its files
 * in a temp dir that stop() removes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:<port> */
  url: string;
  pid: number;
  version: string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
  /** Stops the server and keeps its files, so `startRedisServer(exe, { port, dir })` brings the same data back. */
  halt(): Promise<void>;
  /** The folder of its AOF files. */
  dir: string;
}

/** The redis-server executable on PATH, or undefined when there is none. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The redis-server executable the BullMQ suites need. Missing, it fails the suite with an error
 * that says to install it, so CI cannot go green without those suites; a developer without Redis
 * may set TASKFLOW_SKIP_REDIS=1 (which CI never sets) to skip them instead. Call it in `before`.
 */
export function requireRedisServer(context: Mocha.Context, what: string): string {
  const found = findRedisServer();
  if (found) return found;
  if (process.env.TASKFLOW_SKIP_REDIS === "1") {
    console.warn(`    skipped: redis-server is not on PATH and TASKFLOW_SKIP_REDIS=1, so ${what} do not run`);
    context.skip();
  }
  throw new Error(
    `${what} need redis-server on PATH, found none in ${process.env.PATH ?? "(no PATH)"}: install it (apt-get install redis-server), or set TASKFLOW_SKIP_REDIS=1 to skip them on this machine`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error(`expected a TCP address, got ${String(address)}`))));
    });
  });
}

/** Milliseconds redis-server may take to say it accepts connections. */
const READY_TIMEOUT_MS = 10_000;

export interface RedisServerOptions {
  /** AOF on with `appendfsync everysec`, as a durable BullMQ deployment runs; off: memory only. @default true */
  durable?: boolean;
  /** The port to listen on (a restart on the same address). @default a free one */
  port?: number;
  /** The folder of its files (a restart with the same data). @default a new temp dir */
  dir?: string;
  /** More command-line options, e.g. `["--requirepass", "pw"]`. */
  args?: string[];
}

/** Starts `executable` with no RDB snapshots, AOF as `options.durable` says. */
export async function startRedisServer(executable: string, options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "taskflow-redis-"));
  const port = options.port ?? await freePort();
  const durable = options.durable ?? true;
  const child = spawn(executable, [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
    "--appendonly", durable ? "yes" : "no", "--appendfsync", "everysec", "--save", "",
    "--daemonize", "no", "--logfile", "", "--protected-mode", "yes", ...(options.args ?? []),
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const version = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, found?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill();
        reject(error);
      } else {
        resolve(found ?? "unknown");
      }
    };
    const timer = setTimeout(() => settle(new Error(`redis-server did not report ready within ${READY_TIMEOUT_MS} ms; its output:\n${output}`)), READY_TIMEOUT_MS);
    child.once("error", (error) => settle(error));
    child.once("exit", (code, signal) => settle(new Error(`redis-server exited (code ${code}, signal ${signal}) before it was ready; its output:\n${output}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) settle(undefined, /version=([\d.]+)/.exec(output)?.[1]);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  });
  return {
    port, dir, url: `redis://127.0.0.1:${port}`, pid: child.pid as number, version,
    stop: async () => {
      await halt(child);
      rmSync(dir, { recursive: true, force: true });
    },
    halt: () => halt(child),
  };
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }
}
