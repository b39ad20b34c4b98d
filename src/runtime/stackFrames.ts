import { fileURLToPath } from "node:url";
import path from "node:path";

/** A stack frame that points at a file on disk. Line and column are 1-based. */
export interface StackFrame {
  file: string;
  line: number;
  column: number;
}

const FRAME = /\(?((?:file:\/\/)?(?:[A-Za-z]:)?[^():]+):(\d+):(\d+)\)?$/;

/** The file frames of a V8 stack string, top first; frames without a file path are skipped. */
export function stackFrames(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of stack.split("\n")) {
    const text = raw.trim();
    if (!text.startsWith("at ")) continue;
    const match = FRAME.exec(text);
    if (!match) continue;
    let file = match[1].replace(/^at (?:async )?/, "");
    if (file.startsWith("file://")) file = fileURLToPath(file);
    if (!path.isAbsolute(file)) continue;
    frames.push({ file: path.resolve(file), line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}
