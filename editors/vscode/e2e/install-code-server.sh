#!/usr/bin/env bash
# Installs VS Code 1.100.3 as code-server 4.100.3 (npm registry) for the real-client test
# (tests/test_editor_vscode_real.py), without its install scripts, which download binaries:
# the native modules are rebuilt with the node-gyp that npm bundles, against this machine's
# Node 20 headers (/usr/include/node), and Debian's ripgrep stands in for the downloaded one.
#
#   bash editors/vscode/e2e/install-code-server.sh [DIR]   # default ~/.cache/convex-lsp-e2e/code-server
#
# Needs Node 20 with its headers, npm, python3, make, g++, ripgrep. Prints the entry point.
set -euo pipefail
DIR="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/convex-lsp-e2e/code-server}"
VERSION=4.100.3
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"
STAMP="$DIR/.installed-$VERSION"
if [ -f "$STAMP" ] && [ -f "$ENTRY" ]; then echo "$ENTRY"; exit 0; fi
command -v rg >/dev/null || { echo "ripgrep (rg) is required" >&2; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || { echo "code-server $VERSION needs Node 20" >&2; exit 1; }
NODEDIR=""
for d in /usr /usr/local; do [ -f "$d/include/node/common.gypi" ] && NODEDIR="$d" && break; done
[ -n "$NODEDIR" ] || { echo "Node's headers (include/node/common.gypi) are missing" >&2; exit 1; }
GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || { echo "npm's bundled node-gyp not found at $GYP" >&2; exit 1; }

rm -rf "$DIR" && mkdir -p "$DIR" && cd "$DIR"
echo '{"name":"code-server-e2e","private":true}' > package.json
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION" >/dev/null
CS="$DIR/node_modules/code-server"
# what code-server's postinstall does, minus the downloads
(cd "$CS/lib/vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
(cd "$CS/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
ln -sfn node_modules "$CS/lib/vscode/node_modules.asar"
ln -sfn code-linux.sh "$CS/lib/vscode/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$CS/lib/vscode/bin/helpers/browser.sh"
mkdir -p "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin"
ln -sfn "$(command -v rg)" "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
# native modules, built here
for m in @vscode/spdlog native-watchdog node-pty @parcel/watcher @vscode/deviceid; do
  (cd "$CS/lib/vscode/node_modules/$m" && node "$GYP" rebuild --nodedir="$NODEDIR" >/dev/null 2>&1) \
    || { echo "building $m failed" >&2; exit 1; }
done
(cd "$DIR/node_modules/argon2" && node "$GYP" rebuild --nodedir="$NODEDIR" --module_name=argon2 \
  --module_path="$PWD/lib/binding/napi-v3" --napi_build_version=3 >/dev/null 2>&1) \
  || { echo "building argon2 failed" >&2; exit 1; }
node "$ENTRY" --version >/dev/null
touch "$STAMP"
echo "$ENTRY"
