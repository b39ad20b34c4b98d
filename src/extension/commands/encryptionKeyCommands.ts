/**
 * Set Encryption Key and Generate Encryption Key. The key lives only in SecretStorage: never in
 * settings, the output channel or an error message.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { fernetKeyError, generateFernetKey } from "../prompts/argumentParsing";
import { UserError } from "./commandRegistry";
import { ENCRYPTION_KEY_SECRET, type ExtensionServices } from "./services";


/**
 * Returns true when a key was stored or removed. Asks for the key in a password box, unless
 * `given` is a string (programmatic form; an empty string removes the key).
 */
export async function setEncryptionKey(services: ExtensionServices, given?: unknown): Promise<boolean> {
  const existing = await services.secrets.get(ENCRYPTION_KEY_SECRET);
  if (typeof given === "string" && given.trim() !== "") {
    const error = fernetKeyError(given);
    if (error) throw new UserError(error);
  }
  const key = typeof given === "string" ? given : await vscode.window.showInputBox({
    title: vscode.l10n.t("Taskflow: Set Encryption Key"),
    prompt: existing
      ? vscode.l10n.t("Paste a Fernet key to replace the current one, or leave empty to stop encrypting new tasks' arguments.")
      : vscode.l10n.t("Paste a Fernet key (URL-safe base64 of 32 bytes). Task arguments are then stored encrypted."),
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (existing && text.trim() === "" ? undefined : fernetKeyError(text)),
  });
  if (key === undefined) return false;
  if (key.trim() === "") {
    await services.secrets.delete(ENCRYPTION_KEY_SECRET);
    services.log.info("Encryption key removed: new tasks store their arguments in clear");
  } else {
    await services.secrets.store(ENCRYPTION_KEY_SECRET, key.trim());
    services.log.info("Encryption key set: new tasks store their arguments encrypted");
  }
  await services.applyEncryptionKey();
  void vscode.window.showInformationMessage(key.trim() === "" ? vscode.l10n.t("Taskflow: encryption key removed.") : vscode.l10n.t("Taskflow: encryption key set."));
  return true;
}

/** Returns true when a new key was generated and stored. */
export async function generateEncryptionKey(services: ExtensionServices): Promise<boolean> {
  const existing = await services.secrets.get(ENCRYPTION_KEY_SECRET);
  if (existing) {
    const replace = vscode.l10n.t("Replace");
    const detail = vscode.l10n.t("Tasks stored with the current key can no longer be decrypted (and so not retried) without it. Keep a copy of the current key if you need those tasks.");
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t("Replace the current encryption key?"), { modal: true, detail }, replace);
    if (choice !== replace) return false;
  }
  const key = generateFernetKey((size) => randomBytes(size));
  await services.secrets.store(ENCRYPTION_KEY_SECRET, key);
  await services.applyEncryptionKey();
  services.log.info("Encryption key generated and stored in SecretStorage");
  // Not awaited: the command is done once the key is in place, whether or not the person copies it.
  const copyKey = vscode.l10n.t("Copy Key");
  void vscode.window
    .showInformationMessage(vscode.l10n.t("Taskflow: a new encryption key is stored in VS Code's secret storage. Copy it to decrypt tasks elsewhere."), copyKey)
    .then((copy) => (copy === copyKey ? vscode.env.clipboard.writeText(key) : undefined));
  return true;
}
