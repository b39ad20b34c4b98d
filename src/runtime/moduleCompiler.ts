import { declaredTasksPath } from "./declaredTasksCache";
import { createHash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { CompileIndex } from "./compileIndex";
import {
  compileFingerprint, compileModule, sweepCompiledFiles, type CompileInput, type CompileResult, type EsbuildApi,
} from "./compileModule";
import { CompilerService } from "./compilerService";

/** Options of `new ModuleCompiler(...)`. */
export interface ModuleCompilerOptions {
  /** Absolute path; esbuild resolves from here. */
  workspaceRoot: string;
  /** Where outputs and the index go (created when missing). */
  cacheDir: string;
  /** Directory holding worker.js, taskflow.js and esbuild.wasm. */
  distDir: string;
  /** An esbuild API to compile with in this thread. @default esbuild-wasm in a compiler process, started at the first compile */
  esbuild?: EsbuildApi;
  /** Keep outputs and the index at dispose, for the next session on the same cacheDir. @default false */
  persistentCache?: boolean;
  /** Told when something went wrong that costs only speed (the index could not be written). */
  onWarning: (message: string) => void;
}

/**
 * Compiles task modules through a content-keyed cache: a module whose recorded inputs (its source and
 * every file bundled into it) all still have the same content, compiled by the same compiler with the
 * same options, gets its earlier output back without esbuild being asked, so a window reload with
 * unchanged modules never starts the esbuild-wasm compiler process. Anything else is compiled and
 * recorded.
 */
export class ModuleCompiler {
  private readonly compiler: { compile(input: CompileInput): Promise<CompileResult>; prepare?(): void; dispose?(): Promise<void> };
  private readonly index: CompileIndex;
  /** Outputs this session compiled or reused: kept by a sweep, deleted at dispose unless the cache persists. */
  private readonly used = new Set<string>();
  private identity: Promise<string> | undefined;
  private readonly taskflowPath: string;

  constructor(private readonly options: ModuleCompilerOptions) {
    const esbuild = options.esbuild;
    this.compiler = esbuild
      ? { compile: (input) => compileModule({ ...input, esbuild }) }
      : new CompilerService(path.join(options.distDir, "worker.js"), path.join(options.distDir, "esbuild.wasm"));
    this.taskflowPath = path.join(options.distDir, "taskflow.js");
    this.index = new CompileIndex(options.cacheDir, (error) =>
      options.onWarning(`Could not write the compile cache index in ${options.cacheDir} (${error.message}): modules will be compiled again next session`));
  }

  /** The compiled output of `file` (absolute): from the cache when nothing it was compiled from changed, else compiled now. */
  async compile(file: string): Promise<CompileResult> {
    const input: CompileInput = { file, workspaceRoot: this.options.workspaceRoot, cacheDir: this.options.cacheDir, taskflowPath: this.taskflowPath };
    const key = createHash("sha256").update(`${await this.compilerIdentity()}\n${compileFingerprint(input)}`).digest("hex");
    const cached = await this.index.lookup(file, key);
    if (cached) {
      this.used.add(cached.outputPath);
      return cached;
    }
    const compiled = await this.compiler.compile(input);
    if (compiled.ok) {
      this.used.add(compiled.outputPath);
      await this.index.record(file, key, compiled);
    }
    return compiled;
  }

  /** Starts the compiler process ahead of a compile that is likely soon (a module is being edited); a no-op in-thread. */
  prepare(): void {
    this.compiler.prepare?.();
  }

  /**
   * Deletes compiled files older than `olderThanMs` that neither this session nor the index refers to
   * (left by a session that crashed, or replaced by a later compile); returns how many were deleted.
   */
  async sweep(olderThanMs: number): Promise<number> {
    const keep = await this.index.prune();
    this.used.forEach((f) => keep.add(f));
    return sweepCompiledFiles(this.options.cacheDir, keep, olderThanMs);
  }

  /** Stops the compiler process; unless the cache persists, deletes this session's outputs and their index entries. */
  async dispose(): Promise<void> {
    if (!this.options.persistentCache) {
      await Promise.all([...this.used].flatMap((f) => [rm(f, { force: true }), rm(declaredTasksPath(f), { force: true })]));
      await this.index.forget(this.used);
    }
    await this.index.flush();
    await this.compiler.dispose?.();
  }

  /**
   * What identifies the compiler in the cache key. The esbuild-wasm build's version is only known once
   * it has started, and not starting it is the point of a cache hit; the files it is loaded from
   * change whenever esbuild or this runtime does (a new extension version also moves them).
   */
  private compilerIdentity(): Promise<string> {
    this.identity ??= (async () => {
      if (this.options.esbuild) return `esbuild ${this.options.esbuild.version ?? "(version unknown)"} in-thread`;
      const files = ["worker.js", "esbuild.wasm"].map((f) => path.join(this.options.distDir, f));
      const stats = await Promise.all(files.map((f) => stat(f)));
      return `esbuild-wasm ${files.map((f, i) => `${f}:${stats[i].size}:${stats[i].mtimeMs}`).join(" ")}`;
    })();
    // A failed stat (dist incomplete) is not remembered: the next compile tries again.
    this.identity.catch(() => {
      this.identity = undefined;
    });
    return this.identity;
  }
}
