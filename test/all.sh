#!/usr/bin/env bash
# npm test: the unit tests, then the extension-host suite and the UI suite inside code-server.
# Every suite runs even when one before it failed; the exit code is non-zero when any failed.
# The last line is the total, "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
LOGS=${TASKFLOW_VSCODE_TEST_DIR:-$PWD/.vscode-test}/logs
mkdir -p "$LOGS"
ALL_START=$(date +%s)
TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()

suite() {
  local name=$1; shift
  local log="$LOGS/npm-test-$name.log" start rc counts passed failed
  echo
  echo "=== npm test: $name ($*)"
  start=$(date +%s)
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  counts=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$counts" ]; then
    passed=${counts%% passed*}
    failed=${counts#*passed, }; failed=${failed%% failed*}
  else
    passed=0; failed=0
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # the suite stopped before it could count (setup, build or start-up failure)
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  SUMMARY+=("$(printf '%-10s %3d passed, %3d failed, exit %d, %ds' "$name" "$passed" "$failed" "$rc" $(( $(date +%s) - start )))")
}

# The set-up first: it installs what every suite needs on a bare machine (the unit suite's Fernet
# interoperability test needs python3-cryptography), and takes 2 s when all is there.
echo "=== npm test: set-up (bash test/vscode/setup.sh)"
if ! bash test/vscode/setup.sh; then
  echo "total: 0 passed, 1 failed"
  exit 1
fi

suite unit npx mocha --reporter test/vscode/lib/summaryReporter.ts
suite exthost bash test/vscode/run-exthost.sh
suite e2e bash test/vscode/run-e2e.sh

echo
echo "=== npm test summary ($(( $(date +%s) - ALL_START ))s)"
printf '  %s\n' "${SUMMARY[@]}"
echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ] && [ "$TOTAL_PASSED" -gt 0 ]
