import * as assert from "node:assert/strict";
import { catalogSnapshot, moduleActionFor, problemsByFile, type RuntimeView } from "../../src/extension/modules/moduleCatalog";
import type { ModuleDiagnostic, TaskFunctionInfo } from "../../src/runtime/types";

const ROOT = "/ws";
const MODULES = ["/ws/a.tasks.ts", "/ws/jobs/b.tasks.ts", "/ws/jobs/deep/c.tasks.ts"];

function runtimeView(overrides: { tasks?: TaskFunctionInfo[]; diagnostics?: ModuleDiagnostic[] } = {}): RuntimeView {
  return {
    modules: () => [...MODULES],
    tasks: () => overrides.tasks ?? [],
    diagnostics: () => overrides.diagnostics ?? [],
    isModulePath: (file) => file.startsWith(`${ROOT}/`) && file.endsWith(".tasks.ts") && !file.includes("/node_modules/"),
  };
}

describe("extension: the module catalog mappings", () => {
  it("maps the runtime's modules, tasks and diagnostics to the catalog, each problem under the file at fault", () => {
    const greet: TaskFunctionInfo = { name: "greet", exportName: "greet", file: MODULES[0], line: 3, config: { retries: 2 } };
    const broken: ModuleDiagnostic = { file: "/ws/lib/util.ts", line: 7, column: 5, severity: "error", message: "Expected \";\"" };
    const snapshot = catalogSnapshot(runtimeView({ tasks: [greet], diagnostics: [broken] }));
    assert.deepEqual(snapshot, {
      modules: MODULES,
      functions: [greet],
      problems: [{ ...broken, modulePath: "/ws/lib/util.ts" }],
    });
  });

  it("groups problems by file for the Problems panel, with 1-based positions made 0-based and never negative", () => {
    const at = (file: string, line: number, column: number, message: string, severity: "error" | "warning" = "error") =>
      ({ file, modulePath: file, line, column, message, severity });
    const byFile = problemsByFile([
      at("/ws/a.tasks.ts", 4, 12, "Unexpected \";\""),
      at("/ws/b.tasks.ts", 1, 1, "No tasks found", "warning"),
      at("/ws/a.tasks.ts", 9, 1, "Task name \"x\" is already declared"),
      at("/ws/c.tasks.ts", 0, 0, "Loading the module failed"),
    ]);
    assert.deepEqual([...byFile.keys()], ["/ws/a.tasks.ts", "/ws/b.tasks.ts", "/ws/c.tasks.ts"]);
    assert.deepEqual(byFile.get("/ws/a.tasks.ts"), [
      { line: 3, column: 11, message: "Unexpected \";\"", severity: "error" },
      { line: 8, column: 0, message: "Task name \"x\" is already declared", severity: "error" },
    ]);
    assert.deepEqual(byFile.get("/ws/b.tasks.ts"), [{ line: 0, column: 0, message: "No tasks found", severity: "warning" }]);
    assert.deepEqual(byFile.get("/ws/c.tasks.ts"), [{ line: 0, column: 0, message: "Loading the module failed", severity: "error" }]);
  });

  it("reloads a module on every kind of event: saved, created, changed and deleted", () => {
    for (const kind of ["saved", "created", "changed", "deleted"] as const) {
      assert.deepEqual(moduleActionFor(kind, "/ws/new.tasks.ts", runtimeView()), { kind: "reload", files: ["/ws/new.tasks.ts"] }, kind);
    }
  });

  it("unloads every module under a deleted folder, and nothing for a deleted folder without modules", () => {
    assert.deepEqual(moduleActionFor("deleted", "/ws/jobs", runtimeView()), { kind: "reload", files: ["/ws/jobs/b.tasks.ts", "/ws/jobs/deep/c.tasks.ts"] });
    assert.deepEqual(moduleActionFor("deleted", "/ws/jobs/", runtimeView()), { kind: "reload", files: ["/ws/jobs/b.tasks.ts", "/ws/jobs/deep/c.tasks.ts"] });
    assert.deepEqual(moduleActionFor("deleted", "/ws/job", runtimeView()), { kind: "none" }, "a prefix of a folder's name is not that folder");
    assert.deepEqual(moduleActionFor("deleted", "/ws/docs", runtimeView()), { kind: "none" });
  });

  it("looks inside a created path that is not a module (it may be a folder moved in), and ignores saves and changes of other files", () => {
    assert.deepEqual(moduleActionFor("created", "/ws/moved", runtimeView()), { kind: "scanFolder", folder: "/ws/moved" });
    assert.deepEqual(moduleActionFor("saved", "/ws/README.md", runtimeView()), { kind: "none" });
    assert.deepEqual(moduleActionFor("changed", "/ws/node_modules/x/y.tasks.ts", runtimeView()), { kind: "none" });
  });

  it("uses the platform's separator for folders", () => {
    const windows: Pick<RuntimeView, "modules" | "isModulePath"> = { modules: () => ["C:\\ws\\jobs\\b.tasks.ts"], isModulePath: () => false };
    assert.deepEqual(moduleActionFor("deleted", "C:\\ws\\jobs", windows, "\\"), { kind: "reload", files: ["C:\\ws\\jobs\\b.tasks.ts"] });
  });
});
