// Types of generateTaskflowTypes.mjs, for the unit tests that import it.

/**
 * The text of taskflow.d.ts, generated from `root` (the repository root).
 * Throws when a type the module exposes cannot be written without importing another package.
 * @default root the repository this script is in
 */
export function generateTaskflowTypes(root?: string): string;

/** The same declarations as a module file (top-level exports): what the TypeScript server plugin resolves "taskflow" to. */
export function generateTaskflowModuleTypes(root?: string): string;

/**
 * Writes the generated types to `outFile` (created with its directory), and their module form to
 * `moduleOutFile` when given; returns the ambient text.
 * @default outFile `<root>/dist/taskflow.d.ts`
 */
export function writeTaskflowTypes(outFile?: string, root?: string, moduleOutFile?: string): string;
