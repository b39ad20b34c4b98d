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
const retryButton = h("vscode-button", { id: "retry", onClick: () => void act("retry") }, "Retry");
const resumeButton = h("vscode-button", { id: "resume", appearance: "secondary", onClick: () => void act("resume") }, "Resume");
const cancelButton = h("vscode-button", { id: "cancel", appearance: "secondary", onClick: () => void act("cancel") }, "Cancel");
const runAgainButton = h("vscode-button", { id: "run-again", appearance: "secondary", onClick: () => void act("runAgain") }, "Run Again");
const editRunButton = h("vscode-button", { id: "edit-run-again", appearance: "secondary", title: "Run again with edited arguments", onClick: () => openEditor() }, "Edit and Run…");
const editor = new ArgumentsEditor(
  async (editedArgs, kwargs) => {
    if (!task) throw new Error("The task is not loaded yet: wait for the panel to show it");
    return (await host.request(RunWithArguments, { taskId: task.taskId, args: editedArgs, kwargs })).taskId;
  },
  (message) => showNotice(message, "info"),
);
const debugAgainButton = h("vscode-button", { id: "debug-again", appearance: "secondary", title: "Debug this run again with the same arguments", onClick: () => void act("debugAgain") }, "Debug Again");
const notice = h("div", { class: "notice", role: "status", hidden: true });
const copyButtons = new CopyButtons(async (taskId, form) => (await host.request(CopyRunAs, { taskId, form })).text, (text, kind) => showNotice(text, kind));
const facts = h("dl", { class: "facts" });
const tags = h("div", { class: "tags", "aria-label": "Tags" });
const errorSection = h("section", { class: "error", hidden: true, "aria-label": "Error" });
const progressSection = h("section", { class: "progress", hidden: true, "aria-label": "Progress" });
const resultSection = h("section", { class: "result-section", hidden: true, "aria-label": "Result" });
const relationsSection = h("section", { class: "relations", hidden: true, "aria-label": "Parent and children" });
const args = h("div", { class: "args" });
const inputForm = new InputForm(async (name, value) => {
  if (!task) throw new Error("The task is not loaded yet: wait for the panel to show it");
  await host.request(ProvideInput, { taskId: task.taskId, name, value });
}, (message) => showNotice(message, "info"), (inputDraft) => saveState({ inputDraft }));
const timeline = new TimelineView({
  retryFrom: (key) => void act("retryFrom", key),
  openChild: (taskId) => host.command(ShowTask, { taskId }),
});
const filterField = h("vscode-text-field", { placeholder: "Filter logs", class: "log-filter", "aria-label": "Filter logs", value: state.filter });
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
  h("vscode-panels", { "aria-label": "Task details", class: "task-tabs", id: "task-tabs" },
    h("vscode-panel-tab", { id: "tab-logs" }, "LOGS"),
    h("vscode-panel-tab", { id: "tab-args" }, "ARGUMENTS"),
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
      showNotice(`Retried as task ${result.taskId.slice(0, 8)}.`, "info");
    } else if (action === "resume" || action === "retryFrom") {
      const result = await host.request(ResumeTask, { taskId, fromStep: fromStep ?? null });
      showNotice(`${fromStep ? `Retried from ${fromStep}` : "Resumed"} as task ${result.taskId.slice(0, 8)}.`, "info");
    } else if (action === "cancel") {
      const result = await host.request(CancelTask, { taskId });
      showNotice(result.cancelled ? "Cancel requested." : "Nothing to cancel: the task had already finished.", "info");
    } else if (action === "runAgain") {
      const result = await host.request(RunAgain, { taskId });
      showNotice(`Started again as task ${result.taskId.slice(0, 8)}.`, "info");
    } else {
      const result = await host.request(DebugAgain, { taskId });
      showNotice(`Debugging again as task ${result.taskId.slice(0, 8)}.`, "info");
    }
  } catch (error) {
    showNotice(error instanceof Error ? error.message : String(error), "error");
  }
}

async function copyResult(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    showNotice("Result copied.", "info");
  } catch (error) {
    showNotice(`Could not copy the result: ${error instanceof Error ? error.message : String(error)}`, "error");
  }
}

function fact(label: string, value: string, id?: string): HTMLElement {
  return h("div", { class: "fact" }, h("dt", {}, label), h("dd", { id }, value));
}

function elapsed(t: Omit<TaskView, "logs">): string {
  if (t.duration !== null) return formatDuration(t.duration);
  if (t.startTime && t.status === "running") return `${formatDuration((Date.now() - Date.parse(t.startTime)) / 1000)} so far`;
  return "—";
}

function renderFacts(t: Omit<TaskView, "logs">): void {
  const attempts = t.startTime ? t.retriesUsed + 1 : 0;
  replaceChildren(
    facts,
    fact("Created", formatTime(t.createdAt)),
    fact("Started", formatTime(t.startTime)),
    fact("Finished", formatTime(t.endTime)),
    fact("Duration", elapsed(t), "duration"),
    fact("Attempts", String(attempts), "attempts"),
    fact("Queue", t.queue, "queue"),
    fact("Priority", String(t.priority), "priority"),
    t.idempotencyKey ? fact("Idempotency key", t.idempotencyKey) : null,
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
      title: `Open ${link.label} at line ${link.line}`,
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
    h("h2", {}, "Error"),
    h("pre", { class: "error-message" }, t.error ?? ""),
    t.stack.length > 0
      ? h("details", { class: "stack", open: true }, h("summary", {}, "Stack trace"), h("div", { class: "stack-lines" }, ...t.stack.map(renderStackLine)))
      : null,
  );
}

function renderArgs(t: Omit<TaskView, "logs">): void {
  if (t.encrypted) {
    replaceChildren(args, h("p", { class: "encrypted" }, h("vscode-tag", {}, "encrypted"), " The arguments are stored encrypted and are not shown."));
    return;
  }
  replaceChildren(
    args,
    h("h3", {}, "args"),
    h("pre", { class: "json" }, JSON.stringify(t.args, null, 2)),
    Object.keys(t.kwargs).length > 0 ? h("h3", {}, "kwargs") : null,
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
  waitLine.textContent = wait === null ? "" : `${describeWait(wait, (iso) => `${formatTime(iso)} UTC`)}${wait.kind !== "sleep" && wait.timeoutAt ? ` (times out at ${formatTime(wait.timeoutAt)} UTC)` : ""}`;
  const status = t.status;
  setEnabled(retryButton, isRetryable(status), `Only a ${orList(RETRYABLE_STATUSES)} task can be retried`);
  // Resume replays steps: offered only on a run that recorded some.
  resumeButton.hidden = !t.steps.some((s) => s.status === "done");
  setEnabled(resumeButton, isResumable(status), `Only a ${orList(RESUMABLE_STATUSES)} task can be resumed`);
  if (!resumeButton.hasAttribute("disabled")) resumeButton.setAttribute("title", "A new run that replays this run's completed steps and goes on from where it stopped");
  setEnabled(cancelButton, isCancellable(status), `Only a ${orList(CANCELLABLE_STATUSES)} task can be cancelled`);
  setEnabled(runAgainButton, isFinished(status) && !t.encrypted,
    t.encrypted ? "The arguments are encrypted: run it from Taskflow: Run Task..." : "Wait until the task has finished");
  setEnabled(editRunButton, !t.encrypted, "The arguments are encrypted, so there is nothing to edit: run it from Taskflow: Run Task...");
  if (editRunButton.hasAttribute("title") === false) editRunButton.setAttribute("title", "Run again with edited arguments");
  if (t.encrypted) editor.close();
  setEnabled(debugAgainButton, t.debugRefusal === undefined && isFinished(status) && !t.encrypted,
    t.debugRefusal ?? (t.encrypted ? "The arguments are encrypted: debug it from Taskflow: Debug Task..." : "Wait until the task has finished"));
  if (!debugAgainButton.hasAttribute("disabled")) debugAgainButton.setAttribute("title", "Debug this run again with the same arguments");
  copyButtons.update(t);
  renderFacts(t);
  // Plain chips, not vscode-tag: that one upper-cases its text, and tags are case-sensitive.
  replaceChildren(tags, ...Object.entries(t.tags).map(([k, v]) => h("span", { class: "tag-chip", title: `tag ${k}` }, `${k}=${v}`)));
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
  .on(EngineUnavailable, ({ message }) => showNotice(`Waiting for the Taskflow engine: ${message}`, "info"))
  .on(TaskSnapshot, ({ taskId, task: snapshot }) => {
    saveState({ taskId });
    notice.hidden = true;
    if (task?.taskId !== taskId) editor.close();
    if (!snapshot) {
      task = null;
      title.textContent = "Task not found";
      showNotice(`Task ${taskId} is no longer in the history (it may have been cleared).`, "error");
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
