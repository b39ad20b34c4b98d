/**
 * The form of a run waiting for input: the wait's prompt and one control per field of its schema
 * (inputFormModel.ts), checked as it is typed with the engine's own messages under each field, and
 * Submit, disabled while the value is refused. The engine's answer to a submit shows under the
 * button; what was typed stays until the run stops waiting for this input.
 */
import * as l10n from "@vscode/l10n";
import type { WaitingFor } from "../../src/model/durable";
import type { InputSchema } from "../../src/model/inputSchema";
import { h, replaceChildren } from "../shared/dom";
import { formatTime } from "../shared/format";
import { checkForm, fieldId, initialValues, inputFields, optionLabel, type FormField, type RawValues } from "./inputFormModel";

type InputWait = Extract<WaitingFor, { kind: "input" }>;

/** What was typed for one wait (`key` tells which), kept in the webview's UI state across reloads. */
export interface InputDraft {
  key: string;
  raw: RawValues;
}

/** Gives the value to the waiting run; rejects with the engine's error. */
export type SubmitInput = (name: string, value: unknown) => Promise<void>;

/** The element id of a field's control: `input-value` for the root, `input-address-city` for a nested one. */
export function controlId(path: readonly string[]): string {
  return path.length === 0 ? "input-value" : `input-${path.join("-")}`;
}

interface Shown {
  key: string;
  wait: InputWait;
  schema: InputSchema | null;
  root: FormField;
  raw: RawValues;
  errors: Map<string, HTMLElement>;
  /** The engine took a value: Submit stays off until the panel shows the run moving on. */
  sent: boolean;
}

export class InputForm {
  readonly element = h("section", { class: "input-form", id: "input-form", hidden: true, "aria-label": l10n.t("Input the run waits for") });
  private readonly submitButton = h("vscode-button", { id: "input-submit", onClick: () => void this.submit() }, l10n.t("Submit"));
  private readonly formProblems = h("div", { class: "field-error", id: "input-problems", role: "alert", hidden: true });
  private readonly outcome = h("div", { class: "field-error", id: "input-outcome", role: "alert", hidden: true });
  private shown: Shown | null = null;
  private sending = false;

  /** `saveDraft` is told what was typed after every change, `undefined` once the wait is over. */
  constructor(
    private readonly send: SubmitInput,
    private readonly onSent: (message: string) => void,
    private readonly saveDraft: (draft: InputDraft | undefined) => void,
  ) {}

  /**
   * Shows the form for the run's input wait, or hides it when the run waits for no input. The same
   * wait shown again keeps what was typed; `taskId` and the wait's step tell one wait from another.
   * A `draft` of this wait (saved before a reload) fills the fields instead of their defaults.
   */
  show(taskId: string, status: string, waitingFor: WaitingFor | null, draft?: InputDraft): void {
    if (status !== "waiting" || waitingFor?.kind !== "input") {
      if (this.shown !== null) this.saveDraft(undefined);
      this.shown = null;
      this.element.hidden = true;
      replaceChildren(this.element);
      return;
    }
    const key = `${taskId} ${waitingFor.step}`;
    if (this.shown?.key === key) return;
    const root = inputFields(waitingFor.schema);
    const raw = { ...initialValues(root), ...(draft?.key === key ? draft.raw : {}) };
    this.shown = { key, wait: waitingFor, schema: waitingFor.schema, root, raw, errors: new Map(), sent: false };
    this.outcome.hidden = true;
    replaceChildren(
      this.element,
      h("h2", {}, l10n.t("Input needed: {0}", waitingFor.name)),
      waitingFor.prompt ? h("p", { class: "input-prompt", id: "input-prompt" }, waitingFor.prompt) : null,
      waitingFor.timeoutAt ? h("p", { class: "field-hint" }, l10n.t("The wait times out at {0} UTC.", formatTime(waitingFor.timeoutAt))) : null,
      this.renderField(root, this.shown),
      this.formProblems,
      h("div", { class: "editor-actions" }, this.submitButton, h("span", { class: "field-hint" }, l10n.t("Fields marked * are required."))),
      this.outcome,
    );
    this.element.hidden = false;
    this.check();
  }

  private renderField(f: FormField, shown: Shown): HTMLElement {
    const id = controlId(f.path);
    const key = fieldId(f.path);
    const label = h("span", { class: "input-label" }, f.label, f.required ? h("span", { class: "required-mark", title: l10n.t("required") }, " *") : null);
    const hint = f.description ? h("div", { class: "field-hint", id: `${id}-hint` }, f.description) : null;
    if (f.kind === "group" && f.path.length === 0) {
      // The value as a whole: the prompt above already says what it is.
      return h("div", { class: "input-fields", id }, hint, ...f.fields.map((child) => this.renderField(child, shown)));
    }
    if (f.kind === "group") {
      return h("fieldset", { class: "input-group", id }, h("legend", {}, label), hint, ...f.fields.map((child) => this.renderField(child, shown)));
    }
    const error = h("div", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
    shown.errors.set(key, error);
    const described = [hint ? `${id}-hint` : "", `${id}-error`].join(" ").trim();
    const changed = (value: string | boolean | number): void => {
      shown.raw[key] = value;
      this.saveDraft({ key: shown.key, raw: shown.raw });
      this.check();
    };
    const initial = shown.raw[key];
    let control: HTMLElement;
    switch (f.kind) {
      case "checkbox": {
        control = h("vscode-checkbox", { id, checked: initial === true, "aria-describedby": described }, label);
        control.addEventListener("change", () => changed((control as unknown as { checked: boolean }).checked));
        return h("div", { class: "field input-field" }, control, hint, error);
      }
      case "enum": {
        const chosen = typeof initial === "number" ? initial : f.initial;
        const none = f.initial < 0 || !f.required;
        control = h("vscode-dropdown", { id, "aria-label": f.label, "aria-describedby": described },
          none ? h("vscode-option", { value: "-1", selected: chosen < 0 }, l10n.t("(none)")) : null,
          ...f.options.map((o, i) => h("vscode-option", { value: String(i), selected: i === chosen }, optionLabel(o))));
        control.addEventListener("change", () => changed(Number((control as unknown as { value: string }).value)));
        break;
      }
      case "json": {
        const area = h("textarea", { id, class: "json-input", rows: 4, spellcheck: "false", "aria-label": f.label, "aria-describedby": described });
        area.value = typeof initial === "string" ? initial : f.initial;
        area.addEventListener("input", () => changed(area.value));
        control = area;
        break;
      }
      default: {
        const placeholder = f.kind === "number" ? (f.integer ? l10n.t("a whole number") : l10n.t("a number")) : "";
        control = h("vscode-text-field", { id, value: typeof initial === "string" ? initial : f.initial, placeholder, "aria-label": f.label, "aria-describedby": described });
        control.addEventListener("input", () => changed((control as unknown as { value: string }).value));
      }
    }
    return h("div", { class: "field input-field" }, h("label", { for: id }, label), hint, control, error);
  }

  /** Shows each field's problems and enables Submit when there are none; returns the value then. */
  private check(): { value: unknown } | null {
    const shown = this.shown;
    if (!shown) return null;
    const result = checkForm(shown.schema, shown.root, shown.raw);
    for (const [key, error] of shown.errors) {
      const messages = result.problems.get(key) ?? [];
      replaceChildren(error, ...messages.map((m) => h("div", {}, m)));
      error.hidden = messages.length === 0;
      const control = this.element.querySelector(`#${CSS.escape(controlId(key === "" ? [] : key.split(".")))}`);
      if (messages.length > 0) control?.setAttribute("aria-invalid", "true");
      else control?.removeAttribute("aria-invalid");
    }
    const general = shown.errors.has("") ? [] : result.problems.get("") ?? [];
    replaceChildren(this.formProblems, ...general.map((m) => h("div", {}, m)));
    this.formProblems.hidden = general.length === 0;
    if (result.ok && !this.sending && !shown.sent) this.submitButton.removeAttribute("disabled");
    else this.submitButton.setAttribute("disabled", "");
    this.submitButton.setAttribute("title", result.ok ? l10n.t("Give this value to {0}", shown.wait.name) : l10n.t("Fix the fields marked above first"));
    return result.ok ? { value: result.value } : null;
  }

  private async submit(): Promise<void> {
    const shown = this.shown;
    const checked = this.check();
    if (!shown || !checked || this.sending || shown.sent) return;
    this.sending = true;
    this.submitButton.setAttribute("disabled", "");
    this.outcome.hidden = true;
    try {
      await this.send(shown.wait.name, checked.value);
      shown.sent = true;
      this.onSent(l10n.t("Input {0} given: the run resumes.", shown.wait.name));
    } catch (error) {
      this.outcome.textContent = l10n.t("Not accepted: {0}", error instanceof Error ? error.message : String(error));
      this.outcome.hidden = false;
    } finally {
      this.sending = false;
      this.check();
    }
  }
}
