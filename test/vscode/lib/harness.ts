import * as fs from "node:fs";
import * as path from "node:path";

/** The repository's root folder. */
export const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** Where setup.sh installs code-server and where runs keep their scratch folders. */
export const harnessDir = process.env.TASKFLOW_VSCODE_TEST_DIR ?? path.join(repoRoot, ".vscode-test");

/** Folder CI keeps: screenshots, logs of failed runs. */
export const resultsDir = path.join(repoRoot, "test-results");

/** The workspace the tests open (a temporary copy of it, so tests can change files freely). */
export const exampleWorkspace = path.join(repoRoot, "examples", "workspace");

/** The two-folder workspace of the multiroot profile: `multiroot.code-workspace` with the folders `app` and `lib`. */
export const multiRootWorkspace = path.join(repoRoot, "test", "fixtures", "multiroot");

/** The workspace file inside a copy of `multiRootWorkspace`. */
export const MULTI_ROOT_FILE = "multiroot.code-workspace";

/** What setup.sh installed (`<harnessDir>/harness.json`). */
export interface HarnessInstall {
  /** Absolute path of the code-server launcher. */
  codeServer: string;
  /** code-server's version, e.g. "4.96.4". */
  version: string;
  /** Absolute path of Debian's chromium. */
  chromium: string;
}

/** Reads harness.json, failing with what to run when setup has not been done. */
export function readInstall(): HarnessInstall {
  const file = path.join(harnessDir, "harness.json");
  if (!fs.existsSync(file)) {
    throw new Error(`expected ${file} (written by the harness setup), it is missing: run bash test/vscode/setup.sh first`);
  }
  const install = JSON.parse(fs.readFileSync(file, "utf8")) as HarnessInstall;
  for (const key of ["codeServer", "chromium"] as const) {
    if (!fs.existsSync(install[key])) {
      throw new Error(`${file} names ${key} ${install[key]}, which does not exist: run bash test/vscode/setup.sh again`);
    }
  }
  return install;
}

/** The last `lines` lines of a text file, or a note that it does not exist. */
export function tailFile(file: string, lines = 30): string {
  if (!fs.existsSync(file)) {
    return `(no file ${file})`;
  }
  const text = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  return text.slice(-lines).map((line) => `  | ${line}`).join("\n");
}

const runDirs = new Set<string>();

/**
 * A new empty folder under `<harnessDir>/runs`, named after `label`. It is removed when the process
 * exits, also after Ctrl-C (by then processGroup has stopped what ran in it), unless
 * TASKFLOW_KEEP_RUNS=1.
 */
export function makeRunDir(label: string): string {
  const runs = path.join(harnessDir, "runs");
  fs.mkdirSync(runs, { recursive: true });
  const dir = fs.mkdtempSync(path.join(runs, `${label}-`));
  if (runDirs.size === 0 && process.env.TASKFLOW_KEEP_RUNS !== "1") {
    process.on("exit", () => runDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  }
  runDirs.add(dir);
  return dir;
}

/** Copies `exampleWorkspace` (or a one-module stand-in when it is missing) to `dest`. */
export function copyWorkspace(dest: string): string {
  if (fs.existsSync(exampleWorkspace)) {
    fs.cpSync(exampleWorkspace, dest, { recursive: true });
  } else {
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, "hello.tasks.ts"), 'import { task } from "taskflow";\n\nexport const hello = task(async () => "hello");\n');
  }
  return dest;
}

/** Copies `multiRootWorkspace` to `dest`; returns the path of its `.code-workspace` file. */
export function copyMultiRootWorkspace(dest: string): string {
  fs.cpSync(multiRootWorkspace, dest, { recursive: true });
  return path.join(dest, MULTI_ROOT_FILE);
}
