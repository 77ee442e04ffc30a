#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench and server, from the npm registry) and Debian's
# Chromium for the end-to-end tests in test/e2e/. Desktop VS Code cannot be downloaded here.
#
#   bash scripts/install-code-server.sh            # installs what is missing, then prints the path
#   CODE_SERVER="$(bash scripts/install-code-server.sh)"
#
# Idempotent: Debian packages are installed only when missing, and code-server only when its
# folder lacks the marker written as the very last step (a half-finished install is redone).
# The install goes to ${SHIPSHAPE_CACHE:-$HOME/.cache/shipshape}/code-server-4.100.3, never into
# the repository. Everything is logged to stderr; stdout carries exactly one line, the last: the
# absolute path of code-server's entry script (run it with `node <path> …`).
#
# code-server's own post-install script downloads ripgrep from GitHub, which is unreachable here,
# so its steps are done by hand (see shared/docs/VSCODE-E2E.md). 4.100.3 (VS Code 1.100.3) is the
# newest code-server that accepts Node 20.
set -euo pipefail

VERSION=4.100.3
CACHE="${SHIPSHAPE_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/shipshape}"
DIR="$CACHE/code-server-$VERSION"
MARKER="$DIR/.shipshape-installed"
PKG="$DIR/node_modules/code-server"
ENTRY="$PKG/out/node/entry.js"

LOG_NAME=install-code-server
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# --- Debian packages --------------------------------------------------------------------------
# libkrb5-dev: headers for the `kerberos` native module; ripgrep: VS Code's search binary (copied
# in place of @vscode/ripgrep's download); chromium: the browser that shows the workbench;
# fonts-liberation: readable text in screenshots; python3, make, g++: node-gyp for the native
# modules (argon2, node-pty, spdlog, ...).
missing=()
for p in libkrb5-dev ripgrep chromium fonts-liberation ca-certificates; do
  is_installed "$p" || missing+=("$p")
done
command -v python3 > /dev/null || missing+=(python3)
command -v make > /dev/null || missing+=(make)
command -v g++ > /dev/null || missing+=(g++)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  quiet "${SUDO[@]}" apt-get update -qq
  quiet "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- code-server ------------------------------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  log "warning: code-server $VERSION is made for Node 20; this is Node $(node --version)"
fi

mkdir -p "$CACHE"
# One install at a time (two test runs started together would otherwise race in $DIR).
exec 9> "$CACHE/.code-server-$VERSION.lock"
command -v flock > /dev/null && flock 9

if [ ! -f "$MARKER" ]; then
  started=$SECONDS
  log "installing code-server $VERSION into $DIR"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  cd "$DIR"
  # A package.json of its own, so npm installs here and not in a parent folder's project.
  echo '{ "name": "shipshape-code-server", "private": true }' > package.json

  # 1. The package itself, without its post-install script; then its one native module.
  quiet npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION"
  quiet npm rebuild argon2

  # 2. VS Code's own dependencies (what the post-install script does with `npm install`).
  cd "$PKG/lib/vscode"
  quiet npm install --no-audit --no-fund --omit=dev --ignore-scripts
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  # The native modules. node-pty's post-install step (after its build) calls `npx node-gyp`
  # and fails here, harmlessly: what counts is each built binary, so the logs are shown only
  # when one is missing.
  for m in @vscode/spdlog:spdlog native-watchdog:watchdog node-pty:pty kerberos:kerberos \
    @vscode/deviceid:windows; do
    name="${m%%:*}" binary="node_modules/${m%%:*}/build/Release/${m##*:}.node"
    logfile="$DIR/rebuild-${name//\//-}.log"
    npm rebuild "$name" > "$logfile" 2>&1 || true
    if [ ! -f "$binary" ]; then
      cat "$logfile" >&2
      log "npm rebuild $name did not build $binary"
      exit 1
    fi
  done
  rm -rf node_modules.asar
  ln -s node_modules node_modules.asar
  (cd bin/remote-cli && rm -f code-server && ln -s code-linux.sh code-server)
  (cd bin/helpers && rm -f browser.sh && ln -s browser-linux.sh browser.sh)

  # 3. The built-in extensions' shared dependencies (TypeScript); the post-install only trims it.
  cd extensions
  quiet npm install --no-audit --no-fund --omit=dev --ignore-scripts
  node postinstall.mjs > /dev/null

  [ -f "$ENTRY" ] || { log "missing $ENTRY"; exit 1; }
  # Smoke check; the environment keeps code-server from writing into ~/.config and ~/.local.
  quiet env CODE_SERVER_CONFIG="$DIR/config.yaml" XDG_DATA_HOME="$DIR/xdg-data" node "$ENTRY" --version
  date -u +%FT%TZ > "$MARKER"
  log "installed in $((SECONDS - started)) s"
fi

echo "$ENTRY"
