/**
 * "Run again with edited arguments": two JSON editors prefilled with a run's args and kwargs,
 * checked as they are typed and again before the run (args a JSON array, kwargs a JSON object), the
 * errors shown under the field they concern. The host's own error (a value JSON cannot carry, an
 * unknown function) shows under the buttons.
 */
import * as l10n from "@vscode/l10n";
import { parseArgumentsJson, parseKwargsJson } from "../../src/model/argumentsJson";
import type { TaskView } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";

type ShownTask = Omit<TaskView, "logs">;

/** Runs the edited arguments; resolves with the new task's id, rejects with the host's error. */
export type RunEdited = (args: unknown[], kwargs: Record<string, unknown>) => Promise<string>;

function field(id: string, label: string, hint: string): { wrap: HTMLElement; input: HTMLTextAreaElement; error: HTMLElement } {
  const input = h("textarea", { id, class: "json-input", rows: 5, spellcheck: "false", "aria-describedby": `${id}-error ${id}-hint` });
  const error = h("div", { id: `${id}-error`, class: "field-error", role: "alert", hidden: true });
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, label),
    h("div", { id: `${id}-hint`, class: "field-hint" }, hint),
    input,
    error);
  return { wrap, input, error };
}

export class ArgumentsEditor {
  readonly element = h("section", { class: "args-editor", id: "args-editor", hidden: true, "aria-label": l10n.t("Run again with edited arguments") });
  private readonly args = field("edit-args", l10n.t("Arguments"), l10n.t("A JSON array, e.g. [\"a@example.com\", 3]; empty for none."));
  private readonly kwargs = field("edit-kwargs", l10n.t("Keyword arguments"), l10n.t("A JSON object, e.g. {\"dryRun\": true}; empty for none."));
  private readonly summary = h("p", { class: "field-hint", id: "edit-summary" });
  private readonly outcome = h("div", { class: "field-error", id: "edit-outcome", role: "alert", hidden: true });
  private readonly runButton = h("vscode-button", { id: "edit-run", onClick: () => void this.run() }, l10n.t("Run"));
  private running = false;

  constructor(private readonly runEdited: RunEdited, private readonly onDone: (message: string) => void) {
    for (const f of [this.args, this.kwargs]) {
      f.input.addEventListener("input", () => this.check());
      f.input.addEventListener("keydown", (event: KeyboardEvent) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          void this.run();
        } else if (event.key === "Escape") {
          this.close();
        }
      });
    }
    replaceChildren(
      this.element,
      h("h3", {}, l10n.t("Run again with edited arguments")),
      this.summary,
      this.args.wrap,
      this.kwargs.wrap,
      h("div", { class: "editor-actions" },
        this.runButton,
        h("vscode-button", { id: "edit-cancel", appearance: "secondary", onClick: () => this.close() }, l10n.t("Cancel")),
        h("span", { class: "field-hint" }, l10n.t("Ctrl+Enter runs, Escape closes."))),
      this.outcome,
    );
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Shows the editor prefilled with the task's arguments and focuses the first field. */
  open(task: ShownTask): void {
    this.args.input.value = JSON.stringify(task.args, null, 2);
    this.kwargs.input.value = Object.keys(task.kwargs).length === 0 ? "{}" : JSON.stringify(task.kwargs, null, 2);
    const tagCount = Object.keys(task.tags).length;
    const { funcName, queue, priority } = task;
    this.summary.textContent = tagCount === 0 ? l10n.t("Runs {0} in queue {1}, priority {2}, without tags.", funcName, queue, priority)
      : tagCount === 1 ? l10n.t("Runs {0} in queue {1}, priority {2}, with the same 1 tag.", funcName, queue, priority)
      : l10n.t("Runs {0} in queue {1}, priority {2}, with the same {3} tags.", funcName, queue, priority, tagCount);
    this.outcome.hidden = true;
    this.element.hidden = false;
    this.check();
    this.args.input.focus();
  }

  close(): void {
    this.element.hidden = true;
  }

  /** Shows each field's error; returns the parsed values when both are valid. */
  private check(): { args: unknown[]; kwargs: Record<string, unknown> } | null {
    const args = parseArgumentsJson(this.args.input.value);
    const kwargs = parseKwargsJson(this.kwargs.input.value);
    this.show(this.args, args.ok ? null : args.error);
    this.show(this.kwargs, kwargs.ok ? null : kwargs.error);
    if (args.ok && kwargs.ok && !this.running) this.runButton.removeAttribute("disabled");
    else this.runButton.setAttribute("disabled", "");
    return args.ok && kwargs.ok ? { args: args.value, kwargs: kwargs.value } : null;
  }

  private show(f: { input: HTMLTextAreaElement; error: HTMLElement }, message: string | null): void {
    f.error.textContent = message ?? "";
    f.error.hidden = message === null;
    if (message === null) f.input.removeAttribute("aria-invalid");
    else f.input.setAttribute("aria-invalid", "true");
  }

  private async run(): Promise<void> {
    const values = this.check();
    if (!values || this.running) return;
    this.running = true;
    this.runButton.setAttribute("disabled", "");
    this.outcome.hidden = true;
    try {
      const taskId = await this.runEdited(values.args, values.kwargs);
      this.close();
      this.onDone(l10n.t("Started with the edited arguments as task {0}.", taskId.slice(0, 8)));
    } catch (error) {
      this.outcome.textContent = l10n.t("Not run: {0}", error instanceof Error ? error.message : String(error));
      this.outcome.hidden = false;
    } finally {
      this.running = false;
      this.check();
    }
  }
}
