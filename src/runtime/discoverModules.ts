import { readdir } from "node:fs/promises";
import path from "node:path";

/** The task module files looked for by default (unless the setting `taskflow.modules` names others). */
export const DEFAULT_MODULE_PATTERNS: readonly string[] = ["**/*.tasks.{ts,mts,cts,js,mjs,cjs}"];

/** Directories never walked into (nor watched). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(["node_modules", ".git"]);

/**
 * Converts a glob (`**`, `*`, `?`, `{a,b}`; `/` separated, relative to the root) to a RegExp over
 * `/`-separated relative paths. `**` matches any number of directories, including none.
 */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      source += slashAfter ? "(?:[^/]+/)*" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "{") {
      braceDepth++;
      source += "(?:";
    } else if (c === "}" && braceDepth > 0) {
      braceDepth--;
      source += ")";
    } else if (c === "," && braceDepth > 0) source += "|";
    else source += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  if (braceDepth > 0) throw new Error(`Glob "${glob}" has an unclosed "{": close it with "}"`);
  return new RegExp(`^${source}$`);
}

/**
 * Walks `root` and returns the absolute paths of files matching any of `patterns`, sorted.
 * node_modules and .git are skipped, and symbolic links are not followed.
 */
export async function discoverModules(root: string, patterns: readonly string[] = DEFAULT_MODULE_PATTERNS): Promise<string[]> {
  const matchers = patterns.map(globToRegExp);
  const found: string[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable while walking: nothing to load from it
    }
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path.join(dir, entry.name), rel);
      } else if (entry.isFile() && matchers.some((m) => m.test(rel))) {
        found.push(path.join(dir, entry.name));
      }
    }
  };
  await walk(path.resolve(root), "");
  return found.sort();
}
