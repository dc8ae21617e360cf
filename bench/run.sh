#!/usr/bin/env bash
# Runs the benchmarks and prints their figures; copy them into bench/README.md with the date.
# Build timings: a warm build is measured here; a cold build is measured by removing the cache
# (K8SCLAW_BENCH_COLD=1), which costs several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(hack/node.sh):$PATH"
if [ "${K8SCLAW_BENCH_COLD:-0}" = 1 ]; then
  rm -rf "${K8SCLAW_CACHE:-$HOME/.cache/k8sclaw}/k8s" "$(go env GOCACHE)"
  /usr/bin/time -f 'cold build of Kubernetes + etcd: %e s wall, %M KiB max RSS' hack/k8s/build.sh >/dev/null
fi
/usr/bin/time -f 'warm build of Kubernetes + etcd (cached): %e s' hack/k8s/build.sh >/dev/null
/usr/bin/time -f 'warm build of CoreDNS + nats-server (cached): %e s' hack/go-tools.sh >/dev/null
node bench/harness-start.ts "${BENCH_RUNS:-5}"
node bench/cluster-figures.ts "${BENCH_SETTLE_SECONDS:-30}"
# run-overhead needs the local cluster with K8sClaw installed, and cluster-figures leaves the host
# clean: the cluster comes up again with freshly built images (as `make install` does), K8sClaw is
# installed, and the cluster goes down afterwards, also when the benchmark fails.
npm run --silent build
hack/images.sh build >/dev/null
hack/cluster up >/dev/null
trap 'hack/cluster down >/dev/null' EXIT
kubeconfig=$(hack/cluster kubeconfig)
KUBECONFIG=$kubeconfig node src/cmd/k8sclaw.ts install --profile local >/dev/null
KUBECONFIG=$kubeconfig node bench/run-overhead.ts "${BENCH_OVERHEAD_RUNS:-20}"
hack/cluster down >/dev/null
trap - EXIT
# the controller as its image runs it: the bundle `npm run build` made above, with the Deployment's
# node options and environment
K8SCLAW_TEST_CONTROLLER_ENTRY=bundled node bench/agentrun-latency.ts --runs-cached "${BENCH_CACHED_RUNS:-10000}"
node bench/admission-latency.ts --creates "${BENCH_ADMISSION_CREATES:-1000}"
node bench/controller-memory.ts --sizes "${BENCH_MEMORY_SIZES:-1000,10000,50000}"
K8SCLAW_TEST_CONTROLLER_ENTRY=bundled node bench/leader-failover.ts
node bench/bus-throughput.ts
node bench/event-stream-delivery.ts "${BENCH_STREAM_CLIENTS:-100}"
node bench/apiserver-figures.ts "${BENCH_LISTED_RUNS:-10000}"
node bench/channel-round-trip.ts "${BENCH_CHANNEL_MESSAGES:-200}"
node bench/cli-figures.ts "${BENCH_LISTED_RUNS:-10000}"
