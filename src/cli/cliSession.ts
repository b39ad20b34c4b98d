/**
 * How a CLI command reaches the tasks: through the database's holder when one runs (its forwarding
 * endpoint), or by opening the database itself when none does. Either way the command gets a
 * TaskflowClient, so it never cares which. What a command does is recorded in the audit trail as
 * done by "cli" either way.
 */
import { LocalTaskManager } from "../engine/localTaskManager";
import { WorkspaceRuntime } from "../runtime";
import { DatabaseLockedError, readLockHolder } from "../store";
import type { TaskflowClient } from "../model";
import { HttpTaskflowClient, readEndpoint } from "../http";
import { CliError } from "./cliErrors";
import { resolveDatabase } from "../store/workspaceDatabase";

export interface SessionOptions {
  /** The command, named in the lock ("taskflow run"). */
  command: string;
  workspace: string;
  db?: string;
  /**
   * When the CLI holds the database itself: load the workspace's task modules (to run tasks) and,
   * with "serve", also dispatch the pending tasks found in the store, as a window does.
   * @default "none": read and change records only, run nothing
   */
  runs?: "none" | "own" | "all";
  /** Problems loading task modules, and store warnings. */
  warn(message: string): void;
}

/** A client and how it was reached. */
export interface Session {
  client: TaskflowClient;
  dbPath: string;
  /** The manager when this process holds the database. */
  manager?: LocalTaskManager;
  /** Who was forwarded to, when another process holds it. */
  forwardedTo?: string;
  close(): Promise<void>;
}

/** How often opening is tried again when the holder changes between the look and the open. */
const OPEN_ATTEMPTS = 3;

export async function openSession(options: SessionOptions): Promise<Session> {
  const { dbPath, workspace } = await resolveDatabase({ workspace: options.workspace, db: options.db });
  let lastRefusal: DatabaseLockedError | undefined;
  for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
    const holder = await readLockHolder(dbPath);
    if (holder) return forward(dbPath, holder.pid, holder.owner);
    try {
      return await openLocally(dbPath, workspace, options);
    } catch (error) {
      if (!(error instanceof DatabaseLockedError)) throw error;
      lastRefusal = error;
    }
  }
  throw new CliError(1, lastRefusal?.message ?? `Could not open ${dbPath}`);
}

async function forward(dbPath: string, pid: number, owner: string): Promise<Session> {
  const endpoint = await readEndpoint(dbPath);
  if (!endpoint || endpoint.pid !== pid) {
    throw new CliError(
      1,
      `The task database ${dbPath} is in use by ${owner} (process ${pid}), which does not accept forwarded calls: stop it, or pass --db with another database`,
    );
  }
  let client: HttpTaskflowClient;
  try {
    client = await HttpTaskflowClient.connect({ socketPath: endpoint.socketPath, token: endpoint.token, actor: "cli" });
  } catch (error) {
    throw new CliError(1, `The task database ${dbPath} is in use by ${owner} (process ${pid}), but its endpoint did not answer (${(error as Error).message}): try again, or stop that process`);
  }
  return { client, dbPath, forwardedTo: `${owner} (process ${pid})`, close: async () => client.dispose() };
}

async function openLocally(dbPath: string, workspace: string, options: SessionOptions): Promise<Session> {
  const runs = options.runs ?? "none";
  const manager = new LocalTaskManager({
    dbPath,
    lockOwner: options.command,
    encryptArgsKey: process.env.TASKFLOW_ENCRYPTION_KEY || undefined,
    // Only a long-running holder (serve) takes on the pending tasks of others: a one-off command
    // would leave them interrupted when it exits.
    requeuePending: runs === "all",
    onOutsideLog: (message, level) => {
      if (level === "warning" || level === "error") options.warn(message);
    },
  });
  try {
    await manager.start();
  } catch (error) {
    await manager.shutdown().catch(() => undefined);
    throw error;
  }
  let runtime: WorkspaceRuntime | undefined;
  if (runs !== "none") {
    runtime = new WorkspaceRuntime({ manager, root: workspace, watch: runs === "all" });
    await runtime.ready();
    for (const d of runtime.diagnostics()) {
      if (d.severity === "error") options.warn(`${d.file}:${d.line}:${d.column}: ${d.message}`);
    }
  }
  return {
    client: manager.actingAs("cli"),
    dbPath,
    manager,
    async close() {
      try {
        await manager.shutdown();
      } finally {
        await runtime?.dispose();
      }
    },
  };
}
