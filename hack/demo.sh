#!/usr/bin/env bash
# `make demo`: on the local cluster (already up, images imported): installs K8sClaw with the local
# profile, runs a Job from the locally built k8sclaw image, applies the samples, and takes an
# AgentRun through the controller to Succeeded. Until the agent runner exists, the k8sclaw image
# stands in for it (the demo says so).
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
step "an AgentRun: the controller runs it as a Job on the node"
"$kubectl" -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: k8sclaw.io/v1alpha1
kind: ClawInstance
metadata: {name: demo}
spec:
  agents:
    default: {provider: ollama, model: llama3, baseURL: "http://ollama:11434/v1"}
---
apiVersion: k8sclaw.io/v1alpha1
kind: AgentRun
metadata: {name: demo-hello}
spec: {instanceRef: demo, task: "Say hello."}
YAML
"$kubectl" -n "$ns" wait --for=jsonpath='{.status.phase}'=Succeeded agentrun/demo-hello --timeout=180s
"$kubectl" -n "$ns" get agentrun demo-hello -o wide
"$kubectl" -n "$ns" get jobs,pods -l k8sclaw.io/run=demo-hello
"$kubectl" get clawinstance demo -n "$ns"
step "done"
echo "K8sClaw is installed: the controller reconciles instances, runs, policies, skill packs and"
echo "schedules. The agent runner (model calls, tools, memory) is not built yet: its stand-in, the"
echo "k8sclaw image, runs \`k8sclaw version\` as the agent. Remove K8sClaw with: make uninstall;"
echo "stop the cluster with: make cluster-down"
