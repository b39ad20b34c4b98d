/**
 * The lock holder's forwarding endpoint: the HTTP API on a local socket (a Unix socket beside the
 * database, or a Windows named pipe), advertised in `<dbPath>.endpoint` with its token. The file is
 * readable by its owner only; whoever can read it can read the database too.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TaskflowClient } from "../model";
import { ApiServer } from "./apiServer";

/** What `<dbPath>.endpoint` holds. */
export interface EndpointInfo {
  /** The holder's pid: the endpoint is only used while it is also the lock's pid. */
  pid: number;
  /** Unix socket path or Windows named pipe. */
  socketPath: string;
  token: string;
  /** What serves it ("a VS Code window", "taskflow serve"), for messages. */
  owner: string;
}

export function endpointPathOf(dbPath: string): string {
  return `${dbPath}.endpoint`;
}

/** Longest Unix socket path that works everywhere (macOS allows 104 bytes, Linux 108). */
const MAX_SOCKET_PATH = 100;

/** Where the holder of `dbPath` listens: beside the database when the path is short enough, else in the temp folder. */
export function socketPathOf(dbPath: string): string {
  const hash = createHash("sha256").update(path.resolve(dbPath)).digest("hex").slice(0, 16);
  if (process.platform === "win32") return `\\\\.\\pipe\\taskflow-${hash}`;
  const beside = `${dbPath}.sock`;
  return Buffer.byteLength(beside) <= MAX_SOCKET_PATH ? beside : path.join(tmpdir(), `taskflow-${hash}.sock`);
}

/** A served forwarding endpoint; `close()` stops it and removes its files. */
export interface LocalEndpoint {
  readonly socketPath: string;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * Serves `client` on the database's local socket and writes `<dbPath>.endpoint`. Call it only while
 * holding the database (after the manager on `dbPath` started): a leftover socket file is removed.
 */
export async function serveLocalEndpoint(options: { client: TaskflowClient; dbPath: string; owner: string }): Promise<LocalEndpoint> {
  const dbPath = path.resolve(options.dbPath);
  const socketPath = socketPathOf(dbPath);
  const server = new ApiServer({ client: options.client });
  if (process.platform !== "win32") await fsp.rm(socketPath, { force: true });
  await server.listenOnSocket(socketPath);
  if (process.platform !== "win32") await fsp.chmod(socketPath, 0o600);
  const info: EndpointInfo = { pid: process.pid, socketPath, token: server.token, owner: options.owner };
  const file = endpointPathOf(dbPath);
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, JSON.stringify(info), { mode: 0o600 });
  await fsp.rename(temp, file);
  let closed = false;
  return {
    socketPath,
    token: server.token,
    async close() {
      if (closed) return;
      closed = true;
      const current = await readEndpoint(dbPath);
      // A holder that took the database after this one (during a restart's gap) serves on the same
      // socket path: its endpoint file and socket are left alone.
      const ours = current === undefined || (current.pid === process.pid && current.socketPath === socketPath);
      if (ours) await fsp.rm(file, { force: true });
      await server.close();
      if (ours && process.platform !== "win32") await fsp.rm(socketPath, { force: true });
    },
  };
}

/** The endpoint advertised for `dbPath`, or undefined when none (or unreadable). */
export async function readEndpoint(dbPath: string): Promise<EndpointInfo | undefined> {
  try {
    const value = JSON.parse(await fsp.readFile(endpointPathOf(path.resolve(dbPath)), "utf8")) as Partial<EndpointInfo>;
    if (typeof value.pid !== "number" || typeof value.socketPath !== "string" || typeof value.token !== "string") return undefined;
    return { pid: value.pid, socketPath: value.socketPath, token: value.token, owner: typeof value.owner === "string" ? value.owner : "another process" };
  } catch {
    return undefined;
  }
}
