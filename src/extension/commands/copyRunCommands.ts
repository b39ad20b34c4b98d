/**
 * Copy as CLI Command and Copy as curl: a run as a command line that adds the same task with the
 * same input (src/model/runCommandLine.ts), put on the clipboard. Each takes a Tasks view row or a
 * task id and resolves with the copied text, the programmatic form.
 */
import * as vscode from "vscode";
import { cliCommandLine, curlCommandLine, DEFAULT_API_URL, type CommandForm, type RunInput } from "../../model/runCommandLine";
import { UserError } from "./commandRegistry";
import type { ExtensionServices } from "./services";
import { taskIdOf } from "../views/tasksTreeProvider";

async function runInput(services: ExtensionServices, target: unknown, action: string): Promise<RunInput> {
  const taskId = taskIdOf(target);
  if (!taskId) {
    throw new UserError(vscode.l10n.t("{0} needs a task: run it from a task in the Tasks view or its panel, or pass a task id, got {1}", action, target === undefined ? vscode.l10n.t("nothing") : typeof target));
  }
  const task = await services.manager().getTask(taskId);
  if (!task) throw new UserError(vscode.l10n.t("No task with id {0}: it may have been deleted; refresh the Tasks view", taskId));
  const { funcName, args, kwargs, tags, queue, priority, encrypted } = task;
  return { funcName, args, kwargs, tags, queue, priority, encrypted };
}

function render(form: CommandForm, run: RunInput, apiUrl: string): string {
  try {
    return form === "cli" ? cliCommandLine(run) : curlCommandLine(run, apiUrl);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

/** `taskflow.copyAsCliCommand`: `taskflow run NAME --args ... --tag ...` for a POSIX shell. */
export async function copyAsCliCommand(services: ExtensionServices, target: unknown): Promise<string> {
  const text = render("cli", await runInput(services, target, vscode.l10n.t("Copy as CLI Command")), DEFAULT_API_URL);
  await vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(vscode.l10n.t("Taskflow: copied the run as a taskflow command"), 5000);
  return text;
}

/**
 * `taskflow.copyAsCurl`: the `POST /tasks` of the window's HTTP API (`apiUrl()`), or of
 * DEFAULT_API_URL when this window serves none, with `<token>` in place of the token.
 */
export async function copyAsCurl(services: ExtensionServices, target: unknown, apiUrl: () => string | undefined): Promise<string> {
  const run = await runInput(services, target, vscode.l10n.t("Copy as curl"));
  const served = apiUrl();
  const text = render("curl", run, served ?? DEFAULT_API_URL);
  await vscode.env.clipboard.writeText(text);
  if (served) {
    void vscode.window.setStatusBarMessage(vscode.l10n.t("Taskflow: copied the run as a curl command: replace <token> with the API token (Copy API URL and Token)"), 8000);
  } else {
    void vscode.window.showInformationMessage(
      vscode.l10n.t("Taskflow: copied the run as a curl command for {0}, since this window serves no HTTP API: start one with \"taskflow serve --port 8400\", or turn on taskflow.api.enabled and copy again; replace <token> with its token.", DEFAULT_API_URL),
    );
  }
  return text;
}
