/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, in words; it starts the timeout message ("timed out after 30 s waiting for <what>"). */
  what: string;
  /** How long to wait before failing, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** How often to check the condition, in milliseconds. @default 100 */
  intervalMs?: number;
  /** Called on timeout; its text is appended to the error (e.g. the last lines of a log). */
  diagnose?: () => string;
}

/**
 * Resolves with the first truthy value `check` returns, checking every `intervalMs`; rejects with
 * a message naming what was awaited when `timeoutMs` passes first. A throwing `check` fails at once.
 */
export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitForOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() >= deadline) {
      const extra = options.diagnose ? `\n${options.diagnose()}` : "";
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${options.what}${extra}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
