/** What a command may do to the outside world. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (colour, progress). */
  isTty: boolean;
  env: NodeJS.ProcessEnv;
  /** Resolves on Ctrl-C or SIGTERM. */
  interrupted: Promise<void>;
}
