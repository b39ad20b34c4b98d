// The extension-host test entry (extensionTestsPath): VS Code's extension host calls run() and awaits
// it. esbuild bundles this file and every *.test.ts beside it into dist/test/vscode/, so adding a test
// is adding a file. Files under trust/ run only in the instance started with Workspace Trust on, files
// under multiroot/ only in the instance opened on a two-folder workspace.
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";

/** One line of the result file, which the code-server runner reads while the suite runs. */
export type ResultLine =
  | { event: "pass"; title: string; durationMs: number }
  | { event: "fail"; title: string; error: string }
  | { event: "end"; passed: number; failed: number; pending: number; error?: string };

/** The profiles whose tests live in a folder of their name; the default profile runs the others. */
const PROFILE_FOLDERS = ["trust", "multiroot"];

function testFiles(profile: string): string[] {
  const files = (fs.readdirSync(__dirname, { recursive: true }) as string[])
    .filter((file) => file.endsWith(".test.js"))
    .filter((file) => {
      const folder = PROFILE_FOLDERS.find((name) => file.split(path.sep).includes(name));
      return profile === "default" ? folder === undefined : folder === profile;
    })
    .sort();
  return files.map((file) => path.join(__dirname, file));
}

export function run(): Promise<void> {
  const profile = process.env.TASKFLOW_TEST_PROFILE ?? "default";
  const resultFile = process.env.TASKFLOW_TEST_RESULT_FILE;
  const report = (line: ResultLine) => {
    if (resultFile) {
      fs.appendFileSync(resultFile, JSON.stringify(line) + "\n");
    }
  };
  // TASKFLOW_EXTHOST_GREP runs only the tests whose full title matches it (a regular expression).
  const grep = process.env.TASKFLOW_EXTHOST_GREP;
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 20_000, ...(grep ? { grep } : {}) });
  const files = testFiles(profile);
  if (files.length === 0) {
    const error = `expected *.test.js files for profile "${profile}" in ${__dirname}, found none: is the test bundle built (node esbuild.mjs)?`;
    report({ event: "end", passed: 0, failed: 1, pending: 0, error });
    return Promise.reject(new Error(error));
  }
  files.forEach((file) => mocha.addFile(file));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, pending: 0 };
        report({ event: "end", passed: stats.passes, failed: failures, pending: stats.pending });
        console.log(`${stats.passes} passed, ${failures} failed`);
        if (failures > 0) {
          reject(new Error(`${failures} extension-host test(s) failed`));
        } else {
          resolve();
        }
      });
      runner.on("pass", (test) => report({ event: "pass", title: test.fullTitle(), durationMs: test.duration ?? 0 }));
      runner.on("fail", (test, err: Error) => report({ event: "fail", title: test.fullTitle(), error: (err && (err.stack ?? err.message)) || String(err) }));
    } catch (err) {
      const error = `the suite could not start: ${(err as Error).stack ?? String(err)}`;
      report({ event: "end", passed: 0, failed: 1, pending: 0, error });
      reject(err);
    }
  });
}
