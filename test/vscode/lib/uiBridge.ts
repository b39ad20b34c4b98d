// Lets extension-host tests drive the workbench's real quick input and notifications: the runner
// serves these requests on a loopback port (TASKFLOW_TEST_UI_URL) and performs each with Playwright
// on the workbench page, typing and clicking as a person does. The suite's side is suite/workbenchUi.ts.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { answer, notification, pick, stepTimeoutMs, viewPane } from "../../e2e/workbench";
import { waitFor } from "./waitFor";

/** A request from the suite; every one names the quick input (by its title) or the notification it acts on. */
export type UiRequest =
  | { action: "answer"; title: string; text: string }
  | { action: "pick"; title: string; label: string }
  | { action: "refusal"; title: string; text: string }
  /** The text the input box titled `title` shows when it opens (what it is pre-filled with), left open. */
  | { action: "inputValue"; title: string }
  | { action: "notification"; text: string }
  | { action: "clickNotificationButton"; text: string; button: string }
  /** The text of the sidebar view named `name` once it is expanded, and shows one of `showingAny` when given. */
  | { action: "viewText"; name: string; showingAny?: string[] }
  /** The status bar's text once it contains `text`. */
  | { action: "statusBarText"; text: string };

/** The reply: `text` is the validation message (refusal), the notification's or the view's text; `error` when the step failed. */
export interface UiReply {
  text?: string;
  error?: string;
}

const quickInput = ".quick-input-widget";

async function waitForTitle(page: Page, title: string): Promise<void> {
  const titles = page.locator(`${quickInput} .quick-input-title`);
  try {
    await titles.filter({ hasText: title }).first().waitFor({ state: "visible", timeout: stepTimeoutMs });
  } catch {
    const shown = (await page.locator(quickInput).isVisible()) ? await titles.allInnerTexts() : [];
    throw new Error(`expected a quick input titled "${title}", got ${shown.length > 0 ? JSON.stringify(shown) : "none open"}`);
  }
}

async function perform(page: Page, request: UiRequest): Promise<UiReply> {
  switch (request.action) {
    case "answer":
      await waitForTitle(page, request.title);
      await answer(page, request.text);
      return {};
    case "pick":
      await waitForTitle(page, request.title);
      await pick(page, request.label);
      return {};
    case "refusal": {
      await waitForTitle(page, request.title);
      const input = page.locator(`${quickInput} .quick-input-box input`);
      await input.fill(request.text);
      const message = page.locator(`${quickInput} .quick-input-message`);
      // Without a validation error the message line shows the prompt and how to confirm.
      let shown = "";
      const text = await waitFor(async () => {
        shown = (await message.innerText()).trim();
        return shown !== "" && !shown.includes("Press 'Enter' to confirm") ? shown : undefined;
      }, { what: `a validation message for "${request.text}" in "${request.title}"`, timeoutMs: stepTimeoutMs, diagnose: () => `message: ${shown}` });
      // Enter must not accept a refused answer: the same box stays open.
      await input.press("Enter");
      await waitForTitle(page, request.title);
      return { text };
    }
    case "inputValue":
      await waitForTitle(page, request.title);
      return { text: await page.locator(`${quickInput} .quick-input-box input`).inputValue() };
    case "notification":
      return { text: await (await notification(page, request.text)).innerText() };
    case "viewText": {
      const body = viewPane(page, request.name).locator(".pane-body");
      let shown = "";
      const text = await waitFor(async () => {
        shown = (await body.isVisible()) ? (await body.innerText()).trim() : "";
        const showing = request.showingAny === undefined || request.showingAny.some((s) => shown.includes(s));
        return shown !== "" && showing ? shown : undefined;
      }, {
        what: `the ${request.name} view to show${request.showingAny ? ` one of ${JSON.stringify(request.showingAny)}` : ""}`,
        timeoutMs: stepTimeoutMs,
        diagnose: () => `the view shows: ${shown === "" ? "nothing (not expanded or not there)" : JSON.stringify(shown)}`,
      });
      return { text };
    }
    case "statusBarText": {
      const bar = page.locator(".part.statusbar");
      let shown = "";
      const text = await waitFor(async () => {
        shown = (await bar.innerText()).replace(/\s+/g, " ").trim();
        return shown.includes(request.text) ? shown : undefined;
      }, { what: `the status bar to show "${request.text}"`, timeoutMs: stepTimeoutMs, diagnose: () => `the status bar shows: ${JSON.stringify(shown)}` });
      return { text };
    }
    case "clickNotificationButton": {
      const toast = await notification(page, request.text);
      const text = await toast.innerText();
      await toast.getByRole("button", { name: request.button }).click({ timeout: stepTimeoutMs });
      return { text };
    }
  }
}

/** Serves UI requests on a free loopback port; `attach` gives it the page once the workbench is open. */
export class UiBridge {
  private page: Page | undefined;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  attach(page: Page): void {
    this.page = page;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let reply: UiReply;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (!this.page) throw new Error("the workbench page is not open yet");
      reply = await perform(this.page, JSON.parse(Buffer.concat(chunks).toString("utf8")) as UiRequest);
    } catch (err) {
      reply = { error: (err as Error).message.split("\n")[0] };
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
  }
}
