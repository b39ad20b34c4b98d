/**
 * Set Redis Password: the password of the Redis in `taskflow.backend`, kept only in SecretStorage
 * (never in settings, the output channel or an error message) and put into the URL when connecting.
 */
import * as vscode from "vscode";
import { UserError } from "./commandRegistry";
import { REDIS_PASSWORD_SECRET, type ExtensionServices } from "./services";

/**
 * Returns true when a password was stored or removed. Asks in a password box, unless `given` is a
 * string (programmatic form; an empty string removes the password).
 */
export async function setRedisPassword(services: ExtensionServices, given?: unknown): Promise<boolean> {
  if (given !== undefined && typeof given !== "string") {
    throw new UserError(vscode.l10n.t("Set Redis Password takes the password as a string (or \"\" to remove it), got a {0}", typeof given));
  }
  const existing = await services.secrets.get(REDIS_PASSWORD_SECRET);
  const password = given ?? await vscode.window.showInputBox({
    title: vscode.l10n.t("Taskflow: Set Redis Password"),
    prompt: existing
      ? vscode.l10n.t("The password of the Redis in taskflow.backend. Type a new one to replace it, or leave empty to connect without one.")
      : vscode.l10n.t("The password of the Redis in taskflow.backend (its requirepass, or the ACL user's). It is kept in VS Code's secret storage."),
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return false;
  if (password === "") await services.secrets.delete(REDIS_PASSWORD_SECRET);
  else await services.secrets.store(REDIS_PASSWORD_SECRET, password);
  services.log.info(password === "" ? "Redis password removed" : "Redis password stored in secret storage");
  await services.applyRedisPassword();
  void vscode.window.showInformationMessage(password === "" ? vscode.l10n.t("Taskflow: Redis password removed.") : vscode.l10n.t("Taskflow: Redis password stored."));
  return true;
}
