#!/usr/bin/env bash
# `make demo`: on the local cluster (already up, images imported): installs K8sClaw with the local
# profile, creates a tenant (SkillPack, ClawPolicy, ClawInstance with a sandbox and memory) and runs
# two agents. The first lists its workspace, writes a file, runs a command in the sandbox and stores
# a fact in memory; the second is asked about the fact and answers from memory.
#
# The model is the scripted model server (test/fakes/model-server) running in the cluster, unless
# the environment names a real one: OPENAI_API_KEY (OPENAI_MODEL), ANTHROPIC_API_KEY
# (ANTHROPIC_MODEL) or OLLAMA_URL (OLLAMA_MODEL). A real model decides its own steps, so only the
# scripted one is checked step by step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
PATH="$("$repo/hack/node.sh"):$PATH"
kubectl="$("$repo/hack/k8s/build.sh" | tail -n1)/kubectl"
export KUBECONFIG=$("$repo/hack/cluster" kubeconfig)
ns=k8sclaw-demo
version=$(sed -nE 's/^  "version": *"([^"]+)".*/\1/p' "$repo/package.json" | head -n1)
k() { "$kubectl" -n "$ns" "$@"; }
step() { printf '\n==> %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

# ---- the model ------------------------------------------------------------------------------------
scripted=false
if [ -n "${OPENAI_API_KEY:-}" ]; then
  provider=openai model=${OPENAI_MODEL:-gpt-4o-mini} base_url="" key=$OPENAI_API_KEY
elif [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  provider=anthropic model=${ANTHROPIC_MODEL:-claude-sonnet-4-5} base_url="" key=$ANTHROPIC_API_KEY
elif [ -n "${OLLAMA_URL:-}" ]; then
  provider=ollama model=${OLLAMA_MODEL:-llama3.1} base_url=$OLLAMA_URL key=""
else
  scripted=true provider=openai model=gpt-4o-mini base_url="http://model.$ns.svc/v1"
  key="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fi

step "the local node"
"$kubectl" get nodes -o wide

step "k8sclaw install --profile local"
node "$repo/src/cmd/k8sclaw.ts" install --profile local

step "the demo tenant in namespace $ns"
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
# a re-run starts over: runs and memory of an earlier demo are removed
k delete agentruns --all --ignore-not-found --wait=true >/dev/null
k delete clawinstance demo --ignore-not-found --wait=true >/dev/null
if [ -n "$key" ]; then
  # the key goes from the environment into a Secret, never onto a command line
  printf '%s' "$key" | k create secret generic demo-provider-key --from-file=api-key=/dev/stdin \
    --dry-run=client -o yaml | k apply -f - >/dev/null
fi
if $scripted; then
  echo "model: the scripted model server (OpenAI wire format) at $base_url"
  printf '%s' "$key" | k create secret generic model-api-key --from-file=api-key=/dev/stdin \
    --dry-run=client -o yaml | k apply -f - >/dev/null
  k create configmap model-script --from-file=script.yaml="$repo/hack/demo/model-script.yaml" \
    --dry-run=client -o yaml | k apply -f - >/dev/null
  k apply -f "$repo/test/fakes/model-server/deployment.yaml" >/dev/null
  k rollout restart deployment/model >/dev/null # picks up a changed script
  k rollout status deployment/model --timeout=120s
else
  echo "model: $provider $model${base_url:+ at $base_url}"
fi
k apply -f "$repo/hack/demo/demo-objects.yaml"
# the chat service: a stand-in of the Telegram Bot API in the namespace (no real bot is needed)
node "$repo/hack/demo/telegram-chat.ts" deploy "$ns"
{
  cat <<YAML
apiVersion: k8sclaw.io/v1alpha1
kind: ClawInstance
metadata: {name: demo}
spec:
  agents:
    default:
      provider: $provider
      model: $model
      timeout: 5m
      sandbox: {enabled: true, image: "localhost/k8sclaw/sandbox:$version"}
YAML
  [ -z "$base_url" ] || echo "      baseURL: $base_url"
  [ -z "$key" ] || echo "      authSecretRef: {name: demo-provider-key, key: api-key}"
  cat <<YAML
  skills: [{skillPackRef: team-notes}]
  channels:
    - type: telegram
      secretRef: {name: demo-telegram}
      accessControl: {allowedSenders: [ada], denyMessage: "Sorry, this bot answers Ada only."}
  policyRef: demo-policy
  memory: {enabled: true, maxSizeKB: 64}
YAML
} | k apply -f -
k wait --for=jsonpath='{.status.phase}'=Ready clawinstance/demo --timeout=60s
k wait --for=jsonpath='{.status.channels[0].status}'=Connected clawinstance/demo --timeout=180s
k get clawinstance,skillpack,clawpolicy

run_agent() { # $1: name, $2: task
  k apply -f - >/dev/null <<YAML
apiVersion: k8sclaw.io/v1alpha1
kind: AgentRun
metadata: {name: $1}
spec: {instanceRef: demo, task: "$2"}
YAML
  if ! k wait --for=jsonpath='{.status.phase}'=Succeeded "agentrun/$1" --timeout=300s; then
    k get agentrun "$1" -o yaml >&2
    k logs "job/agentrun-$1" --all-containers >&2 || true
    die "agent run $1 did not succeed"
  fi
  k get agentrun "$1" -o wide
  echo "tool calls: $(k get agentrun "$1" -o jsonpath='{.status.toolCalls}'), tokens: $(k get agentrun "$1" -o jsonpath='{.status.tokenUsage}')"
  echo "result:"
  k get agentrun "$1" -o jsonpath='{.status.result}' | sed 's/^/  /'
  echo
}

step "agent run 1: notes, a sandbox command and a fact to remember"
run_agent demo-notes "Set up the team notes in the workspace, check them with a shell command, and remember the team's favourite colour (teal)."
echo "what the agent did (its log):"
k logs "job/agentrun-demo-notes" -c agent | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    for (const line of text.split("\n").filter(Boolean)) {
      try {
        const e = JSON.parse(line);
        const detail = e.tools ? `: ${e.tools.join(", ")}` : e.tool ? ` ${e.tool} (${e.outcome}): ${e.summary.split("\n")[0]}` : "";
        console.log(`  ${e.msg}${detail}`);
      } catch { console.log(`  ${line}`); }
    }
  });'

step "the instance's memory (ConfigMap demo-memory)"
memory=$(k get configmap demo-memory -o jsonpath='{.data.MEMORY\.md}')
printf '%s\n' "$memory" | sed 's/^/  /'
if $scripted; then
  grep -q "favourite colour is teal" <<<"$memory" || die "the fact is not in memory"
fi

step "agent run 2: a new pod, asked about the fact"
run_agent demo-recall "What is the team's favourite colour?"
if $scripted; then
  k get agentrun demo-recall -o jsonpath='{.status.result}' | grep -q "teal" ||
    die "the second run did not see the fact in its prompt"
fi

step "a chat: Ada asks the bot on Telegram (through the channel pod demo-channel-telegram)"
node "$repo/hack/demo/telegram-chat.ts" say "$ns" "What is the team's favourite colour? Asked on Telegram."
k get agentruns -o wide
echo "session key of the chat's run: $(k get agentruns -o jsonpath='{range .items[?(@.spec.sessionKey)]}{.spec.sessionKey}{"\n"}{end}' | head -n1)"

step "done"
echo "Two agent runs, each an ephemeral pod with the runner, its IPC bridge and a sandbox: results"
echo "came back through NATS JetStream into each AgentRun's status, and memory carried a fact from"
echo "the first run to the second. A Telegram message became a third run, and its reply came back into"
echo "the chat. Look around: kubectl -n $ns get agentruns,jobs,pods,configmaps."
echo "Remove K8sClaw with: make uninstall; stop the cluster with: make cluster-down"
