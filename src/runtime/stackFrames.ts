import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The one V8 stack parser: the runtime uses it to place load errors on a module's line, the task
 * panel to link frames to files.
 */

/** A file location found in one stack trace line. Line and column are 1-based. */
export interface StackFrame {
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
export function parseStackFrame(text: string): StackFrame | null {
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

/** The file frames of a V8 stack string, top first, paths normalised; frames without a file path are skipped. */
export function stackFrames(stack: string): Array<{ file: string; line: number; column: number }> {
  const frames: Array<{ file: string; line: number; column: number }> = [];
  for (const raw of stack.split("\n")) {
    const frame = parseStackFrame(raw);
    if (frame && path.isAbsolute(frame.path)) frames.push({ file: path.resolve(frame.path), line: frame.line, column: frame.column });
  }
  return frames;
}
