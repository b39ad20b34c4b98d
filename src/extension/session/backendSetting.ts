/**
 * `taskflow.backend` as a typed value: the local engine, or BullMQ on a Redis URL. The password is
 * never read from the setting (settings files are often committed): it lives in secret storage and
 * is put into the URL only when connecting. No vscode import, so it is unit-tested in plain Node.
 */
import * as l10n from "@vscode/l10n";
import { checkRedisUrl } from "../../model";

export type BackendSetting =
  | { kind: "local" }
  /** `url` as written in the setting, with no password. */
  | { kind: "redis"; url: string }
  /** A value Taskflow cannot use: the engine does not start, and `message` says what to write instead. */
  | { kind: "invalid"; message: string };

const EXAMPLE = "redis://127.0.0.1:6379";

export function parseBackendSetting(value: unknown): BackendSetting {
  if (value === undefined || value === null) return { kind: "local" };
  if (typeof value !== "string") {
    return { kind: "invalid", message: l10n.t("taskflow.backend must be \"local\" or a Redis URL such as {0}, got a {1}: fix it in the settings", EXAMPLE, typeof value) };
  }
  const text = value.trim();
  if (text === "" || text === "local") return { kind: "local" };
  if (!/^rediss?:\/\//i.test(text)) {
    return { kind: "invalid", message: l10n.t("taskflow.backend must be \"local\" or a Redis URL such as {0}, got {1}: fix it in the settings", EXAMPLE, JSON.stringify(value)) };
  }
  try {
    checkRedisUrl(text);
  } catch (error) {
    return { kind: "invalid", message: l10n.t("taskflow.backend: {0}", (error as Error).message.replace(/^backend\.connection /, "")) };
  }
  if (new URL(text).password !== "") {
    return {
      kind: "invalid",
      message: l10n.t("taskflow.backend holds a password, and settings files are often shared or committed: remove the password from the URL and store it with the command Taskflow: Set Redis Password"),
    };
  }
  return { kind: "redis", url: text };
}

/** The URL to connect with: the setting's URL with the stored password, if any. */
export function connectionUrl(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** How the status bar and messages name the backend: `redis://host:6379`. */
export function backendLabel(setting: BackendSetting): string {
  return setting.kind === "redis" ? setting.url : "local";
}
