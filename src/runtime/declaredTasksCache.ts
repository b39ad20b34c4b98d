/**
 * What a compiled module declares (its tasks, their config and lines), kept beside the compiled
 * output as `<output>.tasks.json`. The output's name holds the hash of its code, so the same name
 * means the same declarations: a window reload with unchanged modules lists every task without
 * starting a worker per module to run its top level. (A module whose top level declares different
 * tasks depending on the environment is listed as it was when its code last changed.)
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ResourceLimits, Worker } from "node:worker_threads";
import { taskLog } from "../core/taskContext";
import { isPlainObject } from "../model";
import { runTaskWorker } from "./runTaskWorker";
import { stackFrames } from "./stackFrames";
import type { ModuleDiagnostic } from "./types";
import type { DeclaredTask } from "./workerProtocol";

/** The sidecar file of a compiled output. */
export function declaredTasksPath(outputPath: string): string {
  return `${outputPath}.tasks.json`;
}

function isDeclaredTask(value: unknown): value is DeclaredTask {
  if (!isPlainObject(value)) return false;
  const { exportName, name, config, line, file } = value;
  return typeof exportName === "string" && typeof name === "string" && isPlainObject(config)
    && (line === undefined || typeof line === "number") && (file === undefined || typeof file === "string");
}

/** The declarations recorded for this output, or undefined when there are none (or they do not read back). */
export async function readDeclaredTasks(outputPath: string): Promise<DeclaredTask[] | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(declaredTasksPath(outputPath), "utf8"));
    return Array.isArray(parsed) && parsed.every(isDeclaredTask) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Records the declarations of an output (temp file, then rename); a failed write only costs a listing worker next time. */
export async function writeDeclaredTasks(outputPath: string, tasks: readonly DeclaredTask[]): Promise<void> {
  const target = declaredTasksPath(outputPath);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(tasks));
    await rename(temp, target);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Options of `declaredTasks`. */
export interface DeclaredTasksOptions {
  /** Directory holding worker.js. */
  distDir: string;
  /** The module's source file. */
  file: string;
  /** Its compiled output. */
  outputPath: string;
  /** Milliseconds the module's top level may run. */
  timeoutMs: number;
  resourceLimits?: ResourceLimits;
  track: (worker: Worker) => () => void;
}

/**
 * The tasks a compiled module declares: read back from beside the output when this code was listed
 * before, else found by running the module's top level in a worker (and recorded). Rejects with what
 * the top level threw.
 */
export async function declaredTasks(options: DeclaredTasksOptions): Promise<DeclaredTask[]> {
  const known = await readDeclaredTasks(options.outputPath);
  if (known) return known;
  const { file, outputPath } = options;
  const outcome = await runTaskWorker({
    workerPath: path.join(options.distDir, "worker.js"),
    job: { kind: "load", compiledPath: outputPath, sourcePath: file },
    timeoutMs: options.timeoutMs,
    resourceLimits: options.resourceLimits,
    onLog: (message, level) => taskLog(`${path.basename(file)}: ${message}`, { level }),
    track: options.track,
  });
  const tasks = outcome.type === "loaded" ? outcome.tasks : [];
  await writeDeclaredTasks(outputPath, tasks);
  return tasks;
}

/** A load failure as a Problem, on the first workspace frame of its stack (the module's line) when there is one. */
export function loadDiagnostic(workspaceRoot: string, file: string, error: Error): ModuleDiagnostic {
  const inWorkspace = stackFrames(error.stack ?? "").find((f) =>
    f.file === file || (!path.relative(workspaceRoot, f.file).startsWith("..") && !f.file.includes(`${path.sep}node_modules${path.sep}`)),
  );
  const message = `Loading the module failed: ${error.name && error.name !== "Error" ? `${error.name}: ` : ""}${error.message}`;
  if (!inWorkspace) return { file, line: 1, column: 1, severity: "error", message };
  return { file: inWorkspace.file, line: inWorkspace.line, column: inWorkspace.column, severity: "error", message };
}
