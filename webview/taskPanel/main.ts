import * as l10n from "@vscode/l10n";
import { CANCELLABLE_STATUSES, RESUMABLE_STATUSES, RETRYABLE_STATUSES, isCancellable, isFinished, isResumable, isRetryable } from "../../src/model/status";
import { describeWait } from "../../src/model/durable";
import { orList } from "../../src/model/orList";
import {
  CancelTask,
  CopyRunAs,
  DebugAgain,
  EngineUnavailable,
  OpenFrame,
  ProvideInput,
  Ready,
  ResumeTask,
  RetryTask,
  RunAgain,
  RunWithArguments,
  ShowTask,
  TaskChanged,
  TaskLogAppended,
  TaskSnapshot,
  type StackLine,
  type TaskView,
} from "../../src/protocol";
import { byId, h, replaceChildren } from "../shared/dom";
import { formatDuration, formatTime } from "../shared/format";
import { HostConnection } from "../shared/hostConnection";
import { registerToolkit } from "../shared/toolkit";
import { ArgumentsEditor } from "./argumentsEditor";
import { CopyButtons } from "./copyButtons";
import { InputForm, type InputDraft } from "./inputForm";
import { attemptSpans, type AttemptSpan } from "./timelineModel";
import { TimelineView } from "./timelineView";
import { LogView } from "./logView";
import { renderProgress, renderRelations, renderResult } from "./taskDetails";

/** What the task panel keeps across reloads: UI state only; the task itself is asked for again. */
interface TaskPanelState {
  taskId?: string;
  filter: string;
  following: boolean;
  /** Pixels the log list was scrolled down, when not following the tail. */
  logScrollTop: number;
  /** What was typed into the input form, so a reload of the window keeps it. */
  inputDraft?: InputDraft;
}

registerToolkit();
// The connection loads the host's l10n bundle, so it comes before the first l10n.t.
const host = new HostConnection<TaskPanelState>();
let state: TaskPanelState = { filter: "", following: true, logScrollTop: 0, ...host.state };
let restored = false;
let task: Omit<TaskView, "logs"> | null = null;
let elapsedTimer: ReturnType<typeof setInterval> | undefined;
/** The shown task's log lines, for when each attempt ran; `spans` is worked out again only when they change. */
let logLines: string[] = [];
let spans: { lineCount: number; spans: AttemptSpan[] } = { lineCount: 0, spans: [] };

function saveState(patch: Partial<TaskPanelState>): void {
  state = { ...state, ...patch };
  host.saveState(state);
}

const logView = new LogView((following, logScrollTop) => saveState({ following, logScrollTop }));
const app = byId("app");

const title = h("h1", { class: "title" });
const statusTag = h("vscode-tag", { class: "status", id: "status" });
const idText = h("code", { class: "task-id" });
const holdLine = h("div", { class: "hold", id: "hold", hidden: true });
const waitLine = h("div", { class: "hold", id: "wait", hidden: true });
const retryButton = h("vscode-button", { id: "retry", onClick: () => void act("retry") }, l10n.t("Retry"));
const resumeButton = h("vscode-button", { id: "resume", appearance: "secondary", onClick: () => void act("resume") }, l10n.t("Resume"));
const cancelButton = h("vscode-button", { id: "cancel", appearance: "secondary", onClick: () => void act("cancel") }, l10n.t("Cancel"));
const runAgainButton = h("vscode-button", { id: "run-again", appearance: "secondary", onClick: () => void act("runAgain") }, l10n.t("Run Again"));
const editRunButton = h("vscode-button", { id: "edit-run-again", appearance: "secondary", title: l10n.t("Run again with edited arguments"), onClick: () => openEditor() }, l10n.t("Edit and Run…"));
const editor = new ArgumentsEditor(
  async (editedArgs, kwargs) => {
    if (!task) throw new Error(l10n.t("The task is not loaded yet: wait for the panel to show it"));
    return (await host.request(RunWithArguments, { taskId: task.taskId, args: editedArgs, kwargs })).taskId;
  },
  (message) => showNotice(message, "info"),
);
const debugAgainButton = h("vscode-button", { id: "debug-again", appearance: "secondary", title: l10n.t("Debug this run again with the same arguments"), onClick: () => void act("debugAgain") }, l10n.t("Debug Again"));
const notice = h("div", { class: "notice", role: "status", hidden: true });
const copyButtons = new CopyButtons(async (taskId, form) => (await host.request(CopyRunAs, { taskId, form })).text, (text, kind) => showNotice(text, kind));
const facts = h("dl", { class: "facts" });
const tags = h("div", { class: "tags", "aria-label": l10n.t("Tags") });
const errorSection = h("section", { class: "error", hidden: true, "aria-label": l10n.t("Error") });
const progressSection = h("section", { class: "progress", hidden: true, "aria-label": l10n.t("Progress") });
const resultSection = h("section", { class: "result-section", hidden: true, "aria-label": l10n.t("Result") });
const relationsSection = h("section", { class: "relations", hidden: true, "aria-label": l10n.t("Parent and children") });
const args = h("div", { class: "args" });
const inputForm = new InputForm(async (name, value) => {
  if (!task) throw new Error(l10n.t("The task is not loaded yet: wait for the panel to show it"));
  await host.request(ProvideInput, { taskId: task.taskId, name, value });
}, (message) => showNotice(message, "info"), (inputDraft) => saveState({ inputDraft }));
const timeline = new TimelineView({
  retryFrom: (key) => void act("retryFrom", key),
  openChild: (taskId) => host.command(ShowTask, { taskId }),
});
const filterField = h("vscode-text-field", { placeholder: l10n.t("Filter logs"), class: "log-filter", "aria-label": l10n.t("Filter logs"), value: state.filter });
filterField.addEventListener("input", () => {
  const value = (filterField as unknown as { value: string }).value;
  saveState({ filter: value });
  logView.setFilter(value);
});
logView.setFilter(state.filter);

replaceChildren(
  app,
  h("header", { class: "task-header" },
    h("div", { class: "title-row" }, title, statusTag, idText),
    holdLine,
    waitLine,
    h("div", { class: "actions" }, retryButton, resumeButton, cancelButton, runAgainButton, editRunButton, debugAgainButton, ...copyButtons.buttons)),
  notice,
  inputForm.element,
  progressSection,
  facts,
  tags,
  errorSection,
  resultSection,
  relationsSection,
  timeline.element,
  h("vscode-panels", { "aria-label": l10n.t("Task details"), class: "task-tabs", id: "task-tabs" },
    h("vscode-panel-tab", { id: "tab-logs" }, l10n.t("LOGS")),
    h("vscode-panel-tab", { id: "tab-args" }, l10n.t("ARGUMENTS")),
    h("vscode-panel-view", { id: "view-logs", class: "logs-view" }, h("div", { class: "logs-pane" }, filterField, logView.element)),
    h("vscode-panel-view", { id: "view-args", class: "args-view" }, args, editor.element)),
);

function openEditor(): void {
  if (!task || task.encrypted) return;
  byId("task-tabs").setAttribute("activeid", "tab-args");
  editor.open(task);
}

function setEnabled(button: HTMLElement, enabled: boolean, reason: string): void {
  if (enabled) {
    button.removeAttribute("disabled");
    button.removeAttribute("title");
  } else {
    button.setAttribute("disabled", "");
    button.setAttribute("title", reason);
  }
}

function showNotice(text: string, kind: "info" | "error"): void {
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}

async function act(action: "retry" | "resume" | "retryFrom" | "cancel" | "runAgain" | "debugAgain", fromStep?: string): Promise<void> {
  if (!task) return;
  const taskId = task.taskId;
  try {
    if (action === "retry") {
      const result = await host.request(RetryTask, { taskId });
      showNotice(l10n.t("Retried as task {0}.", result.taskId.slice(0, 8)), "info");
    } else if (action === "resume" || action === "retryFrom") {
      const result = await host.request(ResumeTask, { taskId, fromStep: fromStep ?? null });
      showNotice(fromStep ? l10n.t("Retried from {0} as task {1}.", fromStep, result.taskId.slice(0, 8)) : l10n.t("Resumed as task {0}.", result.taskId.slice(0, 8)), "info");
    } else if (action === "cancel") {
      const result = await host.request(CancelTask, { taskId });
      showNotice(result.cancelled ? l10n.t("Cancel requested.") : l10n.t("Nothing to cancel: the task had already finished."), "info");
    } else if (action === "runAgain") {
      const result = await host.request(RunAgain, { taskId });
      showNotice(l10n.t("Started again as task {0}.", result.taskId.slice(0, 8)), "info");
    } else {
      const result = await host.request(DebugAgain, { taskId });
      showNotice(l10n.t("Debugging again as task {0}.", result.taskId.slice(0, 8)), "info");
    }
  } catch (error) {
    showNotice(error instanceof Error ? error.message : String(error), "error");
  }
}

async function copyResult(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    showNotice(l10n.t("Result copied."), "info");
  } catch (error) {
    showNotice(l10n.t("Could not copy the result: {0}", error instanceof Error ? error.message : String(error)), "error");
  }
}

function fact(label: string, value: string, id?: string): HTMLElement {
  return h("div", { class: "fact" }, h("dt", {}, label), h("dd", { id }, value));
}

function elapsed(t: Omit<TaskView, "logs">): string {
  if (t.duration !== null) return formatDuration(t.duration);
  if (t.startTime && t.status === "running") return l10n.t("{0} so far", formatDuration((Date.now() - Date.parse(t.startTime)) / 1000));
  return "—";
}

/** What the run waits for, and when the wait times out. */
function waitText(wait: NonNullable<TaskView["waitingFor"]>): string {
  const what = describeWait(wait, (iso) => l10n.t("{0} UTC", formatTime(iso)));
  return wait.kind !== "sleep" && wait.timeoutAt ? l10n.t("{0} (times out at {1} UTC)", what, formatTime(wait.timeoutAt)) : what;
}

function renderFacts(t: Omit<TaskView, "logs">): void {
  const attempts = t.startTime ? t.retriesUsed + 1 : 0;
  replaceChildren(
    facts,
    fact(l10n.t("Created"), formatTime(t.createdAt)),
    fact(l10n.t("Started"), formatTime(t.startTime)),
    fact(l10n.t("Finished"), formatTime(t.endTime)),
    fact(l10n.t("Duration"), elapsed(t), "duration"),
    fact(l10n.t("Attempts"), String(attempts), "attempts"),
    fact(l10n.t("Queue"), t.queue, "queue"),
    fact(l10n.t("Priority"), String(t.priority), "priority"),
    t.idempotencyKey ? fact(l10n.t("Idempotency key"), t.idempotencyKey) : null,
  );
}

function renderStackLine(line: StackLine): HTMLElement {
  if (!line.link) return h("div", { class: "stack-line" }, line.text);
  const link = line.link;
  const anchor = h(
    "a",
    {
      href: "#",
      class: "frame-link",
      title: l10n.t("Open {0} at line {1}", link.label, link.line),
      onClick: (event: Event) => {
        event.preventDefault();
        host.command(OpenFrame, { path: link.path, line: link.line, column: link.column });
      },
    },
    `${link.label}:${link.line}:${link.column}`,
  );
  const location = `${link.path}:${link.line}:${link.column}`;
  const at = line.text.indexOf(location);
  if (at < 0) return h("div", { class: "stack-line in-workspace" }, line.text, " ", anchor);
  return h("div", { class: "stack-line in-workspace" }, line.text.slice(0, at), anchor, line.text.slice(at + location.length));
}

function renderError(t: Omit<TaskView, "logs">): void {
  errorSection.hidden = !t.error && t.stack.length === 0;
  replaceChildren(
    errorSection,
    h("h2", {}, l10n.t("Error")),
    h("pre", { class: "error-message" }, t.error ?? ""),
    t.stack.length > 0
      ? h("details", { class: "stack", open: true }, h("summary", {}, l10n.t("Stack trace")), h("div", { class: "stack-lines" }, ...t.stack.map(renderStackLine)))
      : null,
  );
}

function renderArgs(t: Omit<TaskView, "logs">): void {
  if (t.encrypted) {
    replaceChildren(args, h("p", { class: "encrypted" }, h("vscode-tag", {}, l10n.t("encrypted")), " ", l10n.t("The arguments are stored encrypted and are not shown.")));
    return;
  }
  replaceChildren(
    args,
    h("h3", {}, l10n.t("args")),
    h("pre", { class: "json" }, JSON.stringify(t.args, null, 2)),
    Object.keys(t.kwargs).length > 0 ? h("h3", {}, l10n.t("kwargs")) : null,
    Object.keys(t.kwargs).length > 0 ? h("pre", { class: "json" }, JSON.stringify(t.kwargs, null, 2)) : null,
  );
}

function renderTimeline(t: Omit<TaskView, "logs">): void {
  if (spans.lineCount !== logLines.length) spans = { lineCount: logLines.length, spans: attemptSpans(logLines) };
  timeline.render(t, spans.spans, Date.now());
}

function render(t: Omit<TaskView, "logs">): void {
  task = t;
  document.title = `${t.funcName} · ${t.taskId.slice(0, 8)}`;
  title.textContent = t.funcName;
  statusTag.textContent = t.status;
  statusTag.className = `status status-${t.status}`;
  idText.textContent = t.taskId;
  holdLine.hidden = t.hold === null;
  holdLine.textContent = t.hold?.summary ?? "";
  if (t.hold) holdLine.setAttribute("title", t.hold.detail);
  else holdLine.removeAttribute("title");
  const wait = t.status === "waiting" ? t.waitingFor : null;
  waitLine.hidden = wait === null;
  waitLine.textContent = wait === null ? "" : waitText(wait);
  const status = t.status;
  setEnabled(retryButton, isRetryable(status), l10n.t("Only a {0} task can be retried", orList(RETRYABLE_STATUSES)));
  // Resume replays steps: offered only on a run that recorded some.
  resumeButton.hidden = !t.steps.some((s) => s.status === "done");
  setEnabled(resumeButton, isResumable(status), l10n.t("Only a {0} task can be resumed", orList(RESUMABLE_STATUSES)));
  if (!resumeButton.hasAttribute("disabled")) resumeButton.setAttribute("title", l10n.t("A new run that replays this run's completed steps and goes on from where it stopped"));
  setEnabled(cancelButton, isCancellable(status), l10n.t("Only a {0} task can be cancelled", orList(CANCELLABLE_STATUSES)));
  setEnabled(runAgainButton, isFinished(status) && !t.encrypted,
    t.encrypted ? l10n.t("The arguments are encrypted: run it from Taskflow: Run Task...") : l10n.t("Wait until the task has finished"));
  setEnabled(editRunButton, !t.encrypted, l10n.t("The arguments are encrypted, so there is nothing to edit: run it from Taskflow: Run Task..."));
  if (editRunButton.hasAttribute("title") === false) editRunButton.setAttribute("title", l10n.t("Run again with edited arguments"));
  if (t.encrypted) editor.close();
  setEnabled(debugAgainButton, t.debugRefusal === undefined && isFinished(status) && !t.encrypted,
    t.debugRefusal ?? (t.encrypted ? l10n.t("The arguments are encrypted: debug it from Taskflow: Debug Task...") : l10n.t("Wait until the task has finished")));
  if (!debugAgainButton.hasAttribute("disabled")) debugAgainButton.setAttribute("title", l10n.t("Debug this run again with the same arguments"));
  copyButtons.update(t);
  renderFacts(t);
  // Plain chips, not vscode-tag: that one upper-cases its text, and tags are case-sensitive.
  replaceChildren(tags, ...Object.entries(t.tags).map(([k, v]) => h("span", { class: "tag-chip", title: l10n.t("tag {0}", k) }, `${k}=${v}`)));
  tags.hidden = Object.keys(t.tags).length === 0;
  renderError(t);
  renderProgress(progressSection, t);
  renderResult(resultSection, t, (text) => void copyResult(text));
  renderRelations(relationsSection, t, (taskId) => host.command(ShowTask, { taskId }));
  renderArgs(t);
  inputForm.show(t.taskId, t.status, t.waitingFor, state.inputDraft);
  renderTimeline(t);
  if (elapsedTimer !== undefined) clearInterval(elapsedTimer);
  // Open bars (a running attempt or step, a wait) grow with the clock, as the duration does.
  elapsedTimer = status === "running" || status === "waiting" ? setInterval(() => {
    if (!task) return;
    renderFacts(task);
    renderTimeline(task);
  }, 1000) : undefined;
  app.removeAttribute("aria-busy");
}

host
  .on(EngineUnavailable, ({ message }) => showNotice(l10n.t("Waiting for the Taskflow engine: {0}", message), "info"))
  .on(TaskSnapshot, ({ taskId, task: snapshot }) => {
    saveState({ taskId });
    notice.hidden = true;
    if (task?.taskId !== taskId) editor.close();
    if (!snapshot) {
      task = null;
      title.textContent = l10n.t("Task not found");
      showNotice(l10n.t("Task {0} is no longer in the history (it may have been cleared).", taskId), "error");
      return;
    }
    const { logs, ...rest } = snapshot;
    logLines = [...logs];
    spans = { lineCount: -1, spans: [] };
    render(rest);
    logView.reset(logs);
    if (!restored) {
      // Only the first snapshot after a (re)load restores the scroll a previous session saved.
      restored = true;
      logView.restoreScroll(state.following, state.logScrollTop);
    }
  })
  .on(TaskChanged, ({ taskId, task: changed }) => {
    if (taskId === task?.taskId) render(changed);
  })
  .on(TaskLogAppended, ({ taskId, from, lines }) => {
    if (taskId !== task?.taskId) return;
    if (from !== logView.count) {
      host.command(Ready, {});
      return;
    }
    logView.append(lines);
    logLines.push(...lines);
  });

host.command(Ready, {});
