#!/usr/bin/env bash
# cert-manager's CustomResourceDefinitions, as its release module ships them (deploy/crds/*.yaml):
# fetched into the Go module cache (nothing is built: cert-manager's servers live in nested modules
# the module proxy does not serve), for tests that check install's cert-manager objects against the
# real schemas. Prints the directory holding the CRDs on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=require.sh
. "$here/require.sh"
require_command go hack/cert-manager-crds.sh "it fetches cert-manager's CRDs from the Go module proxy" \
  "install Go from https://go.dev/dl and put it on PATH"
module="github.com/cert-manager/cert-manager@v$CERT_MANAGER_VERSION"
dir=$(GOTOOLCHAIN=local go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/deploy/crds" ]; then
  echo "hack/cert-manager-crds.sh: go mod download $module gave no deploy/crds directory." >&2
  exit 1
fi
echo "$dir/deploy/crds"
