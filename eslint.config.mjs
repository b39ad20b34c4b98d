// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = {
  name: "vscode",
  message: "Only src/extension may import vscode: keep the engine, store and runtime usable in plain Node.",
};

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
  {
    files: ["src/store/**/*.ts", "src/runtime/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [noVscode] }] },
  },
  {
    // The TypeScript server plugin runs inside tsserver: no vscode there, and only the TypeScript that
    // tsserver hands it (a value import would bundle a second, different compiler).
    files: ["src/tsserverPlugin/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [
          noVscode,
          { name: "typescript", allowTypeImports: true, message: "Use the TypeScript instance tsserver passes to the plugin." },
          { name: "typescript/lib/tsserverlibrary", allowTypeImports: true, message: "Use the TypeScript instance tsserver passes to the plugin." },
        ],
      }],
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [
          noVscode,
          { name: "sql.js", message: "The engine talks to storage only through the TaskStore interface." },
          { name: "fs", message: "The engine does no file I/O: that belongs to src/store or src/runtime." },
          { name: "node:fs", message: "The engine does no file I/O: that belongs to src/store or src/runtime." },
          { name: "fs/promises", message: "The engine does no file I/O: that belongs to src/store or src/runtime." },
          { name: "node:fs/promises", message: "The engine does no file I/O: that belongs to src/store or src/runtime." },
        ],
      }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
