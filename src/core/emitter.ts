import { consoleSink } from "./taskContext";
import { describeValue, type Disposable, type Event, type Listener } from "./types";

function reportToConsole(error: unknown): void {
  consoleSink(`Taskflow: an event listener threw (ignored): ${error instanceof Error ? error.stack : String(error)}`, "error");
}

/**
 * The one event source of Taskflow, shaped like `vscode.EventEmitter`: `event` is a `vscode.Event`
 * that code without vscode can offer. A listener that throws is contained: the error goes to
 * `onListenerError` and the other listeners still run.
 */
export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  /** @param onListenerError told of every error a listener throws. @default logs it with console.error */
  constructor(private readonly onListenerError: (error: unknown) => void = reportToConsole) {}

  /** Subscribes; `dispose()` on the result unsubscribes. */
  readonly event: Event<T> = (listener: Listener<T>): Disposable => {
    if (typeof listener !== "function") {
      throw new TypeError(`listener must be a function, got ${describeValue(listener)}`);
    }
    // Copy on write: a listener that subscribes or disposes during fire() changes the next fire, not this one.
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  /** Whether anyone is subscribed, so a caller can skip building an event nobody receives. */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Calls every listener with `event`, in subscription order. */
  fire(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Removes every listener. */
  dispose(): void {
    this.listeners = [];
  }
}
