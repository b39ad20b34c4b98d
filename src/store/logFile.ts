/**
 * The engine's text log: one line per task log line and per status change, appended to a file that
 * is rotated by size (`path` → `path.1` → ... → `path.<keep>`, the oldest dropped). Appends are
 * buffered and written in order by one write at a time, so the engine never waits for the disk.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";

/** Options of `new TaskManager({ logFile })`. */
export interface LogFileOptions {
  /** The file appended to; its folder is created when missing. Relative paths resolve from the current directory. */
  path: string;
  /** Size in bytes a file may reach before it is rotated; a single longer line still goes in a file of its own. @default 10485760 (10 MiB) */
  maxBytes?: number;
  /** Rotated files kept beside it (`path.1` is the newest); 0 keeps none. @default 5 */
  keep?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_KEEP = 5;
const MIN_MAX_BYTES = 1024;
const MAX_KEEP = 100;

/** A size-rotated, append-only text file. `append` never throws for I/O: failures go to `onError`. */
export class RotatingLogFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  private buffer: string[] = [];
  private writing: Promise<void> | undefined;
  /** Bytes in the current file; read from disk before the first write. */
  private size: number | undefined;
  private closed = false;

  /** Throws a TypeError or RangeError saying what was expected and what was got, for bad options. */
  constructor(options: LogFileOptions, private readonly onError: (message: string) => void) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`logFile must be an object like { path: "taskflow.log", maxBytes: 10485760, keep: 5 }, got ${String(options)}`);
    }
    if (typeof options.path !== "string" || options.path.trim() === "") {
      throw new TypeError(`logFile.path must be the path of the log file, got ${JSON.stringify(options.path)}: give a file path, or leave logFile out for no log file`);
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES) {
      throw new RangeError(`logFile.maxBytes must be a whole number of bytes >= ${MIN_MAX_BYTES}, got ${String(options.maxBytes)}`);
    }
    const keep = options.keep ?? DEFAULT_KEEP;
    if (!Number.isInteger(keep) || keep < 0 || keep > MAX_KEEP) {
      throw new RangeError(`logFile.keep must be a whole number of rotated files from 0 to ${MAX_KEEP}, got ${String(options.keep)}`);
    }
    this.path = path.resolve(options.path);
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  /** Queues one line (a newline is added); lines after close() are dropped. */
  append(line: string): void {
    if (this.closed) return;
    this.buffer.push(`${line}\n`);
    this.writing ??= this.drain();
  }

  /** Resolves once every line appended so far is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes what is buffered; later appends are dropped. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    try {
      while (this.buffer.length > 0) {
        const lines = this.buffer;
        this.buffer = [];
        await this.write(lines);
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Writes lines in chunks that fit the current file, rotating between them. */
  private async write(lines: string[]): Promise<void> {
    try {
      if (this.size === undefined) {
        await fsp.mkdir(path.dirname(this.path), { recursive: true });
        this.size = await fsp.stat(this.path).then((s) => s.size, () => 0);
      }
      let chunk = "";
      let chunkBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + chunkBytes + bytes > this.maxBytes && this.size + chunkBytes > 0) {
          if (chunk !== "") await fsp.appendFile(this.path, chunk);
          await this.rotate();
          chunk = "";
          chunkBytes = 0;
        }
        chunk += line;
        chunkBytes += bytes;
      }
      if (chunk !== "") await fsp.appendFile(this.path, chunk);
      this.size += chunkBytes;
    } catch (err) {
      // The size on disk is unknown after a failure: read it again before the next write.
      this.size = undefined;
      this.onError(`Could not write the log file ${this.path} (${err instanceof Error ? err.message : String(err)}); ${lines.length} lines were lost`);
    }
  }

  /** path.<keep - 1> → path.<keep>, ..., path → path.1; with keep 0 the file is just emptied. */
  private async rotate(): Promise<void> {
    if (this.keep === 0) {
      await fsp.rm(this.path, { force: true });
    } else {
      await fsp.rm(`${this.path}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) await fsp.rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(ignoreMissing);
      await fsp.rename(this.path, `${this.path}.1`).catch(ignoreMissing);
    }
    this.size = 0;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
