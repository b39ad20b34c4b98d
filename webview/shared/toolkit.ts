import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTag,
  vsCodeTextField,
} from "@vscode/webview-ui-toolkit";

/**
 * Registers the toolkit components both apps use.
 *
 * The badge family (vscode-tag) binds a `style` attribute in its template for custom fill and
 * colour; our CSP has no 'unsafe-inline', so Chromium blocks that attribute and logs one CSP
 * report per page. We set neither fill nor colour, so the blocked attribute is always empty and
 * nothing is lost: the tight policy is worth that console line.
 */
export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeTag(),
    vsCodeTextField(),
  );
}
