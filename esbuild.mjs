// One build for every target: node bundles (CommonJS) for the engine, extension, task worker and the
// "taskflow" runtime that task modules import, with that module's types (dist/taskflow.d.ts); browser
// bundles for the webviews; and the extension-host test suite. A target whose entry file does not exist yet is skipped.
// Flags: --watch rebuilds on change, --production minifies and drops source maps.
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, copyFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { writeTaskflowTypes } from "./scripts/generateTaskflowTypes.mjs";

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

// The TypeScript server plugin (package.json contributes.typescriptServerPlugins). tsserver loads a
// plugin only by package name, from <extension>/node_modules/<name>, so the build writes that package
// there: package.json, the bundle, and the module-form types it resolves "taskflow" to. It is built
// output like dist/ (node_modules is git-ignored); scripts/packageExtension.mjs adds it to the .vsix,
// because vsce --no-dependencies leaves node_modules out.
const TSSERVER_PLUGIN = "taskflow-tsserver-plugin";
const pluginDir = path.join("node_modules", TSSERVER_PLUGIN);
function writePluginManifest() {
  mkdirSync(pluginDir, { recursive: true });
  const manifest = { name: TSSERVER_PLUGIN, version: "0.1.0", private: true, main: "index.js", description: "Taskflow's TypeScript server plugin: types for \"taskflow\" in task modules (built by esbuild.mjs)" };
  writeFileSync(path.join(pluginDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

// Types of the "taskflow" module that workspace task modules import (IntelliSense for "New Task Module"
// and, in module form, for the TypeScript server plugin), generated from the model and the module's
// source before each build of that module, so --watch regenerates them when the model changes. A
// generator error fails the build.
const taskflowTypes = {
  name: "taskflow-types",
  setup(build) {
    build.onStart(() => {
      try {
        writeTaskflowTypes(path.join("dist", "taskflow.d.ts"), undefined, path.join(pluginDir, "taskflow.d.ts"));
        return undefined;
      } catch (error) {
        return { errors: [{ text: `Generating dist/taskflow.d.ts failed: ${error.message}` }] };
      }
    });
  },
};

/** @type {Array<{ entry: string, outfile: string, options: object }>} */
const targets = [
  { entry: "src/index.ts", outfile: "dist/engine.js", options: node },
  // The taskflow command (package.json "bin"): dist/cli.js beside worker.js and taskflow.js, which it runs task modules with.
  { entry: "src/cli/main.ts", outfile: "dist/cli.js", options: { ...node, banner: { js: "#!/usr/bin/env node" } } },
  { entry: "src/extension/extension.ts", outfile: "dist/extension.js", options: { ...node, external: ["vscode", "esbuild-wasm"] } },
  // The worker bundles esbuild-wasm's in-process (browser) build: it compiles task modules too.
  { entry: "src/runtime/worker.ts", outfile: "dist/worker.js", options: node },
  // The program the debugger launches for "Debug Task": one attempt in a process of its own.
  { entry: "src/runtime/debugRunner.ts", outfile: "dist/debugRunner.js", options: node },
  { entry: "src/runtime/taskflowApi.ts", outfile: "dist/taskflow.js", options: { ...node, plugins: [taskflowTypes] } },
  { entry: "src/tsserverPlugin/index.ts", outfile: path.join(pluginDir, "index.js"), options: node },
  // The store folds its journal into the database file in this worker, off the caller's event loop.
  { entry: "src/store/foldWorker.ts", outfile: "dist/storeFoldWorker.js", options: node },
  { entry: "webview/taskPanel/main.ts", outfile: "dist/webview/taskPanel.js", options: browser },
  { entry: "webview/dashboard/main.ts", outfile: "dist/webview/dashboard.js", options: browser },
].filter((t) => existsSync(t.entry));

// The extension-host suite: its runner and each test file beside it, one bundle each, so that adding a
// test is adding a file (the runner globs dist/test/vscode/ for *.test.js). Cleared first so a deleted
// test does not linger.
const suiteDir = "test/vscode/suite";
const suiteOut = "dist/test/vscode";
const suiteEntries = existsSync(path.join(suiteDir, "index.ts"))
  ? [path.join(suiteDir, "index.ts"), ...readdirSync(suiteDir, { recursive: true })
      .filter((f) => String(f).endsWith(".test.ts"))
      .map((f) => path.join(suiteDir, String(f)))]
  : [];

function copyAssets() {
  mkdirSync("dist", { recursive: true });
  copyFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"), path.join("dist", "sql-wasm.wasm"));
  copyFileSync(require.resolve("esbuild-wasm/esbuild.wasm"), path.join("dist", "esbuild.wasm"));
}

copyAssets();
writePluginManifest();
rmSync(suiteOut, { recursive: true, force: true });
const contexts = await Promise.all([
  ...targets.map((t) => esbuild.context({ ...t.options, entryPoints: [t.entry], outfile: t.outfile })),
  ...(suiteEntries.length > 0
    ? [esbuild.context({ ...node, external: ["vscode", "mocha", "esbuild-wasm"], entryPoints: suiteEntries, outbase: suiteDir, outdir: suiteOut })]
    : []),
]);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  try {
    await Promise.all(contexts.map((c) => c.rebuild()));
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
}
