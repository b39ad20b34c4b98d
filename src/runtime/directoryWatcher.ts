import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Disposable } from "../model";
import { SKIPPED_DIRS } from "./discoverModules";

/**
 * Watches a directory tree and reports the absolute path of every entry created, changed, renamed
 * or deleted (undebounced, possibly more than once per change). node_modules and .git are not
 * watched. On Linux, where `fs.watch` with `recursive` would put a watch on every directory of
 * node_modules too, each other directory gets a watcher of its own, added and dropped as
 * directories come and go; elsewhere one native recursive watcher is used.
 */
export async function watchDirectory(root: string, onChange: (file: string) => void): Promise<Disposable> {
  const top = path.resolve(root);
  if (process.platform !== "linux") {
    const watcher = watch(top, { recursive: true }, (_event, name) => {
      if (name && !String(name).split(/[\\/]/).some((part) => SKIPPED_DIRS.has(part))) onChange(path.join(top, String(name)));
    });
    watcher.on("error", () => undefined);
    return { dispose: () => watcher.close() };
  }
  const watchers = new Map<string, FSWatcher>();
  let disposed = false;
  const unwatch = (dir: string): void => {
    for (const [watched, watcher] of watchers) {
      if (watched !== dir && !watched.startsWith(dir + path.sep)) continue;
      watcher.close();
      watchers.delete(watched);
    }
  };
  const add = async (dir: string): Promise<void> => {
    if (disposed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (!name) return;
        const entry = path.join(dir, String(name));
        onChange(entry);
        void stat(entry).then(
          (info) => (info.isDirectory() && !SKIPPED_DIRS.has(String(name)) ? add(entry) : undefined),
          () => unwatch(entry),
        );
      });
    } catch {
      return; // gone or unreadable before it could be watched: nothing to report from it
    }
    // A watched directory that is deleted reports an error on some kernels: its parent reports the deletion.
    watcher.on("error", () => unwatch(dir));
    watchers.set(dir, watcher);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(entries.filter((e) => e.isDirectory() && !SKIPPED_DIRS.has(e.name)).map((e) => add(path.join(dir, e.name))));
  };
  await add(top);
  return {
    dispose: () => {
      disposed = true;
      unwatch(top);
    },
  };
}
