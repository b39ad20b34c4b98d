import {
  type CommandType,
  type HostToWebviewMessage,
  type RequestType,
} from "../../protocol";

interface Entry {
  type: CommandType<string, unknown> | RequestType<string, unknown, unknown>;
  handler: (params: unknown) => unknown;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Host side of a webview connection: routes each incoming message to the handler registered for
 * its descriptor, after the descriptor validated the params. Every request gets exactly one
 * response; a malformed or unknown message is logged and, when it carries a request id, answered
 * with an error.
 */
export class MessageDispatcher {
  private readonly entries: Entry[] = [];

  /**
   * @param post sends a message to the webview
   * @param log writes to the output channel
   * @param panelName named in log lines, e.g. "task panel"
   * @param showError tells the user a command failed (requests report errors in their response)
   */
  constructor(
    private readonly post: (message: HostToWebviewMessage) => void,
    private readonly log: (message: string) => void,
    private readonly panelName: string,
    private readonly showError: (message: string) => void = () => undefined,
  ) {}

  onCommand<M extends string, P>(type: CommandType<M, P>, handler: (params: P) => void | Promise<void>): this {
    this.entries.push({ type, handler: handler as (params: unknown) => unknown });
    return this;
  }

  onRequest<M extends string, P, R>(type: RequestType<M, P, R>, handler: (params: P) => R | Promise<R>): this {
    this.entries.push({ type, handler: handler as (params: unknown) => unknown });
    return this;
  }

  /** Handles one raw message from the webview. Never throws. */
  async dispatch(raw: unknown): Promise<void> {
    const entry = this.entries.find((e) => e.type.is(raw));
    const message = raw as { id?: unknown; method?: unknown; params?: unknown };
    if (!entry) {
      const method = typeof message?.method === "string" ? message.method.slice(0, 60) : typeof message?.method;
      this.log(`${this.panelName}: ignored a message it does not accept (method ${method}); expected one of ${this.entries.map((e) => e.type.method).join(", ")}`);
      this.replyError(raw, `Unknown message ${method}: the ${this.panelName} accepts ${this.entries.map((e) => e.type.method).join(", ")}`);
      return;
    }
    let params: unknown;
    try {
      params = entry.type.parse(message.params);
    } catch (error) {
      const text = `Rejected ${entry.type.method} from the ${this.panelName}: ${errorMessage(error)}`;
      this.log(text);
      if (entry.type.kind === "request") this.replyError(raw, text);
      return;
    }
    if (entry.type.kind === "command") {
      try {
        await entry.handler(params);
      } catch (error) {
        this.log(`${this.panelName}: ${entry.type.method} failed: ${errorMessage(error)}`);
        this.showError(errorMessage(error));
      }
      return;
    }
    const id = message.id as number;
    try {
      const result = await entry.handler(params);
      this.post({ kind: "response", id, ok: true, result: result === undefined ? null : result });
    } catch (error) {
      this.log(`${this.panelName}: ${entry.type.method} failed: ${errorMessage(error)}`);
      this.post({ kind: "response", id, ok: false, error: errorMessage(error) });
    }
  }

  private replyError(raw: unknown, error: string): void {
    const id = (raw as { kind?: unknown; id?: unknown } | null)?.id;
    if ((raw as { kind?: unknown } | null)?.kind === "request" && typeof id === "number" && Number.isSafeInteger(id) && id > 0) {
      this.post({ kind: "response", id, ok: false, error });
    }
  }
}
