/**
 * Entry of dist/worker.js: one worker thread per job (load a module, or run one attempt).
 * User code runs here so it never blocks the extension host; the host terminates the worker
 * when the job ends, on cancel (after a grace period) or on timeout.
 */
import { parentPort, workerData } from "node:worker_threads";
import { stackFrames } from "./stackFrames";
import { handleInfo, installRuntime, type WorkerTaskContext } from "./runtimeGlobals";
import { serializeError, type DeclaredTask, type HostMessage, type LoadJob, type RunJob, type WorkerJob, type WorkerMessage } from "./protocol";

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function loadModule(job: LoadJob | RunJob): Record<string, unknown> {
  // Inline source maps in the compiled output make stacks point at the user's .ts lines.
  process.setSourceMapsEnabled(true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(job.compiledPath) as Record<string, unknown>;
}

function declaredTasks(exports: Record<string, unknown>): DeclaredTask[] {
  const tasks: DeclaredTask[] = [];
  for (const [exportName, value] of Object.entries(exports)) {
    const info = handleInfo(value);
    if (!info) continue;
    const frame = stackFrames(info.callSite)[0];
    const name = typeof info.config.name === "string" ? info.config.name : exportName;
    tasks.push({ exportName, name, config: info.config, line: frame?.line, file: frame?.file });
  }
  return tasks;
}

async function run(job: RunJob): Promise<void> {
  const controller = new AbortController();
  parentPort?.on("message", (message: HostMessage) => {
    if (message.type === "abort") controller.abort(new Error(message.reason));
  });
  const context: WorkerTaskContext = { ...job.context, tags: Object.freeze({ ...job.context.tags }), signal: controller.signal };
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
  post({ type: "loaded", tasks: declaredTasks(exports) });
}

async function main(): Promise<void> {
  const job = workerData as WorkerJob;
  try {
    if (job.kind === "load") load(job);
    else await run(job);
  } catch (error) {
    post({ type: "error", error: serializeError(error) });
  }
}

void main();
