#!/usr/bin/env bash
# The container engine for testcontainers and image builds: Debian's podman (runtime runc) serving
# a Docker-compatible API on .local/podman/podman.sock. Docker users keep their engine: when
# DOCKER_HOST points elsewhere or /var/run/docker.sock exists, that engine is used and nothing
# is started here.
#   podman.sh engine   print the engine in use: podman | docker | none
#   podman.sh conf     write .local/podman/containers.conf for this machine, print its path
#   podman.sh ulimits  the same limits as `--ulimit` values (podman build ignores default_ulimits)
#   podman.sh up       start `podman system service` on the socket (idempotent)
#   podman.sh down     stop it and remove containers left behind by tests
#   podman.sh status   one status line
#   podman.sh env      env lines for tests: DOCKER_HOST, TESTCONTAINERS_*, local image names
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SOCK="$LOCAL/podman/podman.sock"
# Where no image registry is reachable, the official images are replaced by local ones
# (scripts/images.sh builds them); a name already set in the environment wins.
LOCAL_IMAGES="$ROOT/infra/images/local.env"

engine() {
  if [[ -n ${DOCKER_HOST:-} && $DOCKER_HOST != "unix://$SOCK" ]]; then
    echo docker
  elif [[ -z ${DOCKER_HOST:-} && -S /var/run/docker.sock ]]; then
    echo docker
  elif command -v podman >/dev/null; then
    echo podman
  else
    echo none
  fi
}

# A container cannot be given a limit above the one podman itself runs with (runc then fails
# with "error setting rlimit type N: operation not permitted"): the machine's hard limit, and for
# nproc at most kernel.pid_max, to which podman lowers its own.
hard_limit() { # ulimit flag
  local value pid_max
  value=$(ulimit -H "$1")
  [[ $value == unlimited ]] && value=1048576
  if [[ $1 == -u ]]; then
    pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$value")
    ((pid_max < value)) && value=$pid_max
  fi
  echo "$value"
}

ulimits() {
  echo "nofile=$(hard_limit -n):$(hard_limit -n)"
  echo "nproc=$(hard_limit -u):$(hard_limit -u)"
}

conf() {
  local out="$LOCAL/podman/containers.conf"
  mkdir -p "$LOCAL/podman"
  sed -e "s/NOFILE_HARD/$(hard_limit -n)/g" -e "s/NPROC_HARD/$(hard_limit -u)/g" \
    "$ROOT/infra/podman/containers.conf" >"$out.tmp"
  mv "$out.tmp" "$out" # atomic: a running podman never reads half a file
  echo "$out"
}

answers() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://podman/_ping; }

up() {
  local kind
  kind=$(engine)
  case $kind in
    docker) info "engine     docker (${DOCKER_HOST:-unix:///var/run/docker.sock})"; return ;;
    none) die "no container engine: install podman (make toolchain) or set DOCKER_HOST" ;;
  esac
  if alive podman && answers >/dev/null 2>&1; then
    info "podman     already running on unix://$SOCK"
    return
  fi
  stop_pid podman
  rm -f "$SOCK"
  CONTAINERS_CONF=$(conf) spawn podman podman system service --time=0 "unix://$SOCK"
  wait_for podman 30 answers
  info "podman     unix://$SOCK (runtime runc)"
}

down() {
  [[ $(engine) == podman ]] || return 0
  if alive podman; then
    # Tests run without Ryuk (its image cannot be pulled here), so a killed test run can leave
    # its containers behind; they carry testcontainers' label.
    local left
    left=$(CONTAINERS_CONF=$(conf) podman ps -aq --filter label=org.testcontainers=true)
    if [[ -n $left ]]; then
      # shellcheck disable=SC2086
      CONTAINERS_CONF=$(conf) podman rm --force --time 0 $left >/dev/null 2>&1 || true
    fi
  fi
  stop_pid podman
  rm -f "$SOCK"
}

status() {
  case $(engine) in
    docker) printf '  %-10s docker   %s\n' engine "${DOCKER_HOST:-unix:///var/run/docker.sock}" ;;
    none) printf '  %-10s none     (install podman or set DOCKER_HOST)\n' engine ;;
    podman)
      if alive podman && answers >/dev/null 2>&1; then
        printf '  %-10s running  unix://%s\n' podman "$SOCK"
      else
        printf '  %-10s stopped\n' podman
      fi
      ;;
  esac
}

print_env() {
  [[ $(engine) == podman ]] || return 0
  # Ryuk (the reaper container) cannot be pulled here, and podman publishes ports on the host's
  # addresses, so tests reach containers through loopback.
  cat <<ENV
DOCKER_HOST=unix://$SOCK
TESTCONTAINERS_RYUK_DISABLED=true
TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
ENV
  local name default
  while IFS='=' read -r name default; do
    [[ $name =~ ^[A-Z_]+$ ]] || continue
    echo "$name=${!name:-$default}"
  done <"$LOCAL_IMAGES"
}

case "${1:-}" in
  engine) engine ;;
  conf) conf ;;
  ulimits) ulimits ;;
  up) up ;;
  down) down ;;
  status) status ;;
  env) print_env ;;
  *) die "usage: podman.sh engine|conf|ulimits|up|down|status|env" ;;
esac
