// The suite's side of the runner's UI bridge (test/vscode/lib/uiBridge.ts): answers the workbench's
// real quick input and clicks notifications by asking the runner, which types and clicks on the page.
import type { UiReply, UiRequest } from "../lib/uiBridge";

async function send(request: UiRequest): Promise<string> {
  const url = process.env.TASKFLOW_TEST_UI_URL;
  if (!url) throw new Error("expected TASKFLOW_TEST_UI_URL from the runner (test/vscode/runExthost.ts): run the suite through test/vscode/run-exthost.sh");
  const response = await fetch(url, { method: "POST", body: JSON.stringify(request) });
  const reply = (await response.json()) as UiReply;
  if (reply.error !== undefined) throw new Error(`${request.action} failed: ${reply.error}`);
  return reply.text ?? "";
}

/** Types `text` and Enter into the input box whose title contains `title`, once it shows. */
export function answerInput(title: string, text: string): Promise<string> {
  return send({ action: "answer", title, text });
}

/** Picks the item labelled exactly `label` in the quick pick whose title contains `title`. */
export function pickItem(title: string, label: string): Promise<string> {
  return send({ action: "pick", title, label });
}

/** Types `text` into the input box titled `title`, presses Enter, and returns the validation message it shows; the box stays open. */
export function refusedAnswer(title: string, text: string): Promise<string> {
  return send({ action: "refusal", title, text });
}

/** The text the input box titled `title` is pre-filled with, once it shows; the box stays open. */
export function inputValue(title: string): Promise<string> {
  return send({ action: "inputValue", title });
}

/** The text of the notification containing `text`, once it shows. */
export function notificationText(text: string): Promise<string> {
  return send({ action: "notification", text });
}

/** Clicks `button` on the notification containing `text` and returns that notification's text. */
export function clickNotificationButton(text: string, button: string): Promise<string> {
  return send({ action: "clickNotificationButton", text, button });
}

/** The status bar's text once it contains `text`. */
export function statusBarText(text: string): Promise<string> {
  return send({ action: "statusBarText", text });
}

/** The text of the sidebar view named `name` (its rows or welcome text) once it is expanded and shows one of `showingAny`. */
export function viewText(name: string, showingAny?: string[]): Promise<string> {
  return send({ action: "viewText", name, showingAny });
}
