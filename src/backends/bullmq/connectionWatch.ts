/**
 * Whether the manager's Redis connection is up, as ioredis reports it. ioredis reconnects on its own
 * (with growing delays) and holds commands while it does, so nothing is dropped: this only tells
 * the people watching (the status bar, the views) that the shared queue is out of reach for now.
 */
import type { Redis } from "ioredis";
import { Emitter } from "../../core/emitter";
import type { Event } from "../../model";

export interface ConnectionState {
  /** Whether Redis answers now. */
  connected: boolean;
  /** When it last changed. */
  since: Date;
  /** The last connection error while not connected (ECONNREFUSED, a timeout), else null. */
  error: string | null;
}

export class ConnectionWatch {
  private current: ConnectionState;
  private stopped = false;
  private readonly emitter: Emitter<ConnectionState>;
  readonly onDidChange: Event<ConnectionState>;

  constructor(private readonly now: () => number, onListenerError: (error: unknown) => void) {
    this.current = { connected: false, since: new Date(now()), error: null };
    this.emitter = new Emitter(onListenerError);
    this.onDidChange = this.emitter.event;
  }

  get state(): ConnectionState {
    return { ...this.current };
  }

  /** Follows `redis` from now on: `ready` is connected, `close` and `end` are lost. */
  watch(redis: Redis): void {
    if (redis.status === "ready") this.set(true, null);
    redis.on("ready", () => this.set(true, null));
    redis.on("close", () => this.set(false, this.current.error));
    redis.on("end", () => this.set(false, this.current.error));
    redis.on("error", (error: Error) => {
      if (!this.current.connected) this.current = { ...this.current, error: error.message };
    });
  }

  /** Stops reporting (shutdown closes the connection on purpose). */
  stop(): void {
    this.stopped = true;
    this.emitter.dispose();
  }

  private set(connected: boolean, error: string | null): void {
    if (this.stopped || connected === this.current.connected) return;
    this.current = { connected, since: new Date(this.now()), error: connected ? null : error };
    this.emitter.fire(this.state);
  }
}
