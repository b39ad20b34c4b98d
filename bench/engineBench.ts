/** The engine alone: no-op tasks through TaskManager with the sql.js store, and p-queue as the in-memory ceiling. */
import { rmSync } from "node:fs";
import path from "node:path";
import { TaskManager } from "../src";
import { startClock, tempDir, throughput, type Throughput } from "./figures";

/** N no-op tasks through the engine with a real sql.js store; the clock stops when all are durable. */
export async function engineThroughput(count: number, concurrency: number): Promise<Throughput> {
  const dir = tempDir();
  const manager = new TaskManager({ dbPath: path.join(dir, "tasks.db"), maxConcurrentTasks: concurrency, maxRecords: count * 2, onOutsideLog: () => undefined });
  await manager.start();
  const noop = manager.task({ name: "noop" }, async () => undefined);
  const clock = startClock();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await manager.addTask(noop, [i]));
  for (const id of ids) await manager.waitFor(id);
  await manager.flush();
  const result = throughput(count, clock);
  const done = manager.metrics().success;
  await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });
  if (done !== count) throw new Error(`expected ${count} successful tasks, got ${done}`);
  return result;
}

/** The same workload through p-queue at the same concurrency: the in-memory ceiling. */
export async function pQueueThroughput(count: number, concurrency: number): Promise<Throughput> {
  const { default: PQueue } = await import("p-queue");
  const queue = new PQueue({ concurrency });
  const clock = startClock();
  const done: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) done.push(queue.add(async () => i));
  await Promise.all(done);
  await queue.onIdle();
  return throughput(count, clock);
}
