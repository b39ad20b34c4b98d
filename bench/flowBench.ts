/** The dispatcher's cost with flow control per key: pending runs over many keys against the same runs with none. */
import { TaskManager } from "../src";
import { startClock, throughput, type Throughput } from "./figures";

/**
 * `count` no-op runs added to a paused queue (in memory, so the store does not drown the figure),
 * then timed from resumeQueue until every one has finished. With `keys`, the function has
 * `concurrency: { key: "args[0]", limit: 1 }` and run i has key i % keys.
 */
export async function dispatchThroughput(count: number, keys: number | null, concurrency: number): Promise<Throughput> {
  const manager = new TaskManager({ maxConcurrentTasks: concurrency, maxRecords: count * 2, onOutsideLog: () => undefined });
  await manager.start();
  const config = keys === null ? { name: "noop" } : { name: "noop", concurrency: { key: "args[0]", limit: 1 } };
  manager.task(config, async () => undefined);
  manager.pauseQueue("default");
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await manager.addTask("noop", [keys === null ? i : `key-${i % keys}`]));
  const clock = startClock();
  manager.resumeQueue("default");
  await Promise.all(ids.map((id) => manager.waitFor(id)));
  const result = throughput(count, clock);
  const done = manager.metrics().success;
  await manager.shutdown();
  if (done !== count) throw new Error(`expected ${count} successful tasks, got ${done}`);
  return result;
}
