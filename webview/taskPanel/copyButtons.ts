/**
 * The task panel's Copy as CLI Command and Copy as curl buttons: the host renders the command and
 * writes the clipboard; the panel says what was copied, or why not.
 */
import * as l10n from "@vscode/l10n";
import { h } from "../shared/dom";

/** The part of a shown task the buttons read. */
export interface CopyTarget {
  taskId: string;
  encrypted: boolean;
}

export type CopyForm = "cli" | "curl";

/** Why the buttons are off on a run with encrypted arguments, in the display language. */
const encryptedReason = (): string => l10n.t("The arguments are encrypted, so they cannot be copied: run it from Taskflow: Run Task...");

export class CopyButtons {
  private task: CopyTarget | null = null;
  private readonly cli = this.button("copy-cli", "cli", l10n.t("Copy as CLI Command"), l10n.t("Copy a taskflow run command that adds the same task with the same input"));
  private readonly curl = this.button("copy-curl", "curl", l10n.t("Copy as curl"), l10n.t("Copy a curl call to the HTTP API that adds the same task with the same input (replace <token> with the API token)"));
  /** The two buttons, for the panel's actions row. */
  readonly buttons: readonly HTMLElement[] = [this.cli.element, this.curl.element];

  /**
   * @param copy Asks the host to copy the run in that form; resolves with the copied text.
   * @param notice Shows a line under the actions.
   */
  constructor(
    private readonly copy: (taskId: string, form: CopyForm) => Promise<string>,
    private readonly notice: (text: string, kind: "info" | "error") => void,
  ) {}

  /** Points the buttons at the shown task. */
  update(task: CopyTarget): void {
    this.task = task;
    for (const { element, title } of [this.cli, this.curl]) {
      if (task.encrypted) element.setAttribute("disabled", "");
      else element.removeAttribute("disabled");
      element.setAttribute("title", task.encrypted ? encryptedReason() : title);
    }
  }

  private button(id: string, form: CopyForm, label: string, title: string): { element: HTMLElement; title: string } {
    const element = h("vscode-button", { id, appearance: "secondary", title, onClick: () => void this.run(form) }, label);
    return { element, title };
  }

  private async run(form: CopyForm): Promise<void> {
    if (!this.task) return;
    try {
      const text = await this.copy(this.task.taskId, form);
      this.notice(l10n.t("Copied: {0}", text), "info");
    } catch (error) {
      this.notice(error instanceof Error ? error.message : String(error), "error");
    }
  }
}
