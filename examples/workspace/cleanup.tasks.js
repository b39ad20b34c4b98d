/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// A task module in plain JavaScript: no compile step beyond what esbuild does for every module.
const { task, taskLog } = require("taskflow");

exports.cleanCache = task({ persist: true, description: "Pretends to clean a cache" }, async (dir = ".cache") => {
  taskLog(`cleaning ${dir}`);
  return { removed: 0, dir };
});
