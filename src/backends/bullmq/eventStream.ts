/**
 * A lean reader of one BullMQ queue's event stream (`<prefix>:<queue>:events`): each entry's fields
 * are handed over as Redis sent them, a flat list of names and values, with no object built, no
 * value parsed and nothing emitted for the entries nobody looks at (BullMQ's QueueEvents builds two
 * objects per entry, parses every completed job's return value and emits each entry twice).
 */
import type { Redis } from "ioredis";

/** Called with each entry's event name and its fields (`[name, value, name, value, ...]`, the event's own included). */
export type StreamListener = (event: string, fields: readonly string[]) => void;

/** The value of `name` among an entry's fields, or undefined. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export interface EventStreamOptions {
  /** A new connection of its own to block on; another is made when one has to be dropped. */
  connect(): Redis;
  /** The stream's key. */
  key: string;
  /** The id entries are read after (XREAD's id: "0-0" for all, a millisecond time for those added since). */
  after: string;
  /**
   * Milliseconds to wait after a read that returned entries before reading again: a busy stream
   * is then read in batches, the entries of those milliseconds in one reply, instead of one entry
   * per round trip. A read after a quiet spell goes at once.
   */
  gapMs: number;
  /** Milliseconds Redis holds a read that finds nothing (XREAD BLOCK). @default 10000 */
  blockMs?: number;
}

/** Entries at most per reply. */
const BATCH = 1000;
/** Milliseconds past blockMs a read may stay unanswered before its connection is dropped and a new one reads again. */
const WATCHDOG_MARGIN_MS = 1000;
/** Milliseconds between reads while Redis refuses them (it is restarting, or the connection is being made again). */
const RETRY_MS = 200;

/**
 * Reads the stream from `after` on until closed, in order, each entry once. A read that fails (Redis
 * gone) is made again from the last entry handed over once Redis answers; one that hangs past its
 * block time (ioredis resends a blocking read after a reconnect, which can then wait for ever) is
 * dropped with its connection, and a new connection reads again.
 */
export class EventStream {
  private connection: Redis;
  private closed = false;
  private readonly done: Promise<void>;
  private readonly blockMs: number;
  private last: string;
  private wake: (() => void) | undefined;

  constructor(private readonly options: EventStreamOptions, private readonly listener: StreamListener) {
    this.blockMs = options.blockMs ?? 10_000;
    this.last = options.after;
    this.connection = this.open();
    this.done = this.loop();
  }

  private open(): Redis {
    const connection = this.options.connect();
    connection.on("error", () => undefined);
    return connection;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const reply = await this.read();
      if (this.closed) return;
      if (reply === "failed") {
        await this.pause(RETRY_MS);
        continue;
      }
      if (reply === null || reply.length === 0) continue;
      // One stream per reply; indexes rather than destructuring, which iterates (and allocates) per entry.
      const entries = reply[0][1];
      for (let i = 0; i < entries.length; i++) {
        const fields = entries[i][1];
        this.last = entries[i][0];
        const event = fields[0] === "event" ? fields[1] : fieldOf(fields, "event");
        if (event !== undefined) this.listener(event, fields);
      }
      await this.pause(this.options.gapMs);
    }
  }

  private async read(): Promise<[string, [string, string[]][]][] | null | "failed"> {
    let timer: NodeJS.Timeout | undefined;
    const connection = this.connection;
    const hung = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), this.blockMs + WATCHDOG_MARGIN_MS)));
    const reading = connection.xread("COUNT", BATCH, "BLOCK", this.blockMs, "STREAMS", this.options.key, this.last).catch(() => "failed" as const);
    try {
      const reply = await Promise.race([reading, hung]);
      if (reply !== "hung") return reply;
      // Its answer, should it come, is dropped with it: the next read asks again from the same entry.
      connection.disconnect();
      if (!this.closed) this.connection = this.open();
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops reading and drops the connection (a blocked read ends with it). */
  async close(): Promise<void> {
    if (this.closed) return this.done;
    this.closed = true;
    this.connection.disconnect();
    this.wake?.();
    await this.done;
  }
}
