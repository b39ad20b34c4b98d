import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { FoldWorkerReply } from "./foldWorker";

/** The built worker beside the bundle, or the TypeScript source when running from sources. */
export function foldWorkerPath(): string | undefined {
  for (const candidate of [path.join(__dirname, "storeFoldWorker.js"), path.join(__dirname, "foldWorker.ts")]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Runs one fold in a worker thread; never rejects, failures come back as `{ ok: false }`. */
export function runFoldWorker(workerPath: string, workerData: unknown): Promise<FoldWorkerReply> {
  return new Promise((resolve) => {
    // From sources the worker is TypeScript: load it through tsx, as the tests and the bench do.
    // createRequire keeps bundlers from trying to resolve tsx, which only exists in development.
    const execArgv = workerPath.endsWith(".ts") ? ["--require", createRequire(__filename).resolve("tsx/cjs")] : undefined;
    const worker = new Worker(workerPath, { workerData, execArgv });
    let settled = false;
    const settle = (reply: FoldWorkerReply): void => {
      if (!settled) {
        settled = true;
        resolve(reply);
      }
    };
    worker.once("message", (reply: FoldWorkerReply) => settle(reply));
    worker.once("error", (err) => settle({ ok: false, error: err instanceof Error ? err.message : String(err) }));
    worker.once("exit", (code) => settle({ ok: false, error: `the fold worker exited with code ${code} before answering` }));
  });
}

