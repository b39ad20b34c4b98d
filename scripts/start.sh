#!/usr/bin/env bash
# npm start: installs what it needs (once), builds, and serves VS Code (code-server) with Taskflow's
# development copy on examples/workspace, rebuilding on change. TASKFLOW_TRUST=1 turns Workspace Trust on.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "npm start: node_modules is missing: run npm ci first" >&2; exit 1; }
bash test/vscode/setup.sh
node esbuild.mjs
exec node --import tsx test/vscode/devServer.ts
