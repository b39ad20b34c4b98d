/** An error the CLI reports as one line and exits with: 2 for bad usage, 1 for everything else. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(readonly exitCode: 1 | 2, message: string) {
    super(message);
  }
}

/** Bad usage: exit code 2. */
export function usage(message: string): CliError {
  return new CliError(2, message);
}

/** The exit code and line for anything a command threw. */
export function exitFor(error: unknown): { code: 1 | 2; message: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  if (e instanceof CliError) return { code: e.exitCode, message: e.message };
  // Input the engine refused (arguments, options, a query) is bad usage too.
  if (e.name === "ValidationError") return { code: 2, message: e.message };
  return { code: 1, message: e.message };
}
