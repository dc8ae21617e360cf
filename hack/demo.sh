#!/usr/bin/env bash
# `make demo`: on the local cluster (already up, images imported), shows the node and runs a Job
# from the locally built k8sclaw image end to end. The sample agent run joins this script when the
# agent runner exists; until then the demo says so and stops here.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kubectl="$("$repo/hack/k8s/build.sh")/kubectl"
export KUBECONFIG=$("$repo/hack/cluster" kubeconfig)
image=$("$repo/hack/images.sh" list | grep '^localhost/k8sclaw/k8sclaw:')
ns=k8sclaw-demo

step() { printf '\n==> %s\n' "$*"; }
step "the local node"
"$kubectl" get nodes -o wide
step "a Job from the locally built image $image"
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
"$kubectl" -n "$ns" delete job k8sclaw-version --ignore-not-found >/dev/null
"$kubectl" -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: k8sclaw-version}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: k8sclaw, image: "$image", imagePullPolicy: Never, args: [version]}
YAML
"$kubectl" -n "$ns" wait --for=condition=complete job/k8sclaw-version --timeout=120s
"$kubectl" -n "$ns" logs job/k8sclaw-version
step "done"
echo "The cluster is up and runs K8sClaw images. The sample agent run (ClawInstance + AgentRun) is not"
echo "part of the demo yet: it arrives with the agent runner. Stop the cluster with: make cluster-down"
