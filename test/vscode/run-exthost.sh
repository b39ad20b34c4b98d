#!/usr/bin/env bash
# npm run test:vscode: the extension-host suite inside code-server (see test/vscode/README.md).
# Arguments go to the runner, e.g. --profile trust.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOGS=${TASKFLOW_VSCODE_TEST_DIR:-$PWD/.vscode-test}/logs
mkdir -p "$LOGS"
bash test/vscode/setup.sh
echo "test:vscode: building the extension and the extension-host suite"
node esbuild.mjs >/dev/null 2>"$LOGS/build.log" || { cat "$LOGS/build.log" >&2; echo "test:vscode: build failed (node esbuild.mjs)" >&2; exit 1; }
exec node --import tsx test/vscode/runExthost.ts "$@"
