/**
 * Commands on one schedule (Pause, Resume, Run Now, Remove), each taking a Schedules tree node or a
 * schedule id.
 */
import * as vscode from "vscode";
import type { ScheduleInfo } from "../../model";
import { Commands } from "./commandIds";
import { UserError, type CommandHandler } from "./commandRegistry";
import { describeSpec } from "../views/scheduleTreeItem";
import { scheduleIdOf } from "../views/schedulesTreeProvider";
import type { ExtensionServices } from "./services";

async function requireSchedule(services: ExtensionServices, target: unknown, action: string): Promise<ScheduleInfo> {
  const scheduleId = scheduleIdOf(target);
  if (!scheduleId) {
    throw new UserError(vscode.l10n.t("{0} needs a schedule: run it from a schedule in the Schedules view, or pass a schedule id, got {1}", action, target === undefined ? vscode.l10n.t("nothing") : typeof target));
  }
  const found = (await services.manager().listSchedules()).find((s) => s.scheduleId === scheduleId);
  if (!found) throw new UserError(vscode.l10n.t("No schedule with id {0}: it may have been removed; refresh the Schedules view", scheduleId));
  return found;
}

export async function pauseSchedule(services: ExtensionServices, target: unknown): Promise<void> {
  const schedule = await requireSchedule(services, target, vscode.l10n.t("Pause Schedule"));
  if (schedule.paused) throw new UserError(vscode.l10n.t("The schedule of {0} is already paused: resume it to run it again", schedule.funcName));
  await services.manager().pauseSchedule(schedule.scheduleId);
  services.log.info(`Paused the schedule ${schedule.scheduleId} of ${schedule.funcName}`);
  services.refreshViews();
}

export async function resumeSchedule(services: ExtensionServices, target: unknown): Promise<void> {
  const schedule = await requireSchedule(services, target, vscode.l10n.t("Resume Schedule"));
  if (!schedule.paused) throw new UserError(vscode.l10n.t("The schedule of {0} is not paused: there is nothing to resume", schedule.funcName));
  await services.manager().resumeSchedule(schedule.scheduleId);
  services.log.info(`Resumed the schedule ${schedule.scheduleId} of ${schedule.funcName}`);
  services.refreshViews();
}

/** Fires the schedule once now; resolves with the new task's id and offers to show it. */
export async function runScheduleNow(services: ExtensionServices, target: unknown): Promise<string> {
  const schedule = await requireSchedule(services, target, vscode.l10n.t("Run Schedule Now"));
  const taskId = await services.manager().runScheduleNow(schedule.scheduleId);
  services.log.info(`Ran the schedule ${schedule.scheduleId} of ${schedule.funcName} now: task ${taskId}`);
  services.refreshViews();
  const showTask = vscode.l10n.t("Show Task");
  void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: started {0} from its schedule ({1}).", schedule.funcName, taskId.slice(0, 8)), showTask).then((choice) => {
    if (choice === showTask) services.panels().showTask(taskId);
  });
  return taskId;
}

/** Deletes the schedule after a modal confirmation; resolves true when it was removed. */
export async function removeSchedule(services: ExtensionServices, target: unknown): Promise<boolean> {
  const schedule = await requireSchedule(services, target, vscode.l10n.t("Remove Schedule"));
  const question = schedule.source === "module"
    ? vscode.l10n.t("Remove the schedule of {0} ({1})? The runs it started stay in the history. It comes from the task's schedule config, so saving or reloading its module creates it again: remove schedule from the config to stop it for good.", schedule.funcName, describeSpec(schedule))
    : vscode.l10n.t("Remove the schedule of {0} ({1})? The runs it started stay in the history.", schedule.funcName, describeSpec(schedule));
  const remove = vscode.l10n.t("Remove");
  const choice = await vscode.window.showWarningMessage(question, { modal: true }, remove);
  if (choice !== remove) return false;
  await services.manager().removeSchedule(schedule.scheduleId);
  services.log.info(`Removed the schedule ${schedule.scheduleId} of ${schedule.funcName}`);
  services.refreshViews();
  return true;
}

/** The handlers of the schedule commands, for the composition root's command table. */
export function scheduleCommandHandlers(services: ExtensionServices) {
  return {
    [Commands.pauseSchedule]: (target) => pauseSchedule(services, target),
    [Commands.resumeSchedule]: (target) => resumeSchedule(services, target),
    [Commands.runScheduleNow]: (target) => runScheduleNow(services, target),
    [Commands.removeSchedule]: (target) => removeSchedule(services, target),
  } satisfies Record<string, CommandHandler>;
}
