import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire, isBuiltin } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { BuildOptions, BuildResult, Message, Metafile, Plugin } from "esbuild-wasm";
import { loaderFor } from "./sourceLoaders";
import type { ModuleDiagnostic } from "./types";

/** The part of the esbuild API the runtime uses; both `esbuild` and `esbuild-wasm` fit. */
export interface EsbuildApi {
  build(options: BuildOptions & { write: false }): Promise<BuildResult & { outputFiles: { path: string; text: string }[] }>;
  /** The esbuild version, part of the compile cache key. @default unknown (outputs are then keyed without it) */
  version?: string;
}

/** Inputs of one compile. */
export interface CompileOptions {
  /** Absolute path of the task module. */
  file: string;
  workspaceRoot: string;
  /** Where the compiled CommonJS goes. Created when missing. */
  cacheDir: string;
  /** Absolute path of dist/taskflow.js: what `import "taskflow"` resolves to. */
  taskflowPath: string;
  esbuild: EsbuildApi;
}

/** What a compile needs besides the compiler. */
export type CompileInput = Omit<CompileOptions, "esbuild">;

/** A compile that produced an output file. */
export interface CompileSuccess {
  ok: true;
  outputPath: string;
  warnings: ModuleDiagnostic[];
  /**
   * Every file esbuild bundled into the output (the module itself, its local imports, any package it
   * had to bundle): absolute path to the sha256 of the exact content esbuild read.
   */
  inputs: Record<string, string>;
  /** Absolute paths of the packages the output requires at run time (left external, not bundled). */
  externals: string[];
}

export type CompileResult = CompileSuccess | { ok: false; diagnostics: ModuleDiagnostic[] };

/** The esbuild options of one compile, minus the plugins (whose behaviour is the compiler's code). */
function buildOptions(input: CompileInput): BuildOptions & { write: false } {
  const { file, cacheDir } = input;
  return {
    entryPoints: [file],
    absWorkingDir: input.workspaceRoot,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    sourcesContent: false,
    write: false,
    metafile: true,
    outfile: path.join(cacheDir, `${outputStem(file)}.cjs`),
    logLevel: "silent",
    // The output lives in the cache dir; these keep pointing at the module itself. (A local file the
    // module imports from another folder sees the module's folder too: esbuild defines are global.)
    define: {
      __filename: JSON.stringify(file),
      __dirname: JSON.stringify(path.dirname(file)),
      "import.meta.url": JSON.stringify(pathToFileURL(file).href),
      "import.meta.filename": JSON.stringify(file),
      "import.meta.dirname": JSON.stringify(path.dirname(file)),
    },
  };
}

/** Everything besides the input files that decides a compile's output, as one string (part of the cache key). */
export function compileFingerprint(input: CompileInput): string {
  return JSON.stringify({ ...buildOptions(input), taskflowPath: input.taskflowPath });
}

function outputStem(file: string): string {
  return `${path.basename(file).replace(/[^\w.-]/g, "_")}-${hash(file).slice(0, 10)}`;
}

/**
 * Bundles a task module and its local imports into one CommonJS file with an inline source map.
 * Packages stay external, resolved to absolute paths in the workspace's node_modules, so the
 * output can live in the cache dir and still load the workspace's packages. The output's name
 * holds a hash of its content, so an unchanged module compiles to the same path.
 */
export async function compileModule(options: CompileOptions): Promise<CompileResult> {
  const { file, cacheDir } = options;
  const read = new Map<string, string>();
  let result: Awaited<ReturnType<EsbuildApi["build"]>>;
  try {
    result = await options.esbuild.build({
      ...buildOptions(options),
      plugins: [externals(options.taskflowPath), hashedReads(read)],
    });
  } catch (error) {
    const failure = error as { errors?: Message[] };
    if (!Array.isArray(failure.errors)) {
      return { ok: false, diagnostics: [{ file, line: 1, column: 1, severity: "error", message: `Could not compile: ${(error as Error).message}` }] };
    }
    return { ok: false, diagnostics: failure.errors.map((m) => toDiagnostic(m, options, "error")) };
  }
  const output = result.outputFiles[0];
  const outputPath = path.join(cacheDir, `${outputStem(file)}.${hash(output.text).slice(0, 10)}.cjs`);
  await mkdir(cacheDir, { recursive: true });
  // Write then rename, so a worker starting meanwhile never reads half a file.
  const temp = `${outputPath}.${process.pid}.tmp`;
  await writeFile(temp, output.text);
  await rename(temp, outputPath);
  return {
    ok: true,
    outputPath,
    warnings: result.warnings.map((m) => toDiagnostic(m, options, "warning")),
    ...(await bundledFiles(result.metafile, options.workspaceRoot, read)),
  };
}

/**
 * Loads local files for esbuild, keeping the hash of each one's content: hashing what esbuild read,
 * not the file afterwards, so an edit made during the compile can never be recorded as compiled.
 */
function hashedReads(read: Map<string, string>): Plugin {
  return {
    name: "taskflow-hashed-reads",
    setup(build) {
      build.onLoad({ filter: /.*/, namespace: "file" }, async (args) => {
        const loader = loaderFor(args.path);
        if (!loader) return undefined;
        const contents = await readFile(args.path);
        read.set(args.path, hashBytes(contents));
        return { contents, loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** The inputs and externals of a build from its metafile; a file no plugin read (another loader) is hashed now. */
async function bundledFiles(
  metafile: Metafile | undefined, workspaceRoot: string, read: ReadonlyMap<string, string>,
): Promise<Pick<CompileSuccess, "inputs" | "externals">> {
  const inputs: Record<string, string> = {};
  const externalPaths = new Set<string>();
  for (const [key, input] of Object.entries(metafile?.inputs ?? {})) {
    const file = path.resolve(workspaceRoot, key);
    const digest = read.get(file) ?? (existsSync(file) ? hashBytes(await readFile(file)) : undefined);
    if (digest) inputs[file] = digest;
    for (const imported of input.imports) if (imported.external && path.isAbsolute(imported.path)) externalPaths.add(imported.path);
  }
  return { inputs, externals: [...externalPaths].sort() };
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The sha256 of a file's bytes, as the compile cache records it. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function toDiagnostic(message: Message, options: CompileOptions, severity: "error" | "warning"): ModuleDiagnostic {
  const location = message.location;
  const notes = message.notes.map((n) => n.text).filter(Boolean);
  const text = [message.text, ...notes].join(" ");
  if (!location) return { file: options.file, line: 1, column: 1, severity, message: text };
  return {
    file: path.resolve(options.workspaceRoot, location.file),
    line: location.line,
    column: location.column + 1,
    severity,
    message: text,
  };
}

function externals(taskflowPath: string): Plugin {
  return {
    name: "taskflow-externals",
    setup(build) {
      build.onResolve({ filter: /^taskflow$/ }, () => ({ path: taskflowPath, external: true }));
      build.onResolve({ filter: /.*/ }, (args) => {
        const spec = args.path;
        if (args.kind === "entry-point" || spec.startsWith(".") || path.isAbsolute(spec)) return undefined;
        if (isBuiltin(spec)) return { path: spec, external: true };
        try {
          return { path: createRequire(path.join(args.resolveDir, "index.js")).resolve(spec), external: true };
        } catch (error) {
          if ((error as { code?: string }).code === "MODULE_NOT_FOUND") {
            const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
            return {
              errors: [{ text: `Cannot find package "${spec}" from ${args.resolveDir}: install it in the workspace (npm install ${pkg})` }],
            };
          }
          // A package with no CommonJS entry (ESM only): let esbuild bundle it instead.
          return undefined;
        }
      });
    },
  };
}

/**
 * Deletes compiled files (and half-written temp files, of outputs and of the cache index) in `cacheDir`
 * older than `olderThanMs`, except those in `keep`; returns how many were deleted. A missing dir has
 * nothing to sweep.
 */
export async function sweepCompiledFiles(cacheDir: string, keep: ReadonlySet<string>, olderThanMs: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return 0;
  }
  let deleted = 0;
  const cutoff = Date.now() - olderThanMs;
  for (const name of names.filter((n) => /\.cjs$|\.cjs\.tasks\.json$|\.(cjs|json)\.\d+\.tmp$/.test(n))) {
    const file = path.join(cacheDir, name);
    try {
      // An output's declared-tasks record goes with the output.
      if (keep.has(file.replace(/\.tasks\.json$/, "")) || (await stat(file)).mtimeMs >= cutoff) continue;
      await rm(file, { force: true });
      deleted++;
    } catch {
      // removed meanwhile, or not ours to remove: leave it
    }
  }
  return deleted;
}
