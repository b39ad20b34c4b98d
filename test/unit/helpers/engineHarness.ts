import { MemoryStore } from "../../../src/store";
import { TaskManager } from "../../../src/engine";
import type { LifecycleEvent, LogEvent, LogLevel, TaskManagerOptions } from "../../../src/engine/types";
import { FakeClock } from "./fakeClock";

/** A manager on a MemoryStore and a FakeClock, recording its events and its outside log. */
export function makeEngine(options: Partial<TaskManagerOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const outside: Array<{ message: string; level: LogLevel }> = [];
  const manager = new TaskManager({
    clock,
    store,
    random: () => 0.5,
    onOutsideLog: (message, level) => outside.push({ message, level }),
    ...options,
  });
  const lifecycle: LifecycleEvent[] = [];
  const logs: LogEvent[] = [];
  manager.onLifecycle((e) => lifecycle.push(e));
  manager.onLog((e) => logs.push(e));
  /** Statuses one task went through, in order. */
  const statuses = (taskId: string) => lifecycle.filter((e) => e.taskId === taskId).map((e) => e.status);
  return { manager, clock, store, outside, lifecycle, logs, statuses };
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
