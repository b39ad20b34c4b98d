import * as fs from "node:fs";
import * as path from "node:path";

/** VS Code's log files under a user-data folder that concern extensions (extension host, renderer). */
export function findVscodeLogs(userDataDir: string): string[] {
  const root = path.join(userDataDir, "logs");
  if (!fs.existsSync(root)) {
    return [];
  }
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((file) => /exthost.*\.log$|remoteagent\.log$/i.test(file))
    .map((file) => path.join(root, file));
}
