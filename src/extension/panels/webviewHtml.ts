import { randomBytes } from "node:crypto";

/** A fresh nonce for one render: 128 random bits, base64. */
export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

export interface WebviewHtmlOptions {
  /** Document title. */
  title: string;
  /** `webview.cspSource`. */
  cspSource: string;
  /** Webview URI of the bundled script. */
  scriptUri: string;
  /** Webview URIs of the style sheets. */
  styleUris: string[];
  /** From createNonce(), new for every render. */
  nonce: string;
  /** The display language (`vscode.env.language`), the document's `lang`. @default "en" */
  language?: string;
  /**
   * VS Code's l10n bundle for the display language (`vscode.l10n.bundle`), which the webview's
   * `@vscode/l10n` translates with; undefined in English, where the source strings are shown.
   */
  l10nBundle?: Record<string, string>;
}

/** The name of the meta tag that carries the l10n bundle into the webview (webview/shared/hostBundle.ts reads it). */
export const L10N_BUNDLE_META_NAME = "taskflow-l10n";

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The Content-Security-Policy of a Taskflow webview: nothing by default, scripts only by nonce,
 * styles and fonts only from the extension's own files. The toolkit styles its components through
 * constructable style sheets, which need no 'unsafe-inline'; the one `<style>` element it creates
 * (to detect `:focus-visible` support) carries the nonce it reads from the `csp-nonce` meta tag.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
}

/**
 * The HTML shell of a webview: CSP, style sheets, the l10n bundle as JSON in a meta tag (data, not
 * a script) and one nonce-tagged script; the app builds the rest.
 */
export function webviewHtml(options: WebviewHtmlOptions): string {
  const csp = escapeAttribute(contentSecurityPolicy(options.cspSource, options.nonce));
  const styles = options.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttribute(u)}">`).join("\n    ");
  return `<!DOCTYPE html>
<html lang="${escapeAttribute(options.language ?? "en")}">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta property="csp-nonce" content="${escapeAttribute(options.nonce)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <meta name="${L10N_BUNDLE_META_NAME}" content="${escapeAttribute(JSON.stringify(options.l10nBundle ?? {}))}">
    ${styles}
    <title>${escapeAttribute(options.title)}</title>
  </head>
  <body>
    <main id="app" aria-busy="true"></main>
    <script nonce="${escapeAttribute(options.nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
  </body>
</html>
`;
}
