import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as esbuild from "esbuild";
import fc from "fast-check";
import { TASK_CONFIG_KEYS, parseTaskConfig } from "../../src/model";
import { compileModule } from "../../src/runtime/compileModule";
import type { ModuleDiagnostic } from "../../src/runtime/types";
import { Workspace, runtimeHooks, startHost, type HostEnv } from "../fixtures/modules/harness";
import { fuzzParameters, fuzzTimeout, hostileObject, hostileString, hostileValue } from "./helpers/fuzz";

const GOOD = `import { task } from "taskflow";
export const stillWorks = task(async (x: unknown) => x);
`;

// Tokens of task modules. Nothing here loops or waits forever: a module's top level gets 10 s.
const TOKENS = [
  "export", "const", "let", "x", "y", "=", "task(", "task", ")", "(", "{", "}", "[", "]", ",", ";", "\n", ":", "async", "=>", "await", "1", "\"s\"", "`", "/*", "*/", "//",
  "import", "from", "\"taskflow\"", "\"./nope\"", "\"node:fs\"", "{ task }", "require(\"taskflow\")", "module.exports", "export default", "class", "extends", "null", "undefined",
  "throw new Error(\"at load\")", "process.exit(1)", "type T = string;", "as any", "!", "?.", "...", "enum E { A }", "declare", "@dec", "#private", "new", "this", "function", "return",
];

const config = hostileObject(TASK_CONFIG_KEYS, fc.oneof(hostileValue, fc.constantFrom(3, 0, 1, -1, 0.5, "emails", "args[0]", { every: 60 }, { cron: "*/5 * * * *" }, { key: "args[0]", limit: 1 })));

/** Module sources: tasks with hostile configs, token soup, broken imports and plain random text. */
const moduleSource = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(config, fc.constantFrom("a", "b", "__proto__", "constructor", "default")).map(([c, name]) => {
    let text: string;
    try {
      text = JSON.stringify(c) ?? "undefined";
    } catch {
      text = "{ retries: 1n }";
    }
    return `import { task } from "taskflow";\nexport const ${name === "default" ? "d" : name} = task(${text}, async (x: unknown) => x);\n`;
  }) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((tokens) => tokens.join(" ")) },
  { weight: 1, arbitrary: hostileString.map((s) => `import { task } from "taskflow";\n${s.slice(0, 5000)}`) },
  { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 20_000)) },
);

function assertDiagnostic(d: ModuleDiagnostic, context: string): void {
  assert.equal(typeof d.message, "string", context);
  assert.ok(d.message.length > 0, `${context}: an empty diagnostic`);
  assert.ok(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1, `${context}: line and column are 1-based: ${JSON.stringify(d)}`);
  assert.ok(d.severity === "error" || d.severity === "warning", context);
}

describe("fuzz: task module sources", function () {
  this.timeout(fuzzTimeout(180_000));
  let distDir: string;
  let workspace: Workspace | undefined;
  let env: HostEnv | undefined;
  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  it("compiles any source text to an output or to diagnostics with a message and a position, never a throw", async () => {
    workspace = new Workspace();
    const ws = workspace;
    let n = 0;
    await fc.assert(fc.asyncProperty(moduleSource, async (source) => {
      const relative = `m${n++}.tasks.ts`;
      ws.write({ [relative]: source });
      const result = await compileModule({ file: ws.file(relative), workspaceRoot: ws.root, cacheDir: ws.cacheDir, taskflowPath: path.join(distDir, "taskflow.js"), esbuild });
      if (result.ok) return;
      assert.ok(result.diagnostics.length > 0, "a failed compile says why");
      for (const d of result.diagnostics) assertDiagnostic(d, relative);
    }), fuzzParameters());
  });

  it("loads any source text in a real module host to tasks whose configs the model accepts or to error diagnostics, and the host's other module keeps running tasks", async () => {
    workspace = new Workspace({ "good.tasks.ts": GOOD });
    env = await startHost(workspace, distDir);
    const { host, manager } = env;
    const ws = workspace;
    await host.setFiles([ws.file("good.tasks.ts")]);
    await fc.assert(fc.asyncProperty(moduleSource, async (source) => {
      ws.write({ "fuzz.tasks.ts": source });
      const fuzzFile = ws.file("fuzz.tasks.ts");
      await host.reload(fuzzFile);
      const fromFuzz = host.functions().filter((f) => f.file === fuzzFile);
      for (const f of fromFuzz) assert.doesNotThrow(() => parseTaskConfig(f.config), `a task registered with a config the model refuses: ${JSON.stringify(f.config)}`);
      for (const d of host.diagnostics()) assertDiagnostic(d, "fuzz.tasks.ts");
      const expected = [...source.matchAll(/export const (\w+) = task\(/g)].map((m) => m[1]);
      if (fromFuzz.length === 0 && expected.length > 0) {
        assert.ok(host.diagnostics().some((d) => d.file === fuzzFile && d.severity === "error"), `a module that registers none of its tasks says why: ${source.slice(0, 200)}`);
      }
      assert.deepEqual(host.diagnostics().filter((d) => d.file === ws.file("good.tasks.ts")), [], "the good module has no diagnostic");
      const record = await manager.waitFor(await manager.addTask("stillWorks", ["ok"]));
      assert.equal(record.status, "success", `the good module's task still runs: ${record.error}`);
    }), fuzzParameters(0.15));
  });
});
