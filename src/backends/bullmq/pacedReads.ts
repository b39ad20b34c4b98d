/** Reading a busy event stream in batches (see pacedReads). */
import type { Redis } from "ioredis";

type XRead = (...args: unknown[]) => Promise<unknown>;

/**
 * The connection, its XREAD made to wait until `gapMs` have passed since the previous one was
 * answered. QueueEvents reads again the moment a read returns, so a busy stream would be read
 * one entry per round trip; paced, the entries of those milliseconds come in one reply. A read
 * after a quiet spell goes at once, so a lone change is announced as soon as before. QueueEvents
 * reads on a duplicate of the connection it is given, so duplicates are paced too.
 */
export function pacedReads(connection: Redis, gapMs: number): Redis {
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (...args: Parameters<Redis["duplicate"]>) => pacedReads(duplicate(...args), gapMs);
  const read = connection.xread.bind(connection) as XRead;
  let answeredAt = -Infinity;
  const paced: XRead = async (...args) => {
    const waitMs = answeredAt + gapMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    try {
      return await read(...args);
    } finally {
      answeredAt = performance.now();
    }
  };
  (connection as unknown as { xread: XRead }).xread = paced;
  return connection;
}
