#!/usr/bin/env bash
# Installs every system package the project needs (Debian/Ubuntu, as root or with sudo).
# Idempotent: packages already present are skipped without touching the network.
set -euo pipefail
# shellcheck source=require.sh
. "$(cd "$(dirname "$0")" && pwd)/require.sh"
require_command dpkg-query hack/install-deps.sh "it installs Debian packages" \
  "run it on Debian or Ubuntu, or install the packages it lists yourself"
packages=(
  containerd runc containernetworking-plugins catatonit  # the node's container runtime and CNI
  iptables conntrack iproute2 ethtool socat               # kube-proxy, kubelet host networking
  buildah fuse-overlayfs                                  # image builds without a Docker engine
  postgresql                                              # session store and its tests
  busybox-static                                          # tiny userland for sandbox/test images
  openssl make ca-certificates git jq time
  zsh fish                                                # the CLI's shell completion tests
  tmux                                                    # the TUI's end-to-end test drives it in a real terminal
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
require_command apt-get hack/install-deps.sh "it installs ${missing[*]}" "install them yourself"
require_root_or_sudo hack/install-deps.sh "installing ${missing[*]}"
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
# no service auto-start: the project's scripts own every daemon they need
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's containerd package would otherwise try to run on its default socket; we use our own config.
echo "system packages: installed ${#missing[@]}"
