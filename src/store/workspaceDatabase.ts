/**
 * Which database a workspace uses, so a shell in the workspace reaches the VS Code window's
 * history: the window (or any holder that wants to be found) records `workspace -> dbPath` in a
 * small file under the user's Taskflow folder, and the CLI looks it up from its workspace folder
 * upwards. The record stays after the window closes, so the CLI then opens that same database itself.
 */
import { createHash } from "node:crypto";
import { promises as fsp, realpathSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** The database file name of a workspace that no window has recorded, inside `<workspace>/.taskflow/`. */
export const DEFAULT_DATABASE = path.join(".taskflow", "taskflow.sqlite");

/** Where the CLI and the extension keep what they share per user: `$TASKFLOW_HOME`, else `~/.taskflow`. */
export function taskflowHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TASKFLOW_HOME && env.TASKFLOW_HOME !== "" ? path.resolve(env.TASKFLOW_HOME) : path.join(homedir(), ".taskflow");
}

/** A folder as one key whatever the spelling: real path, lower-cased where file names ignore case. */
function folderKey(folder: string): string {
  let resolved = path.resolve(folder);
  try {
    resolved = realpathSync.native(resolved);
  } catch {
    // A folder that does not exist (yet) is keyed by its resolved path.
  }
  return process.platform === "win32" || process.platform === "darwin" ? resolved.toLowerCase() : resolved;
}

function recordPath(workspace: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash("sha256").update(folderKey(workspace)).digest("hex").slice(0, 24);
  return path.join(taskflowHome(env), "workspaces", `${hash}.json`);
}

/** Records that `workspace` keeps its history in `dbPath` (the extension calls this at activation). */
export async function recordWorkspaceDatabase(workspace: string, dbPath: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = recordPath(workspace, env);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, JSON.stringify({ workspace: path.resolve(workspace), dbPath: path.resolve(dbPath), recordedAt: new Date().toISOString() }), { mode: 0o600 });
  await fsp.rename(temp, file);
}

/** The database recorded for `workspace` itself, or undefined. */
async function recorded(workspace: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const value = JSON.parse(await fsp.readFile(recordPath(workspace, env), "utf8")) as { dbPath?: unknown };
    return typeof value.dbPath === "string" ? value.dbPath : undefined;
  } catch {
    return undefined;
  }
}

/** Where the database was found, for `--help`-style explanations and error messages. */
export type DatabaseSource = "--db" | "TASKFLOW_DB" | "recorded" | "default";

/**
 * The database the CLI uses: `--db`, else `$TASKFLOW_DB`, else the one recorded for the workspace
 * folder or its nearest parent that has one, else `<workspace>/.taskflow/taskflow.sqlite`.
 */
export async function resolveDatabase(options: { workspace: string; db?: string; env?: NodeJS.ProcessEnv }): Promise<{ dbPath: string; source: DatabaseSource; workspace: string }> {
  const env = options.env ?? process.env;
  const workspace = path.resolve(options.workspace);
  if (options.db !== undefined) return { dbPath: path.resolve(options.db), source: "--db", workspace };
  if (env.TASKFLOW_DB && env.TASKFLOW_DB !== "") return { dbPath: path.resolve(env.TASKFLOW_DB), source: "TASKFLOW_DB", workspace };
  for (let dir = workspace; ; dir = path.dirname(dir)) {
    const dbPath = await recorded(dir, env);
    if (dbPath !== undefined) return { dbPath, source: "recorded", workspace: dir };
    if (path.dirname(dir) === dir) break;
  }
  return { dbPath: path.join(workspace, DEFAULT_DATABASE), source: "default", workspace };
}
