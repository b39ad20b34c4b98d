/** Shapes the runtime gives the extension: task functions found in modules, and problems. */
import type { TaskConfig } from "../model/schemas";

/** A task function declared by a workspace task module. */
export interface TaskFunctionInfo {
  /** Registered name: `config.name` ?? exportName. */
  name: string;
  exportName: string;
  /** Absolute path of the task module. */
  file: string;
  /** 1-based line of the `task(...)` call in `file`; 1 when it could not be found. */
  line: number;
  /** The task's config as declared, checked against the model's TaskConfigSchema. */
  config: TaskConfig;
}

/** A problem with a task module, for the Problems panel. */
export interface ModuleDiagnostic {
  /** Absolute path; may be a file the module imports. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  severity: "error" | "warning";
}

/** Where a registered task runs from: the module version it was registered from. */
export interface CompiledTask {
  /** Registered name. */
  name: string;
  exportName: string;
  /** Absolute path of the task module's source. */
  sourcePath: string;
  /** Absolute path of its compiled CommonJS output in the compile cache (inline source map to the source). */
  compiledPath: string;
}
