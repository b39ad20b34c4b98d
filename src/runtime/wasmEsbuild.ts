import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Plugin } from "esbuild-wasm";
import type { EsbuildApi } from "./compileModule";
import { SOURCE_EXTENSIONS, loaderFor } from "./sourceLoaders";

// TypeScript sources import "./x.js" meaning "./x.ts".
const TS_FOR_JS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"], ".jsx": [".tsx"] };

function isFile(candidate: string): boolean {
  return existsSync(candidate) && statSync(candidate).isFile();
}

/** Node-style resolution of a relative or absolute import of a local source file; undefined when none exists. */
export function resolveLocalImport(specifier: string, resolveDir: string): string | undefined {
  const base = path.resolve(resolveDir, specifier);
  const extension = path.extname(base);
  const candidates = [
    base,
    ...SOURCE_EXTENSIONS.map((e) => base + e),
    ...(TS_FOR_JS[extension] ?? []).map((e) => base.slice(0, -extension.length) + e),
    ...SOURCE_EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  ];
  return candidates.find(isFile);
}

/** Gives the file-system-less (browser) esbuild what it needs: resolving and reading local files. */
function fileSystemPlugin(): Plugin {
  return {
    name: "taskflow-file-system",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const local = args.kind === "entry-point" || args.path.startsWith(".") || path.isAbsolute(args.path);
        if (!local) {
          return { errors: [{ text: `Package "${args.path}" has no CommonJS entry (it is ESM only), which task modules cannot load yet: use a CommonJS build of it` }] };
        }
        const resolved = resolveLocalImport(args.path, args.resolveDir || process.cwd());
        if (resolved) return { path: resolved };
        return {
          errors: [{ text: `Cannot find "${args.path}" from ${args.resolveDir}: expected a file (tried the extensions ${SOURCE_EXTENSIONS.join(", ")} and index files)` }],
        };
      });
      build.onLoad({ filter: /.*/ }, async (args) => {
        const loader = loaderFor(args.path);
        if (!loader) {
          return { errors: [{ text: `Cannot import ${args.path}: task modules can import ${SOURCE_EXTENSIONS.join(", ")} files` }] };
        }
        return { contents: await readFile(args.path, "utf8"), loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

let initialized: Promise<typeof import("esbuild-wasm/lib/browser.js")> | undefined;

/**
 * esbuild-wasm running in this process (its browser build, so no `node` executable on PATH and no
 * platform binary are needed), with local files read through a plugin. Only for the compiler
 * process: the browser build needs a global `self`, which must not leak into the extension host.
 */
export async function createWasmEsbuild(wasmPath: string): Promise<EsbuildApi> {
  initialized ??= (async () => {
    (globalThis as { self?: unknown }).self ??= globalThis;
    // Imported here, not at the top: dist/worker.js also starts every task worker, which never compiles.
    const esbuildBrowser = await import("esbuild-wasm/lib/browser.js");
    // Node has WebAssembly, but @types/node does not declare it (it comes with the DOM's lib).
    const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } };
    const wasmModule = (await wasm.compile(readFileSync(wasmPath))) as Parameters<typeof esbuildBrowser.initialize>[0]["wasmModule"];
    await esbuildBrowser.initialize({ wasmModule, worker: false });
    return esbuildBrowser;
  })();
  const esbuildBrowser = await initialized;
  return {
    version: esbuildBrowser.version,
    build: (options) =>
      esbuildBrowser.build({ ...options, plugins: [...(options.plugins ?? []), fileSystemPlugin()] }),
  };
}
