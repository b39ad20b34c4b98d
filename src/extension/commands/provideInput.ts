/**
 * `taskflow.provideInput`: gives a run waiting for input its value. With a task id, an input name
 * and a value (scripts, tests) it provides them directly; otherwise it asks which run (or takes the
 * Tasks view row it was run from) and then the value, checked against the wait's schema as it is typed.
 */
import * as vscode from "vscode";
import { describeWait, type WaitingFor } from "../../model/durable";
import type { TaskRecord } from "../../model";
import { UserError } from "./commandRegistry";
import { initialAnswer, inputAnswerForm, parseInputAnswer } from "./inputAnswer";
import type { ExtensionServices } from "./services";
import { taskIdOf } from "../views/tasksTreeProvider";

type InputWait = Extract<WaitingFor, { kind: "input" }>;

/** Waiting runs read for the picker; more than this many waiting for input at once is not expected. */
const PICK_LIMIT = 500;

function inputWaitOf(task: TaskRecord): InputWait | undefined {
  return task.status === "waiting" && task.waitingFor?.kind === "input" ? task.waitingFor : undefined;
}

/**
 * Provides `value` to the run `target` (a task id or a Tasks view row) waiting for input `name`.
 * Given a task id, a name and a value it shows no UI and resolves once the run resumed, or rejects
 * with the engine's error (a value the schema refuses leaves the run waiting). Resolves with
 * the task id, or undefined when a prompt was dismissed.
 */
export async function provideInput(services: ExtensionServices, target?: unknown, name?: unknown, value?: unknown): Promise<string | undefined> {
  const manager = services.manager();
  if (typeof target === "string" && typeof name === "string" && value !== undefined) {
    await manager.provideInput(target, name, value);
    services.log.info(`Provided input ${JSON.stringify(name)} to ${target}`);
    return target;
  }
  const task = target === undefined || (typeof target === "object" && taskIdOf(target) === undefined) ? await pickWaitingRun(services) : await waitingRun(services, target);
  if (!task) return undefined;
  const wait = inputWaitOf(task)!;
  if (typeof name === "string" && name !== wait.name) {
    throw new UserError(vscode.l10n.t("{0} ({1}) is waiting for input {2}, not {3}", task.funcName, task.taskId, JSON.stringify(wait.name), JSON.stringify(name)));
  }
  const answer = await askValue(task, wait);
  if (answer === undefined) return undefined;
  await manager.provideInput(task.taskId, wait.name, answer.value);
  services.log.info(`Provided input ${JSON.stringify(wait.name)} to ${task.taskId}`);
  void vscode.window.setStatusBarMessage(vscode.l10n.t("Taskflow: {0} resumed with its input {1}", task.funcName, wait.name), 3000);
  return task.taskId;
}

/** The run `target` names, which must be waiting for input. */
async function waitingRun(services: ExtensionServices, target: unknown): Promise<TaskRecord> {
  const taskId = taskIdOf(target);
  if (!taskId) throw new UserError(vscode.l10n.t("Provide Input needs a run waiting for input: run it from the Command Palette or a Tasks view row, or pass a task id, got {0}", typeof target));
  const task = await services.manager().getTask(taskId);
  if (!task) throw new UserError(vscode.l10n.t("No task with id {0}: it may have been deleted; refresh the Tasks view", taskId));
  if (!inputWaitOf(task)) {
    const now = task.status === "waiting" && task.waitingFor ? describeWait(task.waitingFor) : task.status;
    throw new UserError(vscode.l10n.t("{0} ({1}) is not waiting for input: it is {2}", task.funcName, taskId, now));
  }
  return task;
}

async function pickWaitingRun(services: ExtensionServices): Promise<TaskRecord | undefined> {
  const waiting = (await services.manager().listTasks({ status: "waiting", limit: PICK_LIMIT, offset: 0, withLogs: false })).filter((t) => inputWaitOf(t));
  if (waiting.length === 0) throw new UserError(vscode.l10n.t("No run is waiting for input: a run waits for input when its task calls waitForInput(name, ...)"));
  const picked = await vscode.window.showQuickPick(
    waiting.map((task) => {
      const wait = inputWaitOf(task)!;
      return { label: task.funcName, description: `${wait.name} · ${task.taskId.slice(0, 8)}`, detail: wait.prompt ?? undefined, task };
    }),
    { title: vscode.l10n.t("Provide Input"), placeHolder: vscode.l10n.t("Pick the run to give its input"), matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.task;
}

/** Asks for the wait's value in the form its schema suggests; undefined when dismissed. */
async function askValue(task: TaskRecord, wait: InputWait): Promise<{ value: unknown } | undefined> {
  const title = vscode.l10n.t("Provide Input: {0} · {1}", task.funcName, wait.name);
  const about = wait.prompt ?? wait.schema?.description ?? vscode.l10n.t("The input {0} of {1}", JSON.stringify(wait.name), task.funcName);
  const form = inputAnswerForm(wait.schema);
  if (form.kind === "pick") {
    const picked = await vscode.window.showQuickPick(form.choices, { title, placeHolder: about, ignoreFocusOut: true });
    return picked ? { value: picked.value } : undefined;
  }
  const text = await vscode.window.showInputBox({
    title,
    prompt: form.kind === "text"
      ? vscode.l10n.t("{0} (text)", about)
      : wait.schema ? vscode.l10n.t("{0} (JSON, checked against the wait's schema)", about) : vscode.l10n.t("{0} (JSON)", about),
    value: initialAnswer(wait.schema, form),
    ignoreFocusOut: true,
    validateInput: (typed) => {
      const result = parseInputAnswer(wait.schema, form, typed);
      return result.ok ? undefined : result.error;
    },
  });
  if (text === undefined) return undefined;
  const result = parseInputAnswer(wait.schema, form, text);
  if (!result.ok) throw new UserError(result.error);
  return { value: result.value };
}
