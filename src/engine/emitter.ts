import type { Disposable, Listener } from "./types";

/**
 * A vscode.Event-shaped event source. A listener that throws is contained: the error goes to
 * `onListenerError` and the other listeners still run.
 */
export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** Subscribes; `dispose()` on the result unsubscribes. */
  readonly event = (listener: Listener<T>): Disposable => {
    if (typeof listener !== "function") {
      throw new TypeError(`listener must be a function, got ${listener === null ? "null" : typeof listener}`);
    }
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  fire(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}
