/**
 * Run Task..., Run Task with Options... and the Task Functions view's inline Run. The programmatic
 * form `executeCommand('taskflow.runTask', name, { args, kwargs, tags, idempotencyKey })` shows no
 * UI and returns the new task id.
 */
import * as vscode from "vscode";
import { DEFAULT_QUEUE, type AddTaskOptions } from "../../model";
import { parseDelaySeconds, parseKwargsJson, parsePriorityText, parseQueueText, parseTags, validateRunTaskOptions } from "../prompts/argumentParsing";
import { askArguments, readParameters } from "../prompts/argumentPrompts";
import { Commands } from "./commandIds";
import { UserError } from "./commandRegistry";
import { showRunProgress } from "./runProgress";
import { readSettings } from "../session/settings";
import type { ExtensionServices } from "./services";
import { describeTaskConfig, type TaskFunctionInfo } from "../modules/taskCatalog";

const LAST_OPTIONS_KEY = "taskflow.lastOptions";

interface RememberedOptions {
  kwargs: string;
  tags: string;
  idempotencyKey: string;
  queue?: string;
  priority?: string;
  delaySeconds?: string;
}

/** `taskflow.runTask`: programmatic when given a task name, otherwise asks with a picker and an input box. */
export async function runTask(services: ExtensionServices, name?: unknown, options?: unknown): Promise<string | undefined> {
  if (typeof name === "string") return runProgrammatically(services, name, options);
  const info = functionFromNode(name) ?? (await pickFunction(services, vscode.l10n.t("Run Task")));
  if (!info) return undefined;
  const args = await askArguments(services, info);
  if (!args) return undefined;
  return start(services, info.name, args, {});
}

/** What the Run code lens passes to `taskflow.runFunction`: run `name`, asking only when it has required parameters. */
export interface RunLensTarget {
  kind: "run";
  name: string;
}

/**
 * `taskflow.runFunction`: Run Task for one task function, asking for its arguments: given the Task
 * Functions view's node, or a task name (`executeCommand("taskflow.runFunction", "resize")`). Given
 * a RunLensTarget (the Run lens), it runs at once when no parameter is required.
 */
export async function runFunction(services: ExtensionServices, target: unknown): Promise<string | undefined> {
  const lens = runLensTarget(target);
  if (typeof target !== "string" && !lens) return runTask(services, functionFromNode(target) ? target : undefined);
  const name = lens?.name ?? (target as string);
  const info = services.catalog().functions.find((f) => f.name === name);
  if (!info) throw new UserError(vscode.l10n.t("No task function named \"{0}\" in this workspace's task modules: check the name, or the Problems panel if its module failed to load", name));
  const reading = await readParameters(services, info);
  // Only a reading that finds nothing required runs without asking: unread parameters may be required.
  if (lens && reading.ok && reading.parameters.every((p) => p.optional)) return start(services, info.name, [], {});
  const args = await askArguments(services, info, reading);
  if (!args) return undefined;
  return start(services, info.name, args, {});
}

function runLensTarget(target: unknown): RunLensTarget | undefined {
  if (!target || typeof target !== "object") return undefined;
  const { kind, name } = target as Partial<RunLensTarget>;
  return kind === "run" && typeof name === "string" ? { kind, name } : undefined;
}

/** `taskflow.runTaskWithOptions`: like Run Task, then asks for kwargs, tags, an idempotency key, queue, priority and delay. */
export async function runTaskWithOptions(services: ExtensionServices, node?: unknown): Promise<string | undefined> {
  const info = functionFromNode(node) ?? (await pickFunction(services, vscode.l10n.t("Run Task with Options")));
  if (!info) return undefined;
  const args = await askArguments(services, info);
  if (!args) return undefined;
  const remembered = services.workspaceState.get<Record<string, RememberedOptions>>(LAST_OPTIONS_KEY, {})[info.name] ?? {
    kwargs: "",
    tags: "",
    idempotencyKey: "",
  };
  const kwargsText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: keyword arguments (2/7)", info.name),
    prompt: vscode.l10n.t('A JSON object passed as the last argument, e.g. {"dryRun": true}. Leave empty for none.'),
    value: remembered.kwargs,
    ignoreFocusOut: true,
    validateInput: (text) => errorOf(parseKwargsJson(text)),
  });
  if (kwargsText === undefined) return undefined;
  const tagsText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: tags (3/7)", info.name),
    prompt: vscode.l10n.t("key=value pairs separated by commas, e.g. env=dev, team=data. Leave empty for none."),
    value: remembered.tags,
    ignoreFocusOut: true,
    validateInput: (text) => errorOf(parseTags(text)),
  });
  if (tagsText === undefined) return undefined;
  const keyText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: idempotency key (4/7)", info.name),
    prompt: vscode.l10n.t("While a task with this key exists and has not failed, running again returns it instead of starting another. Leave empty for none."),
    value: remembered.idempotencyKey,
    ignoreFocusOut: true,
  });
  if (keyText === undefined) return undefined;
  const queueText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: queue (5/7)", info.name),
    prompt: vscode.l10n.t("The queue the run joins. Leave empty for {0}.", info.config.queue ?? DEFAULT_QUEUE),
    value: remembered.queue ?? "",
    ignoreFocusOut: true,
    validateInput: (text) => errorOf(parseQueueText(text)),
  });
  if (queueText === undefined) return undefined;
  const priorityText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: priority (6/7)", info.name),
    prompt: vscode.l10n.t("Within its queue, higher runs first; may be negative. Leave empty for {0}.", info.config.priority ?? 0),
    value: remembered.priority ?? "",
    ignoreFocusOut: true,
    validateInput: (text) => errorOf(parsePriorityText(text)),
  });
  if (priorityText === undefined) return undefined;
  const delayText = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: delay in seconds (7/7)", info.name),
    prompt: vscode.l10n.t("Seconds to wait before the run may start, e.g. 30 or 0.5. Leave empty to start as soon as possible."),
    value: remembered.delaySeconds ?? "",
    ignoreFocusOut: true,
    validateInput: (text) => errorOf(parseDelaySeconds(text)),
  });
  if (delayText === undefined) return undefined;
  const all = services.workspaceState.get<Record<string, RememberedOptions>>(LAST_OPTIONS_KEY, {});
  await services.workspaceState.update(LAST_OPTIONS_KEY, {
    ...all,
    [info.name]: { kwargs: kwargsText, tags: tagsText, idempotencyKey: keyText, queue: queueText, priority: priorityText, delaySeconds: delayText },
  });
  const options: AddTaskOptions = {
    kwargs: valueOf(parseKwargsJson(kwargsText)),
    tags: valueOf(parseTags(tagsText)),
  };
  if (keyText.trim() !== "") options.idempotencyKey = keyText.trim();
  const queue = valueOf(parseQueueText(queueText));
  if (queue !== undefined) options.queue = queue;
  const priority = valueOf(parsePriorityText(priorityText));
  if (priority !== undefined) options.priority = priority;
  const delaySeconds = valueOf(parseDelaySeconds(delayText));
  if (delaySeconds !== undefined) options.delay = delaySeconds;
  return start(services, info.name, args, options);
}

async function runProgrammatically(services: ExtensionServices, name: string, options: unknown): Promise<string> {
  const validated = validateRunTaskOptions(options);
  if (!validated.ok) throw new UserError(validated.error);
  const known = services.catalog().functions.some((f) => f.name === name);
  if (!known && !services.manager().registeredTasks().some((t) => t.name === name)) {
    const names = services.catalog().functions.map((f) => f.name);
    const listed = names.length > 0 ? names.join(", ") : vscode.l10n.t("none");
    throw new UserError(vscode.l10n.t("No task function named \"{0}\" in this workspace; known: {1}. Check the name, or the Problems panel if its module failed to load", name, listed));
  }
  const { args, ...rest } = validated.value;
  return services.manager().addTask(name, args ?? [], rest);
}

/**
 * Starts a run asked for interactively: one notification says it started, with Show Task and Cancel,
 * and the status bar shows its progress until it finishes.
 */
async function start(services: ExtensionServices, name: string, args: unknown[], options: AddTaskOptions): Promise<string> {
  const manager = services.manager();
  const taskId = await manager.addTask(name, args, options);
  services.log.info(`Started ${name} as ${taskId}`);
  const settings = readSettings();
  if (!settings.showRunNotifications) return taskId;
  showRunProgress(services, taskId, name, settings.notifyOnFailure);
  const showTask = vscode.l10n.t("Show Task");
  const cancel = vscode.l10n.t("Cancel");
  void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: started {0}", name), showTask, cancel).then((choice) => {
    // Through the command, so what follows it (the walkthrough's open-a-panel step) sees it.
    if (choice === showTask) void vscode.commands.executeCommand(Commands.showTask, taskId);
    if (choice === cancel) {
      services.log.info(`Cancelling ${name} (${taskId}) from its notification`);
      Promise.resolve(manager.cancelTask(taskId)).catch((err: unknown) => services.log.warn(`Could not cancel ${taskId}: ${String(err)}`));
    }
  });
  return taskId;
}

/** The task function a Task Functions view node stands for, if it is a function node. */
export function functionFromNode(node: unknown): TaskFunctionInfo | undefined {
  if (node && typeof node === "object" && (node as { kind?: unknown }).kind === "function") {
    return (node as { info: TaskFunctionInfo }).info;
  }
  return undefined;
}

/** Asks for one of the workspace's task functions; undefined when the picker was dismissed. */
export async function pickFunction(services: ExtensionServices, title: string): Promise<TaskFunctionInfo | undefined> {
  services.manager();
  const { functions, problems } = services.catalog();
  if (functions.length === 0) {
    throw new UserError(problems.length > 0
      ? vscode.l10n.t("No task functions found in this workspace ({0} module problem(s): see the Problems panel): create one with \"Taskflow: New Task Module\"", problems.length)
      : vscode.l10n.t("No task functions found in this workspace: create one with \"Taskflow: New Task Module\""));
  }
  const picked = await vscode.window.showQuickPick(
    functions.map((info) => ({
      label: info.name,
      description: vscode.workspace.asRelativePath(info.file),
      detail: info.config.description ? `${info.config.description} · ${describeTaskConfig(info.config)}` : describeTaskConfig(info.config),
      info,
    })),
    { title, placeHolder: vscode.l10n.t("Pick the task to run"), matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.info;
}

function errorOf(result: { ok: boolean; error?: string }): string | undefined {
  return result.ok ? undefined : result.error;
}

function valueOf<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new UserError(result.error);
  return result.value;
}
