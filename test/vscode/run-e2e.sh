#!/usr/bin/env bash
# npm run test:e2e: the UI suite. Packages the extension (npm run package), installs the .vsix into
# code-server and drives the workbench with playwright-core and Debian's chromium
# (test/e2e/*.e2e.ts). Screenshots go to test-results/e2e/. Arguments go to mocha, e.g.
# npm run test:e2e -- test/e2e/activation.e2e.ts
set -euo pipefail
cd "$(dirname "$0")/../.."
LOGS=${TASKFLOW_VSCODE_TEST_DIR:-$PWD/.vscode-test}/logs
mkdir -p "$LOGS"
bash test/vscode/setup.sh
echo "test:e2e: packaging the extension (npm run package)"
if ! npm run -s package >"$LOGS/package.log" 2>&1; then
  tail -30 "$LOGS/package.log" >&2
  echo "test:e2e: FAILED: npm run package could not build dist/vscode-taskflow.vsix (log above, full log in $LOGS/package.log)." >&2
  echo "test:e2e: the UI suite installs that package; it needs src/extension/extension.ts and package.json's contributes." >&2
  exit 1
fi
echo "test:e2e: packaged $(ls -l dist/vscode-taskflow.vsix | awk '{print $5}') bytes; running the UI suite in code-server"
# With no test files named, every test/e2e/**/*.e2e.ts runs.
has_files=0
for arg in "$@"; do case $arg in *.e2e.ts) has_files=1 ;; esac; done
[ $has_files = 1 ] || set -- "$@" 'test/e2e/**/*.e2e.ts'
exec npx mocha --config test/e2e/mocharc.json "$@"
