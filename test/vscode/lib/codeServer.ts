import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import { readInstall, tailFile } from "./harness";
import { startGroup, type ProcessGroup } from "./processGroup";
import { waitFor } from "./waitFor";

/** Options for {@link startCodeServer}. */
export interface CodeServerOptions {
  /** Scratch folder of this instance (user data, extensions, temp, logs); it must exist. */
  runDir: string;
  /** Folder to open in the workbench, or a `.code-workspace` file (a multi-root workspace). */
  workspace: string;
  /**
   * Workspace Trust on: the setting is enabled and the folder starts untrusted (restricted mode).
   * @default false (trust disabled, everything runs)
   */
  trust?: boolean;
  /** A .vsix to install into this instance's extensions folder before it starts. */
  vsix?: string;
  /** Extra environment for code-server, inherited by its extension host. */
  env?: Record<string, string>;
  /** How long to wait for /healthz, in milliseconds. @default 60000 */
  startTimeoutMs?: number;
}

/** A running code-server on 127.0.0.1. */
export interface CodeServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly userDataDir: string;
  /** code-server's own stdout/stderr. */
  readonly logFile: string;
  /** Workbench URL for `folder` (default: the instance's workspace; a `.code-workspace` file opens as a workspace) with an optional payload. */
  url(payload?: Array<[string, string]>, folder?: string): string;
  /** A vscode-remote:// URI for a path on this machine, as the payload wants. */
  remoteUri(absPath: string): string;
  /** Copies the stdout log and VS Code's log folder (extension host, renderer) into `dest`. */
  collectLogs(dest: string): void;
  /** Resolves with code-server's exit code (or signal name) when it exits. */
  readonly exited: Promise<number | string>;
  /** Stops code-server and everything it started (its process group). */
  stop(): Promise<void>;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error(`expected a TCP address, got ${String(address)}`))));
    });
  });
}

function settings(trust: boolean): string {
  return JSON.stringify({
    "security.workspace.trust.enabled": trust,
    "security.workspace.trust.startupPrompt": "never",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "update.mode": "none",
    "git.enabled": false,
  }, null, 2);
}

async function healthy(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on a free loopback port with a fresh user-data folder, waits until /healthz
 * answers, and returns a handle. No extension host starts until a browser opens the workbench.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const install = readInstall();
  const trust = options.trust ?? false;
  const userDataDir = path.join(options.runDir, "user-data");
  const extensionsDir = path.join(options.runDir, "extensions");
  const tmp = path.join(options.runDir, "tmp");
  for (const dir of [path.join(userDataDir, "User"), extensionsDir, tmp, path.join(options.runDir, "xdg-config"), path.join(options.runDir, "xdg-data")]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.writeFileSync(path.join(userDataDir, "User", "settings.json"), settings(trust));
  const logFile = path.join(options.runDir, "code-server.log");

  // code-server writes into the home folder unless these point elsewhere; PORT would override --bind-addr.
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, XDG_CONFIG_HOME: path.join(options.runDir, "xdg-config"), XDG_DATA_HOME: path.join(options.runDir, "xdg-data"), ...options.env };
  delete env.PORT;
  delete env.VSCODE_IPC_HOOK_CLI;

  const common = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  if (options.vsix) {
    try {
      const { stdout, stderr } = await promisify(execFile)(install.codeServer, [...common, "--install-extension", options.vsix], { env, timeout: 120_000 });
      fs.appendFileSync(logFile, stdout + stderr);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`code-server --install-extension ${options.vsix} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  }

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const args = ["--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
      "--disable-getting-started-override", "--ignore-last-opened", ...common];
    if (!trust) {
      args.push("--disable-workspace-trust");
    }
    args.push(options.workspace);
    fs.appendFileSync(logFile, `\n--- ${new Date().toISOString()} start on port ${port} (attempt ${attempt})\n`);
    const group: ProcessGroup = startGroup("code-server", install.codeServer, args, { env, logFile });
    try {
      await waitFor(async () => {
        if (group.hasExited()) {
          throw new Error(`code-server exited with ${await group.exited} before answering /healthz on port ${port}; its log:\n${tailFile(logFile)}`);
        }
        return healthy(origin);
      }, { what: `code-server's /healthz on ${origin}`, timeoutMs: options.startTimeoutMs ?? 60_000, intervalMs: 200, diagnose: () => `code-server log ${logFile}:\n${tailFile(logFile)}` });
    } catch (err) {
      await group.stop();
      lastError = err as Error;
      // Another process may have taken the port between freePort() and code-server's bind.
      if (/EADDRINUSE/.test(fs.readFileSync(logFile, "utf8"))) {
        continue;
      }
      throw err;
    }
    const remoteUri = (absPath: string) => `vscode-remote://127.0.0.1:${port}${absPath}`;
    return {
      port,
      origin,
      userDataDir,
      logFile,
      exited: group.exited,
      remoteUri,
      url(payload, folder = options.workspace) {
        let url = `${origin}/?${folder.endsWith(".code-workspace") ? "workspace" : "folder"}=${encodeURIComponent(folder)}`;
        if (payload) {
          url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
        }
        return url;
      },
      collectLogs(dest) {
        fs.mkdirSync(dest, { recursive: true });
        fs.copyFileSync(logFile, path.join(dest, "code-server.log"));
        const vscodeLogs = path.join(userDataDir, "logs");
        if (fs.existsSync(vscodeLogs)) {
          fs.cpSync(vscodeLogs, path.join(dest, "vscode-logs"), { recursive: true });
        }
      },
      stop: () => group.stop(),
    };
  }
  throw lastError ?? new Error("code-server did not start");
}
