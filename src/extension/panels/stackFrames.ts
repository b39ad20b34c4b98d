import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { StackLine } from "../../protocol";

/** A file location found in one stack trace line. Line and column are 1-based. */
export interface FrameLocation {
  path: string;
  line: number;
  column: number;
}

const LOCATION = /^(.*):(\d+):(\d+)$/;

function isAbsoluteAnyPlatform(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\");
}

/**
 * The file location of a V8 stack frame line (`at fn (/a/b.ts:3:7)`, `at /a/b.ts:3:7`,
 * `at async fn (file:///a/b.ts:3:7)`, Windows drive paths), or null when the line has none
 * (the message line, `node:internal` frames, `<anonymous>`, native code).
 */
export function parseFrameLocation(text: string): FrameLocation | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("at ")) return null;
  // The location is the first candidate (after "at ", "at async " or any "(") that is an absolute
  // path or file URL followed by :line:column; names and paths may themselves hold parentheses.
  const starts = [trimmed.startsWith("at async ") ? 9 : 3];
  for (let i = trimmed.indexOf("("); i >= 0; i = trimmed.indexOf("(", i + 1)) starts.push(i + 1);
  let match: RegExpExecArray | null = null;
  for (const start of starts) {
    let rest = trimmed.slice(start);
    if (start > 3 && trimmed[start - 1] === "(") {
      if (!rest.endsWith(")")) continue;
      rest = rest.slice(0, -1);
    }
    if (!rest.startsWith("file://") && !isAbsoluteAnyPlatform(rest)) continue;
    match = LOCATION.exec(rest);
    if (match) break;
  }
  if (!match) return null;
  let file = match[1];
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      return null;
    }
  }
  if (!isAbsoluteAnyPlatform(file)) return null;
  const line = Number(match[2]);
  const column = Number(match[3]);
  if (line < 1 || column < 1) return null;
  return { path: file, line, column };
}

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
    const location = parseFrameLocation(text);
    const label = location ? workspaceLabel(location.path, folders, platform) : null;
    return { text, link: location && label !== null ? { ...location, label } : null };
  });
}
