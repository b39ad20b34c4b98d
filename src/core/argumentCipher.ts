import { Fernet, FernetError } from "./fernet";
import type { TaskRecord } from "../model/taskRecord";
import type { Clock } from "./types";

/** A task's call arguments. */
export interface CallArguments {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * Seals a task's arguments into its record (as a Fernet token when a key is set, in the clear
 * otherwise) and opens them again for a run.
 */
export class ArgumentCipher {
  private readonly fernet: Fernet | undefined;

  /** @param key Fernet key (URL-safe base64 of 32 bytes); undefined stores arguments in the clear. */
  constructor(key: string | undefined, private readonly clock: Clock) {
    this.fernet = key !== undefined ? new Fernet(key) : undefined;
  }

  /** The record fields holding these arguments: with a key, empty args and kwargs and the token. */
  seal(args: unknown[], kwargs: Record<string, unknown>): Pick<TaskRecord, "args" | "kwargs" | "encryptedPayload"> {
    if (!this.fernet) return { args, kwargs, encryptedPayload: null };
    const token = this.fernet.encrypt(JSON.stringify({ args, kwargs }), { now: this.clock.now() });
    return { args: [], kwargs: {}, encryptedPayload: Buffer.from(token, "utf8") };
  }

  /** The record's call arguments, decrypted when it holds a payload; throws a clear Error when it cannot. */
  open(record: TaskRecord): CallArguments {
    if (!record.encryptedPayload) return { args: record.args, kwargs: record.kwargs };
    if (!this.fernet) {
      throw new Error(
        `Task ${record.taskId} has encrypted arguments but this TaskManager has no encryptArgsKey: set the key the task was enqueued with, then retry it`,
      );
    }
    let plaintext: Buffer;
    try {
      plaintext = this.fernet.decrypt(Buffer.from(record.encryptedPayload).toString("utf8"));
    } catch (error) {
      const detail = error instanceof FernetError ? ` (${error.message})` : "";
      throw new Error(
        `The encryption key does not match the one the task was enqueued with, so its arguments cannot be decrypted${detail}. Set the original key and retry the task`,
      );
    }
    return JSON.parse(plaintext.toString("utf8")) as CallArguments;
  }
}
