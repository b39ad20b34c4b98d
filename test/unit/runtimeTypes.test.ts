import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { TaskRecord } from "../../src";
import { TASK_CONFIG_KEYS } from "../../src/model/schemas";
import { generatedTaskflowTypes, SHIPPED_TYPES_PATH } from "../fixtures/modules/taskflowTypes";

const repoRoot = path.resolve(__dirname, "../..");

/** Doc comment of each property of the object literal `TaskConfigSchema` is built from, by key. */
function schemaDocs(): Map<string, string> {
  const file = path.join(repoRoot, "src/model/schemas.ts");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === "TaskConfigSchema" && node.initializer && ts.isCallExpression(node.initializer)) {
      const entries = node.initializer.arguments[0];
      if (ts.isObjectLiteralExpression(entries)) for (const property of entries.properties) docs.set(property.name?.getText() ?? "", docOf(property));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

/** Doc comment of each member of `interface TaskConfig` inside `declare module "taskflow"`, by name. */
function declaredDocs(text: string): Map<string, string> {
  const source = ts.createSourceFile("taskflow.d.ts", text, ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === "TaskConfig" && ts.isModuleBlock(node.parent)) {
      for (const member of node.members) docs.set(member.name?.getText() ?? "", docOf(member));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

function docOf(node: ts.Node): string {
  const doc = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).pop();
  if (!doc) return "";
  const tags = (doc.tags ?? []).map((tag) => `@${tag.tagName.text} ${ts.getTextOfJSDocComment(tag.comment) ?? ""}`.trim());
  return [ts.getTextOfJSDocComment(doc.comment) ?? "", ...tags].join(" ").trim();
}

describe("runtime: the taskflow.d.ts types for task modules", function () {
  this.timeout(30000); // TypeScript programs: a few seconds each on a busy machine

  it("type-check a task module and reject wrong arguments and unknown config fields", async () => {
    // The fixture marks the calls that must not compile with @ts-expect-error: if the types let them
    // through, TypeScript reports the unused directive, so an empty result proves both directions.
    const types = await generatedTaskflowTypes();
    const file = path.resolve(__dirname, "../fixtures/modules/typed.tasks.ts");
    const options: ts.CompilerOptions = {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      lib: ["lib.es5.d.ts", "lib.es2015.promise.d.ts"], types: [],
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, languageVersion, ...rest) =>
      path.resolve(name) === SHIPPED_TYPES_PATH ? ts.createSourceFile(name, types, languageVersion, true) : getSourceFile(name, languageVersion, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === SHIPPED_TYPES_PATH || fileExists(name);
    const program = ts.createProgram([file], options, host);
    assert.ok(program.getSourceFile(SHIPPED_TYPES_PATH), "the fixture's /// <reference> no longer points at dist/taskflow.d.ts");
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    assert.deepEqual(problems, []);
  });

  it("declare every TaskConfig key of the model with the doc comment of its schema entry", async () => {
    const declared = declaredDocs(await generatedTaskflowTypes());
    const model = schemaDocs();
    assert.deepEqual([...declared.keys()], TASK_CONFIG_KEYS, "TaskConfig in taskflow.d.ts has other keys than the model's");
    for (const key of TASK_CONFIG_KEYS) {
      assert.notEqual(model.get(key) ?? "", "", `the model's TaskConfigSchema entry "${key}" has no doc comment: add one, users see it`);
      assert.equal(declared.get(key), model.get(key), `doc comment of "${key}"`);
    }
  });

  it("declare FinishedRun (what waitForRuns gives) with fields a run's toDict() has", async () => {
    const source = ts.createSourceFile("taskflow.d.ts", await generatedTaskflowTypes(), ts.ScriptTarget.ES2022, true);
    const members: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isInterfaceDeclaration(node) && node.name.text === "FinishedRun") for (const m of node.members) members.push(m.name?.getText() ?? "");
      ts.forEachChild(node, visit);
    };
    visit(source);
    assert.ok(members.length > 0, "taskflow.d.ts declares no FinishedRun");
    const dictKeys = Object.keys(new TaskRecord({ taskId: "t", funcName: "f", createdAt: new Date(0) }).toDict());
    assert.deepEqual(members.filter((m) => !dictKeys.includes(m)), [], "FinishedRun fields missing from toDict()");
  });

  it("document step, sleep, waitForInput, waitForRuns and WaitTimeoutError with an example each", async () => {
    const source = ts.createSourceFile("taskflow.d.ts", await generatedTaskflowTypes(), ts.ScriptTarget.ES2022, true);
    const docs = new Map<string, string>();
    const visit = (node: ts.Node): void => {
      if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name && ts.isModuleBlock(node.parent)) docs.set(node.name.text, docOf(node));
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const name of ["step", "sleep", "waitForInput", "waitForRuns", "WaitTimeoutError"]) {
      assert.match(docs.get(name) ?? "", /@example \S/, `${name} has no doc comment with an @example`);
    }
  });

  it("stand alone: one ambient module that imports and references nothing", async () => {
    const source = ts.createSourceFile("taskflow.d.ts", await generatedTaskflowTypes(), ts.ScriptTarget.ES2022, true);
    const imports: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node) || ts.isImportTypeNode(node)) imports.push(node.getText());
      ts.forEachChild(node, visit);
    };
    visit(source);
    assert.deepEqual(imports, []);
    assert.deepEqual([...source.referencedFiles, ...source.typeReferenceDirectives].map((r) => r.fileName), []);
    assert.deepEqual(source.statements.map((s) => (ts.isModuleDeclaration(s) ? s.name.getText() : ts.SyntaxKind[s.kind])), ['"taskflow"']);
  });
});
