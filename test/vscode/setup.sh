#!/usr/bin/env bash
# Installs what the VS Code test harness needs on a bare Debian machine, and skips what is already
# there: Debian's chromium (the browser window), ripgrep and the kerberos headers (needed to build
# code-server's native modules), and a pinned code-server from npm (the real VS Code workbench with
# a real Node extension host). Everything but the apt packages lives in .vscode-test/ (git-ignored).
# The test tools (mocha, tsx, playwright-core, @vscode/vsce) are the project's devDependencies.
#
# Environment:
#   TASKFLOW_VSCODE_TEST_DIR  where to install (default: <repo>/.vscode-test)
#   TASKFLOW_CODE_SERVER_VERSION  code-server version (default: 4.96.4 = VS Code 1.96.4; 4.100.3
#                             is the newest that runs on Node 20)
# Writes <dir>/harness.json, which the runners read to find code-server and chromium.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VT=${TASKFLOW_VSCODE_TEST_DIR:-$ROOT/.vscode-test}
CS_VERSION=${TASKFLOW_CODE_SERVER_VERSION:-4.96.4}
CS_DIR=$VT/code-server-$CS_VERSION
CS_BIN=$CS_DIR/node_modules/.bin/code-server
LOGS=$VT/logs
mkdir -p "$VT/tmp" "$LOGS"

SETUP_START=$(date +%s)
say() { echo "setup: $*"; }
fail() {
  echo "setup: FAILED: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "setup: last lines of $2:" >&2
    tail -25 "$2" | sed 's/^/  | /' >&2
  fi
  exit 1
}
STEP_START=0
step_begin() { STEP_START=$(date +%s); say "$1 ..."; }
step_end() { say "$1 done in $(( $(date +%s) - STEP_START ))s"; }

# ------------------------------------------------------------------ Node
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" != 20 ]; then
  fail "code-server $CS_VERSION needs Node 20 exactly, got $(node --version). Install Node 20 (e.g. with nvm) and re-run."
fi

# ------------------------------------------------------------------ apt packages
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
# The BullMQ backend's tests (test/unit/bullmq*.test.ts) start a redis-server of their own.
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The Fernet unit tests check interoperability against Debian's python3 with its cryptography module.
/usr/bin/python3 -c "import cryptography.fernet" >/dev/null 2>&1 || need_apt+=(python3-cryptography)
if [ ${#need_apt[@]} -eq 0 ]; then
  say "apt packages: chromium, ripgrep, libkrb5-dev, python3, python3-cryptography, make, g++, redis-server already installed (skipped)"
else
  step_begin "apt-get install ${need_apt[*]}"
  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages: ${need_apt[*]}. Run as root, or install them first: sudo apt-get install -y ${need_apt[*]}"
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-liberation; } \
    >"$LOGS/apt.log" 2>&1 || fail "apt-get install ${need_apt[*]} failed" "$LOGS/apt.log"
  step_end "apt-get install"
fi
CHROMIUM=$(command -v chromium)

# ------------------------------------------------------------------ code-server
cs_ok() { [ -f "$CS_DIR/.complete" ] && [ -x "$CS_BIN" ] && "$CS_BIN" --version >/dev/null 2>&1; }
if cs_ok; then
  say "code-server $CS_VERSION already installed in ${CS_DIR#"$ROOT"/} (skipped)"
else
  step_begin "code-server $CS_VERSION: npm install --ignore-scripts"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  (cd "$CS_DIR" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "code-server@$CS_VERSION") \
    >"$LOGS/code-server-install.log" 2>&1 || fail "npm install code-server@$CS_VERSION failed" "$LOGS/code-server-install.log"
  step_end "npm install code-server"

  VS=$CS_DIR/node_modules/code-server/lib/vscode
  [ -f "$VS/npm-shrinkwrap.json" ] || fail "expected $VS/npm-shrinkwrap.json in code-server $CS_VERSION, it is missing"

  # The shrinkwrap resolves some packages (@vscode/proxy-agent) from git URLs, which cannot be
  # reached, and npm would roll the whole install back. The registry's tarball of the same version
  # has the same integrity hash, and npm still checks it.
  step_begin "point git-hosted dependencies of lib/vscode at the npm registry"
  REGISTRY=$(npm config get registry)
  node "$ROOT/test/vscode/lib/patchShrinkwrap.js" "$VS/npm-shrinkwrap.json" "${REGISTRY%/}" \
    || fail "could not rewrite git URLs in $VS/npm-shrinkwrap.json"
  step_end "shrinkwrap"

  # @vscode/ripgrep's postinstall downloads rg, but first looks for a cached tarball in
  # $TMPDIR/vscode-ripgrep-cache-<version>/: seed it with Debian's rg.
  step_begin "seed @vscode/ripgrep's download cache with Debian's rg"
  RG_VERSION=$(node -p "require('$VS/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")
  RG_WORK=$VT/tmp/ripgrep-seed
  rm -rf "$RG_WORK" && mkdir -p "$RG_WORK/bin"
  (cd "$RG_WORK" && npm pack --silent "@vscode/ripgrep@$RG_VERSION" >/dev/null 2>>"$LOGS/ripgrep.log" \
    && tar xzf "vscode-ripgrep-$RG_VERSION.tgz" package/lib/postinstall.js) \
    || fail "npm pack @vscode/ripgrep@$RG_VERSION failed" "$LOGS/ripgrep.log"
  RG_TAG=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$RG_WORK/package/lib/postinstall.js")
  [ -n "$RG_TAG" ] || fail "could not read the ripgrep release tag from @vscode/ripgrep@$RG_VERSION's postinstall.js"
  cp "$(command -v rg)" "$RG_WORK/bin/rg"
  mkdir -p "$VT/tmp/vscode-ripgrep-cache-$RG_VERSION"
  for arch in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    tar czf "$VT/tmp/vscode-ripgrep-cache-$RG_VERSION/ripgrep-$RG_TAG-$arch.tar.gz" -C "$RG_WORK/bin" rg
  done
  step_end "ripgrep cache (@vscode/ripgrep $RG_VERSION, rg $RG_TAG)"

  # unsafe_perm: code-server's postinstall refuses to run as root without it.
  # yes: node-pty's post-install runs npx, which cancels without a terminal.
  step_begin "npm rebuild: code-server's postinstall and native modules (1-2 min on 2 cores)"
  (cd "$CS_DIR" && TMPDIR=$VT/tmp npm_config_unsafe_perm=true npm_config_yes=true \
      npm rebuild --foreground-scripts) >"$LOGS/code-server-rebuild.log" 2>&1 \
    || fail "npm rebuild in $CS_DIR failed (native modules of code-server)" "$LOGS/code-server-rebuild.log"
  for f in "$VS/node_modules/node-pty/build/Release/pty.node" \
           "$VS/node_modules/@vscode/spdlog/build/Release/spdlog.node" \
           "$VS/node_modules/@vscode/ripgrep/bin/rg"; do
    [ -e "$f" ] || fail "expected $f after npm rebuild, it is missing" "$LOGS/code-server-rebuild.log"
  done
  "$CS_BIN" --version >/dev/null 2>&1 || fail "$CS_BIN --version does not run" "$LOGS/code-server-rebuild.log"
  echo "$CS_VERSION" >"$CS_DIR/.complete"
  step_end "npm rebuild"
fi

# ------------------------------------------------------------------ test tools (devDependencies)
missing=()
for m in mocha tsx playwright-core @vscode/vsce esbuild; do
  [ -f "$ROOT/node_modules/$m/package.json" ] || missing+=("$m")
done
[ ${#missing[@]} -eq 0 ] || fail "devDependencies missing from node_modules: ${missing[*]}. Run npm ci in $ROOT first."
say "test tools: mocha, tsx, playwright-core, @vscode/vsce from node_modules"

node -e '
  const [file, codeServer, version, chromium] = process.argv.slice(1);
  require("fs").writeFileSync(file, JSON.stringify({ codeServer, version, chromium }, null, 2) + "\n");
' "$VT/harness.json" "$CS_BIN" "$CS_VERSION" "$CHROMIUM"
say "ready: code-server $("$CS_BIN" --version | head -1), $("$CHROMIUM" --version 2>/dev/null), total $(( $(date +%s) - SETUP_START ))s"
