/**
 * Why the BullMQ backend refuses a task with concurrency or a rate limit per key. BullMQ keeps
 * per-group concurrency and rate limits for its paid edition (BullMQ Pro groups); enforcing them
 * here would take a check outside BullMQ's own scripts that fetch a job, so two workers could start
 * two runs of one key at once, or hand jobs back and forth and lose their order.
 */
import { ValidationError, type TaskConfig } from "../../model";

/** The error refusing `config` of the task `name` on BullMQ, or undefined when it has no rule per key to refuse. */
export function keyLimitRefusal(name: string, config: Readonly<TaskConfig>): ValidationError | undefined {
  const why = "BullMQ keeps per-group concurrency and rate limits for its paid edition (BullMQ Pro groups), so the BullMQ backend cannot start runs by key atomically across workers";
  if (config.concurrency) {
    const { key, limit } = config.concurrency;
    return new ValidationError(
      `Task "${name}" has concurrency per key ({ key: "${key}", limit: ${limit} }), which the BullMQ backend refuses: ${why}. ` +
      `Remove it and give the task a queue of its own with a concurrency (task config queue: "${name}", then configureQueue("${name}", { concurrency: ${limit} })), which limits runs of every key together, ` +
      "or use the local backend, which enforces concurrency per key",
      "concurrency",
    );
  }
  if (config.rateLimit) {
    const { key, max, perSeconds } = config.rateLimit;
    return new ValidationError(
      `Task "${name}" has a rate limit per key ({ key: "${key}", max: ${max}, perSeconds: ${perSeconds} }), which the BullMQ backend refuses: ${why}. ` +
      `Remove it and give the task a queue of its own with a rate limit (task config queue: "${name}", then configureQueue("${name}", { rateLimit: { max: ${max}, perSeconds: ${perSeconds} } })), which limits starts of every key together, ` +
      "or use the local backend, which enforces rate limits per key",
      "rateLimit",
    );
  }
  return undefined;
}
