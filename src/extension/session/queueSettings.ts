/**
 * The `taskflow.queues` setting: parsed into queue settings (pure, tested in plain Node) and applied
 * to a manager with configureQueue, pauseQueue and resumeQueue. A bad entry is reported and skipped;
 * the others still apply.
 */
import * as l10n from "@vscode/l10n";
import { describeValue, isPlainObject, parseQueueName, parseQueueOptions, type QueueOptions, type TaskflowClient } from "../../model";

/** One valid entry of `taskflow.queues`. Limits left out are `null` (none), so the setting describes the whole queue. */
export interface QueueSetting {
  name: string;
  options: Required<QueueOptions>;
  /** @default false */
  paused: boolean;
}

export interface ParsedQueueSettings {
  queues: QueueSetting[];
  /** One message per entry that was skipped, saying what was expected and what was got. */
  problems: string[];
}

const UNLIMITED: Required<QueueOptions> = { concurrency: null, maxSize: null, rateLimit: null };

/** Parses the value of `taskflow.queues`; undefined or null means no queue settings. */
export function parseQueueSettings(value: unknown): ParsedQueueSettings {
  if (value === undefined || value === null) return { queues: [], problems: [] };
  if (!isPlainObject(value)) {
    return { queues: [], problems: [l10n.t("taskflow.queues must be an object of queue name to settings, like {0}, got {1}", '{ "emails": { "concurrency": 2 } }', describeValue(value))] };
  }
  const queues: QueueSetting[] = [];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(value)) {
    try {
      parseQueueName(name);
      if (!isPlainObject(entry)) throw new Error(l10n.t("must be an object like {0}, got {1}", '{ "concurrency": 2, "paused": false }', describeValue(entry)));
      const { paused, ...limits } = entry;
      if (paused !== undefined && typeof paused !== "boolean") throw new Error(l10n.t("paused must be true or false, got {0}", describeValue(paused)));
      queues.push({ name, options: { ...UNLIMITED, ...parseQueueOptions(limits) }, paused: paused === true });
    } catch (error) {
      problems.push(l10n.t("taskflow.queues[\"{0}\"] skipped: {1}", name, error instanceof Error ? error.message : String(error)));
    }
  }
  return { queues, problems };
}

/**
 * Applies the setting to managers one after the other. A queue dropped from the setting since the
 * last apply goes back to no limits and running.
 */
export class QueueSettingsApplier {
  private applied = new Set<string>();

  constructor(private readonly report: (problems: string[]) => void) {}

  async apply(client: TaskflowClient, value: unknown): Promise<void> {
    const { queues, problems } = parseQueueSettings(value);
    const dropped = [...this.applied].filter((name) => !queues.some((q) => q.name === name));
    for (const queue of queues) {
      try {
        await client.configureQueue(queue.name, queue.options);
        await (queue.paused ? client.pauseQueue(queue.name) : client.resumeQueue(queue.name));
      } catch (error) {
        problems.push(l10n.t("taskflow.queues[\"{0}\"] not applied: {1}", queue.name, error instanceof Error ? error.message : String(error)));
      }
    }
    for (const name of dropped) {
      await Promise.resolve(client.configureQueue(name, UNLIMITED)).then(() => client.resumeQueue(name)).catch(() => undefined);
    }
    this.applied = new Set(queues.map((q) => q.name));
    if (problems.length > 0) this.report(problems);
  }
}
