/**
 * The window's side of "one writer per database": it holds its workspace's database (a
 * WorkspaceSession whose manager took the lock) and serves the local endpoint that the CLI and
 * other windows forward to, or, while another process holds the database, it forwards to that
 * holder. Either way the exported API (the ManagerProxy) is attached to what the window uses, so
 * views, panels and commands never care which.
 */
import type * as vscode from "vscode";
import { serveLocalEndpoint, type HttpTaskflowClient, type LocalEndpoint } from "../http";
import { WINDOW_OWNER, openOrForward } from "./databaseAccess";
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

export class WindowEngine {
  /** The session while this window holds the database. */
  session: WorkspaceSession | undefined;
  private forwarded: { client: HttpTaskflowClient; holder: string } | undefined;
  private endpoint: LocalEndpoint | undefined;

  constructor(private readonly options: WindowEngineOptions) {}

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
    const access = await openOrForward({
      dbPath,
      start: async () => WorkspaceSession.start({ ...(await this.options.sessionOptions()), lockOwner: WINDOW_OWNER }),
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
    this.forwarded = { client: access.client, holder: access.holder };
    proxy.attach(
      access.client,
      `This window uses the task database of ${access.holder}, so task functions can only be registered there: register them in that process, or close it and reload this window`,
    );
    log.info(`The task database ${dbPath} is held by ${access.holder}: this window shows and runs its tasks through it`);
  }

  /** Whether a task is running, or pending with a registered function, in this window's own engine. */
  busy(): boolean {
    return this.session?.busy() ?? false;
  }

  /** Stops the manager (or the connection to the holder); the endpoint stays for the next `open()`. */
  async close(reason: string): Promise<void> {
    const { session, forwarded } = this;
    this.session = undefined;
    this.forwarded = undefined;
    this.options.proxy.attach(undefined, reason);
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
