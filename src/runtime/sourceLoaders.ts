import path from "node:path";
import type { Loader } from "esbuild-wasm";

/** The extensions of the local files a task module can import, in the order a bare path tries them. */
export const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"];

const LOADERS: Record<string, Loader> = {
  ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".json": "json",
};

/** The esbuild loader of a source file by its extension; undefined for a file task modules cannot import. */
export function loaderFor(file: string): Loader | undefined {
  return LOADERS[path.extname(file).toLowerCase()];
}
