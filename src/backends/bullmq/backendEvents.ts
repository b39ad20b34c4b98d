/**
 * Taskflow's events on BullMQ: lifecycle and progress from each queue's QueueEvents (BullMQ's event
 * stream in Redis, shared by every process), and log lines and changes BullMQ does not announce
 * (a cancel, a log line) published into the same stream as custom events. Nothing is read from Redis
 * until someone listens or waits; the moment the first listener subscribes is kept, and every
 * stream is read from that moment on, so a change made after subscribing is announced even when it
 * lands before the reader is connected (or in a queue first used later).
 */
import { QueueEvents, QueueEventsProducer, type Job } from "bullmq";
import { Emitter } from "../../core/emitter";
import {
  TaskRecord, isFinished,
  type Disposable, type Event, type LifecycleEvent, type LogEvent, type ProgressEvent, type TaskData,
} from "../../model";
import type { JobHistory } from "./jobHistory";
import type { Redis } from "ioredis";
import { connect, type RedisQueues } from "./redisQueues";

const LOG_EVENT = "taskflow-log";
const CHANGED_EVENT = "taskflow-changed";
/** Statuses last announced, per task, so a change seen twice (a cancel, then its settling) fires once. */
const LAST_SEEN_LIMIT = 10_000;

/** Milliseconds since an arbitrary origin that only goes forward (the origin of `performance.now()`). */
export type ElapsedMs = () => number;

/**
 * The id in a Redis stream of events added from `agoMs` ago on: Redis dates stream entries by its
 * own clock, so the moment is placed on that clock (read with TIME) rather than the engine's,
 * which may be a test's fake clock or another machine's. TIME is read before its reply arrives, so
 * the id is at most the true one; reading from it never skips an event, and at worst repeats one.
 */
async function streamIdSince(redis: Redis, agoMs: () => number): Promise<string> {
  const [seconds, micros] = await redis.time();
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  // XREAD returns entries after the id; an event added in the same millisecond must be included.
  return String(Math.max(0, Math.floor(nowMs - agoMs()) - 1));
}

/** Milliseconds a reader may take to close before its connection is dropped. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Closes a QueueEvents (or producer). BullMQ's close() sends QUIT on the reader's connection, which
 * waits while ioredis is still reconnecting it (Redis just came back, and BullMQ backs off by a
 * second or more): after a moment the connection is dropped instead. Nothing is lost, since a
 * reader holds no state of its own.
 */
async function closeOrDrop(reader: { close(): Promise<void> }, connection?: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = reader.close().then(() => true, () => true);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS)));
  await Promise.race([closed, late]);
  clearTimeout(timer);
  // BullMQ may have quit it, or not (a close while it was reconnecting): it must not reconnect again.
  connection?.disconnect();
}

type Waiter = { resolve(record: TaskRecord): void; reject(error: Error): void };

/** The emitters of one manager, made before it connects so listeners can subscribe before start. */
export class EventHub {
  readonly lifecycle: Emitter<LifecycleEvent>;
  readonly logs: Emitter<LogEvent>;
  readonly progress: Emitter<ProgressEvent>;
  readonly onLifecycle: Event<LifecycleEvent>;
  readonly onLog: Event<LogEvent>;
  readonly onProgress: Event<ProgressEvent>;
  /** Set once someone listens; the manager then reads the streams (at once, or when it starts). */
  wanted = false;
  /** When the first listener subscribed (see ElapsedMs); the streams are read from then on. */
  wantedAtMs: number | undefined;
  /** Called when the first listener subscribes. */
  onWanted: () => void = () => undefined;

  /** `elapsedMs` defaults to `performance.now()`: a moment on Redis's clock is measured from it, not from the engine's Clock. */
  constructor(onListenerError: (error: unknown) => void, readonly elapsedMs: ElapsedMs = () => performance.now()) {
    this.lifecycle = new Emitter(onListenerError);
    this.logs = new Emitter(onListenerError);
    this.progress = new Emitter(onListenerError);
    this.onLifecycle = this.listening(this.lifecycle);
    this.onLog = this.listening(this.logs);
    this.onProgress = this.listening(this.progress);
  }

  private listening<T>(emitter: Emitter<T>): Event<T> {
    return (listener: (event: T) => void): Disposable => {
      const subscription = emitter.event(listener);
      if (!this.wanted) {
        this.wanted = true;
        this.wantedAtMs = this.elapsedMs();
        this.onWanted();
      }
      return subscription;
    };
  }

  dispose(): void {
    this.lifecycle.dispose();
    this.logs.dispose();
    this.progress.dispose();
  }
}

export class BackendEvents {
  private readonly readers = new Map<string, QueueEvents>();
  /** Each reader's own blocking connection, made here so that close() can drop it. */
  private readonly readerConnections = new Map<string, Redis>();
  private readonly producers = new Map<string, QueueEventsProducer>();
  private readonly lastSeen = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter[]>();
  private active = false;
  private closed = false;
  /** The moment (see ElapsedMs) every reader starts from: that of the first listener, or of the first wait. */
  private fromMs = 0;
  /** That moment as a stream id, once read from Redis. */
  private since: Promise<string> | undefined;
  private readonly lifecycle: Emitter<LifecycleEvent>;
  private readonly logs: Emitter<LogEvent>;
  private readonly progress: Emitter<ProgressEvent>;

  constructor(
    private readonly queues: RedisQueues,
    private readonly history: JobHistory,
    private readonly hub: EventHub,
  ) {
    this.lifecycle = hub.lifecycle;
    this.logs = hub.logs;
    this.progress = hub.progress;
  }

  /** Starts reading the event streams of every known queue (and of queues found later, see follow). */
  async activate(): Promise<void> {
    if (this.active || this.closed) return;
    this.active = true;
    this.fromMs = this.hub.wantedAtMs ?? this.hub.elapsedMs();
    await this.follow(await this.queues.names());
  }

  /** The stream id readers start after; read again on the next follow when Redis did not answer. */
  private position(): Promise<string> {
    this.since ??= streamIdSince(this.queues.redis, () => this.hub.elapsedMs() - this.fromMs).catch((error: unknown) => {
      this.since = undefined;
      throw error;
    });
    return this.since;
  }

  /** Reads the event stream of each of these queues not read yet. */
  async follow(names: readonly string[]): Promise<void> {
    if (!this.active || this.closed) return;
    const lastEventId = await this.position();
    const fresh = names.filter((n) => !this.readers.has(n) && !this.closed);
    await Promise.all(fresh.map((name) => {
      const connection = connect(this.queues.options.url);
      connection.on("error", () => undefined);
      this.readerConnections.set(name, connection);
      const reader = new QueueEvents(name, { connection, prefix: this.queues.options.prefix, lastEventId });
      reader.on("error", () => undefined);
      this.readers.set(name, reader);
      this.wire(name, reader);
      return reader.waitUntilReady();
    }));
  }

  private wire(queue: string, reader: QueueEvents): void {
    // Each event is read back from Redis: BullMQ's events carry the job id, not the task's fields.
    for (const name of ["active", "completed", "failed", "waiting", "delayed"] as const) {
      reader.on(name, ({ jobId }: { jobId: string }) => void this.announce(jobId));
    }
    reader.on("progress", ({ jobId, data }) => void this.progressOf(queue, jobId, data));
    const custom = reader as unknown as { on(name: string, listener: (args: Record<string, string>) => void): void };
    custom.on(LOG_EVENT, (args) => this.logs.fire(JSON.parse(args.event) as LogEvent));
    custom.on(CHANGED_EVENT, (args) => void this.announce(args.jobId));
  }

  /** Fires the lifecycle event of a job that changed, read back from Redis; settles waiters. */
  private async announce(jobId: string): Promise<void> {
    try {
      const data = await this.history.get(jobId);
      if (!data) return;
      const key = `${data.status}/${data.retriesUsed}`;
      if (this.lastSeen.get(jobId) === key) return;
      this.lastSeen.set(jobId, key);
      if (this.lastSeen.size > LAST_SEEN_LIMIT) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
      this.fireLifecycle(data);
      if (isFinished(data.status)) await this.settleWaiters(jobId);
    } catch {
      // A job deleted between the event and the read has nothing left to announce.
    }
  }

  private fireLifecycle(data: TaskData): void {
    if (!this.lifecycle.hasListeners) return;
    const record = TaskRecord.fromData(data);
    this.lifecycle.fire({
      taskId: record.taskId, funcName: record.funcName, status: record.status, timestamp: new Date().toISOString(),
      attempt: record.retriesUsed, retriesUsed: record.retriesUsed, duration: record.duration,
      error: record.error, stacktrace: record.stacktrace, tags: { ...record.tags }, waitingFor: record.waitingFor,
    });
  }

  private async progressOf(queue: string, jobId: string, value: unknown): Promise<void> {
    if (!this.progress.hasListeners || typeof value !== "object" || value === null) return;
    const job = (await this.queues.get(queue).getJob(jobId)) as Job | undefined;
    if (!job) return;
    const { fraction, message } = value as { fraction?: unknown; message?: unknown };
    if (typeof fraction !== "number") return;
    this.progress.fire({ taskId: jobId, funcName: job.name, fraction, message: typeof message === "string" ? message : null, tags: { ...(job.data as { tags?: Record<string, string> }).tags } });
  }

  /** Publishes a log line to every manager's onLog. */
  publishLog(queue: string, event: LogEvent): void {
    void this.producer(queue).publishEvent({ eventName: LOG_EVENT, event: JSON.stringify(event) }).catch(() => undefined);
  }

  /** Tells every manager that a task changed in a way BullMQ does not announce (a cancel). */
  async publishChanged(queue: string, taskId: string): Promise<void> {
    await this.producer(queue).publishEvent({ eventName: CHANGED_EVENT, jobId: taskId });
  }

  private producer(queue: string): QueueEventsProducer {
    let producer = this.producers.get(queue);
    if (!producer) {
      producer = new QueueEventsProducer(queue, { connection: this.queues.redis, prefix: this.queues.options.prefix });
      producer.on("error", () => undefined);
      this.producers.set(queue, producer);
    }
    return producer;
  }

  /** Resolves with the record once the task is finished. */
  async whenFinished(taskId: string): Promise<TaskRecord> {
    await this.activate();
    const waiting = new Promise<TaskRecord>((resolve, reject) => {
      const list = this.waiters.get(taskId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(taskId, list);
    });
    // Checked after the streams are read, so a finish between the check and the subscription is not missed.
    await this.settleWaiters(taskId);
    return waiting;
  }

  /** Settles the waiters of a task that may have finished (also called by the manager's poll). */
  async settleWaiters(taskId: string): Promise<void> {
    if (!this.waiters.has(taskId)) return;
    const data = await this.history.get(taskId);
    if (!data || !isFinished(data.status)) return;
    const list = this.waiters.get(taskId) ?? [];
    this.waiters.delete(taskId);
    for (const w of list) w.resolve(TaskRecord.fromData(data));
  }

  /** Ids someone waits for. */
  waitedFor(): string[] {
    return [...this.waiters.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, list] of this.waiters) {
      for (const w of list) w.reject(new Error(`TaskManager shut down before task ${id} finished; it stays in Redis`));
    }
    this.waiters.clear();
    await Promise.all([
      ...[...this.readers].map(([name, reader]) => closeOrDrop(reader, this.readerConnections.get(name))),
      ...[...this.producers.values()].map((producer) => closeOrDrop(producer)),
    ]);
    this.readerConnections.clear();
    this.readers.clear();
    this.producers.clear();
  }
}
