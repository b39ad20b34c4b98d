import type { Database } from "sql.js";
import { writeFileAtomic } from "./atomicFile";
import { fileImage } from "./databaseImage";
import { foldWorkerPath, runFoldWorker } from "./foldRunner";
import type { FoldWorkerReply } from "./foldWorker";
import { errorText } from "./journalWriter";
import { sqlWasmPath } from "./sqlJsLoader";

/** Databases smaller than this many pages (1 MB of 4 KB pages) are not compacted: there is little to win. */
const MIN_PAGES = 256;
/**
 * The share of its pages a database must be able to give back to be compacted once written: a session
 * that changed a few runs leaves the file as it is.
 */
const RECLAIMABLE_FRACTION = 1 / 32;
/**
 * The share of the pages a database grew or shrank by that packing gives back: SQLite leaves index
 * pages partly empty as rows come in (3 MB of 43.6 MB for 100,000 runs written into a new file).
 */
const SLACK_OF_CHANGED = 1 / 8;

/** Page counts of a database: all of them, and those on the free list. */
export interface PageCounts {
  pages: number;
  freePages: number;
}

export function pageCounts(db: Database): PageCounts {
  const [[pages], [freePages]] = db.exec("PRAGMA page_count; PRAGMA freelist_count").map((r) => r.values[0].map(Number));
  return { pages, freePages };
}

/**
 * Whether a database of `now` pages, replacing a file of `filePages`, is worth compacting: when its
 * free pages (deleted runs, indexes a migration dropped) plus the slack of the pages it grew or shrank
 * by come to RECLAIMABLE_FRACTION of it.
 */
export function worthCompacting(now: PageCounts, filePages: number): boolean {
  if (now.pages < MIN_PAGES) return false;
  return now.freePages + Math.abs(now.pages - filePages) * SLACK_OF_CHANGED >= now.pages * RECLAIMABLE_FRACTION;
}

/**
 * Writes a database over its file (atomically, sealed) and says whether the file is then worth
 * compacting with compactDatabaseFile (see worthCompacting), against the `openedPages` the database
 * had when its store opened the file: the journal's folds rewrite the file meanwhile, unpacked, so a
 * session's growth is measured from its start, not from the last fold.
 */
export async function writeDatabaseImage(db: Database, dbPath: string, openedPages: number): Promise<boolean> {
  const counts = pageCounts(db);
  await writeFileAtomic(dbPath, fileImage(db.export()));
  return worthCompacting(counts, openedPages);
}

/**
 * Rewrites the database file packed (VACUUM) in the fold worker, so the main thread never blocks on
 * it. The file is complete before and after (it is replaced atomically), so a failure or a kill on the
 * way only leaves it unpacked; a failure is warned about. Without the worker (a broken build) the
 * file is left as it is: VACUUM on the main thread would block it for over a second.
 */
export async function compactDatabaseFile(dbPath: string, warn: (message: string) => void): Promise<void> {
  const workerPath = foldWorkerPath();
  if (!workerPath) return;
  let reply: FoldWorkerReply;
  try {
    reply = await runFoldWorker(workerPath, { dbPath, journalPaths: [], vacuum: true, wasmPath: sqlWasmPath() });
  } catch (err) {
    reply = { ok: false, error: errorText(err) };
  }
  if (!reply.ok) warn(`Could not compact the task database ${dbPath} after writing it (${reply.error}); it is complete as written and is compacted at a later close.`);
}
