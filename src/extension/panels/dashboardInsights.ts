/**
 * The dashboard's views over time and over the engine's parts: throughput per minute or hour, the
 * queues with Pause and Resume, Retry failed since a time, and the audit trail. Free of vscode.
 */
import type { TaskflowClient } from "../../model/client";
import { QueryAudit, QueryQueues, QueryThroughput, RetryFailedSince, SetQueuePaused } from "../../protocol";
import type { MessageDispatcher } from "./messageDispatcher";
import type { PanelHost } from "./ports";

/** Registers the handlers of the dashboard's insight requests on its dispatcher. */
export function handleInsights(dispatcher: MessageDispatcher, manager: TaskflowClient, host: PanelHost, afterChange: () => Promise<void>): void {
  dispatcher
    .onRequest(QueryThroughput, async ({ bucket }) => manager.throughput({ bucket }))
    .onRequest(QueryQueues, async () => manager.listQueues())
    .onRequest(SetQueuePaused, async ({ name, paused }) => {
      const queues = await manager.listQueues();
      if (!queues.some((q) => q.name === name)) {
        throw new Error(`No queue named "${name}": expected one of ${queues.map((q) => q.name).join(", ")}; refresh the dashboard`);
      }
      if (paused) await manager.pauseQueue(name);
      else await manager.resumeQueue(name);
      host.log(`dashboard: ${paused ? "paused" : "resumed"} queue ${name}`);
      return manager.listQueues();
    })
    .onRequest(RetryFailedSince, async ({ since }) => {
      const at = new Date(since);
      const confirmed = await host.confirm(
        `Retry every failed, interrupted or rejected task created since ${at.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}? Each gets a new run with the same arguments.`,
        "Retry Failed",
      );
      if (!confirmed) return { retried: null };
      const ids = await manager.retryFailed({ since: at });
      host.log(`dashboard: retried ${ids.length} failed task(s) created since ${at.toISOString()}`);
      await afterChange();
      return { retried: ids.length };
    })
    .onRequest(QueryAudit, async ({ limit }) => manager.audit({ limit }));
}
