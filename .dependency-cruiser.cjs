// @ts-check
// Import circles, checked by `npm run lint` (the layers themselves are eslint.config.mjs's
// no-restricted-imports). Type-only imports count: a circle of types still ties two modules together,
// and ESLint's cycle rules skip them.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Imports only point down (model, store, core, engine and backends, runtime, cli and http, extension): a module may not import one that imports it back, even through others. Move what both need into its own module, in the lower of the two.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|\\.tsbuild|test/fixtures)/" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
