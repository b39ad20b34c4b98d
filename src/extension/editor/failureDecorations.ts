/**
 * The red mark on the line where a task function's last failure was thrown: its top stack frame in
 * the user's own files, with the error after the line and in a hover. A later success of that
 * function clears it.
 */
import * as vscode from "vscode";
import { Commands } from "../commands/commandIds";
import { firstLine, shortAge, topUserFrame, type LastRun } from "./lastRunLabel";
import type { LastRuns } from "./lastRuns";

export class FailureDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor("editorError.foreground"), margin: "0 0 0 2em" },
    overviewRulerColor: new vscode.ThemeColor("editorError.foreground"),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    isWholeLine: true,
  });

  /**
   * @param folders the workspace folders' paths: a frame outside them is not the user's code
   * @param enabled whether `taskflow.codeLens.enabled` is on
   * @param nowMs the current epoch milliseconds, for the hover's age
   */
  constructor(
    private readonly runs: LastRuns,
    private readonly folders: () => readonly string[],
    private readonly enabled: () => boolean,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Decorates every visible editor again. */
  update(): void {
    const byFile = new Map<string, vscode.DecorationOptions[]>();
    if (this.enabled()) {
      for (const failure of this.runs.failures()) {
        const frame = topUserFrame(failure.stacktrace, this.folders());
        if (!frame) continue;
        const line = frame.line - 1;
        const list = byFile.get(frame.file) ?? [];
        list.push({
          range: new vscode.Range(line, 0, line, 0),
          hoverMessage: this.hover(failure),
          renderOptions: { after: { contentText: vscode.l10n.t("✗ {0}: {1}", failure.funcName, firstLine(failure.error ?? vscode.l10n.t("failed"), 60)) } },
        });
        byFile.set(frame.file, list);
      }
    }
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme !== "file") continue;
      editor.setDecorations(this.type, byFile.get(editor.document.uri.fsPath) ?? []);
    }
  }

  private hover(failure: LastRun): vscode.MarkdownString {
    const hover = new vscode.MarkdownString(undefined, true);
    hover.isTrusted = { enabledCommands: [Commands.showTask] };
    hover.appendMarkdown(`${vscode.l10n.t("**Taskflow: {0} failed** {1} ago", failure.funcName, shortAge(this.nowMs() - failure.atMs))}\n\n`);
    hover.appendCodeblock(failure.error ?? vscode.l10n.t("(no error message)"), "text");
    const args = encodeURIComponent(JSON.stringify([failure.taskId]));
    hover.appendMarkdown(`\n[${vscode.l10n.t("Show Task")}](command:${Commands.showTask}?${args})`);
    return hover;
  }

  dispose(): void {
    this.type.dispose();
  }
}
