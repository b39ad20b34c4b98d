/**
 * Taskflow's events on BullMQ: lifecycle and progress from each queue's event stream (BullMQ's, in
 * Redis, shared by every process, read by a lean reader: see eventStream.ts), and log lines and
 * changes BullMQ does not announce (a cancel, a log line) added to the same stream as events of
 * Taskflow's own. Nothing is read from Redis
 * until someone listens or waits; the moment the first listener subscribes is kept, and every
 * stream is read from that moment on, so a change made after subscribing is announced even when it
 * lands before the reader is connected (or in a queue first used later).
 */
import type { Job } from "bullmq";
import { Emitter } from "../../core/emitter";
import {
  TaskRecord, isFinished,
  type Disposable, type Event, type LifecycleEvent, type LogEvent, type ProgressEvent, type TaskStatus,
} from "../../model";
import { jobLifecycleOf } from "./jobMapping";

/** The fields of a task its lifecycle event is made of. */
type LifecycleFields = ReturnType<typeof jobLifecycleOf>;
import type { JobHistory } from "./jobHistory";
import type { Redis } from "ioredis";
import { connect, type RedisQueues } from "./redisQueues";
import { EventStream, fieldOf } from "./eventStream";
import { isoTime } from "./isoTime";

/** A log line: the LogEvent's JSON in the field `log`. */
const LOG_EVENT = "taskflow-log";
/** A change BullMQ does not announce (a cancel): the task's id in the field `jobId`. */
const CHANGED_EVENT = "taskflow-changed";
/** Entries a stream keeps at about most when Taskflow adds one (BullMQ's own default for its events). */
const STREAM_MAX_LEN = 10_000;
/** Statuses last announced, per task, so a change seen twice (a cancel, then its settling) fires once. */
const LAST_SEEN_LIMIT = 10_000;

/**
 * Milliseconds the stream's changes are gathered before they are looked at: long enough for this
 * process's own announcement of a change it made to come first, short next to a person's notice.
 */
const STREAM_SETTLE_MS = 10;

/**
 * The BullMQ events that change a task, with the status the event always means, for those that
 * mean one: such an event for a task last announced with that status (by this process, as it made
 * the change) needs no read-back. A failed attempt may be retried and a delayed job may be waiting,
 * so those are always read back.
 */
const STATUS_OF_EVENT = new Map<string, TaskStatus | undefined>([
  ["active", "running"], ["completed", "success"], ["waiting", "pending"], ["failed", undefined], ["delayed", undefined], [CHANGED_EVENT, undefined],
]);

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
  private readonly readers = new Map<string, EventStream>();
  private readonly lastSeen = new Map<string, { status: TaskStatus; retriesUsed: number }>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Tasks the stream said changed, not looked at yet, with the status the last change means (if one). */
  private readonly changed = new Map<string, { queue: string; status: TaskStatus | undefined }>();
  private settleTimer: NodeJS.Timeout | undefined;
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
    /** Whether this process's worker runs the task's attempt now. */
    private readonly runsHere: (taskId: string) => boolean = () => false,
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
    for (const name of names) {
      if (this.readers.has(name) || this.closed) continue;
      const options = { connect: () => connect(this.queues.options.url), key: this.queues.get(name).keys.events, after: lastEventId, gapMs: STREAM_SETTLE_MS };
      this.readers.set(name, new EventStream(options, (event, fields) => this.heard(name, event, fields)));
    }
  }

  /** An entry of `queue`'s stream: only what Taskflow announces is looked at, and only its fields that say so. */
  private heard(queue: string, event: string, fields: readonly string[]): void {
    if (STATUS_OF_EVENT.has(event)) {
      const jobId = fieldOf(fields, "jobId");
      if (jobId !== undefined) this.streamed(queue, jobId, STATUS_OF_EVENT.get(event));
    } else if (event === "progress") {
      if (!this.progress.hasListeners) return;
      const jobId = fieldOf(fields, "jobId");
      const data = fieldOf(fields, "data");
      if (jobId !== undefined && data !== undefined) void this.progressOf(queue, jobId, JSON.parse(data)).catch(() => undefined);
    } else if (event === LOG_EVENT) {
      const log = fieldOf(fields, "log");
      if (log !== undefined && this.logs.hasListeners) this.logs.fire(JSON.parse(log) as LogEvent);
    }
  }

  /**
   * Notes a change the stream announced, to be looked at in a moment with the others that came
   * meanwhile: only a task's last change counts (a read-back sees where it is now anyway), and a
   * change this process made is announced by it from the job it holds (see announceJob), often
   * just after the stream's copy arrives, since their replies come on different connections.
   */
  private streamed(queue: string, jobId: string, status: TaskStatus | undefined): void {
    // A finished run never changes again (a retry is a new run): what comes after is the stream catching up.
    const seen = this.lastSeen.get(jobId)?.status;
    if (seen !== undefined && isFinished(seen)) return;
    this.changed.delete(jobId);
    this.changed.set(jobId, { queue, status });
    this.settleTimer ??= setTimeout(() => this.settleChanged(), STREAM_SETTLE_MS);
  }

  private settleChanged(): void {
    this.settleTimer = undefined;
    const changed = [...this.changed];
    this.changed.clear();
    for (const [jobId, { queue, status }] of changed) {
      const seen = this.lastSeen.get(jobId)?.status;
      // A finished run never changes again (a retry is a new run): what comes after is the stream catching up.
      if (seen !== undefined && isFinished(seen)) continue;
      // While this process's worker runs the task, it announces each change; a pending or running
      // change in the stream is one it announced already.
      if (status !== undefined && (status === seen || (status !== "success" && this.runsHere(jobId)))) continue;
      void this.announce(queue, jobId);
    }
  }

  /**
   * Fires the lifecycle event of a job of `queue` that changed, read back from Redis (BullMQ's
   * events carry the job id, not the task's fields); settles waiters.
   */
  private async announce(queue: string, jobId: string): Promise<void> {
    try {
      const data = await this.history.peek(queue, jobId);
      if (data) this.announceKnown(data);
    } catch {
      // A job deleted between the event and the read has nothing left to announce.
    }
  }

  /**
   * Fires the lifecycle event of a change this process made and holds the data of, with no read
   * back: a job it just added (pending), started or completed (`job` as its worker holds it). The
   * copy of the change BullMQ writes into the event stream is then skipped. Does nothing while no
   * one listens or waits.
   */
  announceJob(job: Job, state: "active" | "completed"): void {
    if (this.active) this.announceKnown(jobLifecycleOf(job, state));
  }

  /** As announceJob, for a run just added: pending, unless its worker was quicker and announced more. */
  announceAdded(record: TaskRecord): void {
    if (!this.active || this.lastSeen.has(record.taskId)) return;
    // The event's fields only: a record's every field (toData) for each add would be thrown away.
    const { taskId, funcName, status, startTime, endTime, retriesUsed, error, stacktrace, tags, waitingFor } = record;
    this.announceKnown({ taskId, funcName, status, startTime: startTime?.getTime() ?? null, endTime: endTime?.getTime() ?? null, retriesUsed, error, stacktrace, tags, waitingFor });
  }

  private announceKnown(data: LifecycleFields): void {
    const seen = this.lastSeen.get(data.taskId);
    // A finished run never changes again: a read-back that left before its finish was announced is stale.
    if (seen !== undefined && (isFinished(seen.status) || (seen.status === data.status && seen.retriesUsed === data.retriesUsed))) return;
    this.lastSeen.delete(data.taskId);
    this.lastSeen.set(data.taskId, { status: data.status, retriesUsed: data.retriesUsed });
    if (this.lastSeen.size > LAST_SEEN_LIMIT) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    this.fireLifecycle(data);
    // Looked up here, not in settleWaiters: most finished runs have no waiter, and an async call would cost each two promises.
    if (isFinished(data.status) && this.waiters.has(data.taskId)) void this.settleWaiters(data.taskId).catch(() => undefined);
  }

  private fireLifecycle(data: LifecycleFields): void {
    if (!this.lifecycle.hasListeners) return;
    const { startTime, endTime } = data;
    this.lifecycle.fire({
      taskId: data.taskId, funcName: data.funcName, status: data.status, timestamp: isoTime(Date.now()),
      attempt: data.retriesUsed, retriesUsed: data.retriesUsed, duration: startTime === null || endTime === null ? null : (endTime - startTime) / 1000,
      error: data.error, stacktrace: data.stacktrace, tags: { ...data.tags }, waitingFor: data.waitingFor,
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
    void this.publish(queue, LOG_EVENT, "log", JSON.stringify(event)).catch(() => undefined);
  }

  /** Tells every manager that a task changed in a way BullMQ does not announce (a cancel). */
  async publishChanged(queue: string, taskId: string): Promise<void> {
    await this.publish(queue, CHANGED_EVENT, "jobId", taskId);
  }

  private async publish(queue: string, event: string, field: string, value: string): Promise<void> {
    await this.queues.redis.xadd(this.queues.get(queue).keys.events, "MAXLEN", "~", STREAM_MAX_LEN, "*", "event", event, field, value);
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
    clearTimeout(this.settleTimer);
    this.changed.clear();
    for (const [id, list] of this.waiters) {
      for (const w of list) w.reject(new Error(`TaskManager shut down before task ${id} finished; it stays in Redis`));
    }
    this.waiters.clear();
    await Promise.all([...this.readers.values()].map((reader) => reader.close()));
    this.readers.clear();
  }
}
