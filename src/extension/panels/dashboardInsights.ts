/**
 * The dashboard's views over time and over the engine's parts: throughput per minute or hour, the
 * queues with Pause and Resume, Retry failed since a time, and the audit trail. Free of vscode.
 */
import * as l10n from "@vscode/l10n";
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
        throw new Error(l10n.t("No queue named \"{0}\": expected one of {1}; refresh the dashboard", name, queues.map((q) => q.name).join(", ")));
      }
      if (paused) await manager.pauseQueue(name);
      else await manager.resumeQueue(name);
      host.log(`dashboard: ${paused ? "paused" : "resumed"} queue ${name}`);
      return manager.listQueues();
    })
    .onRequest(RetryFailedSince, async ({ since }) => {
      const at = new Date(since);
      const confirmed = await host.confirm(
        l10n.t("Retry every failed, interrupted or rejected task created since {0}? Each gets a new run with the same arguments.", at.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")),
        l10n.t("Retry Failed"),
      );
      if (!confirmed) return { retried: null };
      const ids = await manager.retryFailed({ since: at });
      host.log(`dashboard: retried ${ids.length} failed task(s) created since ${at.toISOString()}`);
      await afterChange();
      return { retried: ids.length };
    })
    .onRequest(QueryAudit, async ({ limit }) => manager.audit({ limit }));
}
