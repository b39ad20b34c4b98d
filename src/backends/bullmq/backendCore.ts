/**
 * The state one BullMQ manager and its `actingAs` views share, and what starts and stops it:
 * the Redis connections, one BullMQ Worker per queue (when the manager is a worker), the cancel
 * subscription and the periodic look for queues other processes created.
 */
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { ArgumentCipher } from "../../core/argumentCipher";
import { backoffDelayMs } from "../../core/backoff";
import { systemClock, systemRandom } from "../../core/clock";
import { Emitter } from "../../core/emitter";
import { ShutdownError } from "../../core/errors";
import { containedSink, positiveInteger } from "../../core/managerHelpers";
import { consoleSink } from "../../core/taskContext";
import { TaskRegistry } from "../../core/taskRegistry";
import { DEFAULT_QUEUE, type BullmqBackendOptions } from "../../model";
import type { TaskManagerOptions } from "../../core/types";
import type { Clock, LogLevel, RegistryChangeEvent, ScheduleSpec } from "../../core/types";
import { AuditTrail } from "./auditTrail";
import { resolveBullmqOptions, type ResolvedBullmqOptions } from "./backendOptions";
import { BackendEvents, EventHub } from "./backendEvents";
import { BullmqSchedules } from "./bullmqSchedules";
import { ConnectionWatch } from "./connectionWatch";
import { DurableJobs } from "./durableJobs";
import { rankQueue } from "./gatedAdd";
import { JobHistory } from "./jobHistory";
import type { JobPayload } from "./jobMapping";
import { ActiveRuns, makeProcessor, type RunnerHost } from "./jobRunner";
import { connect, probe, taskflowKeys, RedisQueues } from "./redisQueues";
import { catalogFunctionOf, WorkerCatalog } from "./workerCatalog";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_LOG_LINES = 10_000;
const DEFAULT_MAX_RECORDS = 10_000;
/** How often new queues are looked for, and unfinished waitFor() tasks read again (events can be trimmed). */
const REFRESH_MS = 2000;
/** Milliseconds between catalog heartbeats at most (a shorter lockDurationMs beats three times per lock). */
const CATALOG_BEAT_MS = 5000;
/** A job may stall (its worker died) this many times before BullMQ fails it. */
const MAX_STALLED = 5;

/** The parts that exist once the manager is connected. */
export interface Connected {
  redis: Redis;
  subscriber?: Redis;
  queues: RedisQueues;
  history: JobHistory;
  events: BackendEvents;
  schedules: BullmqSchedules;
  audit: AuditTrail;
  durable: DurableJobs;
  /** The task functions the live workers run; this manager's are published there when it is a worker. */
  catalog: WorkerCatalog;
}

export interface BackendCore {
  options: ResolvedBullmqOptions;
  clock: Clock;
  cipher: ArgumentCipher;
  registry: TaskRegistry;
  outsideLog: (message: string, level: LogLevel) => void;
  /** Jobs each of this process's queue workers runs at once (maxConcurrentTasks). */
  concurrency: number;
  maxLogLinesPerTask: number;
  maxRecords: number;
  state: "new" | "starting" | "started" | "closing" | "closed";
  startPromise?: Promise<void>;
  shutdownPromise?: Promise<void>;
  connected?: Connected;
  workers: Map<string, Worker>;
  runs: ActiveRuns;
  refresh?: NodeJS.Timeout;
  /** Module schedules declared before start: task name to spec (null: none). */
  declared: Map<string, ScheduleSpec | null>;
  registryEmitter: Emitter<RegistryChangeEvent>;
  hub: EventHub;
  /** Whether the main Redis connection is up (the status bar's "connected"). */
  connection: ConnectionWatch;
}

export function newCore(options: Omit<TaskManagerOptions, "backend"> & { backend: BullmqBackendOptions }): BackendCore {
  const clock = options.clock ?? systemClock;
  const outsideLog = containedSink(options.onOutsideLog ?? consoleSink);
  const onListenerError = (e: unknown): void => outsideLog(`Taskflow: an event listener threw (ignored): ${e instanceof Error ? e.stack : String(e)}`, "error");
  const core: BackendCore = {
    options: resolveBullmqOptions(options.backend),
    clock, outsideLog,
    registryEmitter: new Emitter<RegistryChangeEvent>(onListenerError),
    hub: new EventHub(onListenerError),
    connection: new ConnectionWatch(() => clock.now(), onListenerError),
    cipher: new ArgumentCipher(options.encryptArgsKey, clock),
    registry: new TaskRegistry(),
    concurrency: positiveInteger("maxConcurrentTasks", options.maxConcurrentTasks, DEFAULT_CONCURRENCY),
    maxLogLinesPerTask: positiveInteger("maxLogLinesPerTask", options.maxLogLinesPerTask, DEFAULT_MAX_LOG_LINES),
    maxRecords: positiveInteger("maxRecords", options.maxRecords, DEFAULT_MAX_RECORDS),
    state: "new", workers: new Map(), runs: new ActiveRuns(), declared: new Map(),
  };
  core.hub.onWanted = () => void core.connected?.events.activate().catch(() => undefined);
  return core;
}

/** What starting needs from the manager: how schedule jobs look and how a task enqueues a child. */
export interface StartHooks {
  runner: Pick<RunnerHost, "enqueueChild">;
  scheduleTemplate: ConstructorParameters<typeof BullmqSchedules>[0]["template"];
  queueOfFunction(funcName: string): import("bullmq").Queue;
}

export async function startBackend(core: BackendCore, hooks: StartHooks): Promise<void> {
  core.state = "starting";
  await probe(core.options.url);
  const redis = connect(core.options.url);
  redis.on("error", (error) => core.outsideLog(`Taskflow: Redis connection: ${error.message}`, "warning"));
  core.connection.watch(redis);
  const keys = taskflowKeys(core.options.prefix);
  const queues = new RedisQueues(redis, core.options, keys);
  const history = new JobHistory(queues);
  const connected: Connected = {
    redis, queues, history,
    audit: new AuditTrail(redis, keys.audit),
    events: new BackendEvents(queues, history, core.hub, (taskId) => core.runs.byId.has(taskId)),
    schedules: new BullmqSchedules({ redis, key: keys.schedules, nowMs: () => core.clock.now(), tasks: () => history.all(), template: hooks.scheduleTemplate, rank: (queue) => rankQueue(queues, queue.name) }),
    durable: new DurableJobs(queues, history, core.clock),
    catalog: newCatalog(core, redis, keys),
  };
  core.connected = connected;
  await queues.announce(DEFAULT_QUEUE);
  if (core.options.worker) {
    const subscriber = redis.duplicate();
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, taskId: string) => core.runs.cancel(taskId));
    await subscriber.subscribe(keys.cancel);
    connected.subscriber = subscriber;
  }
  core.state = "started";
  await connected.catalog.start(core.options.worker ? () => core.registry.list().map(catalogFunctionOf) : undefined);
  for (const [name, spec] of core.declared) await connected.schedules.declare(name, spec, hooks.queueOfFunction);
  core.declared.clear();
  if (core.hub.wanted) await connected.events.activate();
  await refreshQueues(core, hooks);
  core.refresh = setInterval(() => void refreshQueues(core, hooks).catch(() => undefined), REFRESH_MS);
  core.refresh.unref();
}

/**
 * The catalog on this connection. A worker's entry lives as long as a job's lock (lockDurationMs):
 * a worker silent that long has died, and BullMQ takes its jobs back on the same clock.
 */
function newCatalog(core: BackendCore, redis: Redis, keys: ReturnType<typeof taskflowKeys>): WorkerCatalog {
  const catalog = new WorkerCatalog({
    redis, setKey: keys.workers, keyPrefix: keys.worker, ttlMs: core.options.lockDurationMs,
    heartbeatMs: Math.min(CATALOG_BEAT_MS, Math.floor(core.options.lockDurationMs / 3)), nowMs: () => core.clock.now(),
    onChange: (kind, name) => {
      if (!core.registry.get(name)) core.registryEmitter.fire({ kind, name });
    },
    warn: (message) => core.outsideLog(message, "warning"),
  });
  core.registryEmitter.event((e) => {
    if (core.registry.get(e.name) || e.kind === "unregistered") void catalog.publish().catch((error: Error) => core.outsideLog(`Taskflow: the worker catalog could not be updated: ${error.message}`, "warning"));
  });
  return catalog;
}

/** Starts a worker for each queue not worked yet, follows new queues' events, re-reads waited tasks. */
async function refreshQueues(core: BackendCore, hooks: StartHooks): Promise<void> {
  const connected = core.connected;
  if (core.state !== "started" || !connected) return;
  const names = await connected.queues.names();
  for (const r of core.registry.list()) if (r.config.queue && !names.includes(r.config.queue)) names.push(r.config.queue);
  for (const name of names) await startWorker(core, hooks, name);
  await connected.events.follow(names);
  for (const id of connected.events.waitedFor()) await connected.events.settleWaiters(id);
}

/** Runs the queue's jobs in this process (when it is a worker). */
export async function startWorker(core: BackendCore, hooks: StartHooks, queue: string): Promise<void> {
  const connected = core.connected;
  if (!core.options.worker || core.state !== "started" || core.workers.has(queue) || !connected) return;
  const host: RunnerHost = {
    registry: core.registry, cipher: core.cipher, clock: core.clock, maxLogLinesPerTask: core.maxLogLinesPerTask,
    redis: connected.redis, durable: connected.durable,
    enqueueChild: hooks.runner.enqueueChild,
    publishLog: (q, event) => connected.events.publishLog(q, event),
    started: (job) => connected.events.announceJob(job, "active"),
  };
  const worker = new Worker(queue, makeProcessor(host, core.runs), {
    connection: { url: core.options.url, maxRetriesPerRequest: null },
    prefix: core.options.prefix,
    concurrency: core.concurrency,
    lockDuration: core.options.lockDurationMs,
    stalledInterval: core.options.lockDurationMs,
    maxStalledCount: MAX_STALLED,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { data: unknown }) =>
        backoffDelayMs((job?.data as JobPayload | undefined)?.config ?? {}, Math.max(1, attemptsMade), systemRandom),
    },
  });
  worker.on("error", (error) => core.outsideLog(`Taskflow worker (queue ${queue}): ${error.message}`, "warning"));
  // The worker that settles a job wakes the runs waiting for it (a "failed" may be an attempt that is retried: they check).
  const notWoken = (job: Job, error: Error): void => core.outsideLog(`Taskflow: the runs waiting for task ${job.id} could not be woken: ${error.message}`, "warning");
  const settled = (job: Job | undefined): void => {
    if (job) connected.durable.finishedSoon(job, notWoken);
  };
  worker.on("completed", (job) => {
    connected.events.announceJob(job, "completed");
    settled(job);
  });
  worker.on("failed", settled);
  void connected.durable.wakeFinishedWaits(queue).catch((error: Error) => core.outsideLog(`Taskflow: the runs waiting in queue ${queue} could not be checked: ${error.message}`, "warning"));
  core.workers.set(queue, worker);
  await connected.queues.announce(queue);
}

/** Interrupts running attempts (each handed back or settled as its requeueOnInterrupt says), closes workers and connections. */
export async function shutdownBackend(core: BackendCore): Promise<void> {
  const wasStarted = core.state !== "new";
  core.state = "closing";
  core.connection.stop();
  if (wasStarted) await core.startPromise?.catch(() => undefined);
  if (core.refresh) clearInterval(core.refresh);
  // No new job is fetched once the running ones are stopped, so what is handed back stays pending.
  core.runs.closing = true;
  await Promise.all([...core.workers.values()].map((w) => w.pause(true).catch(() => undefined)));
  await withdrawFromCatalog(core);
  core.runs.abortAll(new ShutdownError("the worker shut down"));
  await core.runs.drained();
  await Promise.all([...core.workers.values()].map((w) => w.close().catch(() => undefined)));
  core.workers.clear();
  const connected = core.connected;
  if (connected) {
    await connected.durable.wakeSettled();
    await connected.events.close();
    await connected.queues.close();
    await connected.subscriber?.quit().catch(() => undefined);
    await connected.redis.quit().catch(() => undefined);
  }
  core.hub.dispose();
  core.state = "closed";
}

/** Milliseconds shutdown waits for Redis to drop this worker's catalog entry; its TTL ends it otherwise. */
const WITHDRAW_MS = 2000;

async function withdrawFromCatalog(core: BackendCore): Promise<void> {
  const catalog = core.connected?.catalog;
  if (!catalog) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, WITHDRAW_MS)));
  await Promise.race([catalog.stop().catch(() => undefined), late]);
  clearTimeout(timer);
}

function notStarted(operation: string): Error {
  return new Error(`TaskManager is not started: await manager.start() before ${operation}()`);
}

/** Waits for a start under way; throws when the manager was never started or has shut down. */
export async function readyFor(core: BackendCore, operation: string): Promise<void> {
  if (core.state === "starting") await core.startPromise;
  if (core.state === "new") throw notStarted(operation);
  if (core.state !== "started") throw new Error(`TaskManager has shut down: ${operation}() needs a running manager`);
}

/** Throws unless the manager is started (a read that cannot wait for a start). */
export function checkOpen(core: BackendCore, operation: string): void {
  const { state } = core;
  if (state === "new" || state === "starting") throw notStarted(operation);
  if (state !== "started") throw new Error(`TaskManager has shut down: ${operation}() needs a running manager`);
}

/** The connected parts; throws when the manager is not started. */
export function connectedOf(core: BackendCore): Connected {
  const connected = core.connected;
  if (!connected) throw notStarted("this call");
  return connected;
}
