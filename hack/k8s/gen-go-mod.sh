#!/usr/bin/env bash
# Regenerates go.mod for the pinned Kubernetes release: requires k8s.io/kubernetes and
# replaces each staging module (derived from upstream's own go.mod, never hard-coded).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../versions.env
. "$here/../versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
staging="v0.${K8S_VERSION#1.}"
upstream_mod=$(cd /tmp && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
go_line=$(sed -n 's/^go \(.*\)/\1/p' "$upstream_mod")
godebug=$(sed -n 's/^godebug \(.*\)/\1/p' "$upstream_mod")
cd "$here"
rm -f go.mod go.sum
go mod init k8sclaw.local/hack/k8s >/dev/null 2>&1
go mod edit -go="$go_line" -godebug="$godebug" \
  -require="k8s.io/kubernetes@v$K8S_VERSION" -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$upstream_mod"); do
  go mod edit -replace="$m=$m@$staging"
done
go mod tidy
echo "go.mod generated for Kubernetes v$K8S_VERSION (staging $staging, go $go_line, $godebug)"
