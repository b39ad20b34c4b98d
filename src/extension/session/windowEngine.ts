/**
 * The window's side of "one writer per database": it holds its workspace's database (a
 * WorkspaceSession whose manager took the lock) and serves the local endpoint that the CLI and
 * other windows forward to, or, while another process holds the database, it forwards to that
 * holder. Either way the exported API (the ManagerProxy) is attached to what the window uses, so
 * views, panels and commands never care which. With `taskflow.backend` set to a Redis URL there is no
 * database to hold: the window's session is a manager on the shared queue, and the CLI reaches that
 * queue itself (`--redis`).
 */
import * as l10n from "@vscode/l10n";
import type * as vscode from "vscode";
import type { BullmqTaskManager } from "../../backends/bullmq/bullmqManager";
import type { ConnectionState } from "../../backends/bullmq/connectionWatch";
import { Emitter } from "../../core/emitter";
import { serveLocalEndpoint, type HttpTaskflowClient, type LocalEndpoint } from "../../http";
import type { Event } from "../../model";
import { WINDOW_OWNER, openOrForward, watchHolder } from "./databaseAccess";
import type { ManagerProxy } from "./managerProxy";
import { WorkspaceSession, type SessionOptions } from "./workspaceSession";

export interface WindowEngineOptions {
  proxy: ManagerProxy;
  /** The workspace's database, `<storage>/taskflow.sqlite`. */
  dbPath: string;
  log: vscode.LogOutputChannel;
  /** The options of the next session (settings and the encryption key as they are now). */
  sessionOptions(): Promise<SessionOptions>;
}

/** Which backend the window's session is on; for Redis, where and whether it is connected. */
export type BackendState =
  | { kind: "local" }
  | { kind: "redis"; url: string; connection: ConnectionState };

export class WindowEngine {
  /** The session while this window holds the database, or while it is on the shared queue. */
  session: WorkspaceSession | undefined;
  private forwarded: { client: HttpTaskflowClient; holder: string; watch: { dispose(): void } } | undefined;
  private shared: { manager: BullmqTaskManager; subscription: { dispose(): void } } | undefined;
  private endpoint: LocalEndpoint | undefined;
  private readonly connectionEmitter = new Emitter<ConnectionState>();
  /** Fired when the shared queue's Redis connection is lost or back. */
  readonly onDidChangeConnection: Event<ConnectionState> = this.connectionEmitter.event;
  private readonly holderGoneEmitter = new Emitter<string>();
  /**
   * Fired (with who held it) when the process this window forwards to no longer holds the database:
   * the window should close and open again, taking the database over.
   */
  readonly onDidLoseHolder: Event<string> = this.holderGoneEmitter.event;

  constructor(private readonly options: WindowEngineOptions) {}

  /** The backend of the open session; undefined while none is open. */
  get backend(): BackendState | undefined {
    if (this.shared) return { kind: "redis", url: this.shared.manager.location, connection: this.shared.manager.connection() };
    return this.session || this.forwarded ? { kind: "local" } : undefined;
  }

  /** Who holds the database while this window forwards to it (`taskflow serve (process 4242)`), else undefined. */
  get forwardedTo(): string | undefined {
    return this.forwarded?.holder;
  }

  /**
   * Starts the manager, or connects to the database's holder. Rejects with the reason (a
   * HolderWithoutEndpointError naming the holder, or why the store did not open).
   */
  async open(): Promise<void> {
    const { proxy, dbPath, log } = this.options;
    const sessionOptions = await this.options.sessionOptions();
    if (sessionOptions.settings.backend.kind === "redis") {
      await this.openShared(sessionOptions);
      return;
    }
    const access = await openOrForward({
      dbPath,
      start: async () => WorkspaceSession.start({ ...sessionOptions, lockOwner: WINDOW_OWNER }),
    });
    if (access.kind === "local") {
      this.session = access.session;
      proxy.attach(access.session.manager);
      // The endpoint serves the proxy, not this manager, so it stays up across manager restarts.
      if (!this.endpoint) {
        this.endpoint = await serveLocalEndpoint({ client: proxy, dbPath, owner: WINDOW_OWNER }).catch((err: unknown) => {
          log.warn(`The taskflow CLI cannot forward to this window (it will refuse while the window runs): serving the local endpoint failed: ${String(err)}`);
          return undefined;
        });
      }
      return;
    }
    // Another process took the database (during a restart's gap): it serves the endpoint now.
    await this.closeEndpoint();
    const watch = watchHolder({
      dbPath,
      lock: access.lock,
      gone: () => this.holderGoneEmitter.fire(access.holder),
      warn: (message) => log.warn(message),
    });
    this.forwarded = { client: access.client, holder: access.holder, watch };
    proxy.attach(
      access.client,
      l10n.t("This window uses the task database of {0}, so task functions can only be registered there: register them in that process, or close it and reload this window", access.holder),
    );
    log.info(`The task database ${dbPath} is held by ${access.holder}: this window shows and runs its tasks through it, and takes the database over when that process stops`);
  }

  /** Starts a manager on the shared queue; rejects when Redis cannot be reached (the caller retries). */
  private async openShared(sessionOptions: SessionOptions): Promise<void> {
    // The CLI reaches the shared queue with --redis; nothing forwards to a window on it.
    await this.closeEndpoint();
    const session = await WorkspaceSession.start(sessionOptions);
    const manager = session.manager as BullmqTaskManager;
    this.session = session;
    this.shared = { manager, subscription: manager.onDidChangeConnection((state) => this.connectionEmitter.fire(state)) };
    this.options.proxy.attach(session.manager);
    this.options.log.info(`Taskflow uses the shared queue of BullMQ on ${manager.location}`);
  }

  /** Whether a task is running, or pending with a registered function, in this window's own engine. */
  busy(): boolean {
    return this.session?.busy() ?? false;
  }

  /** Stops the manager (or the connection to the holder); the endpoint stays for the next `open()`. */
  async close(reason: string): Promise<void> {
    const { session, forwarded, shared } = this;
    this.session = undefined;
    this.forwarded = undefined;
    this.shared = undefined;
    shared?.subscription.dispose();
    this.options.proxy.attach(undefined, reason);
    forwarded?.watch.dispose();
    forwarded?.client.dispose();
    await session?.dispose();
  }

  /** Closes everything, the endpoint first so that no forwarded call arrives while the manager stops. */
  async dispose(reason: string): Promise<void> {
    await this.closeEndpoint();
    await this.close(reason);
  }

  private async closeEndpoint(): Promise<void> {
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    await endpoint?.close().catch((err: unknown) => this.options.log.warn(`Closing the local endpoint failed: ${String(err)}`));
  }
}
