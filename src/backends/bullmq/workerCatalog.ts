/**
 * The catalog of the task functions the live workers run, kept in Redis under the prefix so a
 * manager without the task code (a web service, a window) can enqueue them by name. Each worker
 * writes one key with a TTL, refreshed by a heartbeat and deleted at shutdown; a worker that dies
 * drops out of the catalog when its key expires. A set names the workers so readers need no SCAN.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { DEFAULT_QUEUE, parseTaskConfig, type TaskConfig } from "../../model";
import type { Registration } from "../../core/taskRegistry";

/** A task function as a worker publishes it. */
export interface CatalogFunction {
  name: string;
  /** The config it was registered with, as plain JSON. */
  config: TaskConfig;
  /** The queue its runs join unless addTask says otherwise. */
  queue: string;
  /** Where it was declared (`file#export` for workspace modules), when known. */
  source?: string;
  /** The file part of `source`, relative to the worker's workspace. */
  file?: string;
  /** 1-based line of its declaration in `file`, when known. */
  line?: number;
}

/** What one worker publishes under its key. */
export interface WorkerEntry {
  workerId: string;
  host: string;
  pid: number;
  /** Epoch milliseconds the worker started; the newest worker's config wins when workers differ. */
  startedAt: number;
  functions: CatalogFunction[];
}

/** A function of the catalog with the number of live workers that run it. */
export interface CatalogTask extends CatalogFunction {
  workers: number;
}

/** Options of `new WorkerCatalog(...)`. */
export interface WorkerCatalogOptions {
  redis: Redis;
  /** Set of the ids of workers that published. */
  setKey: string;
  /** Prefix of each worker's key, `<keyPrefix>:<workerId>`. */
  keyPrefix: string;
  /** Milliseconds a worker's key lives without a heartbeat; a worker silent this long counts as gone. */
  ttlMs: number;
  /** Milliseconds between heartbeats (and re-reads of the catalog). @default a third of ttlMs */
  heartbeatMs?: number;
  nowMs(): number;
  /** Told when a name enters or leaves the catalog. */
  onChange(kind: "registered" | "unregistered", name: string): void;
  /** Warnings: an entry that does not parse, a heartbeat Redis refused. */
  warn(message: string): void;
}

/** A registration as published: config as plain JSON, the file part of its source. */
export function catalogFunctionOf(registration: Pick<Registration, "name" | "config" | "source"> & { line?: number }): CatalogFunction {
  const { name, config, source, line } = registration;
  const entry: CatalogFunction = { name, config: JSON.parse(JSON.stringify(config)) as TaskConfig, queue: config.queue ?? DEFAULT_QUEUE };
  if (source !== undefined) {
    entry.source = source;
    const hash = source.lastIndexOf("#");
    entry.file = hash > 0 ? source.slice(0, hash) : source;
  }
  if (line !== undefined) entry.line = line;
  return entry;
}

/** Publishes this process's functions (when it is a worker) and keeps a snapshot of everyone's. */
export class WorkerCatalog {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private snapshot = new Map<string, CatalogTask>();
  private functions: (() => CatalogFunction[]) | undefined;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private published = "";
  private beating = false;

  constructor(private readonly options: WorkerCatalogOptions) {}

  private get key(): string {
    return `${this.options.keyPrefix}:${this.workerId}`;
  }

  /**
   * Starts the heartbeat: every heartbeatMs the catalog is read again, and, with `functions` (a
   * worker), this worker's entry is written again with a fresh TTL.
   */
  async start(functions?: () => CatalogFunction[]): Promise<void> {
    this.functions = functions;
    this.startedAt = this.options.nowMs();
    await this.beat();
    const every = this.options.heartbeatMs ?? Math.max(1, Math.floor(this.options.ttlMs / 3));
    // Real time, not the manager's clock: the key's TTL runs on Redis's clock.
    this.timer = setInterval(() => void this.nextBeat(), every);
    this.timer.unref();
  }

  /** One heartbeat at a time: while Redis is away, beats would otherwise pile up in the offline queue. */
  private async nextBeat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beat();
    } catch (error) {
      this.options.warn(`Taskflow: the worker catalog heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }

  private async beat(): Promise<void> {
    if (this.functions) await this.publish();
    await this.refresh();
  }

  /** Writes this worker's entry now (its functions changed); a no-op for a manager that is not a worker. */
  async publish(): Promise<void> {
    if (!this.functions) return;
    const entry: WorkerEntry = { workerId: this.workerId, host: hostname(), pid: process.pid, startedAt: this.startedAt, functions: this.functions() };
    const text = JSON.stringify(entry);
    const { redis, setKey, ttlMs } = this.options;
    await redis.multi().set(this.key, text, "PX", ttlMs).sadd(setKey, this.workerId).exec();
    if (text !== this.published) {
      this.published = text;
      await this.refresh();
    }
  }

  /** Stops the heartbeat and, for a worker, removes its entry so producers stop counting on it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.functions) return;
    this.functions = undefined;
    await this.options.redis.multi().del(this.key).srem(this.options.setKey, this.workerId).exec();
  }

  /** The live workers' entries; ids whose key expired are dropped from the set. */
  async workers(): Promise<WorkerEntry[]> {
    const { redis, setKey, keyPrefix } = this.options;
    const ids = await redis.smembers(setKey);
    if (ids.length === 0) return [];
    const texts = await redis.mget(ids.map((id) => `${keyPrefix}:${id}`));
    const gone = ids.filter((_, i) => texts[i] === null);
    if (gone.length > 0) await redis.srem(setKey, ...gone);
    const entries: WorkerEntry[] = [];
    for (const [i, text] of texts.entries()) {
      if (text === null) continue;
      try {
        entries.push(JSON.parse(text) as WorkerEntry);
      } catch (error) {
        this.options.warn(`Taskflow: the catalog entry of worker ${ids[i]} is not JSON (${(error as Error).message}); it is skipped`);
      }
    }
    return entries;
  }

  /** Reads the catalog again; tells onChange which names came and went. Returns the snapshot. */
  async refresh(): Promise<ReadonlyMap<string, CatalogTask>> {
    const next = new Map<string, CatalogTask>();
    const newestFirst = (await this.workers()).sort((a, b) => b.startedAt - a.startedAt);
    for (const worker of newestFirst) {
      for (const fn of worker.functions ?? []) {
        const seen = next.get(fn.name);
        if (seen) {
          seen.workers++;
          continue;
        }
        const task = this.checked(worker, fn);
        if (task) next.set(fn.name, task);
      }
    }
    const before = this.snapshot;
    this.snapshot = next;
    for (const name of next.keys()) if (!before.has(name)) this.options.onChange("registered", name);
    for (const name of before.keys()) if (!next.has(name)) this.options.onChange("unregistered", name);
    return next;
  }

  private checked(worker: WorkerEntry, fn: CatalogFunction): CatalogTask | undefined {
    try {
      const config = parseTaskConfig(fn.config);
      return { ...fn, config: { ...config, name: fn.name }, queue: typeof fn.queue === "string" ? fn.queue : config.queue ?? DEFAULT_QUEUE, workers: 1 };
    } catch (error) {
      this.options.warn(`Taskflow: worker ${worker.workerId} publishes task "${fn.name}" with a config that does not check (${(error as Error).message}); it is skipped`);
      return undefined;
    }
  }

  /** The snapshot of the last read: every function some live worker runs, by name. */
  known(): ReadonlyMap<string, CatalogTask> {
    return this.snapshot;
  }
}
