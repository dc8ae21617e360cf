#!/usr/bin/env bash
# `make demo`: on the local cluster (already up, images imported): installs K8sClaw with the local
# profile, runs a Job from the locally built k8sclaw image, and applies the samples. The sample
# agent run joins this script when the controller and agent runner exist; until then it says so.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
PATH="$("$repo/hack/node.sh"):$PATH"
kubectl="$("$repo/hack/k8s/build.sh")/kubectl"
export KUBECONFIG=$("$repo/hack/cluster" kubeconfig)
image=$("$repo/hack/images.sh" list | grep '^localhost/k8sclaw/k8sclaw:')
ns=k8sclaw-demo

step() { printf '\n==> %s\n' "$*"; }
step "the local node"
"$kubectl" get nodes -o wide
step "k8sclaw install --profile local"
node "$repo/src/cmd/k8sclaw.ts" install --profile local
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
step "the samples (config/samples) in namespace $ns"
"$kubectl" -n "$ns" apply -f "$repo/config/samples" >/dev/null
"$kubectl" get k8sclaw -n "$ns"
step "done"
echo "K8sClaw is installed and its resources are served. Nothing reconciles them yet: the controller"
echo "and the agent runner (which will take the sample AgentRun to Succeeded) are not built yet, so the"
echo "demo stops here. Remove K8sClaw with: make uninstall; stop the cluster with: make cluster-down"
