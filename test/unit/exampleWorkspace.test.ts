import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ValidationError } from "../../src";
import { TYPES_RELATIVE_PATH } from "../../src/extension/commands/taskModuleTemplate";
import { startHost, Workspace, type HostEnv } from "../fixtures/modules/harness";
import { generatedTaskflowTypes } from "../fixtures/modules/taskflowTypes";
import { FakeClock } from "./helpers/fakeClock";
import { untilWaiting } from "./helpers/runStatus";
import { useRuntimeDist } from "./helpers/runtimeDist";

const root = path.join(__dirname, "..", "..");
const exampleDir = path.join(root, "examples", "workspace");

/** The task names a module's source declares: `export const x = task(`, `exports.x = task(`, and `name: "x"` in a config. */
function declaredTaskNames(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(/(?:export\s+const\s+|exports\.)(\w+)\s*=\s*task\(/g)) names.add(match[1]);
  for (const match of source.matchAll(/task\(\s*\{[^}]*?\bname:\s*["'](\w+)["']/g)) names.add(match[1]);
  return [...names];
}

/** The first ```ts block of the README: the task module a newcomer pastes first. */
function firstReadmeExample(): string {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  assert.ok(block, "expected a ```ts block in README.md");
  return block[1];
}

describe("example workspace", function () {
  this.timeout(60000); // a cap: generating and checking the types builds TypeScript programs, slow on a busy machine

  it("holds the same taskflow types that New Task Module copies from the extension", async () => {
    const shipped = await generatedTaskflowTypes();
    const example = readFileSync(path.join(exampleDir, TYPES_RELATIVE_PATH), "utf8");
    assert.equal(example, shipped, `regenerate it: node scripts/generateTaskflowTypes.mjs examples/workspace/${TYPES_RELATIVE_PATH}`);
  });

  it("declares none of the task names of the README's first example, so it works as pasted into this workspace", () => {
    const example = declaredTaskNames(firstReadmeExample());
    assert.ok(example.length > 0, "expected the README's first ```ts block to declare task functions (export const x = task(...))");
    const modules = readdirSync(exampleDir).filter((f) => /\.tasks\.[cm]?[jt]s$/.test(f));
    assert.ok(modules.length > 0, `expected task modules in ${exampleDir}`);
    const clashes = modules.flatMap((file) => {
      const declared = declaredTaskNames(readFileSync(path.join(exampleDir, file), "utf8"));
      return example.filter((name) => declared.includes(name)).map((name) => `${name} (${file})`);
    });
    assert.deepEqual(clashes, [], "rename these in the README's first example: pasted into examples/workspace, each is a Problem (the name is already declared)");
  });

  it("has an onboarding module that type-checks against those types", () => {
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] };
    const program = ts.createProgram([path.join(exampleDir, "onboarding.tasks.ts")], options);
    assert.deepEqual(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });

  describe("the onboarding flow, in real worker threads", () => {
    let distDir: string;
    let workspace: Workspace | undefined;
    let env: HostEnv | undefined;
    useRuntimeDist((dir) => (distDir = dir));
    afterEach(async () => {
      await env?.close();
      workspace?.dispose();
    });

    it("creates the account, sleeps, waits for the approval, provisions the workspaces and finishes", async () => {
      workspace = new Workspace({ "onboarding.tasks.ts": readFileSync(path.join(exampleDir, "onboarding.tasks.ts"), "utf8") });
      const clock = new FakeClock();
      env = await startHost(workspace, distDir, {}, { clock });
      await env.host.setFiles([workspace.file("onboarding.tasks.ts")]);
      assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
      const { manager } = env;
      const id = await manager.addTask("onboardUser", ["ada", ["notes", "projects"]]);
      await untilWaiting(manager, id, "sleep");
      await clock.advance(6_000);
      const asking = await untilWaiting(manager, id, "input");
      assert.equal(asking.waitingFor?.kind === "input" && asking.waitingFor.prompt, "Approve the account of ada?");
      await assert.rejects(manager.provideInput(id, "approval", { approve: true, plan: "gold" }), ValidationError);
      await manager.provideInput(id, "approval", { approve: true, plan: "team", note: "welcome" });
      const done = await manager.waitFor(id);
      assert.equal(done.status, "success", done.error ?? "");
      assert.deepEqual(done.result, { account: "acct-ada", approved: true, plan: "team", note: "welcome", workspaces: ["ada/notes", "ada/projects"] });
      assert.deepEqual(done.steps.map((s) => `${s.name}#${s.occurrence}`), ["create account#1", "sleep#1", "input:approval#1", "provision workspaces#1", "runs#1"]);
      assert.equal(manager.listTasks({ parentId: id }).length, 2);
    });
  });
});
