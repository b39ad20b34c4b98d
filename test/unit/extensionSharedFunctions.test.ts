import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describeWorkers, sharedFunctions } from "../../src/extension/session/sharedQueueFunctions";
import type { CatalogSnapshot } from "../../src/extension/modules/taskCatalog";

describe("extension: the shared queue's functions in Task Functions", () => {
  const root = path.resolve("/work/space");
  const loaded: CatalogSnapshot = {
    modules: [path.join(root, "demo.tasks.ts")],
    functions: [{ name: "whereRan", exportName: "whereRan", file: path.join(root, "demo.tasks.ts"), line: 3, config: {} }],
    problems: [],
  };

  it("counts the workers of every function and lists the ones this window has not loaded, located under its folder", () => {
    const shared = sharedFunctions([
      { name: "whereRan", config: {}, source: "demo.tasks.ts#whereRan", workers: 1 },
      { name: "fleetOnly", config: { retries: 2 }, source: "jobs/fleet.tasks.ts#fleetOnly", workers: 2 },
      { name: "scripted", config: {}, workers: 1 },
    ], loaded, root);
    assert.deepEqual([...shared.workers], [["whereRan", 1], ["fleetOnly", 2], ["scripted", 1]]);
    assert.deepEqual(shared.others.functions.map((f) => [f.name, f.file]), [["fleetOnly", path.join(root, "jobs", "fleet.tasks.ts")], ["scripted", ""]]);
    assert.deepEqual(shared.others.modules, [path.join(root, "jobs", "fleet.tasks.ts"), ""], "a function without a source goes under the row with no module");
  });

  it("says how many workers run a function", () => {
    assert.deepEqual([0, 1, 2].map(describeWorkers), ["no worker", "1 worker", "2 workers"]);
  });
});
