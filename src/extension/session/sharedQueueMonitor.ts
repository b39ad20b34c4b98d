/**
 * What the window shows of its link to the shared queue (`taskflow.backend` set to a Redis URL): a
 * lost connection is logged, told once, and written on the views until it is back, while ioredis
 * reconnects; a Redis that could not be reached at start is tried again with growing delays. On the
 * local backend it does nothing.
 */
import * as vscode from "vscode";
import type { TaskflowSettings } from "./settings";
import type { StatusPlace } from "../views/statusBar";
import type { WindowEngine } from "./windowEngine";

/** Delays between attempts to start on a Redis that could not be reached: 2 s doubling to 30 s. */
const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;

export interface SharedQueueMonitorOptions {
  engine: WindowEngine;
  settings(): TaskflowSettings;
  /** The views whose message says the queue is out of reach. */
  views: readonly vscode.TreeView<unknown>[];
  log: vscode.LogOutputChannel;
  /** Re-reads the views and the status bar (the connection changed). */
  changed(): void;
  /** Starts the engine again; rejects when Redis still cannot be reached. */
  reopen(): Promise<void>;
}

export class SharedQueueMonitor implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = FIRST_RETRY_MS;
  /** Why the last start on Redis failed, while retrying. */
  private startError: string | undefined;
  private disposed = false;

  constructor(private readonly options: SharedQueueMonitorOptions) {
    this.subscription = options.engine.onDidChangeConnection((state) => {
      const url = options.engine.backend?.kind === "redis" ? options.engine.backend.url : "Redis";
      if (state.connected) {
        options.log.info(`Connected to Redis at ${url} again`);
        void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: connected to Redis at {0} again.", url));
      } else {
        options.log.warn(`Lost the connection to Redis at ${url}${state.error ? ` (${state.error})` : ""}: reconnecting`);
        void vscode.window.showWarningMessage(
          vscode.l10n.t("Taskflow lost its connection to Redis at {0}: reconnecting. Runs in the shared queue stay there, and the views catch up once it is back.", url),
        );
      }
      this.showOnViews();
      options.changed();
    });
  }

  /** Where the status bar says the window's tasks are. */
  place(forwardedTo: string | undefined): StatusPlace {
    const backend = this.options.engine.backend;
    if (backend?.kind === "redis") return { kind: "redis", url: backend.url, connected: backend.connection.connected, error: backend.connection.error };
    const setting = this.options.settings().backend;
    if (setting.kind === "redis") return { kind: "redis", url: setting.url, connected: false, error: this.startError ?? null };
    return forwardedTo ? { kind: "local", forwardedTo } : { kind: "local" };
  }

  /** Why a command cannot reach the shared queue now, or undefined when it can (or the backend is local). */
  unavailable(): string | undefined {
    const place = this.place(undefined);
    if (place.kind !== "redis" || place.connected) return undefined;
    return place.error
      ? vscode.l10n.t("Taskflow is not connected to Redis at {0} ({1}): it keeps retrying. Start redis-server there or fix the setting taskflow.backend, then try again", place.url, place.error)
      : vscode.l10n.t("Taskflow is not connected to Redis at {0}: it keeps retrying. Start redis-server there or fix the setting taskflow.backend, then try again", place.url);
  }

  /**
   * The engine did not start. On Redis, tries again later and returns true; on the local backend
   * returns false (a restart or a reload is needed).
   */
  startFailed(error: Error): boolean {
    if (this.disposed || this.options.settings().backend.kind !== "redis") return false;
    this.startError = error.message;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(MAX_RETRY_MS, this.retryDelay * 2);
    this.options.log.info(`Trying Redis again in ${delay / 1000} s`);
    this.showOnViews();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.options.reopen().then(() => this.started(), (err: unknown) => this.startFailed(err instanceof Error ? err : new Error(String(err))));
    }, delay);
    return true;
  }

  /** Drops a retry that is due (the engine is being started another way). */
  cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** The engine started: stop retrying, clear the views' message. */
  started(): void {
    this.cancelRetry();
    this.retryDelay = FIRST_RETRY_MS;
    const wasRetrying = this.startError !== undefined;
    this.startError = undefined;
    this.showOnViews();
    if (wasRetrying) {
      const place = this.place(undefined);
      if (place.kind === "redis") this.options.log.info(`Reached Redis at ${place.url}`);
      this.options.changed();
    }
  }

  private showOnViews(): void {
    const place = this.place(undefined);
    const message = place.kind === "redis" && !place.connected
      ? vscode.l10n.t("Not connected to Redis at {0}: retrying. What is shown may be out of date.", place.url)
      : undefined;
    for (const view of this.options.views) view.message = message;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.subscription.dispose();
  }
}
