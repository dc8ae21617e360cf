# Prerequisite checks shared by the set-up scripts (sourced, not run): each says in one sentence
# what is missing and how to get it, and exits 1, before a script starts work it cannot finish.

# require_command COMMAND SCRIPT WHY HOW
require_command() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "$2: $1 is missing ($3); $4." >&2
  exit 1
}

# require_go MIN_VERSION SCRIPT: a Go toolchain of at least MIN_VERSION (GOTOOLCHAIN=local: no download)
require_go() {
  require_command go "$2" "it builds upstream servers from Go modules" \
    "install Go $1 or newer from https://go.dev/dl and put it on PATH"
  local have
  have=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n1)" != "$1" ]; then
    echo "$2: Go $have is too old (it needs Go $1 or newer); install a newer one from https://go.dev/dl." >&2
    exit 1
  fi
}

# require_root_or_sudo SCRIPT WHAT
require_root_or_sudo() {
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null 2>&1 && return 0
  echo "$1: $2 needs root: run it as root or install sudo." >&2
  exit 1
}
