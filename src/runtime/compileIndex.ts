import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { hashBytes, type CompileSuccess } from "./compileModule";
import type { ModuleDiagnostic } from "./types";

/** The name of the index file in the cache dir. */
export const INDEX_FILE = "compile-index.json";
/** Bumped when the index's shape changes; an index of another format is ignored and rebuilt. */
const INDEX_FORMAT = 1;

/** What the index keeps of one module's last successful compile. */
interface IndexEntry {
  /** Hash of the compiler and of every compile option: an entry made with other ones never matches. */
  key: string;
  /** Every file bundled into the output: absolute path to the sha256 of its content. */
  inputs: Record<string, string>;
  /** Absolute paths the output requires at run time; one gone (a package uninstalled) means compile again. */
  externals: string[];
  /** The output's file name in the cache dir. */
  output: string;
  warnings: ModuleDiagnostic[];
}

type Entries = Map<string, IndexEntry>;

/**
 * The compile cache's index: a JSON file in the cache dir mapping each module file to the inputs of its
 * last compile (with content hashes) and its output, so a module none of whose inputs changed reuses
 * its output without esbuild being started. Each write replaces the file atomically (temp file, then
 * rename) and merges into what is on disk, so hosts sharing the dir lose at most each other's latest
 * entry (which costs a compile, nothing more). An unreadable or malformed index is treated as empty
 * and replaced at the next write.
 */
export class CompileIndex {
  private entries: Promise<Entries> | undefined;
  /** Entries set (or deleted: null) since the last write. */
  private readonly changes = new Map<string, IndexEntry | null>();
  private writing: Promise<void> | undefined;
  private readonly indexPath: string;

  /**
   * @param cacheDir the folder holding the index and the outputs it names
   * @param onWriteError told when the index cannot be written (the cache then only lasts this session)
   */
  constructor(private readonly cacheDir: string, private readonly onWriteError: (error: Error) => void) {
    this.indexPath = path.join(cacheDir, INDEX_FILE);
  }

  /**
   * The recorded compile of `file` when it was made with `key` and every input still has the content
   * it had then, every external still exists and so does the output; otherwise undefined.
   */
  async lookup(file: string, key: string): Promise<CompileSuccess | undefined> {
    const entry = (await this.load()).get(file);
    if (!entry || entry.key !== key) return undefined;
    const outputPath = path.join(this.cacheDir, entry.output);
    const checks = [
      ...Object.entries(entry.inputs).map(async ([input, digest]) => (await fileHash(input)) === digest),
      ...[...entry.externals, outputPath].map((f) => stat(f).then((s) => s.isFile(), () => false)),
    ];
    if (!(await Promise.all(checks)).every(Boolean)) return undefined;
    return { ok: true, outputPath, warnings: entry.warnings, inputs: { ...entry.inputs }, externals: [...entry.externals] };
  }

  /** Records a compile of `file` made with `key`; resolves once the index on disk holds it (or could not be written). */
  async record(file: string, key: string, compiled: CompileSuccess): Promise<void> {
    const entry: IndexEntry = {
      key,
      inputs: compiled.inputs,
      externals: compiled.externals,
      output: path.basename(compiled.outputPath),
      warnings: compiled.warnings,
    };
    (await this.load()).set(file, entry);
    this.changes.set(file, entry);
    return this.flush();
  }

  /** Drops the entries whose output is one of `outputPaths` (files about to be deleted), and writes. */
  async forget(outputPaths: ReadonlySet<string>): Promise<void> {
    const entries = await this.load();
    for (const [file, entry] of entries) {
      if (outputPaths.has(path.join(this.cacheDir, entry.output))) this.drop(entries, file);
    }
    return this.flush();
  }

  /**
   * Drops the entries of modules that no longer exist or whose output is gone, and returns the output
   * paths the remaining entries refer to (which a sweep must keep).
   */
  async prune(): Promise<Set<string>> {
    const referenced = new Set<string>();
    const entries = await this.load();
    for (const [file, entry] of entries) {
      const outputPath = path.join(this.cacheDir, entry.output);
      if (existsSync(file) && existsSync(outputPath)) referenced.add(outputPath);
      else this.drop(entries, file);
    }
    await this.flush();
    return referenced;
  }

  /** Resolves once every change so far is on disk (or could not be written). */
  async flush(): Promise<void> {
    // Loops because a change made while a write is under way may miss that write.
    while (this.writing || this.changes.size > 0) {
      this.writing ??= this.writeChanges().finally(() => {
        this.writing = undefined;
      });
      await this.writing;
    }
  }

  private drop(entries: Entries, file: string): void {
    entries.delete(file);
    this.changes.set(file, null);
  }

  private load(): Promise<Entries> {
    this.entries ??= readIndex(this.indexPath);
    return this.entries;
  }

  private async writeChanges(): Promise<void> {
    while (this.changes.size > 0) {
      const changes = new Map(this.changes);
      this.changes.clear();
      try {
        // Merged into the file as it is now: another host may have written it since this one read it.
        const merged = await readIndex(this.indexPath);
        for (const [file, entry] of changes) {
          if (entry) merged.set(file, entry);
          else merged.delete(file);
        }
        if (merged.size === 0) {
          await rm(this.indexPath, { force: true });
          continue;
        }
        await mkdir(this.cacheDir, { recursive: true });
        const temp = `${this.indexPath}.${process.pid}.tmp`;
        await writeFile(temp, JSON.stringify({ format: INDEX_FORMAT, modules: Object.fromEntries(merged) }));
        await rename(temp, this.indexPath);
      } catch (error) {
        this.onWriteError(error as Error);
      }
    }
  }
}

async function fileHash(file: string): Promise<string | undefined> {
  try {
    return hashBytes(await readFile(file));
  } catch {
    return undefined;
  }
}

/** The entries of the index at `indexPath`; none when it is missing, unreadable or not an index of this format. */
async function readIndex(indexPath: string): Promise<Entries> {
  const entries: Entries = new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, "utf8"));
  } catch {
    return entries;
  }
  const index = parsed as { format?: unknown; modules?: unknown };
  if (index?.format !== INDEX_FORMAT || typeof index.modules !== "object" || index.modules === null) return entries;
  for (const [file, entry] of Object.entries(index.modules as Record<string, unknown>)) {
    if (path.isAbsolute(file) && isEntry(entry)) entries.set(file, entry);
  }
  return entries;
}

function isEntry(value: unknown): value is IndexEntry {
  const entry = value as Partial<IndexEntry> | null;
  return typeof entry?.key === "string"
    // A bare file name: an index must never make the host load or delete a file outside the cache dir.
    && typeof entry.output === "string" && entry.output === path.basename(entry.output) && entry.output.endsWith(".cjs")
    && typeof entry.inputs === "object" && entry.inputs !== null
    && Object.entries(entry.inputs).every(([f, digest]) => path.isAbsolute(f) && typeof digest === "string")
    && Array.isArray(entry.externals) && entry.externals.every((f) => typeof f === "string")
    && Array.isArray(entry.warnings);
}
