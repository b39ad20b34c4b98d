// One build for every target: node bundles (CommonJS) for the engine, extension, task worker and the
// "taskflow" runtime that task modules import; browser bundles for the webviews; and the
// extension-host test suite. A target whose entry file does not exist yet is skipped.
// Flags: --watch rebuilds on change, --production minifies and drops source maps.
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, copyFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const common = {
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "info",
  legalComments: "none",
};

const node = { ...common, platform: "node", format: "cjs", target: "node20" };
const browser = { ...common, platform: "browser", format: "iife", target: "es2022" };

/** @type {Array<{ entry: string, outfile: string, options: object }>} */
const targets = [
  { entry: "src/engine/index.ts", outfile: "dist/engine.js", options: node },
  { entry: "src/extension/extension.ts", outfile: "dist/extension.js", options: { ...node, external: ["vscode", "esbuild-wasm"] } },
  { entry: "src/runtime/worker.ts", outfile: "dist/worker.js", options: { ...node, external: ["esbuild-wasm"] } },
  { entry: "src/runtime/taskflowApi.ts", outfile: "dist/taskflow.js", options: node },
  { entry: "webview/taskPanel/main.ts", outfile: "dist/webview/taskPanel.js", options: browser },
  { entry: "webview/dashboard/main.ts", outfile: "dist/webview/dashboard.js", options: browser },
  { entry: "test/vscode/suite/index.ts", outfile: "dist/test/vscode/index.js", options: { ...node, external: ["vscode", "mocha", "esbuild-wasm"] } },
].filter((t) => existsSync(t.entry));

function copyAssets() {
  mkdirSync("dist", { recursive: true });
  copyFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"), path.join("dist", "sql-wasm.wasm"));
  // Types of the "taskflow" module that workspace task modules import (IntelliSense for "New Task Module").
  if (existsSync("src/runtime/taskflow.d.ts")) copyFileSync("src/runtime/taskflow.d.ts", path.join("dist", "taskflow.d.ts"));
}

copyAssets();
const contexts = await Promise.all(
  targets.map((t) => esbuild.context({ ...t.options, entryPoints: [t.entry], outfile: t.outfile })),
);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  try {
    await Promise.all(contexts.map((c) => c.rebuild()));
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
}
