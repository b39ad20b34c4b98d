/**
 * What the Task Functions view shows of the shared queue's workers: how many live workers run each
 * function, and the functions only the workers have (their modules are not in this window's
 * workspace, or not loaded here). Read from the manager's `registeredTasks()`, which lists the
 * workers' catalog, so the window loads no module for it. No vscode import.
 */
import * as l10n from "@vscode/l10n";
import type { RegisteredTask } from "../../model";
import { catalogFromRegistered, type CatalogSnapshot } from "../modules/taskCatalog";

/** The shared queue's side of the Task Functions view. */
export interface SharedFunctions {
  /** Live workers running each function, by name (0: registered here, but no worker runs it). */
  workers: ReadonlyMap<string, number>;
  /**
   * The functions the workers run that `loaded` does not have, located from their `source` under the
   * window's folder; those without a source are under the module path "".
   */
  others: CatalogSnapshot;
}

/** How often the view reads the workers' catalog again, in milliseconds (the read is in memory: the manager's heartbeat refreshes it from Redis). */
export const SHARED_FUNCTIONS_REFRESH_MS = 3000;

/**
 * The shared queue's functions for the view, given the manager's `registeredTasks()` (with
 * `workers` counts), the catalog this window loaded, and its folder (`root`).
 */
export function sharedFunctions(registered: readonly RegisteredTask[], loaded: CatalogSnapshot, root: string): SharedFunctions {
  const known = new Set(loaded.functions.map((f) => f.name));
  const others = catalogFromRegistered(registered.filter((t) => !known.has(t.name)), root);
  // Functions published without a source gather under one row with no module ("").
  if (others.functions.some((f) => f.file === "")) others.modules.push("");
  return { workers: new Map(registered.map((t) => [t.name, t.workers ?? 0])), others };
}

/** `2 workers`, `1 worker`, `no worker`: a function row's description on the shared queue, in the display language. */
export function describeWorkers(count: number): string {
  if (count === 0) return l10n.t("no worker");
  return count === 1 ? l10n.t("1 worker") : l10n.t("{0} workers", count);
}
