/**
 * Keeps a BullMQ manager adding `work` tasks until stopped, with at most BACKLOG pending, and keeps
 * the id of every add that was acknowledged. Adds that reject (Redis away) are counted, not kept;
 * allFinished waits for those tasks to finish.
 */
import type { BullmqTaskManager } from "../../../src";
import { isFinished } from "../../../src/model";

/** Pending tasks the producer allows before it waits for the workers. */
const BACKLOG = 60;
/** Tasks per addTasks call. */
const BATCH = 10;
/** Pause between two rounds, in ms. */
const PAUSE_MS = 20;

export interface LoadProducer {
  /** Ids whose add resolved, in order. */
  readonly acknowledged: string[];
  /** Adds that rejected, with the first error. */
  readonly refused: { count: number; first: string | undefined };
  /** Stops adding and resolves once the add in flight has settled. */
  stop(): Promise<void>;
}

export function startProducer(manager: BullmqTaskManager): LoadProducer {
  const acknowledged: string[] = [];
  const refused = { count: 0, first: undefined as string | undefined };
  let stopping = false;
  let n = 0;
  const loop = (async () => {
    while (!stopping) {
      try {
        if ((await manager.countTasks({ status: "pending" })) < BACKLOG) {
          const ids = await manager.addTasks("work", Array.from({ length: BATCH }, () => ({ args: [n++] })));
          acknowledged.push(...ids);
        }
      } catch (error) {
        refused.count += 1;
        refused.first ??= error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  })();
  return {
    acknowledged,
    refused,
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

/** Resolves once every id has a finished status, read every 200 ms; rejects after `timeoutMs`. */
export async function allFinished(manager: BullmqTaskManager, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let open = ids;
  while (open.length > 0) {
    const records = await Promise.all(open.map((id) => manager.getTask(id)));
    open = open.filter((_, i) => !records[i] || !isFinished(records[i].status));
    if (open.length === 0) return;
    if (Date.now() > deadline) {
      const sample = await Promise.all(open.slice(0, 5).map(async (id) => `${id} ${(await manager.getTask(id))?.status ?? "missing"}`));
      throw new Error(`${open.length} of ${ids.length} tasks not finished within ${timeoutMs} ms, e.g. ${sample.join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
