import * as assert from "node:assert/strict";
import { MemoryStore, type TaskStore } from "../../../src/store";
import { TaskManager } from "../../../src";
import type { LifecycleEvent, LogEvent, LogLevel, TaskConfig, TaskManagerOptions } from "../../../src/core/types";
import { FakeClock, settle } from "./fakeClock";

const made: TaskManager[] = [];

/**
 * Shuts down every manager makeEngine made, so none is left holding the outside-log target of
 * taskLog for later tests. Use as `afterEach(shutdownEngines)`.
 */
export async function shutdownEngines(): Promise<void> {
  const managers = made.splice(0);
  await Promise.all(managers.map((m) => m.shutdown().catch(() => {})));
}

/**
 * A manager on a MemoryStore and a FakeClock, recording its events and its outside log. `options.store`
 * replaces the MemoryStore (and is then closed by shutdown as usual).
 */
export function makeEngine(options: Partial<TaskManagerOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const outside: Array<{ message: string; level: LogLevel }> = [];
  const manager = new TaskManager({
    clock,
    // Closing is left out so tests can still read the store after shutdown().
    store: withOverrides(store, { close: async () => {} }),
    random: () => 0.5,
    onOutsideLog: (message, level) => outside.push({ message, level }),
    ...options,
  });
  made.push(manager);
  const lifecycle: LifecycleEvent[] = [];
  const logs: LogEvent[] = [];
  manager.onLifecycle((e) => lifecycle.push(e));
  manager.onLog((e) => logs.push(e));
  /** Statuses one task went through, in order. */
  const statuses = (taskId: string) => lifecycle.filter((e) => e.taskId === taskId).map((e) => e.status);
  return { manager, clock, store: options.store ?? (store), outside, lifecycle, logs, statuses };
}

/** A promise with its resolve and reject, to hold a task open until the test lets it go. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `store` with some methods replaced; every other call goes to `store` itself. */
export function withOverrides(store: TaskStore, overrides: Partial<TaskStore>): TaskStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const own = (overrides as Record<string | symbol, unknown>)[property];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The store as a manager sees it, but already open: lets a test seed records before start(). */
export function reopenable(store: TaskStore): TaskStore {
  return withOverrides(store, { open: async () => {} });
}

/**
 * A manager on the database file `dbPath` and `clock` with one task function, `report`, that pushes
 * the clock's time of each run onto `runs`; for tests that shut down and open the same file again.
 * `report` is not persist: its pending runs are interrupted at shutdown, unless they have a runAt.
 */
export function reportingManager(dbPath: string, clock: FakeClock, runs: number[]): TaskManager {
  const manager = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
  manager.task({ name: "report" }, async () => {
    runs.push(clock.now());
  });
  return manager;
}

/**
 * Registers a task `job` on `manager` (under `config`) whose runs record their label (the last
 * argument) in `started` and stay running until `finish(label)`; with `instant` they return at once.
 * `onStart` sees each label as it starts and the labels running beside it.
 */
export function gatedJobs(manager: TaskManager, config: TaskConfig = {}, options: { instant?: boolean; onStart?: (label: string, running: string[]) => void } = {}) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  manager.task({ name: "job", ...config }, async (...args: unknown[]) => {
    const label = String(args[args.length - 1]);
    started.push(label);
    options.onStart?.(label, [...gates.keys()]);
    if (options.instant) return label;
    const gate = deferred();
    gates.set(label, gate.resolve);
    await gate.promise;
    return label;
  });
  /** Lets the running job `label` finish. */
  const finish = async (label: string) => {
    const open = gates.get(label);
    assert.ok(open, `job ${label} is not running`);
    gates.delete(label);
    open();
    await settle();
  };
  const running = () => [...gates.keys()].sort();
  return { started, finish, running };
}
