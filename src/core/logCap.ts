import { droppedLinesMarker } from "../model/logMarkers";

/**
 * The per-task cap on log lines: admits lines until `limit` are kept, then counts the ones it
 * refuses until their marker line is taken.
 */
export class LogCap {
  /** Lines refused since the last marker was taken. */
  dropped = 0;

  constructor(
    /** Log lines kept per task. */
    readonly limit: number,
    /** Lines the task has kept already (a run that resumes a record with logs). @default 0 */
    public kept = 0,
  ) {}

  /** Whether one more line may be kept; counts it as kept or as dropped. */
  admit(): boolean {
    if (this.kept >= this.limit) {
      this.dropped++;
      return false;
    }
    this.kept++;
    return true;
  }

  /** The `--- N log lines dropped ---` line for the lines refused since the last call; undefined when none were. */
  takeMarker(): string | undefined {
    if (this.dropped === 0) return undefined;
    const marker = droppedLinesMarker(this.dropped, this.limit);
    this.dropped = 0;
    return marker;
  }
}
