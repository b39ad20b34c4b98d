import { performance } from "node:perf_hooks";
import type { Database } from "sql.js";

/**
 * Entries (rows, tasks' log lines, audit entries) that early applies put in one transaction before
 * it is committed, and the most one early apply waits for however cheap entries are.
 */
export const MAX_APPLY_ENTRIES = 1024;
/** The fewest entries an early apply waits for: below this its own cost is no longer small beside theirs. */
const MIN_APPLY_ENTRIES = 32;
/**
 * Pages (16 MB of 4 KB pages, about 40,000 runs) below which early applies wait for
 * MAX_APPLY_ENTRIES whatever they cost: on a smaller database the entries of one apply share pages,
 * and applying them in smaller pieces cost 20-45% more CPU on the single-add path (one awaited addTask
 * at a time, 20,000 no-op tasks), while on a larger one their pages are spread over the file.
 */
const MIN_BUDGETED_PAGES = 4096;
/** Weight of the latest apply in the running cost per entry. */
const SMOOTHING = 0.3;
/** Applies of fewer entries than this are not measured: their time is mostly their own cost. */
const MIN_MEASURED_ENTRIES = 16;

/** What ApplyBatches is given. */
export interface ApplyBatchesOptions {
  /** How long one early apply may hold the event loop, in ms. @default 8 */
  budgetMs?: number;
  /** The clock applies are timed with, in ms. @default performance.now */
  now?: () => number;
  /** Database pages below which early applies wait for MAX_APPLY_ENTRIES entries whatever they cost. @default 4096 */
  minPages?: number;
}

/**
 * How a store applies its write buffer to its database. An early apply (adds outrunning the flush
 * timer) starts once the buffer holds `limit` entries: on a database of `minPages` or more, what one
 * apply does within `budgetMs`, learned from the time applies took per entry (next to 100,000 runs an
 * entry costs 75-140 µs, so 1,024 of them held the event loop for up to 190 ms). Early applies share one transaction until it holds
 * MAX_APPLY_ENTRIES entries or a full apply (the flush timer, a read, close) commits it, so the pages
 * they change are written to sql.js's file once per 1,024 entries as before, not once per apply
 * (committing each small apply costs 20-40% more CPU on the single-add path). The journal is the
 * durable record, so when the view is committed changes nothing a caller sees.
 */
export class ApplyBatches {
  private readonly budgetMs: number;
  private readonly now: () => number;
  private readonly minPages: number;
  private msPerEntry = 0;
  private open = false;
  private entriesInTransaction = 0;
  /** The number of buffered entries at which the next early apply starts. */
  limit = MAX_APPLY_ENTRIES;

  constructor(options: ApplyBatchesOptions = {}) {
    this.budgetMs = options.budgetMs ?? 8;
    this.now = options.now ?? (() => performance.now());
    this.minPages = options.minPages ?? MIN_BUDGETED_PAGES;
  }

  /**
   * Runs `work`, which applies entries from `buffer`, in the open transaction (begun if none is), and
   * learns from its time per entry taken. Commits when `commit` says so (even with nothing to apply),
   * or once the transaction holds MAX_APPLY_ENTRIES. When `work` throws, its own changes are rolled
   * back, the earlier applies' committed, and the error rethrown.
   */
  apply(db: Database, buffer: { readonly size: number }, commit: boolean, work: () => void): void {
    const before = buffer.size;
    if (before > 0) {
      if (!this.open) {
        db.run("BEGIN");
        this.open = true;
      }
      const started = this.now();
      db.run("SAVEPOINT apply");
      try {
        work();
        db.run("RELEASE apply");
      } catch (err) {
        db.run("ROLLBACK TO apply; RELEASE apply");
        this.commit(db);
        throw err;
      }
      const entries = before - buffer.size;
      if (entries >= MIN_MEASURED_ENTRIES) this.learn((this.now() - started) / entries, db);
      this.entriesInTransaction += entries;
    }
    if (commit || this.entriesInTransaction >= MAX_APPLY_ENTRIES) this.commit(db);
  }

  private commit(db: Database): void {
    if (!this.open) return;
    this.open = false;
    this.entriesInTransaction = 0;
    db.run("COMMIT");
  }

  private learn(msPerEntry: number, db: Database): void {
    this.msPerEntry = this.msPerEntry === 0 ? msPerEntry : this.msPerEntry + SMOOTHING * (msPerEntry - this.msPerEntry);
    const fits = this.msPerEntry > 0 ? Math.floor(this.budgetMs / this.msPerEntry) : MAX_APPLY_ENTRIES;
    const budgeted = Number(db.exec("PRAGMA page_count")[0].values[0][0]) >= this.minPages;
    this.limit = budgeted ? Math.max(MIN_APPLY_ENTRIES, Math.min(MAX_APPLY_ENTRIES, fits)) : MAX_APPLY_ENTRIES;
  }
}
