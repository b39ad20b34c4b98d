/** What every throughput run reports, and the small helpers the bench files share. */
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

/** N tasks from the first add until the last one is done. */
export interface Throughput {
  tasksPerSec: number;
  ms: number;
  /**
   * Tasks per second of CPU time: this process's (its worker threads included) plus that of any
   * server the run depends on (redis-server). Less sensitive to other load on the machine than wall time.
   */
  tasksPerCpuSec: number;
}

/** A clock started before a run: wall time and CPU time, this process's and optionally another's. */
export interface RunClock {
  startedMs: number;
  cpu: NodeJS.CpuUsage;
  /** CPU seconds of the other process at the start, when there is one and it can be read. */
  otherCpuSec: number | undefined;
  otherPid: number | undefined;
}

export function startClock(otherPid?: number): RunClock {
  return { startedMs: performance.now(), cpu: process.cpuUsage(), otherCpuSec: otherPid === undefined ? undefined : processCpuSec(otherPid), otherPid };
}

export function throughput(count: number, clock: RunClock): Throughput {
  const ms = performance.now() - clock.startedMs;
  const used = process.cpuUsage(clock.cpu);
  let cpuSec = (used.user + used.system) / 1e6;
  if (clock.otherPid !== undefined && clock.otherCpuSec !== undefined) {
    const other = processCpuSec(clock.otherPid);
    if (other !== undefined) cpuSec += other - clock.otherCpuSec;
  }
  return { tasksPerSec: count / (ms / 1000), ms, tasksPerCpuSec: count / cpuSec };
}

/** Ticks per second of /proc/<pid>/stat's CPU fields; 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SEC = 100;

/** User + system CPU seconds of another process, from /proc (Linux); undefined where that cannot be read. */
export function processCpuSec(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "taskflow-bench-"));
}

export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}
