import { AsyncResource } from "node:async_hooks";
import type { Worker } from "node:worker_threads";
import type { Disposable, LogLevel } from "../model";
import { WorkerPool, type WorkerPoolOptions, type WorkerStopReason } from "./workerPool";

/** A pool worker stopped (ModuleHost.onWorkerStopped). */
export interface WorkerStoppedEvent {
  /** The task module the worker ran. */
  file: string;
  reason: WorkerStopReason;
}

/** What every pool of a ModuleHost shares. */
export type ModulePoolsOptions = Pick<WorkerPoolOptions, "workerPath" | "maxWorkers" | "idleMs" | "queueMs" | "spreadWorkers" | "cancelGraceMs" | "resourceLimits"> & {
  /** Lines no running attempt owns (a module's top level, a leftover timer, a crash between attempts). */
  onOutsideLog: (message: string, level: LogLevel) => void;
  /** Counts a worker as busy while it runs an attempt, until it is idle again or gone. */
  track: (worker: Worker) => () => void;
};

/**
 * The warm worker pools of a ModuleHost, one per module version (compiled output path). A version no
 * task is registered from any more is drained: its idle workers stop at once, busy ones after their
 * attempt, so a run started before a reload finishes on the old code.
 */
export class ModulePools {
  private readonly pools = new Map<string, WorkerPool>();
  /** Pools of replaced versions whose workers are still finishing an attempt. */
  private readonly retired = new Set<WorkerPool>();
  private readonly stopListeners = new Set<(event: WorkerStoppedEvent) => void>();
  // Worker events run in the async scope the worker was made in; this keeps them out of whichever task was running.
  private readonly scope = new AsyncResource("TaskflowWorkerPools");

  constructor(private readonly options: ModulePoolsOptions) {}

  /** The pool of one module version, created (without workers yet) when missing. */
  poolFor(outputPath: string, file: string): WorkerPool {
    const existing = this.pools.get(outputPath);
    if (existing) return existing;
    const pool: WorkerPool = new WorkerPool({
      ...this.options,
      compiledPath: outputPath,
      sourcePath: file,
      scope: this.scope,
      onWorkerStopped: (reason) => {
        if (pool.size === 0) this.retired.delete(pool);
        this.fire({ file, reason });
      },
    });
    this.pools.set(outputPath, pool);
    return pool;
  }

  /** Drains every pool whose output path is not in `live`. */
  retainOnly(live: ReadonlySet<string>): void {
    for (const [outputPath, pool] of this.pools) {
      if (live.has(outputPath)) continue;
      this.pools.delete(outputPath);
      pool.drain();
      if (pool.size > 0) this.retired.add(pool);
    }
  }

  /** Worker threads alive, idle or busy, in every pool. */
  size(): number {
    let n = 0;
    for (const pool of [...this.pools.values(), ...this.retired]) n += pool.size;
    return n;
  }

  onWorkerStopped(listener: (event: WorkerStoppedEvent) => void): Disposable {
    this.stopListeners.add(listener);
    return { dispose: () => this.stopListeners.delete(listener) };
  }

  /** Terminates every worker of every pool. */
  async dispose(): Promise<void> {
    const all = [...this.pools.values(), ...this.retired];
    this.pools.clear();
    this.retired.clear();
    await Promise.all(all.map((pool) => pool.dispose()));
    this.stopListeners.clear();
  }

  private fire(event: WorkerStoppedEvent): void {
    for (const listener of [...this.stopListeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.onOutsideLog(`A worker stop listener threw: ${(error as Error).message}`, "error");
      }
    }
  }
}
