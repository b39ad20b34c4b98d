/**
 * The audit trail and throughput on Redis. BullMQ keeps neither: audit entries are a capped Redis
 * list (newest first), throughput is counted from the finished tasks' end times.
 */
import type { Redis } from "ioredis";
import {
  AUDIT_MAX_ENTRIES, ValidationError, describeValue, resolveAuditQuery,
  type AuditAction, type AuditActor, type AuditEntry, type AuditQuery, type TaskData, type ThroughputBucket, type ThroughputQuery,
} from "../../model";
import { isoTime } from "./isoTime";
import { RedisScript } from "./redisScript";

const DEFAULT_BUCKETS = 60;

/** KEYS: the list. ARGV: the most entries kept, then entries oldest first. Pushes them (newest ends first) and drops the oldest beyond the cap. */
const APPEND = new RedisScript(`
for i = 2, #ARGV do redis.call('LPUSH', KEYS[1], ARGV[i]) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)`);

/**
 * An audit entry as the trail keeps it (JSON), dated `nowMs` (epoch ms): the text JSON.stringify
 * writes for the AuditEntry, its fields in the same order, written without the object (once per add).
 * The time, the action and the actor are written as they are (their characters need no escape).
 */
export function auditEntryJson(actor: AuditActor, action: AuditAction, taskId: string | null, detail: string | null, nowMs: number): string {
  return `{"at":"${isoTime(nowMs)}","action":"${action}","taskId":${jsonText(taskId)},"actor":"${actor}","detail":${jsonText(detail)}}`;
}

function jsonText(value: string | null): string {
  return value === null ? "null" : JSON.stringify(value);
}

/** The trail; a run's entry is written by the script that adds its job (see gatedAdd.ts). */
export class AuditTrail {
  constructor(private readonly redis: Redis, private readonly key: string) {}

  /** Appends an entry; resolves once Redis has it. */
  async record(actor: AuditActor, action: AuditAction, taskId: string | null, detail: string | null, nowMs: number): Promise<void> {
    await APPEND.run(this.redis, [this.key], [AUDIT_MAX_ENTRIES, auditEntryJson(actor, action, taskId, detail, nowMs)]);
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { limit, offset } = resolveAuditQuery(query);
    if (limit === 0) return [];
    const rows = await this.redis.lrange(this.key, offset, offset + limit - 1);
    return rows.map((row) => JSON.parse(row) as AuditEntry);
  }
}

const BUCKET_MS = { minute: 60_000, hour: 3_600_000 } as const;

/** Finished tasks per bucket by outcome, oldest bucket first, empty buckets included, up to now. */
export function throughputOf(tasks: readonly TaskData[], query: ThroughputQuery, nowMs: number): ThroughputBucket[] {
  if (query.bucket !== "minute" && query.bucket !== "hour") {
    throw new ValidationError(`throughput bucket must be "minute" or "hour", got ${describeValue(query.bucket)}`, "bucket");
  }
  const size = BUCKET_MS[query.bucket];
  const sinceMs = query.since === undefined ? nowMs - (DEFAULT_BUCKETS - 1) * size : new Date(query.since).getTime();
  if (!Number.isFinite(sinceMs)) throw new ValidationError(`throughput since must be a Date or an ISO 8601 time, got ${describeValue(query.since)}`, "since");
  const first = Math.floor(sinceMs / size) * size;
  const buckets: ThroughputBucket[] = [];
  for (let start = first; start <= nowMs; start += size) {
    buckets.push({ start: new Date(start).toISOString(), succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, rejected: 0 });
  }
  for (const t of tasks) {
    if (t.endTime === null || t.endTime < first || (query.funcName !== undefined && t.funcName !== query.funcName)) continue;
    const bucket = buckets[Math.floor((t.endTime - first) / size)];
    if (!bucket) continue;
    if (t.status === "success") bucket.succeeded++;
    else if (t.status === "failed" || t.status === "cancelled" || t.status === "interrupted" || t.status === "rejected") bucket[t.status]++;
  }
  return buckets;
}
