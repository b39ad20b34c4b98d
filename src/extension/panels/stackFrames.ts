import * as path from "node:path";
import { parseStackFrame } from "../../runtime/stackFrames";
import type { StackLine } from "../../protocol";

/**
 * The workspace-relative label of an absolute path when it lies inside one of the folders,
 * else null. Purely lexical (`..` segments are resolved first); the caller checks symlinks.
 */
export function workspaceLabel(filePath: string, folders: readonly string[], platform: NodeJS.Platform = process.platform): string | null {
  const p = platform === "win32" ? path.win32 : path.posix;
  const resolved = p.resolve(filePath);
  for (const folder of folders) {
    const root = p.resolve(folder);
    const rel = p.relative(root, resolved);
    // path.win32.relative already compares case-insensitively.
    if (rel !== "" && rel !== ".." && !rel.startsWith(".." + p.sep) && !p.isAbsolute(rel)) {
      return folders.length > 1 ? p.join(p.basename(root), rel) : rel;
    }
  }
  return null;
}

/** Splits a stack trace into lines, linking the frames that are files inside the workspace. */
export function resolveStack(stack: string | null, folders: readonly string[], platform: NodeJS.Platform = process.platform): StackLine[] {
  if (!stack) return [];
  return stack.split(/\r?\n/).map((text) => {
    const location = parseStackFrame(text);
    const label = location ? workspaceLabel(location.path, folders, platform) : null;
    return { text, link: location && label !== null ? { ...location, label } : null };
  });
}
