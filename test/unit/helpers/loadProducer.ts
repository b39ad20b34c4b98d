/**
 * Keeps a BullMQ manager adding `work` tasks until stopped, with at most BACKLOG pending, and keeps
 * the id of every add that was acknowledged. Adds that reject (Redis away) are counted, not kept.
 */
import type { BullmqTaskManager } from "../../../src";

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
