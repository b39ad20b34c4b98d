/**
 * The text of the example task module New Task Module writes, and the check of its file name. Pure:
 * no vscode import, so both are unit-tested in plain Node.
 */
import * as path from "node:path";
import * as l10n from "@vscode/l10n";

/** Where the types go, relative to the workspace folder. */
export const TYPES_RELATIVE_PATH = ".vscode/taskflow/taskflow.d.ts";

/** The example module's text; `typesReference` is the relative path from the module to the types. */
export function taskModuleTemplate(typesReference: string, javascript: boolean): string {
  const reference = `/// <reference path="${typesReference}" />`;
  const param = (name: string, type: string) => (javascript ? name : `${name}: ${type}`);
  return `${reference}
// A Taskflow task module. Every exported task() is a task function you can run from
// "Taskflow: Run Task..." or the Task Functions view. Saving this file reloads it; a task that is
// already running finishes on the code it started with.
import { task, taskLog, getTaskContext } from "taskflow";

// Retried up to 3 times, waiting 1 s, then 2 s, then 4 s (delay * backoff^(n-1)) between attempts.
export const greet = task({ retries: 3, delay: 1, backoff: 2, description: "Says hello" }, async (${param("name", "string")}) => {
  const context = getTaskContext();
  taskLog(\`hello \${name} (attempt \${context?.attempt})\`);
  return \`hello \${name}\`;
});

// Keyword arguments arrive as the last parameter when "Run Task with Options..." gives some.
// Long-running work should watch the context's signal so Cancel and timeouts stop it promptly.
export const countTo = task({ timeout: 60 }, async (${param("limit", "number")}, ${param("options", "{ stepMs?: number }")} = {}) => {
  const signal = getTaskContext()?.signal;
  for (let i = 1; i <= limit; i++) {
    signal?.throwIfAborted();
    taskLog(\`\${i} / \${limit}\`);
    await new Promise((resolve) => setTimeout(resolve, options.stepMs ?? 500));
  }
  return limit;
});
`;
}

/** Error message for a module file name, or undefined when it is acceptable. */
export function moduleNameError(text: string): string | undefined {
  const name = text.trim();
  if (name === "") return l10n.t("Give the module a file name, e.g. example.tasks.ts");
  if (path.isAbsolute(name) || name.split(/[\\/]/).includes("..")) return l10n.t("The file name must stay inside the workspace folder, e.g. tasks/seed.tasks.ts");
  if (!/\.tasks\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) return l10n.t("Task modules end in .tasks.ts or .tasks.js, got \"{0}\": e.g. {1}.tasks.ts", path.basename(name), path.basename(name).replace(/\.[^.]*$/, ""));
  return undefined;
}

