import { fork, type ChildProcess } from "node:child_process";
import type { CompileInput, CompileResult } from "./compileModule";
import type { CompileRequest, CompileResponse } from "./workerProtocol";

/**
 * Compiles task modules in one long-lived child process (dist/worker.js forked) running esbuild-wasm:
 * one package for every platform, no `node` on PATH needed (the child is this runtime's own
 * executable, Electron run as Node inside VS Code), and the WebAssembly start never blocks the host.
 * The process is started by the first compile, so a session whose modules all come from the compile
 * cache never starts it.
 */
export class CompilerService {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: CompileResult) => void; reject: (error: Error) => void }>();

  /**
   * @param workerPath absolute path of dist/worker.js
   * @param wasmPath absolute path of esbuild.wasm (dist/esbuild.wasm in the package)
   */
  constructor(private readonly workerPath: string, private readonly wasmPath: string) {}

  /**
   * Starts the compiler process now, when it is not running, so that the first compile does not wait
   * for esbuild-wasm to start (about a second, several on a busy machine). It stays idle and does not
   * keep the host process alive.
   */
  prepare(): void {
    if (this.child) return;
    this.child = this.start();
    this.setRef(this.child, false);
  }

  compile(input: CompileInput): Promise<CompileResult> {
    const child = (this.child ??= this.start());
    const id = this.nextId++;
    const request: CompileRequest = { type: "compile", id, ...input };
    return new Promise<CompileResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.setRef(child, true);
      child.send(request);
    });
  }

  async dispose(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // An idle child is unreferenced: without this, a script awaiting dispose() could end before "exit" arrives.
    this.setRef(child, true);
    child.kill();
    await exited;
  }

  private setRef(child: ChildProcess, busy: boolean): void {
    // An idle compiler must not keep a script that used the host from exiting.
    const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (busy) {
      child.ref();
      channel?.ref?.();
    } else {
      child.unref();
      channel?.unref?.();
    }
  }

  private start(): ChildProcess {
    const child = fork(this.workerPath, [], {
      // Inside VS Code, process.execPath is Electron: this makes it run the file as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: "1", TASKFLOW_ESBUILD_WASM: this.wasmPath },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: [],
    });
    child.on("message", (response: CompileResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (this.pending.size === 0) this.setRef(child, false);
      waiter?.resolve(response.result);
    });
    const fail = (error: Error): void => {
      if (this.child === child) this.child = undefined;
      const waiters = [...this.pending.values()];
      this.pending.clear();
      waiters.forEach((w) => w.reject(error));
    };
    child.on("error", (error) => fail(new Error(`The module compiler could not start: ${error.message} (${this.workerPath})`)));
    child.on("exit", (code, signal) =>
      fail(new Error(`The module compiler stopped (${signal ?? `exit code ${code}`}); saving a module again restarts it`)));
    return child;
  }
}
