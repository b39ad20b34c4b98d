import * as assert from "node:assert/strict";
import type * as ts from "typescript/lib/tsserverlibrary";
import { isTaskModulePath, resolveTaskflowImports } from "../../src/tsserverPlugin/resolution";

const DTS = ".d.ts" as ts.Extension;
const TYPES = "/ext/node_modules/taskflow-tsserver-plugin/taskflow.d.ts";
const unresolved: ts.ResolvedModuleWithFailedLookupLocations = { resolvedModule: undefined };
const lodash: ts.ResolvedModuleWithFailedLookupLocations = {
  resolvedModule: { resolvedFileName: "/ws/node_modules/lodash/index.d.ts", extension: DTS, isExternalLibraryImport: true },
};

describe("tsserver plugin: resolving \"taskflow\" in task modules", () => {
  it("treats every task module extension as a task module, and nothing under node_modules", () => {
    for (const ext of ["ts", "mts", "cts", "js", "mjs", "cjs"]) assert.ok(isTaskModulePath(`/ws/src/mine.tasks.${ext}`), ext);
    assert.ok(!isTaskModulePath("/ws/src/mine.ts"));
    assert.ok(!isTaskModulePath("/ws/src/tasks.ts"));
    assert.ok(!isTaskModulePath("/ws/node_modules/pkg/x.tasks.ts"));
    assert.ok(!isTaskModulePath("C:\\ws\\node_modules\\pkg\\x.tasks.js"));
  });

  it("resolves \"taskflow\" to the plugin's types in a task module and leaves the other names as they were", () => {
    const out = resolveTaskflowImports([lodash, unresolved, unresolved], ["lodash", "taskflow", "./missing"], "/ws/mine.tasks.ts", TYPES, DTS);
    assert.equal(out[0], lodash);
    assert.deepEqual(out[1].resolvedModule, { resolvedFileName: TYPES, extension: DTS, isExternalLibraryImport: true });
    assert.equal(out[2], unresolved);
  });

  it("resolves \"taskflow\" to the runtime's types even when the workspace installs a package of that name", () => {
    const installed = { resolvedModule: { resolvedFileName: "/ws/node_modules/taskflow/index.d.ts", extension: DTS, isExternalLibraryImport: true } };
    const out = resolveTaskflowImports([installed], ["taskflow"], "/ws/a.tasks.mjs", TYPES, DTS);
    assert.equal(out[0].resolvedModule?.resolvedFileName, TYPES);
  });

  it("leaves files that are not task modules alone", () => {
    const input = [unresolved];
    assert.equal(resolveTaskflowImports(input, ["taskflow"], "/ws/src/util.ts", TYPES, DTS), input);
  });
});
