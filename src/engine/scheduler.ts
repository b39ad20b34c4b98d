import { randomUUID } from "node:crypto";
import {
  UnknownScheduleError, sameScheduleSpec, scheduleInfo, specOf,
  type ScheduleData, type ScheduleInfo, type ScheduleOptions, type ScheduleSource, type ScheduleSpec,
} from "../model";
import type { TaskStore } from "../store/types";
import { checkAddTaskInput } from "../core/addTaskInput";
import { checkScheduleSpec, nextSlot } from "../core/scheduleSlots";
import type { Clock, LogLevel } from "../core/types";
import { noop } from "../core/noop";

/** What the scheduler needs from its manager. */
export interface SchedulerHost {
  store: TaskStore;
  clock: Clock;
  report: (message: string, level: LogLevel) => void;
  /** Whether the function can be run now; a due slot of one that is not waits for it to register. */
  isRegistered(funcName: string): boolean;
  /** Enqueues one run of the schedule through the manager's addTask path; resolves with its id. */
  fire(schedule: ScheduleData): Promise<string>;
}

/** A schedule with checked arguments, ready to be stored. */
export interface NewSchedule {
  funcName: string;
  spec: ScheduleSpec;
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  runOnStart: boolean;
  source: ScheduleSource;
}

/** The stored run an enqueue error names (QueueFullError's rejected run), or null. */
const taskIdOf = (err: unknown): string | null => {
  const taskId = (err as { taskId?: unknown } | null)?.taskId;
  return typeof taskId === "string" ? taskId : null;
};
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The schedules of one manager, persisted in its store, behind one clock sleep for the earliest
 * next slot (re-armed after each pass). A slot missed while the engine was stopped fires once; the
 * next slot is then the first one after now.
 */
export class Scheduler {
  private readonly schedules = new Map<string, ScheduleData>();
  /** Module schedules declared before the store was open: task name to spec (null: none). */
  private readonly declared = new Map<string, ScheduleSpec | null>();
  /** Schedules that owe their runOnStart run. */
  private readonly startRuns = new Set<string>();
  private started = false;
  private wake: AbortController | undefined;
  private passing: Promise<void> | undefined;
  private passAgain = false;

  constructor(private readonly host: SchedulerHost) {}

  /** Loads the stored schedules, applies the module declarations made so far and fires what is due. */
  start(): void {
    for (const schedule of this.host.store.listSchedules()) {
      this.schedules.set(schedule.scheduleId, schedule);
      if (schedule.runOnStart && !schedule.paused) this.startRuns.add(schedule.scheduleId);
    }
    this.started = true;
    for (const [funcName, spec] of this.declared) this.taskRegistered(funcName, spec);
    this.declared.clear();
    this.pass();
  }

  /** Stops the sleep; what is stored stays for the next start. */
  stop(): void {
    this.started = false;
    this.wake?.abort();
    this.wake = undefined;
  }

  /** Checks the spec and the run arguments (ValidationError), stores the schedule and returns its id. */
  create(funcName: string, spec: unknown, options: ScheduleOptions): string {
    const checked = checkScheduleSpec(spec);
    const { args, kwargs, tags } = checkAddTaskInput(funcName, options.args ?? [], { kwargs: options.kwargs, tags: options.tags });
    return this.add({ funcName, spec: checked, args, kwargs, tags, runOnStart: options.runOnStart ?? false, source: "api" });
  }

  private add(input: NewSchedule): string {
    const now = this.host.clock.now();
    const { funcName, spec, args, kwargs, tags, runOnStart, source } = input;
    const schedule: ScheduleData = {
      scheduleId: randomUUID(), funcName, every: null, cron: null, timezone: null, args, kwargs, tags, runOnStart,
      nextRunAt: null, lastRunAt: null, lastTaskId: null, paused: false, source,
    };
    this.setSpec(schedule, spec, now);
    this.schedules.set(schedule.scheduleId, schedule);
    if (runOnStart) this.startRuns.add(schedule.scheduleId);
    this.host.store.saveSchedule(schedule);
    this.pass();
    return schedule.scheduleId;
  }

  /** Soonest next slot first, then by function name; paused ones (no next slot) last. */
  list(): ScheduleInfo[] {
    const key = (s: ScheduleData): string => s.nextRunAt ?? "\uffff";
    return [...this.schedules.values()]
      .sort((a, b) => key(a).localeCompare(key(b)) || a.funcName.localeCompare(b.funcName) || a.scheduleId.localeCompare(b.scheduleId))
      .map(scheduleInfo);
  }

  private known(scheduleId: string): ScheduleData {
    const schedule = this.schedules.get(scheduleId);
    if (!schedule) throw new UnknownScheduleError(scheduleId);
    return schedule;
  }

  /** Throws for an unknown id. Pausing drops the next slot; resuming takes the first one after now, so paused slots never fire. */
  setPaused(scheduleId: string, paused: boolean): void {
    const schedule = this.known(scheduleId);
    if (schedule.paused === paused) return;
    schedule.paused = paused;
    const now = this.host.clock.now();
    if (paused) this.startRuns.delete(scheduleId);
    schedule.nextRunAt = paused ? null : iso(nextSlot(specOf(schedule), now, now));
    this.host.store.saveSchedule(schedule);
    this.pass();
  }

  /** Throws for an unknown id. */
  remove(scheduleId: string): void {
    this.schedules.delete(this.known(scheduleId).scheduleId);
    this.startRuns.delete(scheduleId);
    this.host.store.deleteSchedule(scheduleId);
    this.pass();
  }

  /**
   * Fires the schedule once now, as a slot does (lastRunAt and lastTaskId updated, the next slot kept);
   * resolves with the run's id. Rejects with UnknownScheduleError, or with what enqueuing threw
   * (UnknownFunctionError while its function is not registered, QueueFullError).
   */
  async runNow(scheduleId: string): Promise<string> {
    const schedule = this.known(scheduleId);
    const now = this.host.clock.now();
    try {
      const taskId = await this.host.fire(schedule);
      this.recordRun(schedule, taskId, null, now);
      return taskId;
    } catch (err) {
      this.recordRun(schedule, taskIdOf(err), null, now);
      throw err;
    }
  }

  /** The task's module left the workspace (or no longer declares it): its "module" schedule goes too. */
  moduleTaskRemoved(funcName: string): void {
    if (!this.started) {
      this.declared.set(funcName, null);
      return;
    }
    const existing = [...this.schedules.values()].find((s) => s.source === "module" && s.funcName === funcName);
    if (existing) this.remove(existing.scheduleId);
  }

  /**
   * A task registered: keeps its one "module" schedule in step with its config (creates it, updates
   * it, a changed spec taking its next slot from now, or removes it), and fires what was waiting for
   * the function. Before start, the config is remembered until then.
   */
  taskRegistered(funcName: string, spec: ScheduleSpec | null): void {
    if (!this.started) {
      this.declared.set(funcName, spec);
      return;
    }
    const existing = [...this.schedules.values()].find((s) => s.source === "module" && s.funcName === funcName);
    if (spec === null && existing) {
      this.remove(existing.scheduleId);
    } else if (spec !== null && !existing) {
      this.add({ funcName, spec, args: [], kwargs: {}, tags: {}, runOnStart: false, source: "module" });
    } else if (spec !== null && existing && !sameScheduleSpec(specOf(existing), spec)) {
      this.setSpec(existing, spec, this.host.clock.now());
      this.host.store.saveSchedule(existing);
    }
    this.pass();
  }

  private setSpec(schedule: ScheduleData, spec: ScheduleSpec, now: number): void {
    schedule.every = "every" in spec ? spec.every : null;
    schedule.cron = "cron" in spec ? spec.cron.trim() : null;
    schedule.timezone = "cron" in spec ? spec.timezone ?? null : null;
    schedule.nextRunAt = schedule.paused ? null : iso(nextSlot(spec, now, now));
  }

  /** Runs one pass after the current one, if any: passes never overlap. */
  private pass(): void {
    if (!this.started) return;
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    this.passing = (async () => {
      do {
        this.passAgain = false;
        await this.firePass();
      } while (this.passAgain && this.started);
      this.passing = undefined;
      this.arm();
    })();
  }

  private async firePass(): Promise<void> {
    const now = this.host.clock.now();
    for (const schedule of [...this.schedules.values()]) {
      if (!this.started) return;
      if (schedule.paused || !this.host.isRegistered(schedule.funcName)) continue;
      const slot = schedule.nextRunAt === null ? null : Date.parse(schedule.nextRunAt);
      const slotDue = slot !== null && slot <= now;
      if (!slotDue && !this.startRuns.has(schedule.scheduleId)) continue;
      this.startRuns.delete(schedule.scheduleId);
      await this.fire(schedule, slotDue ? slot : null, now);
    }
  }

  /** Fires once; a due slot moves to the first slot after now, stepping from the slot itself. */
  private async fire(schedule: ScheduleData, slot: number | null, now: number): Promise<void> {
    let taskId: string | null = null;
    try {
      taskId = await this.host.fire(schedule);
    } catch (err) {
      taskId = taskIdOf(err);
      if (this.started) {
        this.host.report(`Schedule ${schedule.scheduleId} of ${schedule.funcName} could not enqueue a run: ${err instanceof Error ? err.message : String(err)}`, "warning");
      }
    }
    this.recordRun(schedule, taskId, slot, now);
  }

  /** Notes a run (its id, null when none was stored) and, after a slot, moves to the next slot. */
  private recordRun(schedule: ScheduleData, taskId: string | null, slot: number | null, now: number): void {
    if (!this.started || this.schedules.get(schedule.scheduleId) !== schedule) return;
    schedule.lastRunAt = iso(now);
    if (taskId !== null) schedule.lastTaskId = taskId;
    if (slot !== null && !schedule.paused) schedule.nextRunAt = iso(nextSlot(specOf(schedule), slot, now));
    this.host.store.saveSchedule(schedule);
  }

  /** One sleep until the earliest next slot of a schedule that can fire. */
  private arm(): void {
    this.wake?.abort();
    this.wake = undefined;
    if (!this.started) return;
    const now = this.host.clock.now();
    let earliest: number | null = null;
    for (const schedule of this.schedules.values()) {
      if (schedule.paused || schedule.nextRunAt === null) continue;
      const slot = Date.parse(schedule.nextRunAt);
      // A due slot of an unregistered function waits for functionRegistered, not for the clock.
      if (slot <= now) continue;
      if (earliest === null || slot < earliest) earliest = slot;
    }
    if (earliest === null) return;
    const wake = new AbortController();
    this.wake = wake;
    this.host.clock.sleep(earliest - now, wake.signal).then(() => {
      if (this.wake !== wake) return;
      this.wake = undefined;
      this.pass();
    }, noop);
  }
}
