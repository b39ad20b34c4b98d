import * as assert from "node:assert/strict";
import * as path from "node:path";
import { logFileOption } from "../../src/extension/session/logFileSetting";

describe("extension: taskflow.logFile setting", () => {
  const folder = path.resolve("/work/project");
  const home = path.resolve("/home/ada");

  it("is off when empty, missing or not text", () => {
    for (const value of ["", "   ", undefined, null, 3, {}]) assert.equal(logFileOption(value, folder, home), undefined, JSON.stringify(value));
  });

  it("takes a relative path from the workspace folder, and keeps an absolute one or one under ~/", () => {
    assert.deepEqual(logFileOption(".taskflow/taskflow.log", folder, home), { path: path.join(folder, ".taskflow", "taskflow.log") });
    assert.deepEqual(logFileOption("  logs/t.log ", folder, home), { path: path.join(folder, "logs", "t.log") });
    const absolute = path.resolve("/var/log/taskflow.log");
    assert.deepEqual(logFileOption(absolute, folder, home), { path: absolute });
    assert.deepEqual(logFileOption("~/taskflow.log", folder, home), { path: path.join(home, "taskflow.log") });
  });
});
