import { BinaryHeap } from "./binaryHeap";
import { KeyState, type HeldRun } from "./keyState";
import type { QueueEntry, QueueState } from "./queueState";
import type { TaskRecord } from "./taskRecord";
import { runKeysOf, type FlowRules, type RunKeys } from "../core/flowRules";
import { WakeTimer } from "./wakeTimer";
import type { Clock, FlowHold, KeyInfo, KeyInput } from "../core/types";

/** What flow control needs from the dispatcher that owns it. */
export interface FlowControlOptions {
  clock: Clock;
  /** The unfinished records, by id (the ledger's). */
  live: ReadonlyMap<string, TaskRecord>;
  /** Whether the run is in progress in this process (started, maybe waiting for a retry). */
  isRunning(taskId: string): boolean;
  /** The call arguments, decrypted when the record holds an encrypted payload; throws when it cannot. */
  resolveArguments(record: TaskRecord): { args: unknown[]; kwargs: Record<string, unknown> };
  /** Called after held runs went back to their queues, so the dispatcher starts what may start. */
  onRelease(): void;
}

/** The pending, not yet started run a debounced function's key collects its adds into. */
export interface DebouncedRun {
  readonly taskId: string;
  readonly key: string;
  /** Adds the run has taken, its first included. */
  adds: number;
}

/** The log line of a run that took another add. */
export const debouncedLine = (adds: number): string => `debounced: ${adds} adds, the last input kept`;
const DEBOUNCED_LINE = /debounced: (\d+) adds/;

/** The adds a run's log says it took (its last debounced line), 1 when it says none. */
function loggedAdds(logs: readonly string[]): number {
  for (let i = logs.length - 1; i >= 0; i--) {
    const match = DEBOUNCED_LINE.exec(logs[i]);
    if (match) return Number(match[1]);
  }
  return 1;
}

interface FunctionKeys {
  concurrency: Map<string, KeyState>;
  rateLimit: Map<string, KeyState>;
  /** Sizes of the maps after their last sweep of idle keys. */
  sweptAt: { concurrency: number; rateLimit: number };
}

/**
 * Flow control per key of the local dispatcher. A popped run whose key's rule does not let it start
 * moves out of its queue's ready heap into its key's heap, so it never blocks the runs behind it;
 * when the key has room again (a run of it finishes, the rate window moves on) its best held run goes
 * back to the queue. Rate-limited keys share one clock wake-up, for the earliest. Only runs of
 * functions with flow rules come here.
 */
export class FlowControl {
  private readonly functions = new Map<string, FunctionKeys>();
  private readonly runKeys = new Map<string, RunKeys>();
  /** Held runs put back in their queues, by id, with the key that let them go. */
  private readonly released = new Map<string, KeyState>();
  /** Held runs, by id, with the key that holds them. */
  private readonly heldBy = new Map<string, KeyState>();
  private readonly debounced = new Map<string, Map<string, DebouncedRun>>();
  private readonly wakes = new BinaryHeap<KeyState>((a, b) => a.wakeAt < b.wakeAt);
  private readonly timer: WakeTimer;
  private closed = false;

  constructor(private readonly options: FlowControlOptions) {
    this.timer = new WakeTimer(options.clock, () => this.fire());
  }

  /** Keeps keys read from a run's input as addTask got it (saves decrypting them later). */
  noteKeys(taskId: string, keys: RunKeys): void {
    this.runKeys.set(taskId, keys);
  }

  /**
   * Whether the popped run may start under its key's rules. When it may not, it is held by its key
   * (its queue counts it) until the key has room; the caller goes on with the next run.
   */
  admit(entry: QueueEntry, queue: QueueState, record: TaskRecord, rules: FlowRules): boolean {
    const id = entry.taskId;
    const keys = this.keysOf(record, rules);
    const from = this.released.get(id);
    if (from !== undefined) {
      this.released.delete(id);
      from.releasing--;
    }
    const now = this.options.clock.now();
    let blocking: KeyState | undefined;
    if (keys.concurrency !== null && rules.concurrency !== null) {
      const state = this.state(record.funcName, "concurrency", keys.concurrency, rules.concurrency.limit, 0);
      if (!state.allows(now)) blocking = state;
    }
    if (blocking === undefined && keys.rateLimit !== null && rules.rateLimit !== null) {
      const state = this.state(record.funcName, "rateLimit", keys.rateLimit, rules.rateLimit.max, rules.rateLimit.perSeconds * 1000);
      if (!state.allows(now)) blocking = state;
    }
    if (blocking === undefined) return true;
    blocking.held.push({ entry, queue });
    queue.held++;
    this.heldBy.set(id, blocking);
    // Arms the rate limit's wake-up; for a run let go by another key, gives its turn to the next.
    if (blocking.rule === "rateLimit") this.refill(blocking, now);
    if (from !== undefined && from !== blocking) this.refill(from, now);
    return false;
  }

  /** Counts a start against the run's keys (after admit said it may start). */
  started(record: TaskRecord, rules: FlowRules): void {
    const keys = this.keysOf(record, rules);
    const now = this.options.clock.now();
    const functionKeys = this.functions.get(record.funcName);
    if (keys.concurrency !== null) functionKeys?.concurrency.get(keys.concurrency)?.recordStart(now);
    const rate = keys.rateLimit === null ? undefined : functionKeys?.rateLimit.get(keys.rateLimit);
    if (rate !== undefined) {
      rate.recordStart(now);
      if (rate.held.size > 0) this.refill(rate, now);
    }
    if (keys.debounce !== null) {
      const byKey = this.debounced.get(record.funcName);
      if (byKey?.get(keys.debounce)?.taskId === record.taskId) byKey.delete(keys.debounce);
    }
  }

  /** A run counted by `started` finished: its concurrency key lets its next held run go. */
  finished(record: TaskRecord): void {
    const keys = this.runKeys.get(record.taskId);
    this.runKeys.delete(record.taskId);
    if (keys?.concurrency == null) return;
    const state = this.functions.get(record.funcName)?.concurrency.get(keys.concurrency);
    if (state === undefined) return;
    state.running--;
    this.refill(state, this.options.clock.now());
  }

  /**
   * Forgets a run that will not start (cancelled) or whose input changed (debounced). Returns whether
   * it was held by its key (then it is out of every queue already). A run in progress is left alone.
   */
  forget(taskId: string): boolean {
    if (this.options.isRunning(taskId)) return false;
    this.runKeys.delete(taskId);
    const now = this.options.clock.now();
    const from = this.released.get(taskId);
    if (from !== undefined) {
      this.released.delete(taskId);
      from.releasing--;
      this.refill(from, now);
    }
    const holder = this.heldBy.get(taskId);
    if (holder === undefined) return false;
    this.heldBy.delete(taskId);
    const held = holder.held.remove((h) => h.entry.taskId === taskId);
    if (held) held.queue.held--;
    this.refill(holder, now);
    return true;
  }

  /** A function registered (again): its keys take its current limits and its debounced runs are found. */
  rulesChanged(funcName: string, rules: FlowRules): void {
    const now = this.options.clock.now();
    const functionKeys = this.functions.get(funcName);
    let moved = false;
    for (const state of functionKeys?.concurrency.values() ?? []) {
      if (rules.concurrency) state.limit = rules.concurrency.limit;
      moved = this.refill(state, now) || moved;
    }
    for (const state of functionKeys?.rateLimit.values() ?? []) {
      if (rules.rateLimit) [state.limit, state.windowMs] = [rules.rateLimit.max, rules.rateLimit.perSeconds * 1000];
      moved = this.refill(state, now) || moved;
    }
    if (rules.debounce !== null) this.findDebounced(funcName, rules);
    if (moved) this.options.onRelease();
  }

  /** The pending, not yet started debounced run of `key`, if any. */
  debouncedRun(funcName: string, key: string): DebouncedRun | undefined {
    const byKey = this.debounced.get(funcName);
    const found = byKey?.get(key);
    if (found === undefined) return undefined;
    const record = this.options.live.get(found.taskId);
    if (record?.status === "pending" && record.startTime === null && !this.options.isRunning(found.taskId)) return found;
    byKey!.delete(key);
    return undefined;
  }

  /** Makes `taskId` the run that later adds of `key` go into. */
  setDebounced(funcName: string, key: string, taskId: string, adds = 1): void {
    let byKey = this.debounced.get(funcName);
    if (byKey === undefined) this.debounced.set(funcName, (byKey = new Map()));
    byKey.set(key, { taskId, key, adds });
  }

  /** Stops the wake-up and returns every held run (shutdown settles their records). */
  drain(): QueueEntry[] {
    this.closed = true;
    this.timer.cancel();
    const entries: QueueEntry[] = [];
    for (const functionKeys of this.functions.values()) {
      for (const state of [...functionKeys.concurrency.values(), ...functionKeys.rateLimit.values()]) {
        for (const held of state.held.clear()) {
          held.queue.held--;
          entries.push(held.entry);
        }
      }
    }
    this.functions.clear();
    this.heldBy.clear();
    this.released.clear();
    return entries;
  }

  /** The pending runs held by a rule of their key now, by task id (see TaskflowClient.flowHolds). */
  holds(): Record<string, FlowHold> {
    const now = this.options.clock.now();
    const holds: Record<string, FlowHold> = {};
    for (const byKey of this.debounced.values()) {
      for (const { taskId, key, adds } of byKey.values()) {
        const record = this.options.live.get(taskId);
        const until = record?.runAt?.getTime();
        if (record?.status !== "pending" || this.options.isRunning(taskId) || until === undefined || until <= now) continue;
        holds[taskId] = { rule: "debounce", key, until: new Date(until).toISOString(), adds };
      }
    }
    for (const functionKeys of this.functions.values()) {
      for (const state of functionKeys.concurrency.values()) {
        for (const { entry } of state.held.values()) holds[entry.taskId] = { rule: "concurrency", key: state.key, running: state.running, limit: state.limit };
      }
      for (const state of functionKeys.rateLimit.values()) {
        if (state.held.size === 0) continue;
        const until = new Date(now + state.waitMs(now)).toISOString();
        for (const { entry } of state.held.values()) {
          holds[entry.taskId] = { rule: "rateLimit", key: state.key, max: state.limit, perSeconds: state.windowMs / 1000, until };
        }
      }
    }
    return holds;
  }

  /** The keys of `funcName` with runs or recent starts, busiest first (see TaskflowClient.listKeys). */
  listKeys(funcName: string, rules: FlowRules, limit: number): KeyInfo[] {
    const holds = this.holds();
    const infos = new Map<string, KeyInfo>();
    const info = (key: string): KeyInfo => {
      let found = infos.get(key);
      if (found === undefined) infos.set(key, (found = { key, running: 0, pending: 0, held: 0, recentStarts: 0 }));
      return found;
    };
    for (const record of this.options.live.values()) {
      if (record.funcName !== funcName) continue;
      const id = record.taskId;
      const entry = info((this.runKeys.get(id) ?? this.readKeys(record, rules)).listing);
      if (this.options.isRunning(id)) entry.running++;
      else if (record.status === "pending") {
        entry.pending++;
        if (holds[id] !== undefined) entry.held++;
      }
    }
    // recentStarts is per rate-limit key, which is the listed key only when both read the same path.
    if (rules.rateLimit !== null && rules.rateLimit.path.text === rules.listingPath.text) {
      const now = this.options.clock.now();
      for (const state of this.functions.get(funcName)?.rateLimit.values() ?? []) {
        const starts = state.inWindow(now);
        if (starts > 0) info(state.key).recentStarts = starts;
      }
    }
    return [...infos.values()]
      .sort((a, b) => b.running - a.running || b.held - a.held || b.pending - a.pending || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit);
  }

  private keysOf(record: TaskRecord, rules: FlowRules): RunKeys {
    const known = this.runKeys.get(record.taskId);
    if (known !== undefined && known.rules === rules) return known;
    const keys = this.readKeys(record, rules);
    this.runKeys.set(record.taskId, keys);
    return keys;
  }

  /** Keys read from a stored record, decrypting its arguments when they are encrypted. */
  private readKeys(record: TaskRecord, rules: FlowRules): RunKeys {
    let input: KeyInput = record;
    if (record.encryptedPayload) {
      try {
        input = { ...this.options.resolveArguments(record), tags: record.tags };
      } catch {
        // The run fails at its start with the cipher's message; until then it has the empty key.
        input = { args: [], kwargs: {}, tags: record.tags };
      }
    }
    return runKeysOf(rules, input);
  }

  /** Indexes the pending, not yet started runs of a debounced function (after a restart), the latest per key. */
  private findDebounced(funcName: string, rules: FlowRules): void {
    const latest = new Map<string, TaskRecord>();
    for (const record of this.options.live.values()) {
      if (record.funcName !== funcName || record.status !== "pending" || record.startTime !== null || this.options.isRunning(record.taskId)) continue;
      const key = this.keysOf(record, rules).debounce as string;
      const seen = latest.get(key);
      if (seen === undefined || seen.createdAt <= record.createdAt) latest.set(key, record);
    }
    for (const [key, record] of latest) {
      if (this.debouncedRun(funcName, key) !== undefined) continue;
      this.setDebounced(funcName, key, record.taskId, loggedAdds(record.logs));
    }
  }

  private state(funcName: string, rule: "concurrency" | "rateLimit", key: string, limit: number, windowMs: number): KeyState {
    let functionKeys = this.functions.get(funcName);
    if (functionKeys === undefined) this.functions.set(funcName, (functionKeys = { concurrency: new Map(), rateLimit: new Map(), sweptAt: { concurrency: 0, rateLimit: 0 } }));
    const states = functionKeys[rule];
    let state = states.get(key);
    if (state === undefined) {
      if (states.size > 2 * functionKeys.sweptAt[rule] + 64) functionKeys.sweptAt[rule] = this.sweep(states);
      states.set(key, (state = new KeyState(funcName, rule, key, limit, windowMs)));
    }
    return state;
  }

  /** Drops keys that hold and count nothing (a rate limit's window emptied); returns how many stay. */
  private sweep(states: Map<string, KeyState>): number {
    const now = this.options.clock.now();
    for (const [key, state] of states) if (state.idle(now)) states.delete(key);
    return states.size;
  }

  /** Lets held runs of the key go back to their queues while it has room; returns whether any went. */
  private refill(state: KeyState, now: number): boolean {
    let room = state.room(now);
    let moved = false;
    while (room > 0 && state.held.size > 0) {
      const { entry, queue } = state.held.pop() as HeldRun;
      queue.held--;
      queue.ready.push(entry);
      this.heldBy.delete(entry.taskId);
      this.released.set(entry.taskId, state);
      state.releasing++;
      room--;
      moved = true;
    }
    if (state.rule === "rateLimit" && state.held.size > 0) {
      const waitMs = state.waitMs(now);
      // With no wait, the room went to runs already let go: their starts refill again.
      if (waitMs > 0) this.wakeAt(state, now + waitMs);
    } else if (state.rule === "concurrency" && state.running === 0 && state.releasing === 0 && state.held.size === 0) {
      this.functions.get(state.funcName)?.concurrency.delete(state.key);
    }
    return moved;
  }

  /** One wake-up for the earliest rate-limited key, re-armed when an earlier one arrives. */
  private wakeAt(state: KeyState, at: number): void {
    if (state.wakeQueued || this.closed) return;
    state.wakeQueued = true;
    state.wakeAt = at;
    this.wakes.push(state);
    this.timer.wakeBy(at);
  }

  private fire(): void {
    const now = this.options.clock.now();
    let moved = false;
    for (let state = this.wakes.peek(); state !== undefined && state.wakeAt <= now; state = this.wakes.peek()) {
      this.wakes.pop();
      state.wakeQueued = false;
      moved = this.refill(state, now) || moved;
    }
    const next = this.wakes.peek();
    if (next !== undefined) this.timer.arm(next.wakeAt);
    if (moved) this.options.onRelease();
  }
}
