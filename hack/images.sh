#!/usr/bin/env bash
# Builds K8sClaw's container images (images/*/Containerfile) with buildah, saves each one as an OCI
# archive in the cache, and imports those archives into a containerd's k8s.io namespace. This is how
# the local cluster gets its images: there is no Docker engine here and no image is ever pulled from
# a registry, so every base is either `scratch` or an image this script built itself.
#
#   hack/images.sh build                      build what changed (after `npm run build`), write
#                                             <cache>/images/<name>.tar for every image
#   hack/images.sh import [--address SOCKET]  import every archive into containerd (default socket:
#                                             $K8SCLAW_CONTAINERD_SOCKET or the local cluster's)
#   hack/images.sh list                       print the image tags, one per line
#
# buildah keeps its own store in the cache (not /var/lib/containers), with an explicit storage
# driver: overlay where the kernel and filesystem support it, vfs otherwise; the choice is recorded
# on first use because a store cannot change driver. Images are built with a fixed timestamp, so the
# same inputs give the same image; each image carries a label with the hash of its inputs
# (Containerfile, build arguments, build context) and is rebuilt only when that hash changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=versions.env
. "$here/versions.env"

cache="${K8SCLAW_CACHE:-$HOME/.cache/k8sclaw}"
work="$cache/images"               # archives (<name>.tar) and build contexts (build/)
store="$work/storage"              # buildah's image store
runroot=/run/k8sclaw-images        # buildah's run state (locks, mount counts): tmpfs, gone on reboot
default_socket=/run/k8sclaw-cluster/containerd/containerd.sock
inputs_label=dev.k8sclaw.image.inputs
# the pause version Kubernetes 1.33 expects for its sandbox image
pause_version=3.10
app_version=$(sed -nE 's/^  "version": *"([^"]+)".*/\1/p' "$repo/package.json" | head -n1)
[ -n "$app_version" ] || { echo "images: no version in package.json" >&2; exit 1; }

# image names (archive <name>.tar) in build order, and their tags
names=(pause node-base k8sclaw agent-runner ipc-bridge apiserver webhook channel-telegram channel-slack channel-discord
  channel-whatsapp sandbox nats postgres model-fake chat-fakes)
declare -A tags=(
  [pause]="localhost/k8sclaw/pause:$pause_version"
  [node-base]="localhost/k8sclaw/node-base:$NODE_VERSION"
  [k8sclaw]="localhost/k8sclaw/k8sclaw:$app_version"
  [agent-runner]="localhost/k8sclaw/agent-runner:$app_version"
  [ipc-bridge]="localhost/k8sclaw/ipc-bridge:$app_version"
  [apiserver]="localhost/k8sclaw/apiserver:$app_version"
  [webhook]="localhost/k8sclaw/webhook:$app_version"
  [sandbox]="localhost/k8sclaw/sandbox:$app_version"
  [nats]="localhost/k8sclaw/nats:$NATS_SERVER_VERSION"
  [postgres]="localhost/k8sclaw/postgres:$app_version"
  [model-fake]="localhost/k8sclaw/model-fake:$app_version"
  [channel-telegram]="localhost/k8sclaw/channel-telegram:$app_version"
  [channel-slack]="localhost/k8sclaw/channel-slack:$app_version"
  [channel-discord]="localhost/k8sclaw/channel-discord:$app_version"
  [channel-whatsapp]="localhost/k8sclaw/channel-whatsapp:$app_version"
  [chat-fakes]="localhost/k8sclaw/chat-fakes:$app_version"
)
# images built from another image's Containerfile (one per chat service from images/channel)
declare -A containerfile_dirs=(
  [channel-telegram]=channel [channel-slack]=channel [channel-discord]=channel [channel-whatsapp]=channel
)

case "$(uname -m)" in
  x86_64) platform=linux/amd64 ;;
  aarch64) platform=linux/arm64 ;;
  *) echo "images: unsupported arch $(uname -m)" >&2; exit 1 ;;
esac

log() { echo "images: $*"; }
die() { echo "images: $*" >&2; exit 1; }

usage() {
  sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//'
}

# ---- storage driver -------------------------------------------------------------------------

# Unmounts every mount at or below $1 (deepest first).
unmount_below() {
  local m
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done < <(
    awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# Mounts a scratch container with the overlay driver in a throwaway store: true if that works.
overlay_works() {
  local tmp ok=1
  tmp=$(mktemp -d)
  local b=(buildah --root "$tmp/root" --runroot "$tmp/run" --storage-driver overlay)
  if "${b[@]}" from --name probe scratch >/dev/null 2>&1 && "${b[@]}" mount probe >/dev/null 2>&1; then ok=0; fi
  "${b[@]}" rm probe >/dev/null 2>&1 || true
  unmount_below "$tmp"
  rm -rf "$tmp"
  return $ok
}

choose_driver() {
  local file="$work/storage-driver"
  if [ -n "${K8SCLAW_STORAGE_DRIVER:-}" ]; then
    driver=$K8SCLAW_STORAGE_DRIVER
    [ ! -f "$file" ] || [ "$(cat "$file")" = "$driver" ] ||
      die "store $store uses driver $(cat "$file"), not $driver: remove $work to switch"
  elif [ -f "$file" ]; then
    driver=$(cat "$file")
  elif overlay_works; then
    driver=overlay
  else
    driver=vfs
  fi
  mkdir -p "$work" && echo "$driver" >"$file"
}

bah() { buildah --root "$store" --runroot "$runroot" --storage-driver "$driver" "$@"; }

# ---- inputs -----------------------------------------------------------------------------------

# Hash of a directory's contents (names, modes, bytes; not times or owners).
tree_hash() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - . | sha256sum | cut -c1-64
}

prepare_pause() { # $1: context dir
  log "compiling hack/pause"
  command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
  (cd "$here/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS='' go build -trimpath -ldflags "-s -w" -o "$1/pause" .)
}

prepare_node_base() { # $1: context dir
  local node lib
  node="$("$here/node.sh")/node"
  log "assembling the node-base rootfs (Node $("$node" --version))"
  local r="$1/rootfs"
  mkdir -p "$r/usr/local/bin" "$r/etc/ssl/certs" "$r/tmp" "$r/home" "$1/home/k8sclaw"
  cp "$node" "$r/usr/local/bin/node"
  # exactly the shared libraries ldd lists, and the loader, at the paths the binary asks for
  for lib in $(ldd "$node" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$r$(dirname "$lib")"
    cp -L "$lib" "$r$lib"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'k8sclaw:x:65532:65532:k8sclaw:/home/k8sclaw:/sbin/nologin' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'k8sclaw:x:65532:' >"$r/etc/group"
  # glibc's default without this file asks DNS before /etc/hosts
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$r/etc/nsswitch.conf"
  chmod 1777 "$r/tmp"
  chmod -R u=rwX,go=rX "$r/etc" "$r/usr" "$r/lib"* && chmod 0755 "$r" "$r/home" "$1/home/k8sclaw"
}

prepare_nats() { # $1: context dir
  log "copying nats-server v$NATS_SERVER_VERSION (hack/go-tools.sh)"
  cp "$("$here/go-tools.sh")/nats-server" "$1/nats-server"
}

# Production-only node_modules, installed from package.json + package-lock.json outside the repo
# (never the dev tree); reinstalled only when those two files change.
stage_app_deps() {
  local dir="$work/build/app-deps" sum
  sum=$(cat "$repo/package.json" "$repo/package-lock.json" | sha256sum | cut -c1-64)
  if [ "$(cat "$dir/.inputs" 2>/dev/null)" != "$sum" ]; then
    log "installing production node_modules (npm ci --omit=dev)"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$repo/package.json" "$repo/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$sum" >"$dir/.inputs"
  fi
}

prepare_k8sclaw() { # $1: context dir
  stage_app_deps
  log "assembling the k8sclaw build context"
  # tsc's output and the controller's bundle (both from `npm run build`): dist/package/ is the CLI's
  # npm package (hack/build-cli.ts), not used by the images
  [ -f "$repo/dist/controller/controller.js" ] || die "dist/controller/ is missing: run npm run build"
  mkdir -p "$1/dist" && cp -a "$repo/dist/src" "$1/dist/src" && cp -a "$repo/dist/controller" "$1/dist/controller"
  cp "$repo/package.json" "$1/package.json"
  cp -al "$work/build/app-deps/node_modules" "$1/node_modules"
}

# the runner, the bridge, the channels and the webhook are the app image with another entrypoint:
# nothing to copy
prepare_agent_runner() { :; }
prepare_ipc_bridge() { :; }
prepare_channel() { :; }
prepare_webhook() { :; }

prepare_apiserver() { # $1: context dir
  cp -a "$repo/migrations" "$1/migrations"
}

# Copies into rootfs $1 exactly the shared libraries (and the loader) that the ELF files $2… link.
copy_linked_libraries() {
  local r=$1 file lib
  shift
  for lib in $(for file in "$@"; do
    ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  done | sort -u); do
    [ -e "$r$lib" ] && continue
    mkdir -p "$r$(dirname "$lib")"
    cp -L "$lib" "$r$lib"
  done
}

prepare_postgres() { # $1: context dir
  local r="$1/rootfs" server bin major lib busybox applet f
  server=$(find /usr/lib/postgresql -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$server" ] || die "PostgreSQL is missing: run hack/install-deps.sh"
  bin=$(dirname "$server") && major=$(basename "$(dirname "$bin")")
  lib="/usr/lib/postgresql/$major/lib"
  busybox=$(command -v busybox) || die "busybox is missing: run hack/install-deps.sh"
  log "assembling the postgres rootfs ($("$server" --version), Debian package $(dpkg-query -W -f='${Version}' "postgresql-$major"))"
  mkdir -p "$r$bin" "$r$lib" "$r/usr/share/postgresql" "$r/usr/local/bin" "$r/bin" "$r/etc" "$r/tmp" \
    "$r/var/lib/postgresql/data"
  for f in postgres initdb pg_isready; do
    cp "$bin/$f" "$r$bin/$f"
    # PostgreSQL finds its libraries and share files from the real path of its binary
    ln -s "$bin/$f" "$r/usr/local/bin/$f"
  done
  # every extension library but the LLVM JIT (which alone would link 100 MB; the server runs with jit=off)
  find "$lib" -maxdepth 1 -name '*.so' ! -name llvmjit.so -exec cp {} "$r$lib/" \;
  cp -a "/usr/share/postgresql/$major" "$r/usr/share/postgresql/$major"
  rm -rf "$r/usr/share/postgresql/$major/man"
  # Debian builds PostgreSQL against the system time zone database
  cp -a /usr/share/zoneinfo "$r/usr/share/zoneinfo"
  copy_linked_libraries "$r" "$r$bin"/* "$r$lib"/*.so
  cp "$busybox" "$r/bin/busybox"
  for applet in sh mkdir chmod rm mv cat; do ln -s busybox "$r/bin/$applet"; done
  cp "$repo/images/postgres/entrypoint.sh" "$1/entrypoint.sh"
  # initdb and the server look their user up by uid
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'postgres:x:65532:65532:PostgreSQL:/var/lib/postgresql:/sbin/nologin' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'postgres:x:65532:' >"$r/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$r/etc/nsswitch.conf"
  chmod 1777 "$r/tmp" && chmod 0777 "$r/var/lib/postgresql/data"
  chmod -R u=rwX,go=rX "$r/etc" "$r/usr" "$r/lib"* && chmod 0755 "$r" "$r/bin" "$r/var" "$r/var/lib" "$r/var/lib/postgresql"
}

prepare_sandbox() { # $1: context dir
  local r="$1/rootfs" busybox applet
  busybox=$(command -v busybox) || die "busybox is missing: run hack/install-deps.sh"
  log "assembling the sandbox rootfs (busybox $("$busybox" | head -n1 | awk '{print $2}'))"
  mkdir -p "$r/bin" "$r/tmp" "$r/workspace" "$r/etc"
  cp "$busybox" "$r/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$r/bin/$applet"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'sandbox:x:65532:65532:sandbox:/workspace:/bin/sh' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'sandbox:x:65532:' >"$r/etc/group"
  chmod 1777 "$r/tmp" && chmod 0755 "$r" "$r/bin" "$r/etc" && chmod 0777 "$r/workspace"
}

prepare_model_fake() { # $1: context dir
  stage_app_deps
  log "assembling the model-fake build context"
  mkdir -p "$1/app/test/fakes" "$1/app/node_modules"
  cp -a "$repo/test/fakes/model-server" "$1/app/test/fakes/model-server"
  find "$1/app" -name '*.test.ts' -delete
  cp -al "$work/build/app-deps/node_modules/yaml" "$1/app/node_modules/yaml"
  printf '{ "type": "module", "private": true }\n' >"$1/app/package.json"
}

prepare_chat_fakes() { # $1: context dir
  stage_app_deps
  log "assembling the chat-fakes build context"
  local fake
  mkdir -p "$1/app/test/fakes" "$1/app/node_modules"
  for fake in telegram slack discord whatsapp; do
    [ ! -d "$repo/test/fakes/$fake" ] || cp -a "$repo/test/fakes/$fake" "$1/app/test/fakes/$fake"
  done
  # what they share
  cp "$repo"/test/fakes/*.ts "$1/app/test/fakes/"
  find "$1/app" -name '*.test.ts' -delete
  # the WebSocket server of the Slack and Discord stand-ins
  cp -al "$work/build/app-deps/node_modules/ws" "$1/app/node_modules/ws"
  printf '{ "type": "module", "private": true }\n' >"$1/app/package.json"
}

# ---- build ------------------------------------------------------------------------------------

image_id() { bah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }
image_inputs() {
  bah inspect --type image --format "{{index .OCIv1.Config.Labels \"$inputs_label\"}}" "$1" 2>/dev/null || true
}

# build_one NAME [BUILD_ARG...]: prepares the context, builds if the inputs changed, writes the archive.
build_one() {
  local name=$1 tag=${tags[$1]} ctx="$work/build/$1" dir=${containerfile_dirs[$1]:-$1}
  local file="$repo/images/$dir/Containerfile"
  shift
  local start=$SECONDS args=() a
  for a in "$@"; do args+=(--build-arg "$a"); done
  rm -rf "$ctx" && mkdir -p "$ctx"
  "prepare_${dir//-/_}" "$ctx"
  local inputs base_id=""
  # a base image built here is an input by its ID, not just its tag
  for a in "$@"; do [ "${a%%=*}" != BASE_IMAGE ] || base_id=$(image_id "${a#*=}"); done
  inputs=$({ sha256sum <"$file"; printf '%s\n' "$@" "$base_id" "${SOURCE_DATE_EPOCH:-0}"; tree_hash "$ctx"; } | sha256sum | cut -c1-64)
  if [ -n "$(image_id "$tag")" ] && [ "$(image_inputs "$tag")" = "$inputs" ]; then
    log "$tag: up to date"
  else
    log "$tag: building"
    bah bud --pull=never --layers=false --format oci --identity-label=false \
      --timestamp "${SOURCE_DATE_EPOCH:-0}" --label "$inputs_label=$inputs" \
      "${args[@]}" -f "$file" -t "$tag" "$ctx" >"$work/build/$name.log" 2>&1 ||
      { cat "$work/build/$name.log" >&2; die "$tag: build failed"; }
  fi
  local id archive="$work/$name.tar"
  id=$(image_id "$tag")
  if [ -f "$archive" ] && [ "$(cat "$archive.id" 2>/dev/null)" = "$id" ]; then
    log "$tag: archive up to date"
  else
    rm -f "$archive.tmp" "$archive.id"
    bah push --quiet "$tag" "oci-archive:$archive.tmp:$tag"
    mv "$archive.tmp" "$archive" && echo "$id" >"$archive.id"
    log "$tag: wrote $archive ($(du -h "$archive" | cut -f1))"
  fi
  rm -rf "$ctx"
  log "$tag: done in $((SECONDS - start))s"
}

cmd_build() {
  [ "$(id -u)" = 0 ] || die "build needs root (rootful buildah)"
  mkdir -p "$work/build" "$runroot"
  exec 9>"$work/.lock"
  flock 9 # one build at a time per cache
  choose_driver
  log "buildah $(buildah --version | awk '{print $3}'), storage driver $driver, store $store"
  local node_bin
  node_bin=$("$here/node.sh")
  export PATH="$node_bin:$PATH"
  [ -x "$repo/node_modules/.bin/tsc" ] || (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error)
  log "npm run build"
  (cd "$repo" && npm run --silent build)
  build_one pause
  build_one node-base
  build_one k8sclaw "BASE_IMAGE=${tags[node-base]}"
  build_one agent-runner "BASE_IMAGE=${tags[k8sclaw]}"
  build_one ipc-bridge "BASE_IMAGE=${tags[k8sclaw]}"
  build_one apiserver "BASE_IMAGE=${tags[k8sclaw]}"
  build_one webhook "BASE_IMAGE=${tags[k8sclaw]}"
  for name in channel-telegram channel-slack channel-discord channel-whatsapp; do
    build_one "$name" "BASE_IMAGE=${tags[k8sclaw]}" "CHANNEL_TYPE=${name#channel-}"
  done
  build_one sandbox
  build_one nats
  build_one postgres
  build_one model-fake "BASE_IMAGE=${tags[node-base]}"
  build_one chat-fakes "BASE_IMAGE=${tags[node-base]}"
  # images replaced by a rebuild are left untagged: nothing else in this store refers to them
  bah rmi --prune >/dev/null 2>&1 || true
}

# ---- import -----------------------------------------------------------------------------------

cmd_import() {
  local socket=${K8SCLAW_CONTAINERD_SOCKET:-$default_socket} name archive
  while [ $# -gt 0 ]; do
    case "$1" in
      --address) [ $# -ge 2 ] || die "--address needs a socket path"; socket=$2; shift 2 ;;
      --address=*) socket=${1#--address=}; shift ;;
      *) die "import: unknown argument $1" ;;
    esac
  done
  [ -S "$socket" ] || die "no containerd socket at $socket"
  for name in "${names[@]}"; do
    archive="$work/$name.tar"
    [ -f "$archive" ] || die "$archive is missing: run hack/images.sh build first"
    log "importing ${tags[$name]} into $socket (k8s.io)"
    ctr -n k8s.io --address "$socket" images import --platform "$platform" "$archive" >/dev/null
  done
  log "imported ${#names[@]} images"
}

cmd_list() {
  local name
  for name in "${names[@]}"; do echo "${tags[$name]}"; done
}

case "${1:-}" in
  build) shift; [ $# -eq 0 ] || die "build takes no arguments"; cmd_build ;;
  import) shift; cmd_import "$@" ;;
  list) shift; cmd_list ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
