/**
 * How a window reaches its workspace's task database: it holds the database itself (its manager
 * started), or another process holds it (a second window on the same storage folder, `taskflow
 * serve`) and the window forwards every call to that holder's endpoint. There is never a second
 * writer. No vscode import, so it is unit-tested in plain Node.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as l10n from "@vscode/l10n";
import { DatabaseLockedError, readLockHolder, type LockHolder } from "../../store";
import { HttpTaskflowClient, readEndpoint, type EndpointInfo } from "../../http";

/** What the lock of a window holding its database names it (others' error messages say so); stored in the lock file, so not translated. */
export const WINDOW_OWNER = "a VS Code window";

export type DatabaseAccess<S> =
  | { kind: "local"; session: S }
  | {
      kind: "forwarded";
      client: HttpTaskflowClient;
      /** Who holds the database, for messages: `taskflow serve (process 4242)`. */
      holder: string;
      /** The holder's lock as it was found: watchHolder tells when it is no longer held. */
      lock: LockHolder;
    };

export interface OpenOptions<S> {
  dbPath: string;
  /** Opens the database and starts the manager; rejects with DatabaseLockedError while another process holds it. */
  start(): Promise<S>;
  /**
   * How many times `start()` is tried while the holder has no endpoint to forward to (it is still
   * starting, or it is a one-off CLI command that ends soon). @default 25
   */
  attempts?: number;
  /** Milliseconds between those attempts. @default 200 */
  retryDelayMs?: number;
  /** Waits `ms` milliseconds (a port, so tests do not wait). @default node:timers/promises setTimeout */
  wait?(ms: number): Promise<unknown>;
  /** Connects to a holder's endpoint. @default HttpTaskflowClient.connect */
  connect?(endpoint: EndpointInfo): Promise<HttpTaskflowClient>;
}

/** Thrown when another process holds the database and offers no endpoint to forward to. */
export class HolderWithoutEndpointError extends Error {
  override readonly name = "HolderWithoutEndpointError";
  constructor(
    readonly dbPath: string,
    readonly holder: LockHolder,
    /** Why its endpoint cannot be used: it has none, or the error connecting to it. */
    endpointError?: string,
  ) {
    super(
      endpointError === undefined
        ? l10n.t("The task database {0} is held by {1}, which does not accept forwarded calls (it has no endpoint): this window shows no tasks while it does. Close that process (or let its command finish), then run \"Developer: Reload Window\"", dbPath, describeHolder(holder))
        : l10n.t("The task database {0} is held by {1}, which did not answer at its endpoint ({2}): this window shows no tasks while it does. Close that process (or let its command finish), then run \"Developer: Reload Window\"", dbPath, describeHolder(holder), endpointError),
    );
  }
}

/** `taskflow serve (process 4242)`, or with the machine when it is another one. */
export function describeHolder(holder: Pick<LockHolder, "owner" | "pid">): string {
  return l10n.t("{0} (process {1})", holder.owner, holder.pid);
}

/**
 * Starts the manager on `dbPath`, or, while another process holds the database, connects to that
 * holder's endpoint instead. A holder without an endpoint is waited for briefly (`attempts` times
 * `retryDelayMs`), as a lock can change hands between two tries; then the call rejects with a
 * HolderWithoutEndpointError naming it. Other errors of `start()` are passed on.
 */
export async function openOrForward<S>(options: OpenOptions<S>): Promise<DatabaseAccess<S>> {
  const attempts = Math.max(1, options.attempts ?? 25);
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const connect = options.connect ?? ((e: EndpointInfo) => HttpTaskflowClient.connect({ socketPath: e.socketPath, token: e.token }));
  let refusal: HolderWithoutEndpointError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await wait(options.retryDelayMs ?? 200);
    try {
      return { kind: "local", session: await options.start() };
    } catch (error) {
      if (!(error instanceof DatabaseLockedError)) throw error;
      const { holder } = error;
      const endpoint = await readEndpoint(options.dbPath);
      if (!endpoint || endpoint.pid !== holder.pid) {
        refusal = new HolderWithoutEndpointError(options.dbPath, holder);
        continue;
      }
      try {
        return { kind: "forwarded", client: await connect(endpoint), holder: describeHolder(holder), lock: holder };
      } catch (cause) {
        refusal = new HolderWithoutEndpointError(options.dbPath, holder, (cause as Error).message);
      }
    }
  }
  throw refusal ?? new Error(l10n.t("Could not open {0}", options.dbPath));
}

export interface HolderWatchOptions {
  dbPath: string;
  /** The lock of the holder forwarded to (DatabaseAccess's `lock`). */
  lock: LockHolder;
  /** Called once, when that lock no longer holds the database: its holder stopped or died. */
  gone(): void;
  /** Milliseconds between looks at the lock file. @default 1000 */
  intervalMs?: number;
  /** Told when a look fails (the lock file could not be read); the watch goes on. */
  warn?(message: string): void;
}

/**
 * Watches the lock of the holder a window forwards to, so the window can take the database over when
 * that holder goes away (its window closed, its `taskflow serve` stopped or was killed) instead of
 * forwarding to nobody until a reload. A holder that released its lock, or whose process is gone
 * (checked as the lock's takeover does: pid and start time), counts as gone; a new holder's lock
 * too, since the window must then forward to that one. Disposing stops the watch.
 */
export function watchHolder(options: HolderWatchOptions): { dispose(): void } {
  let stopped = false;
  let looking = false;
  const look = async () => {
    if (stopped || looking) return;
    looking = true;
    try {
      const current = await readLockHolder(options.dbPath);
      if (stopped || current?.lockId === options.lock.lockId) return;
      stopped = true;
      clearInterval(timer);
      options.gone();
    } catch (error) {
      options.warn?.(`Watching the holder of ${options.dbPath} failed: ${(error as Error).message}`);
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), options.intervalMs ?? 1000);
  timer.unref();
  return {
    dispose: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
