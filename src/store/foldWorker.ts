/**
 * Worker thread entry: folds rotated journals into the database file off the main thread, because
 * exporting a large sql.js database blocks for over 100 ms. Built to dist/storeFoldWorker.js.
 */
import { parentPort, workerData } from "node:worker_threads";
import { foldJournals, type FoldRequest } from "./fold";
import { loadSqlJs } from "./sqlJsLoader";

/** The message the worker posts when done. */
export type FoldWorkerReply = { ok: true; skippedLines: number; bytes: number } | { ok: false; error: string };

async function run(): Promise<FoldWorkerReply> {
  const { wasmPath, ...request } = workerData as FoldRequest & { wasmPath: string };
  try {
    const result = await foldJournals(await loadSqlJs(wasmPath), request);
    return { ok: true, ...result };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

if (parentPort) {
  const port = parentPort;
  void run().then((reply) => port.postMessage(reply));
}
