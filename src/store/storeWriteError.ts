import path from "node:path";

/** Error codes that mean the storage folder cannot be written to (as opposed to a full disk). */
const READ_ONLY_CODES = new Set(["EROFS", "EACCES", "EPERM"]);

/**
 * Thrown by an add while the store cannot make changes durable: its journal's last write failed
 * (a full disk, a read-only folder). The store keeps retrying the write every flush interval and
 * adds succeed again once it goes through; changes acknowledged before the failure are kept.
 */
export class StoreWriteError extends Error {
  /** The system error code of the failed write (`ENOSPC`, `EROFS`, `EACCES`, ...), or `"EIO"` when it had none. */
  readonly code: string;
  /** The file that could not be written. */
  readonly path: string;

  constructor(filePath: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO";
    const detail = cause instanceof Error ? cause.message : String(cause);
    const folder = path.dirname(filePath);
    const what = code === "ENOSPC" || code === "EDQUOT"
      ? `the disk holding ${folder} is full (${code}): free some space on it`
      : READ_ONLY_CODES.has(code)
        ? `the folder ${folder} is read-only (${code}): make it writable again`
        : `writing ${filePath} failed (${code}): check the disk`;
    super(`Taskflow cannot accept new tasks because it cannot save them: ${what}. ` +
      `The engine retries by itself and accepts tasks again once the write goes through; tasks accepted before are kept. (${detail})`);
    this.name = "StoreWriteError";
    this.code = code;
    this.path = filePath;
  }
}
