import * as l10n from "@vscode/l10n";

/**
 * The name of the meta tag whose content is VS Code's l10n bundle as JSON, written by the host
 * (src/extension/panels/webviewHtml.ts, L10N_BUNDLE_META_NAME: the localisation test checks the
 * two agree).
 */
export const HOST_BUNDLE_META_NAME = "taskflow-l10n";

/**
 * Loads the l10n bundle the host put in the page into `@vscode/l10n`, so that `l10n.t` returns the
 * display language's text from here on. Returns how many strings the bundle holds: 0 in English (no
 * bundle), or when the tag is missing or not a JSON object, and then `l10n.t` returns the source
 * strings.
 */
export function loadHostBundle(doc: Pick<Document, "querySelector"> = document): number {
  let bundle: unknown;
  try {
    bundle = JSON.parse(doc.querySelector(`meta[name="${HOST_BUNDLE_META_NAME}"]`)?.getAttribute("content") ?? "{}");
  } catch {
    bundle = {};
  }
  const contents = bundle !== null && typeof bundle === "object" && !Array.isArray(bundle) ? (bundle as Record<string, string>) : {};
  l10n.config({ contents });
  return Object.keys(contents).length;
}
