import { existsSync, promises as fsp, writeSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic, syncDir } from "./atomicFile";
import { foldWorkerPath, runFoldWorker } from "./foldRunner";
import type { JournalApplier } from "./journalOps";
import { sqlWasmPath } from "./sqlJsLoader";
import { StoreWriteError } from "./storeWriteError";

/** What a JournalWriter needs from its store. */
export interface JournalWriterOptions {
  /** The database file (absolute); the journal is `<dbPath>.journal`, rotated ones `<dbPath>.journal.fold-*`. */
  dbPath: string;
  /** Journal size, in bytes, past which it is rotated and folded into the database file. */
  foldBytes: number;
  /** How long the store waits before it retries a failed write, in ms; only quoted in the warning. */
  retryMs: number;
  warn: (message: string) => void;
  /** Called after a write failed, so the store schedules the retry. */
  onWriteFailed: () => void;
  /** The store's whole database, current, as file bytes: folding without a worker writes it. */
  exportImage: () => Uint8Array;
}

/**
 * The append-only journal beside the database file: lines are buffered, written in batches with
 * positioned writes and datasync, and once the file passes `foldBytes` it is rotated and folded into
 * the database file by a worker thread, so the store never exports the database on its own thread.
 */
export class JournalWriter {
  readonly path: string;
  private readonly dbPath: string;
  private lines: string[] = [];
  private handle: fsp.FileHandle | undefined;
  private bytes = 0;
  private writing: Promise<void> | undefined;
  /** Bytes written over the writer's life, across rotations, and how many of them a datasync covered. */
  private writtenTotal = 0;
  private syncedTotal = 0;
  private syncing: Promise<void> | undefined;
  private foldRun: Promise<void> | undefined;
  private foldSeq = 0;
  private workerMissingWarned = false;
  private failedWrite: StoreWriteError | undefined;

  constructor(private readonly options: JournalWriterOptions) {
    this.dbPath = options.dbPath;
    this.path = `${options.dbPath}.journal`;
  }

  /** The fold under way, if any; it never rejects (failures are warned about). */
  get folding(): Promise<void> | undefined {
    return this.foldRun;
  }

  /** Why the last write failed, until a write goes through again; undefined while the journal is healthy. */
  get writeFailure(): StoreWriteError | undefined {
    return this.failedWrite;
  }

  /** Buffers one line; it is written by the next drain(). */
  push(line: string): void {
    this.lines.push(line);
  }

  /**
   * Writes the buffered lines now, on this thread, when no write is under way: for a thread that
   * keeps adding without yielding, so its flush timer cannot fire. Once written a line survives the
   * process being killed; its datasync stays with the next drain(). Returns whether it wrote. On a
   * failure the lines stay buffered for drain(), which retries and reports it (a torn tail is
   * overwritten, the writes being positioned).
   */
  writeNow(): boolean {
    if (this.writing || !this.handle || this.lines.length === 0 || this.failedWrite) return false;
    const bytes = Buffer.from(this.lines.join("\n") + "\n");
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.handle.fd, bytes, written, bytes.length - written, this.bytes + written);
    } catch {
      return false;
    }
    this.lines = [];
    this.bytes += bytes.length;
    this.writtenTotal += bytes.length;
    return true;
  }

  /**
   * Applies rotated journals left by an unfinished fold, then the journal, to the database; the
   * journal then becomes a rotated one, folded later. Unreadable lines are kept aside with a warning.
   */
  async replayInto(applier: JournalApplier): Promise<void> {
    const journals = await this.rotatedPaths();
    if (existsSync(this.path)) journals.push(this.path);
    for (const journal of journals) {
      const text = await fsp.readFile(journal, "utf8");
      const bad = applier.applyText(text);
      if (bad.length > 0) {
        const aside = `${journal}.corrupt-${Date.now()}`;
        await fsp.writeFile(aside, bad.map((b) => b.line).join("\n") + "\n");
        const total = text.split("\n").filter((line) => line.trim() !== "").length;
        this.options.warn(`Skipped ${bad.length} unreadable line(s) of ${total} in the task journal ${journal} (first: ${bad[0].reason}); the other lines were applied. The skipped lines are kept in ${aside}.`);
      }
    }
    if (existsSync(this.path)) await fsp.rename(this.path, this.nextRotatedPath());
  }

  /** Starts an empty journal. */
  async open(): Promise<void> {
    this.handle = await fsp.open(this.path, "w");
    this.bytes = 0;
    await syncDir(path.dirname(this.dbPath));
  }

  /**
   * Writes the buffered lines, one batch at a time, until none is left, then waits for a datasync
   * that covers them. Rejects when a write or the datasync fails.
   *
   * A write does not wait for the datasync of the batch before it: once written, a line survives the
   * process being killed (it is in the kernel's cache), so a slow datasync on a busy disk delays only
   * the promise against power loss, never the one against a crash.
   */
  async drain(): Promise<void> {
    for (;;) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (this.lines.length === 0) break;
      this.writing = this.writeBatch().finally(() => { this.writing = undefined; });
    }
    await this.syncThrough(this.writtenTotal);
  }

  /** Resolves once a datasync that started after `total` bytes were written has succeeded. */
  private async syncThrough(total: number): Promise<void> {
    while (this.syncedTotal < total) {
      if (this.syncing) {
        await this.syncing;
        continue;
      }
      this.syncing = this.syncNow().finally(() => { this.syncing = undefined; });
    }
  }

  private async syncNow(): Promise<void> {
    const upTo = this.writtenTotal;
    const handle = this.handle;
    // No journal open: the one written last was synced before its handle closed (rotation, close).
    if (!handle) {
      this.syncedTotal = upTo;
      return;
    }
    try {
      await handle.datasync();
    } catch (err) {
      this.failed(err, 0);
      throw err;
    }
    this.syncedTotal = Math.max(this.syncedTotal, upTo);
  }

  /** Waits for a fold under way and closes the journal file. Buffered lines not drained are dropped. */
  async close(): Promise<void> {
    await this.foldRun;
    await this.syncing?.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Removes the journal and the rotated ones: call once a database file holding all of them is in place. */
  async removeAll(): Promise<void> {
    for (const journal of [...(await this.rotatedPaths()), this.path]) await fsp.rm(journal, { force: true });
    await syncDir(path.dirname(this.dbPath));
  }

  /** Folds rotated journals into the database file, if there are any. */
  async foldLeftovers(): Promise<void> {
    if ((await this.rotatedPaths()).length > 0) this.startFold();
  }

  private async writeBatch(): Promise<void> {
    const lines = this.lines;
    this.lines = [];
    const bytes = Buffer.from(lines.join("\n") + "\n");
    try {
      this.handle ??= await this.reopen();
      // Positioned writes: after a partial write the retry overwrites the torn tail.
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.bytes + written);
        written += bytesWritten;
      }
      this.bytes += bytes.length;
      this.writtenTotal += bytes.length;
    } catch (err) {
      this.lines = lines.concat(this.lines);
      this.failed(err, lines.length);
      throw err;
    }
    if (this.failedWrite) {
      this.options.warn(`The task journal ${this.path} can be written again (it failed with ${this.failedWrite.code}); the changes kept in memory are on disk and new tasks are accepted again.`);
      this.failedWrite = undefined;
    }
    if (this.bytes >= this.options.foldBytes && !this.foldRun) await this.rotateAndFold();
  }

  /** Warns once per outage (not at every retry) and has the store schedule the retry. */
  private failed(err: unknown, keptLines: number): void {
    if (!this.failedWrite) {
      const kept = keptLines > 0 ? `${keptLines} change(s) are kept in memory and written again` : "The datasync is tried again";
      this.options.warn(`Could not write the task journal ${this.path} (${errorText(err)}). ${kept} every ${this.options.retryMs} ms until it works; new tasks are refused meanwhile. Free some disk space if it is full, or make the folder writable if it is read-only.`);
    }
    this.failedWrite = new StoreWriteError(this.path, err);
    this.options.onWriteFailed();
  }

  /** The next write opens the new journal: if that fails (a read-only folder) the write fails and is retried like any other. */
  private async rotateAndFold(): Promise<void> {
    // The rotated journal is complete on disk before the fold reads it and the handle goes.
    await this.syncThrough(this.writtenTotal);
    await this.handle!.close();
    this.handle = undefined;
    try {
      await fsp.rename(this.path, this.nextRotatedPath());
    } catch (err) {
      this.options.warn(`Could not rotate the task journal ${this.path} to fold it into the database (${errorText(err)}); it keeps growing and is folded later, nothing is lost.`);
      return;
    }
    this.bytes = 0;
    this.startFold();
  }

  /** Reopens the journal after a rotation: the same file when it could not be renamed, else a new one. */
  private async reopen(): Promise<fsp.FileHandle> {
    const handle = await fsp.open(this.path, this.bytes > 0 ? "r+" : "w");
    try {
      if (this.bytes === 0) await syncDir(path.dirname(this.dbPath));
    } catch (err) {
      await handle.close();
      throw err;
    }
    return handle;
  }

  private nextRotatedPath(): string {
    return `${this.path}.fold-${String(Date.now()).padStart(15, "0")}-${String(this.foldSeq++).padStart(6, "0")}`;
  }

  /** Rotated journals waiting to be folded, oldest first. */
  private async rotatedPaths(): Promise<string[]> {
    const dir = path.dirname(this.dbPath);
    const prefix = `${path.basename(this.path)}.fold-`;
    const names = await fsp.readdir(dir);
    return names.filter((n) => n.startsWith(prefix) && !n.includes(".corrupt-")).sort().map((n) => path.join(dir, n));
  }

  /** Folds rotated journals into the file in a worker thread; falls back to this thread without one. */
  private startFold(): void {
    const workerPath = foldWorkerPath();
    const run = async (): Promise<void> => {
      const journalPaths = await this.rotatedPaths();
      if (journalPaths.length === 0) return;
      if (!workerPath) {
        if (!this.workerMissingWarned) {
          this.workerMissingWarned = true;
          this.options.warn(`The store's fold worker (storeFoldWorker.js) is missing beside ${__dirname}; folding the journal on the main thread instead, which pauses it while the database is exported. Rebuild to restore the worker.`);
        }
        await this.foldHere(journalPaths);
        return;
      }
      const reply = await runFoldWorker(workerPath, { dbPath: this.dbPath, journalPaths, wasmPath: sqlWasmPath() });
      if (!reply.ok) throw new Error(reply.error);
    };
    this.foldRun = run()
      .catch((err) => this.options.warn(`Could not fold the task journal into ${this.dbPath} (${errorText(err)}); the journal files are kept and folded again later, nothing is lost.`))
      .finally(() => { this.foldRun = undefined; });
  }

  private async foldHere(journalPaths: string[]): Promise<void> {
    // The image also holds what came after the rotated journals; replaying those later is harmless.
    await writeFileAtomic(this.dbPath, this.options.exportImage());
    for (const journal of journalPaths) await fsp.rm(journal, { force: true });
    await syncDir(path.dirname(this.dbPath));
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
