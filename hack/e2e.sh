#!/usr/bin/env bash
# `make e2e`: brings up the local cluster with fresh images, runs the end-to-end tier, then takes the
# cluster down and checks that nothing is left. If anything before that check fails (an image, the
# cluster, a test), the cluster is still taken down, so a failed run leaves no processes behind.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
PATH="$("$repo/hack/node.sh"):$PATH"
node_test=(node --test --test-reporter=spec)

take_down_on_failure() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "e2e: failed (exit $status); taking the local cluster down" >&2
    "$repo/hack/cluster" down >&2 || echo "e2e: hack/cluster down failed too" >&2
  fi
  exit "$status"
}
trap take_down_on_failure EXIT

cd "$repo"
hack/images.sh build
hack/cluster up
hack/images.sh import
KUBECONFIG=$(hack/cluster kubeconfig) "${node_test[@]}" --test-concurrency=1 'test/e2e/**/*.test.ts'
trap - EXIT
# the last check takes the cluster down itself, and fails if anything is left behind
"${node_test[@]}" 'test/cluster-teardown/*.test.ts'
