#!/usr/bin/env bash
# npm start: installs what it needs (once), builds, and opens VS Code with Taskflow's development copy
# on examples/workspace. With `code` on the PATH that is desktop VS Code; otherwise it serves the test
# harness's code-server at a printed local URL, rebuilding on change.
#   TASKFLOW_USE_CODE_SERVER=1  use code-server even where `code` exists
#   TASKFLOW_TRUST=1            (code-server) turn Workspace Trust on
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "npm start: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
if command -v code >/dev/null 2>&1 && [ -z "${TASKFLOW_USE_CODE_SERVER:-}" ]; then
  node esbuild.mjs
  echo "npm start: opening desktop VS Code on examples/workspace (run 'npm run watch' to rebuild on change)"
  exec code --extensionDevelopmentPath="$PWD" "$PWD/examples/workspace"
fi
bash test/vscode/setup.sh
node esbuild.mjs
exec node --import tsx test/vscode/devServer.ts
