#!/usr/bin/env bash
# Builds the upstream servers that are plain `go install`-able (no replace directives):
# CoreDNS (cluster DNS) and nats-server (JetStream). Cached by version outside the repo. Also
# fetches cert-manager's CRDs (hack/cert-manager-crds.sh) for the integration tests.
# Prints the bin directory on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
out="${K8SCLAW_CACHE:-$HOME/.cache/k8sclaw}/go-tools/coredns$COREDNS_VERSION-nats$NATS_SERVER_VERSION/bin"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out"
if [ ! -x "$out/coredns" ] || [ ! -x "$out/nats-server" ]; then
  # shellcheck source=require.sh
  . "$here/require.sh"
  # the newest `go` line of the two modules' go.mod (nats-server v2.12.15)
  require_go 1.25.0 hack/go-tools.sh
fi
[ -x "$out/coredns" ] || { echo "building coredns v$COREDNS_VERSION" >&2; go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION"; }
[ -x "$out/nats-server" ] || { echo "building nats-server v$NATS_SERVER_VERSION" >&2; go install -trimpath -ldflags "-s -w" "github.com/nats-io/nats-server/v2@v$NATS_SERVER_VERSION"; }
# fetched now with the other upstream parts; the tests ask the script for the directory again
"$here/cert-manager-crds.sh" >/dev/null
echo "$out"
