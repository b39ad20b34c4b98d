/**
 * The HTTP API served from the window (`taskflow.api.enabled`): ApiServer on the loopback address,
 * serving the exported API (so it follows manager restarts and forwarding), with a bearer token
 * generated once per workspace and kept in SecretStorage. The token never goes to the output
 * channel; Copy API URL and Token shows it only on request.
 */
import { createHash } from "node:crypto";
import * as vscode from "vscode";
import { ApiServer, newToken } from "../../http";
import type { TaskflowClient } from "../../model";
import { UserError } from "../commands/commandRegistry";
import type { TaskflowSettings } from "../session/settings";
import { externalApiUrl, type AsExternalUrl } from "./externalApiUrl";

/** What a client needs to call the API. */
export interface ApiAccess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The bearer token (`Authorization: Bearer <token>`). */
  token: string;
}

/** SecretStorage key of a workspace's API token (SecretStorage is per extension, not per workspace). */
export function apiTokenSecretKey(workspace: string): string {
  return `taskflow.apiToken.${createHash("sha256").update(workspace).digest("hex").slice(0, 16)}`;
}

export interface WindowApiOptions {
  client: TaskflowClient;
  secrets: vscode.SecretStorage;
  /** Identifies the workspace the token belongs to (its storage folder). */
  workspace: string;
  log: vscode.LogOutputChannel;
  /** How the API's loopback URL is forwarded to the person's machine. @default `vscode.env.asExternalUri` */
  asExternalUrl?: AsExternalUrl;
}

export class WindowApi implements vscode.Disposable {
  private server: ApiServer | undefined;
  private url: string | undefined;
  /** `url` as the person's machine reaches it (the same in a local window). */
  private forwardedUrl: string | undefined;
  /** Changes run one after the other, so a setting flipped twice quickly ends as it was set last. */
  private changes: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<ApiAccess | undefined>();
  /** Fired after the API started, stopped, moved or took a new token, with what `access()` now gives. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly options: WindowApiOptions) {}

  /** The URL and token while the API is served, else undefined. */
  access(): ApiAccess | undefined {
    return this.server && this.url ? { url: this.url, token: this.server.token } : undefined;
  }

  /**
   * The URL as the person's machine reaches it while the API is served: in a remote window (SSH, WSL,
   * a container, code-server) a forwarded port, whose Host the API then answers too; else `access().url`.
   */
  externalUrl(): string | undefined {
    return this.server ? (this.forwardedUrl ?? this.url) : undefined;
  }

  /** Serves or stops the API as `settings` say; a changed port moves it. */
  apply(settings: Pick<TaskflowSettings, "apiEnabled" | "apiPort">): Promise<void> {
    return this.queue(async () => {
      const wanted = settings.apiEnabled ? settings.apiPort : undefined;
      if (wanted !== undefined && this.server && (wanted === 0 || this.url?.endsWith(`:${wanted}`))) return;
      await this.stop();
      if (wanted !== undefined) await this.start(wanted);
    });
  }

  /** Replaces the token; a served API switches to it at once (on the same port), so the old one stops working. */
  regenerateToken(): Promise<void> {
    return this.queue(async () => {
      await this.options.secrets.store(this.secretKey(), newToken());
      const port = this.url ? Number(new URL(this.url).port) : undefined;
      if (port === undefined) return;
      await this.stop();
      await this.start(port);
    });
  }

  dispose(): void {
    void this.queue(() => this.stop()).finally(() => this.changed.dispose());
  }

  private queue(change: () => Promise<void>): Promise<void> {
    const next = this.changes.then(change).finally(() => this.changed.fire(this.access()));
    this.changes = next.catch(() => undefined);
    return next;
  }

  private secretKey(): string {
    return apiTokenSecretKey(this.options.workspace);
  }

  private async token(): Promise<string> {
    const stored = await this.options.secrets.get(this.secretKey());
    if (stored) return stored;
    const token = newToken();
    await this.options.secrets.store(this.secretKey(), token);
    return token;
  }

  private async start(port: number): Promise<void> {
    const server = new ApiServer({ client: this.options.client, token: await this.token() });
    let url: string;
    try {
      url = await server.listen(port);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UserError(
        vscode.l10n.t("Could not serve the HTTP API on 127.0.0.1:{0} ({1}): set taskflow.api.port to a free port, or to 0 for any free port", port, reason),
      );
    }
    const forwardedUrl = await externalApiUrl(url, this.options.asExternalUrl ?? vscodeExternalUrl).catch((error: unknown) => {
      this.options.log.warn(`HTTP API: its port is not forwarded (${String(error)}): in a remote window only the remote host reaches ${url}`);
      return undefined;
    });
    // The forwarded requests arrive with the Host the person's machine used.
    if (forwardedUrl && forwardedUrl !== url) server.allowForwardedHost(new URL(forwardedUrl).host);
    this.server = server;
    this.url = url;
    this.forwardedUrl = forwardedUrl;
    this.options.log.info(`HTTP API served at ${url} (loopback only${forwardedUrl && forwardedUrl !== url ? `, forwarded as ${forwardedUrl}` : ""}). "Taskflow: Copy API URL and Token" gives the token`);
  }

  private async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.url = undefined;
    this.forwardedUrl = undefined;
    await server.close();
    this.options.log.info("HTTP API stopped");
  }
}

/** Serves or stops `api` as `settings` say; a failure is logged and shown, never thrown. */
export function applyApiSettings(api: WindowApi | undefined, settings: TaskflowSettings, log: vscode.LogOutputChannel): void {
  void api?.apply(settings).catch((err: unknown) => {
    log.error(`HTTP API: ${(err as Error).message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t("Taskflow: {0}", (err as Error).message));
  });
}

/** What Copy API URL and Token gives: the access as served, and the URL it copied. */
export interface CopiedApiAccess extends ApiAccess {
  /**
   * The URL copied: `url` as the person's machine reaches it (`vscode.env.asExternalUri`, a forwarded
   * port in a remote window), the same as `url` in a local window.
   */
  externalUrl: string;
}

/**
 * `taskflow.copyApiUrlAndToken`: copies the URL, as the person's machine reaches it, to the clipboard
 * and offers to copy the token (shown nowhere else). Resolves with `{ url, token, externalUrl }`, the
 * programmatic form.
 */
export async function copyApiUrlAndToken(api: WindowApi): Promise<CopiedApiAccess> {
  const access = api.access();
  if (!access) {
    throw new UserError(vscode.l10n.t("This window does not serve the HTTP API: turn on the setting taskflow.api.enabled, then run this command again"));
  }
  const externalUrl = api.externalUrl() ?? access.url;
  await vscode.env.clipboard.writeText(externalUrl);
  // Not awaited: the command is done once the URL is copied, whether or not the token is wanted.
  const copyToken = vscode.l10n.t("Copy Token");
  const copyCurl = vscode.l10n.t("Copy curl Example");
  void vscode.window
    .showInformationMessage(vscode.l10n.t("Taskflow: copied {0}. Requests need \"Authorization: Bearer <token>\".", externalUrl), copyToken, copyCurl)
    .then((choice) => {
      if (choice === copyToken) return vscode.env.clipboard.writeText(access.token);
      if (choice === copyCurl) return vscode.env.clipboard.writeText(`curl -H "Authorization: Bearer ${access.token}" ${externalUrl}/tasks`);
      return undefined;
    });
  return { ...access, externalUrl };
}

async function vscodeExternalUrl(url: string): Promise<string> {
  return (await vscode.env.asExternalUri(vscode.Uri.parse(url))).toString(true);
}

/** `taskflow.regenerateApiToken`: a new token; callers holding the old one get 401 from then on. */
export async function regenerateApiToken(api: WindowApi): Promise<boolean> {
  await api.regenerateToken();
  void vscode.window.showInformationMessage(
    api.access()
      ? vscode.l10n.t("Taskflow: the HTTP API now takes a new token; the old one no longer works. Copy it with Copy API URL and Token.")
      : vscode.l10n.t("Taskflow: a new HTTP API token is stored; it is used once taskflow.api.enabled is on."),
  );
  return true;
}
