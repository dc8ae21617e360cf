// The sandbox side of execute_command. The runner and the sandbox share one directory: the runner
// drops a request `<id>.sh` there (written to `<id>.sh.tmp` first, then renamed), the sandbox claims
// it by renaming it to `<id>.run`, runs it with /bin/sh in the workspace (under `timeout` when the
// image has one) and writes `<id>.out`, `<id>.err` and, last and atomically, `<id>.exit`. Plain
// files and a POSIX sh loop, so any image with /bin/sh can serve as the sandbox, busybox included.

/** The shared directory, an emptyDir mounted in the runner and the sandbox. */
export const sandboxExecDir = '/var/run/k8sclaw/exec';

/** Suffixes of the files of one request `<id>`. */
export const sandboxExecFiles = {
  /** Being written by the runner; never picked up. */
  pending: '.sh.tmp',
  /** A request, complete: the sandbox picks up only these. */
  request: '.sh',
  /** A request the sandbox has claimed and is running. */
  running: '.run',
  stdout: '.out',
  stderr: '.err',
  /** The exit status as a decimal number, written last. */
  exit: '.exit',
} as const;

/** First line of a request: the command's timeout in seconds (a comment to /bin/sh). */
export const sandboxExecTimeoutHeader = '# k8sclaw-timeout: ';
/** Used when a request carries no valid timeout header. */
export const sandboxExecDefaultTimeoutSeconds = 600;
/** After its timeout a command gets TERM, and KILL this much later (where `timeout -k` exists). */
export const sandboxExecKillGraceSeconds = 5;
/** `timeout`'s exit status for a command it stopped (GNU coreutils; busybox reports the signal). */
export const sandboxExecTimedOutExitCode = 124;

const { request, running, stdout, stderr, exit } = sandboxExecFiles;

/**
 * Arguments: $1 the exec directory, $2 the working directory of commands. No bash-isms: it runs
 * under dash and busybox ash. Requests run concurrently, each in a background subshell; the loop's
 * own waits reap them (the shell is PID 1 of the sandbox container, so it reaps orphans too).
 */
export const sandboxExecScript = `set -u
dir=\${1:-${sandboxExecDir}}
work=\${2:-/workspace}
# PID 1 gets no default signal handling: without a trap the pod would wait out its grace period
trap 'exit 0' TERM INT HUP
mkdir -p "$dir" 2>/dev/null
# the root filesystem is read-only; tools that write to $HOME need somewhere writable
[ -w "\${HOME:-/nonexistent}" ] || HOME=/tmp
export HOME
# GNU and newer busybox take "timeout [-k S] S cmd", older busybox "timeout -t S cmd"
if timeout -k 1 1 true >/dev/null 2>&1; then tmode=k
elif timeout 1 true >/dev/null 2>&1; then tmode=plain
elif timeout -t 1 true >/dev/null 2>&1; then tmode=t
else tmode=none
fi
run_request() {
  base=$dir/$1
  secs=$2
  cd "$work" 2>/dev/null || cd /
  case $tmode in
    k) timeout -k ${sandboxExecKillGraceSeconds} "$secs" /bin/sh "$base${running}" ;;
    plain) timeout "$secs" /bin/sh "$base${running}" ;;
    t) timeout -t "$secs" /bin/sh "$base${running}" ;;
    *) /bin/sh "$base${running}" ;;
  esac </dev/null >"$base${stdout}" 2>"$base${stderr}"
  code=$?
  # the runner removes the claimed request when it stops waiting: then nobody reads the result
  if [ -e "$base${running}" ]; then
    echo "$code" >"$base${exit}.tmp" && mv -f "$base${exit}.tmp" "$base${exit}"
  else
    rm -f "$base${stdout}" "$base${stderr}"
  fi
}
while :; do
  for req in "$dir"/*${request}; do
    [ -f "$req" ] || continue
    id=\${req##*/}
    id=\${id%${request}}
    # the rename claims the request exactly once
    mv -f "$req" "$dir/$id${running}" 2>/dev/null || continue
    first=
    IFS= read -r first <"$dir/$id${running}" || :
    case $first in
      "${sandboxExecTimeoutHeader}"*) secs=\${first#"${sandboxExecTimeoutHeader}"} ;;
      *) secs=${sandboxExecDefaultTimeoutSeconds} ;;
    esac
    case $secs in
      ''|*[!0-9]*) secs=${sandboxExecDefaultTimeoutSeconds} ;;
    esac
    run_request "$id" "$secs" &
  done
  sleep 0.2 2>/dev/null || sleep 1
done
`;

export interface SandboxCommandOptions {
  execDir?: string;
  /** Where commands run: the workspace shared with the runner. */
  workspaceDir?: string;
}

/** The sandbox container's `command` and `args`: the image's entrypoint is replaced by the loop. */
export function buildSandboxCommand(options: SandboxCommandOptions = {}): {
  command: string[];
  args: string[];
} {
  return {
    command: ['/bin/sh', '-c', sandboxExecScript],
    // with `sh -c`, the first argument is $0 (the name in process listings)
    args: ['k8sclaw-sandbox', options.execDir ?? sandboxExecDir, options.workspaceDir ?? '/workspace'],
  };
}
