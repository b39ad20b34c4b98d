import * as l10n from "@vscode/l10n";
import { h } from "../shared/dom";
import { isAtBottom, logMatches, parseLogLine } from "../shared/format";

/**
 * The live log list: appends one DOM node per new line (never re-renders), filters by text,
 * and follows the tail unless the user scrolled up.
 */
export class LogView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private filter = "";
  private lineCount = 0;
  private shown = 0;
  private plainLines = 0;
  private follow = true;
  private readonly jump: HTMLElement;

  /** `onScrolled` is told whether the view follows the tail, and where it is scrolled to (UI state). */
  constructor(private readonly onScrolled: (following: boolean, scrollTop: number) => void) {
    this.list = h("div", { class: "log-lines", role: "log", "aria-live": "off", tabindex: 0, "aria-label": l10n.t("Task logs") });
    this.status = h("span", { class: "log-count" });
    this.jump = h("vscode-button", { appearance: "secondary", class: "log-follow", hidden: true, onClick: () => this.scrollToEnd() }, l10n.t("Follow tail"));
    this.list.addEventListener("scroll", () => {
      this.setFollow(isAtBottom(this.list));
      this.onScrolled(this.follow, this.list.scrollTop);
    });
    this.element = h("div", { class: "log-view" }, this.list, h("div", { class: "log-footer" }, this.status, this.jump));
  }

  get count(): number {
    return this.lineCount;
  }

  /** Drops every line and shows these. */
  reset(lines: readonly string[]): void {
    this.list.replaceChildren();
    this.lineCount = 0;
    this.shown = 0;
    this.plainLines = 0;
    this.append(lines);
  }

  /** Adds lines at the end; the view stays at the tail when it was there. */
  append(lines: readonly string[]): void {
    const fragment = document.createDocumentFragment();
    for (const line of lines) fragment.appendChild(this.renderLine(line));
    this.lineCount += lines.length;
    this.list.appendChild(fragment);
    this.updateStatus();
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
  }

  setFilter(filter: string): void {
    this.filter = filter;
    this.shown = 0;
    for (const node of Array.from(this.list.children) as HTMLElement[]) {
      const visible = node.classList.contains("retry-separator") || logMatches(node.dataset.line ?? "", filter);
      node.hidden = !visible;
      if (visible && !node.classList.contains("retry-separator")) this.shown++;
    }
    this.updateStatus();
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
  }

  scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight;
    this.setFollow(true);
  }

  /** Puts the view back where a previous session left it: at the tail, or at that offset. */
  restoreScroll(following: boolean, scrollTop: number): void {
    if (following) {
      this.scrollToEnd();
      return;
    }
    this.list.scrollTop = scrollTop;
    this.setFollow(isAtBottom(this.list));
  }

  private setFollow(follow: boolean): void {
    if (follow === this.follow) return;
    this.follow = follow;
    this.jump.hidden = follow;
  }

  private renderLine(line: string): HTMLElement {
    const parsed = parseLogLine(line);
    if (parsed.kind === "retry") {
      return h("div", { class: "retry-separator", role: "separator", "data-line": line }, h("span", {}, parsed.text));
    }
    this.plainLines++;
    const visible = logMatches(line, this.filter);
    if (visible) this.shown++;
    const node = h(
      "div",
      { class: "log-line", "data-line": line, hidden: !visible },
      parsed.timestamp ? h("span", { class: "log-time" }, parsed.timestamp.replace("T", " ")) : null,
      h("span", { class: "log-message" }, parsed.message),
    );
    return node;
  }

  private updateStatus(): void {
    const lines = this.plainLines;
    if (this.filter) this.status.textContent = l10n.t("{0} of {1} lines match", this.shown, lines);
    else this.status.textContent = lines === 1 ? l10n.t("1 line") : l10n.t("{0} lines", lines);
  }
}
