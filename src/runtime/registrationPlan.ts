import path from "node:path";
import type { TaskConfig } from "../model";
import type { ModuleDiagnostic } from "./types";
import type { DeclaredTask } from "./workerProtocol";

/** One task module as the host has loaded it. */
export interface ModuleState {
  file: string;
  /** Bumped on every load, so registrations know they are stale. */
  version: number;
  outputPath?: string;
  tasks: DeclaredTask[];
  diagnostics: ModuleDiagnostic[];
}

/** A task as it should be registered on the manager, from one module version. */
export interface PlannedRegistration {
  name: string;
  exportName: string;
  file: string;
  version: number;
  outputPath: string;
  line: number;
  config: TaskConfig;
}

/**
 * The registrations the loaded modules ask for, in module order, then source order. A name declared
 * twice goes to the first declaration; the later one gets an error diagnostic on its line.
 */
export function planRegistrations(
  modules: readonly ModuleState[],
  workspaceRoot: string,
): { desired: Map<string, PlannedRegistration>; problems: ModuleDiagnostic[] } {
  const desired = new Map<string, PlannedRegistration>();
  const problems: ModuleDiagnostic[] = [];
  for (const state of modules) {
    if (!state.outputPath) continue;
    for (const declared of state.tasks) {
      const line = declared.file === state.file && declared.line ? declared.line : 1;
      const owner = desired.get(declared.name);
      if (owner) {
        const where = owner.file === state.file
          ? `by export "${owner.exportName}" of this module (line ${owner.line})`
          : `in ${path.relative(workspaceRoot, owner.file) || owner.file} (line ${owner.line})`;
        problems.push({
          file: state.file, line, column: 1, severity: "error",
          message: `Task name "${declared.name}" is already declared ${where}: give one of them another name ` +
            `(task({ name: "..." }, fn)). Export "${declared.exportName}" is not registered.`,
        });
        continue;
      }
      desired.set(declared.name, {
        name: declared.name, exportName: declared.exportName, file: state.file, version: state.version,
        outputPath: state.outputPath, line, config: declared.config,
      });
    }
  }
  return { desired, problems };
}

/**
 * The held tasks (name to module file) that left the workspace: their module is gone, or loaded
 * without them. They are removed from `held`; those registered again (`desired`) are dropped from it
 * too, and those of a module that does not load now stay.
 */
export function leftWorkspace(held: Map<string, string>, modules: ReadonlyMap<string, ModuleState>, desired: ReadonlyMap<string, PlannedRegistration>): string[] {
  const left: string[] = [];
  for (const [name, file] of held) {
    const module = modules.get(file);
    if (!desired.has(name) && module && module.outputPath === undefined) continue;
    held.delete(name);
    if (!desired.has(name)) left.push(name);
  }
  return left;
}
