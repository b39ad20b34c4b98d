import * as l10n from "@vscode/l10n";
import * as vscode from "vscode";

/**
 * Hands the bundle VS Code loaded for the display language (l10n/bundle.l10n.<lang>.json) to
 * `@vscode/l10n`, which the modules that do not import vscode (the pure tree-item and text
 * mappings) translate with, so both `vscode.l10n.t` and `l10n.t` read the same translations. In
 * English there is no bundle and both return the source strings.
 */
export function configureLocalisation(): void {
  const bundle = vscode.l10n.bundle;
  if (bundle !== undefined) l10n.config({ contents: bundle });
}
