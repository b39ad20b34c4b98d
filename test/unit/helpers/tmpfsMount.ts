/** A small tmpfs the disk-fault tests fill up or turn read-only for real; needs root (CI runs as root). */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";

/** A mounted tmpfs; unmount() must run in the test's cleanup. */
export interface TmpfsMount {
  dir: string;
  /** Remounts it read-only (fails with EBUSY while a file on it is open for writing) or writable again. */
  remount(mode: "ro" | "rw"): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` at `dir`, or returns a sentence saying why it cannot (not root, no
 * mount rights): the caller skips with it.
 */
export function mountTmpfs(dir: string, sizeBytes: number): TmpfsMount | string {
  if (process.platform !== "linux") return `mounting a tmpfs needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `mounting a tmpfs needs root, this runs as uid ${process.getuid?.()}`;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    return `mount -t tmpfs was refused: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
  let mounted = true;
  return {
    dir,
    remount(mode) {
      execFileSync("mount", ["-o", `remount,${mode}`, dir], { stdio: "pipe" });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        // Still busy (a test failed with a file open on it): detached now, freed once that file is closed.
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
