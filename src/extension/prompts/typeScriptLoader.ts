/**
 * The TypeScript compiler API for reading task parameters, borrowed from VS Code's built-in
 * TypeScript extension (`vscode.typescript-language-features`) and loaded on first use, so nothing
 * is bundled and a window that never asks for typed arguments never pays for it.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as TS from "typescript";
import * as vscode from "vscode";

/** The built-in extension whose folder resolves the `typescript` module. */
export const TYPESCRIPT_EXTENSION_ID = "vscode.typescript-language-features";

/** What loading the compiler cost, as written to the output channel. */
export interface TypeScriptLoadCost {
  version: string;
  /** Wall-clock milliseconds of the `require`. */
  loadMs: number;
  /** Growth of the extension host's V8 heap, in bytes (a garbage collection may make it smaller). */
  heapBytes: number;
}

/** The TypeScript module, or why there is none. */
export type TypeScriptModule = { ok: true; ts: typeof TS; cost: TypeScriptLoadCost } | { ok: false; reason: string };

/** Loads the compiler once, on the first call, and keeps it (or the reason it failed) for the window's life. */
export class TypeScriptLoader {
  private loaded: TypeScriptModule | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The compiler, loading it now if this is the first call. */
  get(): TypeScriptModule {
    this.loaded ??= this.load();
    return this.loaded;
  }

  private load(): TypeScriptModule {
    const extension = vscode.extensions.getExtension(TYPESCRIPT_EXTENSION_ID);
    if (!extension) {
      const reason = vscode.l10n.t("the built-in TypeScript extension ({0}) is not installed or is disabled", TYPESCRIPT_EXTENSION_ID);
      this.log.warn(`Typed argument prompts are off: ${reason}; Run Task asks for a JSON array instead`);
      return { ok: false, reason };
    }
    try {
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      // Resolved the way that extension resolves it: VS Code ships one copy for all built-in extensions.
      const ts = createRequire(path.join(extension.extensionPath, "package.json"))("typescript") as typeof TS;
      const cost = { version: ts.version, loadMs: Math.round(performance.now() - started), heapBytes: process.memoryUsage().heapUsed - heapBefore };
      this.log.info(`Typed argument prompts: loaded TypeScript ${cost.version} from ${extension.extensionPath} in ${cost.loadMs} ms (heap ${cost.heapBytes >= 0 ? "+" : ""}${(cost.heapBytes / 1048576).toFixed(1)} MB)`);
      return { ok: true, ts, cost };
    } catch (err) {
      const reason = vscode.l10n.t("TypeScript could not be loaded from {0}: {1}", extension.extensionPath, (err as Error).message);
      this.log.warn(`Typed argument prompts are off: ${reason}; Run Task asks for a JSON array instead`);
      return { ok: false, reason };
    }
  }
}
