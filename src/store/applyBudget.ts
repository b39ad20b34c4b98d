import { performance } from "node:perf_hooks";

/** The most buffered entries an early apply waits for, however cheap entries are. */
export const MAX_APPLY_ENTRIES = 1024;
/** The fewest: below this an apply's own cost (a transaction, a journal write) is no longer small beside its entries'. */
const MIN_APPLY_ENTRIES = 32;
/** Weight of the latest apply in the running cost per entry. */
const SMOOTHING = 0.3;
/** Applies of fewer entries than this are not measured: their time is mostly the transaction's. */
const MIN_MEASURED_ENTRIES = 16;

/** What an ApplyBudget is given. */
export interface ApplyBudgetOptions {
  /** How long one apply may hold the event loop, in ms. @default 8 */
  budgetMs?: number;
  /** The clock applies are timed with, in ms. @default performance.now */
  now?: () => number;
}

/**
 * How many buffered entries (rows, tasks' log lines, audit entries) a store lets pile up before it
 * applies them early, so that one apply fits `budgetMs`: learned from the time applies took per
 * entry, which grows with the database (8-15 µs an entry on a fresh one, 75-140 µs next to 100,000
 * runs whose index pages are spread over 40 MB). A measurement of cost, not a schedule: nothing the
 * store's callers see depends on it.
 */
export class ApplyBudget {
  private readonly budgetMs: number;
  private readonly now: () => number;
  private msPerEntry = 0;
  /** The number of entries at which the next early apply starts. */
  limit = MAX_APPLY_ENTRIES;

  constructor(options: ApplyBudgetOptions = {}) {
    this.budgetMs = options.budgetMs ?? 8;
    this.now = options.now ?? (() => performance.now());
  }

  /** Runs an apply from `buffer`, and learns from its time per entry it took from the buffer. */
  time(buffer: { readonly size: number }, apply: () => void): void {
    const before = buffer.size;
    const started = this.now();
    apply();
    const entries = before - buffer.size;
    if (entries >= MIN_MEASURED_ENTRIES) this.learn((this.now() - started) / entries);
  }

  private learn(msPerEntry: number): void {
    this.msPerEntry = this.msPerEntry === 0 ? msPerEntry : this.msPerEntry + SMOOTHING * (msPerEntry - this.msPerEntry);
    const fits = this.msPerEntry > 0 ? Math.floor(this.budgetMs / this.msPerEntry) : MAX_APPLY_ENTRIES;
    this.limit = Math.max(MIN_APPLY_ENTRIES, Math.min(MAX_APPLY_ENTRIES, fits));
  }
}
