# K8sClaw developer entry points. Everything a target needs is installed by the project's own
# scripts: apt packages (hack/install-deps.sh), Node.js 24 from the npm registry (hack/node.sh),
# npm packages (npm ci), and upstream Kubernetes/etcd/CoreDNS/nats-server built from Go modules.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := $(shell hack/node.sh)
export PATH := $(NODE_BIN):$(PATH)
CACHE ?= $(HOME)/.cache/k8sclaw
STAMP := $(CACHE)/stamps
NODE_TEST := node --test --test-reporter=spec

.PHONY: help deps build lint typecheck manifests test test-unit test-integration test-reliability test-soak e2e images \
        cluster-up cluster-down cluster-status install uninstall run demo bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP)/apt: hack/install-deps.sh
	hack/install-deps.sh
	@mkdir -p $(STAMP) && touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-fund --no-audit

upstream: $(STAMP)/apt ## build (or reuse) Kubernetes, etcd, CoreDNS and nats-server from Go modules
	hack/k8s/build.sh
	hack/go-tools.sh

deps: $(STAMP)/apt node_modules/.package-lock.json upstream ## install everything the tests need

build: node_modules/.package-lock.json ## compile TypeScript to dist/
	npm run --silent build

manifests: node_modules/.package-lock.json ## regenerate config/crd/bases from the schemas in src/api
	node hack/generate-manifests.ts

typecheck: node_modules/.package-lock.json
	npx tsc --noEmit

lint: node_modules/.package-lock.json typecheck ## eslint, prettier, import boundaries, tsc
	npx eslint .
	npx prettier --check --log-level warn .
	npx depcruise src test bench hack --config .dependency-cruiser.cjs

test-unit: $(STAMP)/apt node_modules/.package-lock.json ## unit tests (pure code, no servers; the completion tests run zsh and fish)
	$(NODE_TEST) 'src/**/*.test.ts' 'test/unit/**/*.test.ts'

test-integration: deps ## integration tests against real etcd, kube-apiserver, nats-server, PostgreSQL on loopback
	K8SCLAW_K8S_BIN=$$(hack/k8s/build.sh) K8SCLAW_TOOLS_BIN=$$(hack/go-tools.sh) \
	  $(NODE_TEST) --test-concurrency=1 --test-global-setup=test/integration/global-setup.ts 'test/integration/**/*.test.ts'

test-reliability: deps ## reliability: kube-apiserver and etcd restarted under the controller, the leader killed mid-burst, nats-server restarted during 100 running runs (each on its own control plane)
	K8SCLAW_K8S_BIN=$$(hack/k8s/build.sh) K8SCLAW_TOOLS_BIN=$$(hack/go-tools.sh) \
	  $(NODE_TEST) --test-concurrency=1 'test/reliability/**/*.test.ts'

test-soak: deps ## soak (not part of test): the controller under steady load for K8SCLAW_SOAK_MINUTES (30), its memory sampled
	K8SCLAW_K8S_BIN=$$(hack/k8s/build.sh) K8SCLAW_TOOLS_BIN=$$(hack/go-tools.sh) \
	  $(NODE_TEST) --test-concurrency=1 'test/soak/**/*.test.ts'

images: deps build ## build every image in images/ with buildah and import them into the local cluster
	hack/images.sh build
	if [ -S /run/k8sclaw-cluster/containerd/containerd.sock ]; then hack/images.sh import; fi

cluster-up: deps ## start the local single-node cluster (root)
	hack/images.sh build
	hack/cluster up

cluster-down: ## stop the local cluster and remove every trace of it
	hack/cluster down

cluster-status: ## show the local cluster's components
	hack/cluster status

install: cluster-up images ## install K8sClaw into the local cluster (k8sclaw install --profile local)
	KUBECONFIG=$$(hack/cluster kubeconfig) node src/cmd/k8sclaw.ts install --profile local

# settings of `make run`, overridable from the command line or the environment
RUN_ENV = POD_NAMESPACE=$(or $(POD_NAMESPACE),default) K8SCLAW_HEALTH_PORT=$(or $(K8SCLAW_HEALTH_PORT),8081) \
  K8SCLAW_AGENT_IMAGE='$(or $(K8SCLAW_AGENT_IMAGE),localhost/k8sclaw/agent-runner:0.1.0)' \
  K8SCLAW_IPC_BRIDGE_IMAGE='$(or $(K8SCLAW_IPC_BRIDGE_IMAGE),localhost/k8sclaw/ipc-bridge:0.1.0)' \
  K8SCLAW_CHANNEL_IMAGE='$(or $(K8SCLAW_CHANNEL_IMAGE),localhost/k8sclaw/channel-{type}:0.1.0)'

run: node_modules/.package-lock.json ## run the controller manager locally against $KUBECONFIG (CRDs installed)
	$(RUN_ENV) node src/cmd/controller.ts

uninstall: ## remove K8sClaw from the local cluster
	KUBECONFIG=$$(hack/cluster kubeconfig) node src/cmd/k8sclaw.ts uninstall

e2e: deps ## end-to-end tests on the local cluster, then cluster-down and its cleanliness check (down also on failure)
	hack/e2e.sh

test: lint test-unit test-integration test-reliability e2e ## everything: lint, unit, integration, reliability, e2e

demo: cluster-up images ## bring up the local cluster and run the sample agent end to end
	hack/demo.sh

bench: deps ## benchmarks; results are written down in bench/README.md
	bench/run.sh

clean: ## remove build outputs (caches of upstream builds are kept)
	rm -rf dist
