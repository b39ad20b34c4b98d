/**
 * The workspace's task modules as the window last loaded them (or, in a window that forwards, the
 * holder's registered functions): the one copy that the Task Functions view, the Run Task picker,
 * the CodeLens and the exported API read.
 */
import * as vscode from "vscode";
import type { CatalogSnapshot } from "./taskCatalog";

/** No module found or loaded (yet, or after the engine stopped). */
export const EMPTY_CATALOG: CatalogSnapshot = { modules: [], functions: [], problems: [] };

export class CatalogState implements vscode.Disposable {
  private snapshot: CatalogSnapshot = EMPTY_CATALOG;
  private readonly changed = new vscode.EventEmitter<CatalogSnapshot>();
  /** Fired after every `set`, once `shown` has run. */
  readonly onDidChange = this.changed.event;

  /** @param shown puts a new snapshot on the views before the change event fires. */
  constructor(private readonly shown: (snapshot: CatalogSnapshot) => void) {}

  /** The catalog as last set. */
  get current(): CatalogSnapshot {
    return this.snapshot;
  }

  set(snapshot: CatalogSnapshot): void {
    this.snapshot = snapshot;
    this.shown(snapshot);
    this.changed.fire(snapshot);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
