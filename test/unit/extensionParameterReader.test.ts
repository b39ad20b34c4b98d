import * as assert from "node:assert/strict";
import ts from "typescript";
import { readTaskParameters, type ParameterDescriptor, type SignatureReading } from "../../src/extension/prompts/parameterReader";

function read(source: string, exportName: string, fileName = "images.tasks.ts"): SignatureReading {
  return readTaskParameters(ts, source, fileName, exportName);
}

function parameters(source: string, exportName: string, fileName?: string): ParameterDescriptor[] {
  const reading = read(source, exportName, fileName);
  assert.ok(reading.ok, `expected the parameters of ${exportName}, got: ${reading.ok ? "" : reading.reason}`);
  return reading.parameters;
}

const RESIZE = `import { task } from "taskflow";

type Mode = "fit" | "fill";

/**
 * Resizes an image.
 * @param path - the image file, relative to the workspace
 * @param width target width in pixels
 * @param mode how the image fits the box
 */
export const resize = task({ retries: 2 }, async (path: string, width = 800, mode: Mode = "fit", dryRun?: boolean) => {
  return { path, width, mode, dryRun };
});
`;

describe("extension: reading task parameters from TypeScript", () => {
  it("reads names, types, defaults and @param docs of a task written in place", () => {
    assert.deepEqual(parameters(RESIZE, "resize"), [
      { name: "path", typeText: "string", shape: { kind: "string" }, optional: false, defaultText: undefined, defaultValue: undefined, doc: "the image file, relative to the workspace" },
      { name: "width", typeText: "number", shape: { kind: "number" }, optional: true, defaultText: "800", defaultValue: { value: 800 }, doc: "target width in pixels" },
      { name: "mode", typeText: "Mode", shape: { kind: "literals", values: ["fit", "fill"] }, optional: true, defaultText: '"fit"', defaultValue: { value: "fit" }, doc: "how the image fits the box" },
      { name: "dryRun", typeText: "boolean", shape: { kind: "boolean" }, optional: true, defaultText: undefined, defaultValue: undefined, doc: "" },
    ]);
  });

  it("follows interfaces and type aliases of the module into object and array shapes", () => {
    const source = `import { task } from "taskflow";
interface ReportOptions { format?: "csv" | "json"; rows: number }
type Ids = Array<number>;
export const report = task(async (title: string, options: ReportOptions, ids: Ids = [], tags: string[] | undefined, extra: Record<string, unknown> = {}) => 1);
`;
    const [, options, ids, tags, extra] = parameters(source, "report");
    assert.deepEqual(options.shape, {
      kind: "object",
      properties: [
        { name: "format", optional: true, shape: { kind: "literals", values: ["csv", "json"] } },
        { name: "rows", optional: false, shape: { kind: "number" } },
      ],
    });
    assert.deepEqual(ids.shape, { kind: "array", element: { kind: "number" } });
    assert.deepEqual([tags.shape, tags.optional], [{ kind: "array", element: { kind: "string" } }, true]);
    assert.deepEqual(extra.shape, { kind: "object" });
  });

  it("reads a function declared in the module and passed to task() by name, and export { local as name }", () => {
    const source = `import { task } from "taskflow";
/** @param count how many times */
async function repeat(count: number, word: "a" | "b" | 3) { return count; }
const local = task({ name: "again" }, repeat);
export { local as again };
`;
    const [count, word] = parameters(source, "again");
    assert.equal(count.doc, "how many times");
    assert.deepEqual(word.shape, { kind: "literals", values: ["a", "b", 3] });
  });

  it("takes the type of an unannotated parameter from its default, as TypeScript does", () => {
    const [steps, label, flag] = parameters(`export const count = task(async (steps = 30, label = "x", flag = false) => steps);`, "count");
    assert.deepEqual([steps.typeText, label.typeText, flag.typeText], ["number", "string", "boolean"]);
    assert.deepEqual(label.shape, { kind: "string" }, "a string default gives string, not the literal");
  });

  it("treats an imported or generic type as any JSON value, and a union with undefined as optional", () => {
    const source = `import { task } from "taskflow";
import type { Options } from "./options";
export const run = task(async (options: Options, at: Date | undefined) => 1);`;
    const [options, at] = parameters(source, "run");
    assert.deepEqual([options.shape, options.optional], [{ kind: "json" }, false]);
    assert.equal(at.optional, true);
  });

  it("knows nothing of a rest parameter, of a function from another module, or of a name not exported", () => {
    assert.deepEqual(read(`export const all = task(async (...files: string[]) => 1);`, "all"), { ok: false, reason: "its rest parameter ...files takes any number of arguments" });
    assert.deepEqual(read(`import { work } from "./work";\nexport const imported = task({ retries: 1 }, work);`, "imported"), { ok: false, reason: "its function work is declared in another module" });
    assert.equal(read(RESIZE, "shrink").ok, false);
  });
});

describe("extension: reading task parameters from JavaScript", () => {
  const CLEANUP = `const { task } = require("taskflow");
/**
 * @param {string} dir the folder to clean
 * @param {number} [maxAgeDays=7] only files older than this
 * @param {"all"|"logs"} [what="all"]
 */
exports.cleanCache = task({ persist: true }, async (dir, maxAgeDays, what) => ({ dir, maxAgeDays, what }));
exports.untyped = task(async (a, b) => a + b);
module.exports.nothing = task(async () => 1);
`;

  it("reads JSDoc @param types, bracketed optional names and their defaults", () => {
    assert.deepEqual(parameters(CLEANUP, "cleanCache", "cleanup.tasks.js"), [
      { name: "dir", typeText: "string", shape: { kind: "string" }, optional: false, defaultText: undefined, defaultValue: undefined, doc: "the folder to clean" },
      { name: "maxAgeDays", typeText: "number", shape: { kind: "number" }, optional: true, defaultText: "7", defaultValue: { value: 7 }, doc: "only files older than this" },
      { name: "what", typeText: '"all"|"logs"', shape: { kind: "literals", values: ["all", "logs"] }, optional: true, defaultText: '"all"', defaultValue: { value: "all" }, doc: "" },
    ]);
  });

  it("says why when no parameter has a type, and reads a task with no parameters as none", () => {
    assert.deepEqual(read(CLEANUP, "untyped", "cleanup.tasks.js"), { ok: false, reason: "none of its parameters has a type (an annotation, a JSDoc @param {type} or a default value)" });
    assert.deepEqual(read(CLEANUP, "nothing", "cleanup.tasks.js"), { ok: true, parameters: [] });
  });

  it("reads tasks of module.exports = { ... }", () => {
    const source = `const { task } = require("taskflow");\nconst ping = task(async (host = "localhost") => host);\nmodule.exports = { ping, pong: task(async (times = 1) => times) };`;
    assert.equal(parameters(source, "ping", "net.tasks.cjs")[0].typeText, "string");
    assert.equal(parameters(source, "pong", "net.tasks.cjs")[0].typeText, "number");
  });
});
