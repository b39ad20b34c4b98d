import { BinaryHeap } from "./binaryHeap";
import type { QueueEntry, QueueState } from "./queueState";
import type { Clock } from "../core/types";
import { WakeTimer } from "./wakeTimer";

/** A pending task that may not start before `due` (epoch ms). */
export interface DelayedTask {
  entry: QueueEntry;
  queue: QueueState;
  due: number;
}

/**
 * Tasks waiting for their delay or runAt, earliest first, behind one clock sleep for the earliest
 * (re-armed when an earlier one arrives or the earliest falls due). Each queue counts its delayed
 * tasks, so its maxSize sees them.
 */
export class DelayedTasks {
  private readonly heap = new BinaryHeap<DelayedTask>((a, b) => a.due < b.due || (a.due === b.due && a.entry.seq < b.entry.seq));
  private readonly timer: WakeTimer;

  /** @param onDue gets the tasks that fell due, earliest first. */
  constructor(private readonly clock: Clock, private readonly onDue: (tasks: DelayedTask[]) => void) {
    this.timer = new WakeTimer(clock, () => this.fire());
  }

  get size(): number {
    return this.heap.size;
  }

  add(task: DelayedTask): void {
    this.heap.push(task);
    task.queue.delayed++;
    this.timer.wakeBy(task.due);
  }

  /** Takes a task out (it was cancelled); returns whether it was here. */
  remove(taskId: string): boolean {
    const found = this.heap.remove((t) => t.entry.taskId === taskId);
    if (found) found.queue.delayed--;
    return found !== undefined;
  }

  /** Stops the sleep and returns every waiting task, in no particular order. */
  clear(): DelayedTask[] {
    this.timer.cancel();
    const tasks = this.heap.clear();
    for (const t of tasks) t.queue.delayed--;
    return tasks;
  }

  private fire(): void {
    const now = this.clock.now();
    const due: DelayedTask[] = [];
    for (let next = this.heap.peek(); next !== undefined && next.due <= now; next = this.heap.peek()) {
      this.heap.pop();
      next.queue.delayed--;
      due.push(next);
    }
    const next = this.heap.peek();
    if (next !== undefined) this.timer.arm(next.due);
    if (due.length > 0) this.onDue(due);
  }
}
