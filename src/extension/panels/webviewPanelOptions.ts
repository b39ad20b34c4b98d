import * as vscode from "vscode";
import { createNonce, webviewHtml } from "./webviewHtml";

/** Panel options shared by both webviews: scripts on, resources only from the built bundles and media. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webview"), vscode.Uri.joinPath(extensionUri, "media")],
  };
}

/**
 * Renders the HTML of a webview with a fresh nonce and VS Code's l10n bundle for the display
 * language. `app` is the bundle name in dist/webview.
 */
export function renderPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: "taskPanel" | "dashboard", title: string): string {
  return webviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: createNonce(),
    l10nBundle: vscode.l10n.bundle,
    language: vscode.env.language,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", `${app}.js`)).toString(),
    styleUris: (app === "taskPanel" ? ["webview.css", "durableRuns.css"] : ["webview.css"])
      .map((name) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", name)).toString()),
  });
}
