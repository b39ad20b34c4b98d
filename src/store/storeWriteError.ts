import path from "node:path";

/** Error codes that mean the storage folder cannot be written to (as opposed to a full disk). */
const READ_ONLY_CODES = new Set(["EROFS", "EACCES", "EPERM"]);
const FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);

/** What is wrong with the folder of `filePath` and what to do, or undefined when `code` is not about the folder. */
function folderProblem(filePath: string, code: string): string | undefined {
  const folder = path.dirname(filePath);
  if (FULL_CODES.has(code)) return `the disk holding ${folder} is full (${code}): free some space on it`;
  if (READ_ONLY_CODES.has(code)) return `the folder ${folder} is read-only (${code}): make it writable again`;
  return undefined;
}

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
    const what = folderProblem(filePath, code) ?? `writing ${filePath} failed (${code}): check the disk`;
    super(`Taskflow cannot accept new tasks because it cannot save them: ${what}. ` +
      `The engine retries by itself and accepts tasks again once the write goes through; tasks accepted before are kept. (${detail})`);
    this.name = "StoreWriteError";
    this.code = code;
    this.path = filePath;
  }
}

/**
 * The error a store's open() throws for `err`: when the database's folder is full or read-only, one
 * saying so and what to do (keeping `code`); any other error as it is.
 */
export function openError(dbPath: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const problem = code === undefined ? undefined : folderProblem(dbPath, code);
  if (problem === undefined) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(`Could not open the task database ${dbPath}: ${problem}, or use a database in another folder. (${detail})`), { code });
}
