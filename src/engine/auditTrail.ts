import type { TaskStore } from "../store/types";
import { isoClock } from "../core/clock";
import { resolveAuditQuery, type AuditAction, type AuditActor, type AuditEntry, type AuditQuery, type Clock } from "../core/types";

/**
 * Writes and reads the audit trail in the store, each entry stamped with the manager's clock.
 * Entries made before the store is open (a queue configured before start) are kept and written at
 * start; after shutdown there is no store to write to and nothing is recorded.
 */
export class AuditTrail {
  private early: AuditEntry[] = [];
  private readonly isoNow: () => string;

  /** @param store the store while it is open, undefined before start and after shutdown */
  constructor(private readonly store: () => TaskStore | undefined, clock: Clock, private readonly started: () => boolean) {
    this.isoNow = isoClock(clock);
  }

  record(actor: AuditActor, action: AuditAction, taskId: string | null, detail: string | null): void {
    const entry: AuditEntry = { at: this.isoNow(), action, taskId, actor, detail };
    const store = this.store();
    if (store) store.appendAudit(entry);
    else if (!this.started()) this.early.push(entry);
  }

  /** Writes the entries made before the store opened. */
  storeOpened(): void {
    const store = this.store();
    for (const entry of this.early) store?.appendAudit(entry);
    this.early = [];
  }

  /** Newest first; throws a ValidationError for a bad limit or offset. */
  list(query?: AuditQuery): AuditEntry[] {
    const resolved = resolveAuditQuery(query);
    return this.store()?.listAudit(resolved) ?? [];
  }
}
