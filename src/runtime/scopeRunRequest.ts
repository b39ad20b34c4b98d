import type { DurableScope, TaskScope } from "../core/taskContext";
import type { LogLevel } from "../model/events";
import type { AddTaskOptions } from "../model/schemas";
import type { PoolRunRequest } from "./workerPoolOptions";
import type { RunContext } from "./workerProtocol";

/**
 * A warm pool's request for an attempt the engine runs: its calls go to the attempt's TaskScope, and
 * it follows the attempt's stop through `TaskScope.onStop`. One object per attempt, its methods on the
 * prototype, where engineAttemptCalls makes a closure per call.
 */
export class ScopeRunRequest implements PoolRunRequest {
  constructor(
    private readonly task: TaskScope,
    readonly exportName: string,
    readonly args: unknown[],
    readonly context: RunContext,
  ) {}

  onLog(message: string, level: LogLevel, extra: Record<string, unknown>): void {
    this.task.log(message, level, extra);
  }

  onProgress(fraction: number, message: string | null): void {
    this.task.progress({ fraction, message });
  }

  onEnqueue(child: string, args: unknown[], options: AddTaskOptions): Promise<string> {
    return this.task.enqueue(child, args, options);
  }

  durable(): DurableScope {
    return this.task.durable();
  }

  onStop(stopped: (reason: unknown) => void): () => void {
    return this.task.onStop(stopped);
  }
}
