import { flowRulesOf, type FlowRules } from "./flowRules";
import { checkScheduleSpec } from "./scheduleSlots";
import { isTaskHandle, normaliseTaskArgs } from "./task";
import { UnknownFunctionError, describeValue, type TaskConfig, type TaskFunction, type TaskHandle } from "./types";

/** Optional details of a registration. */
export interface RegisterOptions {
  /** Where the function comes from (e.g. `src/mail.tasks.ts#sendEmail`), named in duplicate-name errors. */
  source?: string;
  /** 1-based line of the declaration in the source's file, when known (published in the BullMQ worker catalog). */
  line?: number;
}

/** A task function as the registry holds it, under its unique name. */
export interface Registration {
  name: string;
  fn: TaskFunction;
  /** Frozen, with `name` filled in. */
  config: Readonly<TaskConfig>;
  source?: string;
  line?: number;
  /** The config's flow control per key, parsed once; undefined without concurrency, rateLimit or debounce. */
  flow: FlowRules | undefined;
}

function describeRegistration(r: { fn: TaskFunction; source?: string }): string {
  return `function ${r.fn.name || "(anonymous)"}${r.source ? ` (${r.source})` : ""}`;
}

/** Task functions by their unique name, the one key used everywhere (retry, requeue, lookup). */
export class TaskRegistry {
  private readonly byName = new Map<string, Registration>();

  /** Registers `(fn)`, `(fn, config)`, `(config, fn)` or a handle; throws on an empty or duplicate name. */
  register(a: unknown, b: unknown, options: RegisterOptions): Registration {
    const { fn, config } = normaliseTaskArgs(a, b);
    const name = config.name ?? fn.name ?? "";
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError('Task name is empty: give the function a name or pass { name: "..." } in its config');
    }
    if (config.schedule) checkScheduleSpec(config.schedule);
    const existing = this.byName.get(name);
    if (existing) {
      throw new Error(
        `Task name "${name}" is registered twice: first by ${describeRegistration(existing)}, then by ${describeRegistration({ fn, source: options.source })}. Give one of them another name with { name: "..." }, or unregister the first`,
      );
    }
    const frozen = Object.freeze({ ...config, name });
    const registration: Registration = { name, fn, config: frozen, source: options.source, line: options.line, flow: flowRulesOf(frozen) };
    this.byName.set(name, registration);
    return registration;
  }

  unregister(name: string): boolean {
    return this.byName.delete(name);
  }

  get(name: string): Registration | undefined {
    return this.byName.get(name);
  }

  list(): Registration[] {
    return [...this.byName.values()];
  }

  /**
   * The registration for a name or a handle (matched by name, then by function). Throws an
   * UnknownFunctionError when nothing is registered under it, a TypeError for anything else.
   */
  lookup(handleOrName: TaskHandle | string): Registration {
    let name: string;
    if (typeof handleOrName === "string") {
      name = handleOrName;
    } else if (isTaskHandle(handleOrName)) {
      const fn = handleOrName.taskFunction;
      const registered = this.byName.get(handleOrName.taskName);
      if (registered?.fn === fn) return registered;
      const byFunction = this.list().find((r) => r.fn === fn);
      if (byFunction) return byFunction;
      name = handleOrName.taskName || `(unnamed ${describeRegistration({ fn })})`;
    } else {
      throw new TypeError(`Expected a task handle or a task name, got ${describeValue(handleOrName)}`);
    }
    const found = this.byName.get(name);
    if (found) return found;
    const known = [...this.byName.keys()].sort();
    throw new UnknownFunctionError(
      name,
      `Unknown task "${name}": ${known.length > 0 ? `registered tasks are ${known.join(", ")}` : "no task is registered yet"}. Register it with manager.task() first`,
    );
  }

  /** lookup() for enqueue() inside the running task `parent`: an UnknownFunctionError names the parent too. */
  lookupForChild(parent: { funcName: string; taskId: string }, handleOrName: TaskHandle | string): Registration {
    try {
      return this.lookup(handleOrName);
    } catch (error) {
      if (!(error instanceof UnknownFunctionError)) throw error;
      throw new UnknownFunctionError(error.funcName, `Task "${parent.funcName}" (${parent.taskId}) could not enqueue a child: ${error.message}`);
    }
  }
}
