// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = {
  name: "vscode",
  message: "Only src/extension may import vscode: keep the engine, store and runtime usable in plain Node.",
};

// The engine (and its core) do no storage of their own: they see the TaskStore interface only.
const noStorage = [
  { name: "sql.js", message: "The engine talks to storage only through the TaskStore interface." },
  ...["fs", "node:fs", "fs/promises", "node:fs/promises"].map((name) => ({
    name,
    message: "The engine does no file I/O: that belongs to src/store or src/runtime.",
  })),
];

// The TypeScript server plugin runs inside tsserver: only the TypeScript that tsserver hands it (a
// value import would bundle a second, different compiler).
const tsserverTypeScript = ["typescript", "typescript/lib/tsserverlibrary"].map((name) => ({
  name,
  allowTypeImports: true,
  message: "Use the TypeScript instance tsserver passes to the plugin.",
}));

const LAYER_ORDER = "model -> store -> core -> engine, backends -> runtime -> http -> cli -> extension";

/**
 * The folders of src, each with the folders below it that it may import. Imports only point down,
 * neither backend imports the other, and nothing inside src imports the package entry (src/index.ts),
 * which sits above every layer. The protocol files sit with the model, so every layer may import them.
 */
const LAYERS = [
  { folder: "model", below: [], paths: [noVscode] },
  { folder: "store", below: ["model"], paths: [noVscode] },
  { folder: "core", below: ["model", "store"], paths: [noVscode, ...noStorage] },
  { folder: "engine", below: ["model", "store", "core"], paths: [noVscode, ...noStorage] },
  { folder: "backends", below: ["model", "store", "core"], paths: [noVscode] },
  { folder: "runtime", below: ["model", "store", "core", "engine", "backends"], paths: [noVscode] },
  { folder: "http", below: ["model", "store", "core", "engine", "backends", "runtime"], paths: [noVscode] },
  { folder: "cli", below: ["model", "store", "core", "engine", "backends", "runtime", "http"], paths: [noVscode] },
  { folder: "extension", below: ["model", "store", "core", "engine", "backends", "runtime", "http", "cli"], paths: [] },
  { folder: "tsserverPlugin", below: ["model"], paths: [noVscode, ...tsserverTypeScript] },
];
const PROTOCOL = ["protocol", "protocolEnvelope"];

const packageEntry = {
  regex: "^(\\.\\./)*\\.\\.(/index)?$",
  message: "src/index.ts is the package entry, above every layer: import what you need from the layer that owns it.",
};

/** One no-restricted-imports block per folder of src, plus the protocol files and the webviews. */
function layerRules() {
  const folders = LAYERS.map((l) => l.folder);
  const blocks = LAYERS.map(({ folder, below, paths }) => {
    const above = folders.filter((f) => f !== folder && !below.includes(f));
    const allowed = below.length > 0 ? `${below.map((f) => `src/${f}`).join(", ")} of src, and the protocol files` : "the protocol files of src";
    const peers = folder === "engine" || folder === "backends" ? "; the local backend (src/engine) and src/backends never import each other" : "";
    const patterns = [packageEntry];
    if (above.length > 0) {
      patterns.push({
        regex: `^(\\.\\./)+(${above.join("|")})(/|$)`,
        caseSensitive: true,
        message: `src/${folder} may import only ${allowed}: imports point down, ${LAYER_ORDER}${peers}.`,
      });
    }
    return { files: [`src/${folder}/**/*.ts`], rules: { "no-restricted-imports": ["error", { paths, patterns }] } };
  });
  const modelLevel = `(${["model", ...PROTOCOL].join("|")})`;
  blocks.push({
    files: PROTOCOL.map((f) => `src/${f}.ts`),
    rules: {
      "no-restricted-imports": ["error", {
        paths: [noVscode],
        patterns: [{
          regex: `^\\.(\\.)?/(?!${modelLevel}(/|$))|^\\.(/index)?$`,
          caseSensitive: true,
          message: `The protocol files sit with the model: they may import src/model and each other, nothing above: layers point down, ${LAYER_ORDER}.`,
        }],
      }],
    },
  });
  blocks.push({
    files: ["webview/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [noVscode],
        patterns: [{
          regex: `^(\\.\\./)+src/(?!${modelLevel}(/|$))`,
          caseSensitive: true,
          message: "A webview sees only src/model and src/protocol.ts: it talks to the extension through the protocol's messages.",
        }],
      }],
    },
  });
  return blocks;
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".vscode-test/**", ".tsbuild/**", "test-results/**", "examples/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
    },
  },
  {
    // Type-aware rules: each TypeScript file is checked with the project (tsconfig) that holds it.
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/require-array-sort-compare": ["error", { ignoreStringArrays: true }],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/only-throw-error": "error",
    },
  },
  ...layerRules(),
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
