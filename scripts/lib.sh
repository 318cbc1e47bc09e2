# Shared shell helpers for the project's scripts. Source it; it defines functions and paths only.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"   # installed toolchain (git-ignored)
LOCAL="$ROOT/.local"   # state, logs and pid files of local infrastructure (git-ignored)
RUN="$LOCAL/run"       # pid files
LOG="$LOCAL/log"       # logs of background processes
export PATH="$TOOLS/bin:$PATH"

FERRETDB_VERSION=v1.24.2
MAILPIT_VERSION=v1.33.1
HELM_VERSION=v4.3.1

# Every error names the step it stopped in (the last `step`) and, where one is known, its log.
STEP=""
step() {
  STEP=$*
  printf '\033[1m==> %s\033[0m\n' "$*" >&2
}
info() { printf '    %s\n' "$*" >&2; }
die() {
  printf '\033[31merror: %s\033[0m\n' "$*" >&2
  [[ -z $STEP ]] || printf '       failed step: %s\n' "$STEP" >&2
  exit 1
}
rel() { echo "${1#"$ROOT"/}"; } # a path as the README names it

# logged LOGFILE COMMAND...: run COMMAND with its output appended to LOGFILE; on failure show the
# end of the log and stop, naming the step and the log.
logged() {
  local file=$1
  shift
  mkdir -p "$(dirname "$file")"
  echo "--- $(date -Is) \$ $*" >>"$file"
  if ! "$@" >>"$file" 2>&1; then
    tail -n 20 "$file" | sed 's/^/    | /' >&2
    die "$* failed (full log: $(rel "$file"))"
  fi
}

# wait_for LABEL SECONDS COMMAND...: retry COMMAND until it succeeds or the time is up.
wait_for() {
  local label=$1 seconds=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= seconds)); then
      local log="$LOG/${label%% *}.log"
      [[ -f $log ]] && tail -n 20 "$log" | sed 's/^/    | /' >&2
      die "$label did not come up within ${seconds}s (log: $(rel "$log"))"
    fi
    sleep 0.5
  done
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- the local npm registry ----------------------------------------------------------------
# Project scripts install through the local registry (Verdaccio), which proxies every package but
# @eventshop/* to an upstream registry: NPM_UPSTREAM when set, else the registry npm was configured
# with before any project script changed it. use_local_registry records that upstream first, so
# scripts started from here (scripts/infra.sh) never take the local registry for its own uplink.
LOCAL_REGISTRY=http://127.0.0.1:4873/
use_local_registry() {
  if [[ -z ${NPM_UPSTREAM:-} ]]; then
    NPM_UPSTREAM=$(npm config get registry 2>/dev/null) || NPM_UPSTREAM=https://registry.npmjs.org/
    export NPM_UPSTREAM
  fi
  export npm_config_registry=${NPM_REGISTRY:-$LOCAL_REGISTRY}
}

# --- background processes started by the project's scripts ------------------------------
pid_of() { [[ -f "$RUN/$1.pid" ]] && cat "$RUN/$1.pid"; }
alive() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }

spawn() { # name command...: start detached in its own session, log to .local/log/<name>.log
  local name=$1
  shift
  mkdir -p "$RUN" "$LOG"
  setsid nohup "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_pid() { # name: SIGTERM the process group, then SIGKILL after 15 s
  local name=$1 pid
  pid=$(pid_of "$name") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# Builds and publishes the shared packages to the local registry, once per script run: the
# packages' npm ci installs them from there, and a fresh machine's registry has none yet.
SHARED_PUBLISHED=false
publish_shared_once() {
  $SHARED_PUBLISHED && return
  step "shared packages: build and publish to the local registry"
  bash "$ROOT/scripts/packages.sh" publish
  SHARED_PUBLISHED=true
}

# A package's install is current when npm's own record of it (node_modules/.package-lock.json) is
# newer than its manifest and lock; its build when the output (default dist/main.js) is newer than
# every source, tsconfig and the install.
installed() { # dir
  local record="$1/node_modules/.package-lock.json"
  [[ -f $record && $record -nt $1/package-lock.json && $record -nt $1/package.json ]]
}
built() { # dir [output]
  local out="$1/${2:-dist/main.js}"
  [[ -f $out ]] || return 1
  [[ -z $(find "$1/src" "$1"/tsconfig*.json "$1/node_modules/.package-lock.json" -newer "$out" -print -quit 2>/dev/null) ]]
}
