/**
 * Entry of dist/worker.js: one worker thread per job (load a module, or run one attempt), or, when
 * forked as a process, the module compiler.
 * User code runs here so it never blocks the extension host; the host terminates the worker
 * when the job ends, on cancel (after a grace period) or on timeout.
 */
import { format } from "node:util";
import { setFlagsFromString } from "node:v8";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { stackFrames } from "./stackFrames";
import type { TaskContext } from "../model/taskFunction";
import { handleInfo, installRuntime } from "./runtimeGlobals";
import { compileModule, type CompileResult } from "./compileModule";
import {
  serializeError, type CompileRequest, type CompileResponse, type DeclaredTask, type HostMessage, type LoadJob,
  type RunJob, type WorkerJob, type WorkerMessage,
} from "./workerProtocol";
import { createWasmEsbuild } from "./wasmEsbuild";

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

const CONSOLE_LEVELS = { debug: "debug", log: "info", info: "info", warn: "warning", error: "error" } as const;

/**
 * console output of user code becomes log lines, in order with taskLog: the worker's stdout would
 * otherwise end up in the extension host's own log, where nobody looks.
 */
function routeConsole(): void {
  for (const [method, level] of Object.entries(CONSOLE_LEVELS)) {
    (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args) =>
      post({ type: "log", message: format(...args), level, extra: {} });
  }
}

function loadModule(job: LoadJob | RunJob): Record<string, unknown> {
  routeConsole();
  // Inline source maps in the compiled output make stacks point at the user's .ts lines.
  process.setSourceMapsEnabled(true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(job.compiledPath) as Record<string, unknown>;
}

function declaredTasks(exports: Record<string, unknown>, job: LoadJob): DeclaredTask[] {
  const tasks: DeclaredTask[] = [];
  for (const [exportName, value] of Object.entries(exports)) {
    const info = handleInfo(value);
    if (!info) continue;
    const frame = stackFrames(info.callSite)[0];
    const name = info.config.name ?? exportName;
    tasks.push({ exportName, name, config: info.config, line: frame?.line, file: frame?.file });
  }
  // Bundled exports come in alphabetical order; the task list (and who wins a duplicate name) follows the source.
  const position = (t: DeclaredTask): number => (t.file === job.sourcePath ? t.line ?? Infinity : Infinity);
  return tasks.sort((a, b) => position(a) - position(b));
}

async function run(job: RunJob): Promise<void> {
  const controller = new AbortController();
  parentPort?.on("message", (message: HostMessage) => {
    if (message.type !== "abort") return;
    const reason = new Error(message.reason);
    reason.name = message.name;
    controller.abort(reason);
  });
  const context: TaskContext = { ...job.context, tags: Object.freeze({ ...job.context.tags }), signal: controller.signal };
  installRuntime({
    context: () => context,
    log: (message, level, extra) => post({ type: "log", message, level, extra }),
  });
  const exports = loadModule(job);
  const info = handleInfo(exports[job.exportName]);
  if (!info) {
    throw new Error(
      `Export "${job.exportName}" of ${job.sourcePath} is no longer a task(...) handle: save the module again or pick another task`,
    );
  }
  const value = await info.fn(...job.args);
  let json: string | undefined;
  try {
    json = value === undefined ? undefined : JSON.stringify(value);
  } catch (error) {
    throw new Error(`Task returned a value that cannot be serialised as JSON (${(error as Error).message}): return plain data`);
  }
  post({ type: "result", json });
}

function load(job: LoadJob): void {
  installRuntime({
    context: () => undefined,
    log: (message, level, extra) => post({ type: "log", message, level, extra }),
  });
  const exports = loadModule(job);
  post({ type: "loaded", tasks: declaredTasks(exports, job) });
}

/**
 * Compiler mode: this file forked as a child process (see CompilerService), answering compile
 * requests over IPC. A process of its own lets it run WebAssembly with Liftoff only: V8's optimising
 * tier would spend seconds of CPU on esbuild's large Go functions, slowing every thread of the host.
 */
function serveCompiles(): void {
  setFlagsFromString("--liftoff-only");
  const wasmPath = process.env.TASKFLOW_ESBUILD_WASM as string;
  const esbuild = createWasmEsbuild(wasmPath);
  esbuild.catch(() => undefined);
  process.on("disconnect", () => process.exit(0));
  process.on("message", (request: CompileRequest) => {
    void (async () => {
      let result: CompileResult;
      try {
        const { file, workspaceRoot, cacheDir, taskflowPath } = request;
        result = await compileModule({ file, workspaceRoot, cacheDir, taskflowPath, esbuild: await esbuild });
      } catch (error) {
        const message = `The module compiler failed: ${(error as Error).message} (esbuild.wasm: ${wasmPath})`;
        result = { ok: false, diagnostics: [{ file: request.file, line: 1, column: 1, severity: "error", message }] };
      }
      const response: CompileResponse = { type: "compiled", id: request.id, result };
      process.send?.(response);
    })();
  });
}

async function main(): Promise<void> {
  // Forked by CompilerService (which sets the wasm path); loaded any other way it does nothing.
  if (isMainThread) return process.env.TASKFLOW_ESBUILD_WASM ? serveCompiles() : undefined;
  const job = workerData as WorkerJob;
  try {
    if (job.kind === "load") load(job);
    else await run(job);
  } catch (error) {
    post({ type: "error", error: serializeError(error, __filename) });
  }
}

void main();
