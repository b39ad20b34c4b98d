/**
 * Which files are task modules, and the rewrite of their module resolutions that gives "taskflow"
 * its types. Pure: no TypeScript value import, so it is unit-tested in plain Node.
 */
import type * as ts from "typescript/lib/tsserverlibrary";

/** The module name task modules import the runtime by. */
export const TASKFLOW_MODULE = "taskflow";

/** File name of the module-form types inside the plugin's package folder. */
export const TYPES_FILE_NAME = "taskflow.d.ts";

const TASK_MODULE = /\.tasks\.(ts|mts|cts|js|mjs|cjs)$/i;

/** True for `*.tasks.ts`, `.mts`, `.cts`, `.js`, `.mjs` and `.cjs` files outside node_modules. */
export function isTaskModulePath(fileName: string): boolean {
  return TASK_MODULE.test(fileName) && !/[\\/]node_modules[\\/]/.test(fileName);
}

/**
 * The resolutions of one file's module names, with "taskflow" resolved to `typesFile` when the file
 * is a task module. That holds even when the workspace has a package of that name: the runtime gives
 * task modules its own "taskflow" whatever is installed, so the types must be its. `names[i]` is the
 * module name of `resolved[i]`.
 */
export function resolveTaskflowImports(
  resolved: readonly ts.ResolvedModuleWithFailedLookupLocations[],
  names: readonly string[],
  containingFile: string,
  typesFile: string,
  dtsExtension: ts.Extension,
): readonly ts.ResolvedModuleWithFailedLookupLocations[] {
  if (!isTaskModulePath(containingFile) || !names.includes(TASKFLOW_MODULE)) return resolved;
  return resolved.map((resolution, i) =>
    names[i] === TASKFLOW_MODULE
      ? { resolvedModule: { resolvedFileName: typesFile, extension: dtsExtension, isExternalLibraryImport: true } }
      : resolution,
  );
}
