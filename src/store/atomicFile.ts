import { promises as fsp } from "node:fs";
import path from "node:path";

/**
 * Writes a file so that a reader sees either the old bytes or the new ones, never a mix: the bytes
 * go to a temporary file beside it, are fsync'ed, renamed over the target, and the folder is
 * fsync'ed so the rename itself survives a crash. The temporary file is removed on failure.
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array): Promise<void> {
  const temp = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    const handle = await fsp.open(temp, "w");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(target));
}

/** fsync of a folder, so renames and new files in it are durable. Ignored where unsupported (Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw err;
  } finally {
    await handle?.close();
  }
}
