import { existsSync } from "node:fs";
import path from "node:path";
import initSqlJs, { type SqlJsStatic } from "sql.js";

/**
 * Where sql-wasm.wasm is: next to the running bundle (the build copies it into dist/), else in the
 * sql.js package (running from sources).
 */
export function sqlWasmPath(): string {
  const bundled = path.join(__dirname, "sql-wasm.wasm");
  if (existsSync(bundled)) return bundled;
  try {
    return require.resolve("sql.js/dist/sql-wasm.wasm");
  } catch {
    throw new Error(`sql-wasm.wasm not found: expected it at ${bundled} (copied there by the build) or in the sql.js package; run the build again`);
  }
}

// One sql.js instance per thread: compiling the wasm module costs tens of milliseconds.
let sqlJs: Promise<SqlJsStatic> | undefined;

/** The sql.js module, initialised once per thread. */
export function loadSqlJs(wasmPath: string = sqlWasmPath()): Promise<SqlJsStatic> {
  if (!sqlJs) {
    sqlJs = initSqlJs({ locateFile: () => wasmPath });
    sqlJs.catch(() => { sqlJs = undefined; });
  }
  return sqlJs;
}
