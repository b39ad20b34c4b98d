// Bundles the bench to dist/bench.js, beside the build's worker.js, taskflow.js, storeFoldWorker.js
// and the .wasm files it finds through __dirname, so it runs as the product does: under plain node,
// with no tsx loader for worker threads to inherit. Packages stay in node_modules.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: ["bench/index.ts"],
  outfile: "dist/bench.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
