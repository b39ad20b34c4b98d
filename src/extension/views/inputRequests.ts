/**
 * Which lifecycle events tell a person that a run needs their input, and what the notification
 * says. No vscode import: inputNotifications.ts shows what this decides, and unit tests check it in
 * plain Node.
 */
import * as l10n from "@vscode/l10n";
import type { LifecycleEvent } from "../../model";

/** What the notification of a run waiting for input says, and which run it is about. */
export interface InputRequestNotice {
  taskId: string;
  /** The input's name, as `provideInput` takes it. */
  name: string;
  /** `onboard needs input: Approve the account of ada?`; the input's name when the wait has no prompt. */
  message: string;
}

export interface InputRequestsOptions {
  /** Waits remembered so one is told once; the oldest are forgotten beyond this. @default 1000 */
  remember?: number;
}

/**
 * Turns lifecycle events into notices, one per wait of a run: the same wait reported again (an
 * engine restart recovers its waiting runs) is not told twice, while the run's next input wait is.
 */
export class InputRequests {
  private readonly told = new Set<string>();
  private readonly remember: number;

  constructor(options: InputRequestsOptions = {}) {
    this.remember = options.remember ?? 1000;
  }

  /** The notice to show for `event`, or undefined when it is not a run starting to wait for input, or was told already. */
  notice(event: LifecycleEvent): InputRequestNotice | undefined {
    const waitingFor = event.waitingFor;
    if (event.status !== "waiting" || waitingFor?.kind !== "input") return undefined;
    const key = `${event.taskId}\n${waitingFor.step}`;
    if (this.told.has(key)) return undefined;
    this.told.add(key);
    // A Set iterates in insertion order, so its first entry is the oldest.
    if (this.told.size > this.remember) this.told.delete(this.told.values().next().value as string);
    const prompt = waitingFor.prompt?.trim() ? waitingFor.prompt.trim() : waitingFor.name;
    return { taskId: event.taskId, name: waitingFor.name, message: l10n.t("{0} needs input: {1}", event.funcName, prompt) };
  }
}
