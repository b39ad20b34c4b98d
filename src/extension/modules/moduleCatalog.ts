/**
 * Pure mappings between the workspace runtime and the editor: the runtime's modules, tasks and
 * diagnostics as the catalog and Problems entries, and an editor file event as what the runtime
 * should do about it. No vscode import, so they are tested in plain Node.
 */
import type { ModuleDiagnostic, TaskFunctionInfo } from "../../runtime/types";
import type { CatalogSnapshot, ModuleProblem } from "./taskCatalog";

/** What the mappings read of a WorkspaceRuntime. */
export interface RuntimeView {
  /** Absolute paths of the module files loaded, sorted. */
  modules(): string[];
  tasks(): TaskFunctionInfo[];
  diagnostics(): ModuleDiagnostic[];
  /** Whether an absolute path is a task module by the runtime's globs (node_modules never is). */
  isModulePath(file: string): boolean;
}

/** The catalog the Task Functions view, the Run Task picker and the API's taskFunctions() show. */
export function catalogSnapshot(runtime: RuntimeView): CatalogSnapshot {
  return {
    modules: runtime.modules(),
    functions: runtime.tasks(),
    // The runtime does not say which module a diagnostic in an imported file came from; the file at fault stands in.
    problems: runtime.diagnostics().map((d) => ({ ...d, modulePath: d.file })),
  };
}

/** One Problems panel entry: where it starts, 0-based as `vscode.Range` takes it, to the end of that line. */
export interface ProblemEntry {
  /** 0-based. */
  line: number;
  /** 0-based. */
  column: number;
  message: string;
  severity: "error" | "warning";
}

/** The problems grouped by the file they are in, in their order, with 1-based positions made 0-based. */
export function problemsByFile(problems: readonly ModuleProblem[]): Map<string, ProblemEntry[]> {
  const byFile = new Map<string, ProblemEntry[]>();
  for (const problem of problems) {
    const entry: ProblemEntry = {
      line: Math.max(0, problem.line - 1),
      column: Math.max(0, problem.column - 1),
      message: problem.message,
      severity: problem.severity,
    };
    const list = byFile.get(problem.file);
    if (list) list.push(entry);
    else byFile.set(problem.file, [entry]);
  }
  return byFile;
}

/** An editor file event: a document saved, or a file or folder created, changed or deleted (a rename is a delete and a create). */
export type FileEventKind = "saved" | "created" | "changed" | "deleted";

/** What a file event asks of the runtime. */
export type ModuleAction =
  /** `runtime.reload(file)` for each: loads a new module, reloads a changed one, unloads a gone one. */
  | { kind: "reload"; files: string[] }
  /** The path is not a module but may be a folder created or moved in with modules inside. */
  | { kind: "scanFolder"; folder: string }
  | { kind: "none" };

/** What the runtime should do about one file event at the absolute path `file`. */
export function moduleActionFor(kind: FileEventKind, file: string, runtime: Pick<RuntimeView, "modules" | "isModulePath">, sep = "/"): ModuleAction {
  if (runtime.isModulePath(file)) return { kind: "reload", files: [file] };
  if (kind === "deleted") {
    // A deleted folder takes every module under it, and no event comes for each of them.
    const prefix = file.endsWith(sep) ? file : file + sep;
    const gone = runtime.modules().filter((m) => m.startsWith(prefix));
    return gone.length > 0 ? { kind: "reload", files: gone } : { kind: "none" };
  }
  if (kind === "created") return { kind: "scanFolder", folder: file };
  return { kind: "none" };
}
