/**
 * One writer per database: the process that opens a task database for writing holds
 * `<dbPath>.lock`, a small JSON file naming it. A second opener is refused with a
 * DatabaseLockedError that says who holds it; a lock left by a process that is gone is taken over.
 *
 * The lock file is created whole by `link()` (a name that either does not exist or points at complete
 * content), so a reader never sees a half-written lock. Taking over a stale lock happens under a
 * second exclusive file, `<dbPath>.lock.takeover`, and only deletes the lock when it still has the
 * exact content that was found stale, so two processes taking over at once cannot both win.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

/** Who holds a database, as written in its lock file. */
export interface LockHolder {
  /** Process id of the holder. */
  pid: number;
  /** Machine the holder runs on; a lock from another machine (a shared folder) is never taken over. */
  hostname: string;
  /**
   * The process's start time as the kernel counts it (Linux only, else null), so a pid reused by an
   * unrelated process after the holder died is not taken for the holder.
   */
  processStart: string | null;
  /** What holds it, for messages: "a VS Code window", "taskflow list", "a node script". */
  owner: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Unique per acquisition: a holder only ever releases its own lock. */
  lockId: string;
}

/** Thrown when another live process (or another store in this process) holds the database. */
export class DatabaseLockedError extends Error {
  override readonly name = "DatabaseLockedError";
  constructor(readonly dbPath: string, readonly lockPath: string, readonly holder: LockHolder) {
    const where = holder.hostname === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.hostname}`;
    const remote = holder.hostname === hostname() ? "" : ` If that machine no longer uses it, delete ${lockPath}.`;
    super(
      `The task database ${dbPath} is in use by ${holder.owner} (${where}, since ${holder.since}): only one process may write it. ` +
        `Close that one, or use it through its forwarding endpoint (the taskflow CLI does), or open another database file.${remote}`,
    );
  }
}

/** The lock file of a database. */
export function lockPathOf(dbPath: string): string {
  return `${dbPath}.lock`;
}

/** How many times acquire() retries after finding a lock that vanished or was stale. */
const ACQUIRE_ATTEMPTS = 20;
/** Milliseconds to wait while another process is taking over a stale lock (that takes microseconds). */
const TAKEOVER_WAIT_MS = 10;

/** A held database lock. */
export class DatabaseLock {
  private released = false;

  private constructor(readonly dbPath: string, readonly lockPath: string, readonly holder: LockHolder) {}

  /**
   * Takes the lock of `dbPath` for this process, taking over a stale one. Rejects with a
   * DatabaseLockedError when a live process holds it.
   * @param owner what this process is, for the error others get ("a VS Code window", "taskflow run")
   */
  static async acquire(dbPath: string, owner: string = defaultOwner()): Promise<DatabaseLock> {
    const lockPath = lockPathOf(dbPath);
    const holder: LockHolder = {
      pid: process.pid,
      hostname: hostname(),
      processStart: processStartOf(process.pid),
      owner,
      since: new Date().toISOString(),
      lockId: randomUUID(),
    };
    const content = JSON.stringify(holder);
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
      if (await createExclusive(lockPath, content)) return new DatabaseLock(dbPath, lockPath, holder);
      const found = await readRaw(lockPath);
      if (found === undefined) continue;
      const current = parseHolder(found);
      if (current && isAlive(current)) throw new DatabaseLockedError(dbPath, lockPath, current);
      await takeOver(lockPath, found);
    }
    throw new Error(`Could not take the lock ${lockPath} after ${ACQUIRE_ATTEMPTS} attempts: other processes keep taking it. Try again.`);
  }

  /** Deletes the lock file when it is still this lock's. Calling it again does nothing. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const found = await readRaw(this.lockPath);
    if (found !== undefined && parseHolder(found)?.lockId === this.holder.lockId) {
      await fsp.rm(this.lockPath, { force: true });
    }
  }
}

/** The live holder of `dbPath`, or undefined when none (no lock, or a stale one). */
export async function readLockHolder(dbPath: string): Promise<LockHolder | undefined> {
  const found = await readRaw(lockPathOf(dbPath));
  const holder = found === undefined ? undefined : parseHolder(found);
  return holder && isAlive(holder) ? holder : undefined;
}

/** Whether the lock's holder still runs (always true for a holder on another machine: it cannot be checked). */
export function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStartOf(holder.pid);
  return holder.processStart === null || start === null || start === holder.processStart;
}

function defaultOwner(): string {
  const script = process.argv[1];
  return script ? `a node process (${script})` : "a node process";
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null where there is no /proc. */
function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Creates `file` with `content` unless it exists; false when it does. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}-${randomUUID()}.tmp`;
  await fsp.writeFile(temp, content, { mode: 0o600 });
  try {
    await fsp.link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // File systems without hard links: an exclusive create, whose content lands a moment later.
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") return writeExclusive(file, content);
    throw error;
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

async function writeExclusive(file: string, content: string): Promise<boolean> {
  try {
    await fsp.writeFile(file, content, { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** Deletes the lock at `lockPath` if it still holds `staleContent`, under the takeover guard. */
async function takeOver(lockPath: string, staleContent: string): Promise<void> {
  const guard = `${lockPath}.takeover`;
  const guardHolder = JSON.stringify({ pid: process.pid, hostname: hostname(), processStart: processStartOf(process.pid) });
  if (!(await writeExclusive(guard, guardHolder))) {
    const other = parseGuard(await readRaw(guard));
    if (other && !isAlive({ ...other, owner: "", since: "", lockId: "" })) {
      throw new Error(
        `A process (${other.pid}) died while taking over the stale lock ${lockPath}, leaving ${guard}: delete both files if no Taskflow process uses the database, then try again.`,
      );
    }
    await sleep(TAKEOVER_WAIT_MS);
    return;
  }
  try {
    if ((await readRaw(lockPath)) === staleContent) await fsp.rm(lockPath, { force: true });
  } finally {
    await fsp.rm(guard, { force: true });
  }
}

async function readRaw(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The holder in a lock file's text; undefined for anything else (then the lock counts as stale). */
function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string" || typeof value.lockId !== "string") return undefined;
    return {
      pid: value.pid,
      hostname: value.hostname,
      processStart: typeof value.processStart === "string" ? value.processStart : null,
      owner: typeof value.owner === "string" ? value.owner : "another process",
      since: typeof value.since === "string" ? value.since : "an unknown time",
      lockId: value.lockId,
    };
  } catch {
    return undefined;
  }
}

function parseGuard(text: string | undefined): Pick<LockHolder, "pid" | "hostname" | "processStart"> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string") return undefined;
    return { pid: value.pid, hostname: value.hostname, processStart: typeof value.processStart === "string" ? value.processStart : null };
  } catch {
    return undefined;
  }
}
