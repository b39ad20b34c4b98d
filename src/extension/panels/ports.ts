/**
 * What the panels need from the editor, as a port, so the controllers run in plain Node under test.
 * The task side is the model's TaskflowClient (src/model/client.ts); panelHost.ts implements
 * PanelHost with the vscode API.
 */

/** Editor services the panel controllers call; implemented with the vscode API. */
export interface PanelHost {
  /** Absolute paths of the open workspace folders. */
  workspaceFolders(): string[];
  /** Opens a file in an editor with the cursor at the 1-based line and column. */
  openFile(path: string, line: number, column: number): Promise<void>;
  /** Runs a Taskflow command (retry, run) and returns what it returned. */
  executeCommand(command: string, ...args: unknown[]): Promise<unknown>;
  /** Opens or reveals the task panel of a task. */
  showTask(taskId: string): void;
  /** Asks the user to confirm; resolves true when confirmed. */
  confirm(message: string, action: string): Promise<boolean>;
  /** Asks where to save and writes the content; resolves with the path, or null when cancelled. */
  saveFile(defaultName: string, format: "csv" | "json", content: string): Promise<string | null>;
  /** Shows an error message to the user. */
  showError(message: string): void;
  /** Writes a line to the Taskflow output channel. */
  log(message: string): void;
}
