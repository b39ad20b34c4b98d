import {
  isResponseMessage,
  type CommandType,
  type NotificationType,
  type RequestType,
} from "../../src/protocol";
import { loadHostBundle } from "./hostBundle";

/** The object VS Code gives a webview once. */
interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * The webview's end of the protocol: sends commands and requests through the descriptors, matches
 * responses to requests by id, and routes notifications to the handlers registered for their
 * descriptor. `S` is the UI state kept by `vscode.setState` (never task data). Connecting also
 * loads the l10n bundle the host wrote into the page (loadHostBundle), so every `l10n.t` an app
 * calls once it has its connection reads the display language.
 */
export class HostConnection<S> {
  private readonly api: VsCodeApi<S>;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers: Array<{ type: NotificationType<string, unknown>; handle(params: unknown): void }> = [];

  constructor() {
    loadHostBundle();
    this.api = acquireVsCodeApi<S>();
    window.addEventListener("message", (event: MessageEvent) => this.receive(event.data));
  }

  get state(): S | undefined {
    return this.api.getState();
  }

  saveState(state: S): void {
    this.api.setState(state);
  }

  command<M extends string, P>(type: CommandType<M, P>, params: P): void {
    this.api.postMessage(type.create(params));
  }

  request<M extends string, P, R>(type: RequestType<M, P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.api.postMessage(type.create(id, params));
    });
  }

  on<M extends string, P>(type: NotificationType<M, P>, handle: (params: P) => void): this {
    this.handlers.push({ type, handle: handle });
    return this;
  }

  private receive(message: unknown): void {
    if (isResponseMessage(message)) {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(message.error));
      return;
    }
    for (const handler of this.handlers) {
      if (handler.type.is(message)) {
        handler.handle(message.params);
        return;
      }
    }
  }
}
