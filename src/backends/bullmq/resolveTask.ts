/**
 * Which task function a name or handle means on the BullMQ backend: this manager's own
 * registration, else what the live workers publish in the catalog (see workerCatalog.ts), so a
 * manager without the task code can still enqueue, schedule and retry by name.
 */
import type { Registration } from "../../core/taskRegistry";
import { UnknownFunctionError, type RegisteredTask, type TaskHandle } from "../../model";
import type { BackendCore } from "./backendCore";
import { redactedUrl } from "./redisQueues";

/** What enqueueing needs of a task function: its name and config. */
export type TaskEntry = Pick<Registration, "name" | "config">;

/** Where `parent` is the running task that enqueues (a child), its UnknownFunctionError names it. */
export interface EnqueuingParent {
  taskId: string;
  funcName: string;
}

/**
 * The registration of `task` here, else the live workers' entry for its name (the catalog read
 * again, so a worker that just stopped no longer counts). Throws UnknownFunctionError when
 * neither has it, saying no live worker runs it.
 */
export async function resolveTask(core: BackendCore, task: TaskHandle | string, parent: EnqueuingParent | null = null): Promise<TaskEntry> {
  let unknown: UnknownFunctionError;
  try {
    return parent ? core.registry.lookupForChild(parent, task) : core.registry.lookup(task);
  } catch (error) {
    if (!(error instanceof UnknownFunctionError) || !core.connected) throw error;
    unknown = error;
  }
  const name = typeof task === "string" ? task : task.taskName;
  const found = (await core.connected.catalog.refresh()).get(name);
  if (found) return found;
  const message = noWorkerMessage(core, name);
  throw new UnknownFunctionError(unknown.funcName, parent ? `Task "${parent.funcName}" (${parent.taskId}) could not enqueue a child: ${message}` : message);
}

/**
 * resolveTask, with no wait when this manager has the registration (an add's usual case: the
 * add then reaches Redis without a turn of the microtask queue for it).
 */
export function resolveTaskSoon(core: BackendCore, task: TaskHandle | string, parent: EnqueuingParent | null = null): TaskEntry | Promise<TaskEntry> {
  try {
    return parent ? core.registry.lookupForChild(parent, task) : core.registry.lookup(task);
  } catch {
    return resolveTask(core, task, parent);
  }
}

/** The entry for `name` from what is known now (no Redis read); throws like resolveTask when none. */
export function knownTask(core: BackendCore, name: string): TaskEntry {
  const entry = core.registry.get(name) ?? core.connected?.catalog.known().get(name);
  if (entry) return entry;
  throw new UnknownFunctionError(name, noWorkerMessage(core, name));
}

/** Whether `name` is registered here or run by a live worker, as last read. */
export function isKnownTask(core: BackendCore, name: string): boolean {
  return core.registry.get(name) !== undefined || core.connected?.catalog.known().has(name) === true;
}

/**
 * This manager's registrations, then the catalog's other functions; `workers` says how many live
 * workers run each (this one included once it has published).
 */
export function registeredTasksOf(core: BackendCore): RegisteredTask[] {
  const catalog = core.connected?.catalog.known() ?? new Map();
  const own: RegisteredTask[] = core.registry.list().map((r) => ({ name: r.name, config: { ...r.config }, source: r.source, workers: catalog.get(r.name)?.workers ?? 0 }));
  const others: RegisteredTask[] = [...catalog.values()]
    .filter((t) => !core.registry.get(t.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => ({ name: t.name, config: { ...t.config }, ...(t.source === undefined ? {} : { source: t.source }), workers: t.workers }));
  return [...own, ...others];
}

function noWorkerMessage(core: BackendCore, name: string): string {
  const where = `${redactedUrl(core.options.url)} (prefix "${core.options.prefix}")`;
  const run = [...(core.connected?.catalog.known().keys() ?? [])].sort();
  const others = run.length > 0 ? `the live workers there run ${run.join(", ")}` : "no worker is running there";
  return `Unknown task "${name}": it is not registered here and no live worker runs it on ${where}; ${others}. ` +
    `Start a worker whose task modules define it (taskflow worker --redis URL --prefix ${core.options.prefix}), or register it here with manager.task()`;
}
