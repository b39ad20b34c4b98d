import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as path from "node:path";

const ROOT = path.join(__dirname, "../../..");

/**
 * Starts `node --import tsx <script> ...args` in the repository and resolves with the child and what
 * it printed after `READY ` (a task id) once it did; rejects, with its stderr, when it exits first.
 */
export async function startUntilReady(script: string, args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; ready: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code, signal) => reject(new Error(`${script} exited (code ${code}, signal ${signal}) before READY: ${err}`)));
  });
  return { child, ready };
}

/** Kills the child with SIGKILL and resolves once it has exited. */
export async function killHard(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
