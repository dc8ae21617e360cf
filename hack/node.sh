#!/usr/bin/env bash
# Installs the pinned Node.js LTS from the npm registry (package node-linux-<arch>) into a cache
# outside the repo and prints its bin directory. The machine's own Node is never used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;; esac
dir="${K8SCLAW_CACHE:-$HOME/.cache/k8sclaw}/node/v$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  # shellcheck source=require.sh
  . "$here/require.sh"
  require_command npm hack/node.sh "it fetches Node.js $NODE_VERSION from the npm registry" \
    "install npm (e.g. apt-get install npm)"
  require_command tar hack/node.sh "it unpacks Node.js" "install tar"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null 2>&1)
  mkdir -p "$dir.tmp" && tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$dir.tmp" --strip-components=1
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
"$dir/bin/node" --version >/dev/null
echo "$dir/bin"
