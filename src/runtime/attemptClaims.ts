/**
 * Who starts an attempt sent to a pool worker: the worker, or the host taking it back for another
 * worker (the one it was queued behind ran long, died, or is being cancelled). Each attempt sent and
 * not yet started holds a cell of memory both threads share, set to its runId; whichever side swaps it
 * to 0 first owns the attempt. So an attempt runs once, and the host takes one back without a message
 * round trip, even from a worker stuck in a synchronous loop. The worker also shares when its current
 * attempt began, so the host knows how long it has been running without asking.
 */
import { performance } from "node:perf_hooks";

export class AttemptClaims {
  /** Shared with the worker (sent in its PoolJob). */
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;
  private readonly busy: Float64Array;

  /** @param size attempts a worker may hold at once, running and queued. */
  constructor(size: number) {
    this.buffer = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT + size * Int32Array.BYTES_PER_ELEMENT);
    ({ busy: this.busy, cells: this.cells } = claimViews(this.buffer));
  }

  /**
   * Marks a free cell with `runId` (> 0) and returns its index, or -1 when every cell holds an attempt
   * not yet started. A cell at 0 is free whoever emptied it: the worker claims a cell only for the
   * runId it was sent with, and runIds are never reused.
   */
  take(runId: number): number {
    const index = this.cells.indexOf(0);
    if (index >= 0) Atomics.store(this.cells, index, runId);
    return index;
  }

  /** Takes attempt `runId` back: true when the worker had not started it (and now never will). */
  takeBack(cell: number, runId: number): boolean {
    return Atomics.compareExchange(this.cells, cell, runId, 0) === runId;
  }

  /** Milliseconds the worker's current attempt has been running; 0 while it runs none. */
  runningMs(): number {
    const since = this.busy[0];
    return since === 0 ? 0 : sharedNow() - since;
  }
}

/** The views of an AttemptClaims buffer: when the current attempt began (0: none), then one cell per attempt. */
export function claimViews(buffer: SharedArrayBuffer): { busy: Float64Array; cells: Int32Array } {
  return { busy: new Float64Array(buffer, 0, 1), cells: new Int32Array(buffer, Float64Array.BYTES_PER_ELEMENT) };
}

/** Epoch milliseconds on the clock every thread of the process shares (each thread's own timeOrigin plus its now()). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The worker's side: true when attempt `runId` is still its to start (the host has not taken it back). */
export function claimAttempt(cells: Int32Array, cell: number, runId: number): boolean {
  return Atomics.compareExchange(cells, cell, runId, 0) === runId;
}
