#!/usr/bin/env bash
# The whole system on this machine: the local infrastructure plus the three services as they ship
# (`node dist/main.js`), each a background process with a pid file and a log under .local/.
#   system.sh up       infrastructure, shared packages, install + build + start each service, wait
#                      until ready, seed the demo catalog, print what to do next. Services already
#                      running are left alone, so a second run is quick.
#   system.sh down     stop the services, then the infrastructure (KEEP_INFRA=1: the services only)
#   system.sh status   say what runs
#   system.sh stop|start SERVICE   stop one service, or start it again as `up` does (fault steps)
#   system.sh logs     follow the services' logs
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SERVICES=(inventory-service order-service notification-service)
declare -A PORT_OF=([order-service]=3000 [inventory-service]=3001 [notification-service]=3002)
declare -A DATABASE_OF=([order-service]=order [inventory-service]=inventory [notification-service]=notification)
SECRET_FILE="$LOCAL/secrets/auth-hs256-secret"
UP_LOG="$LOG/system-up.log"
DEMO_SKUS=TSHIRT-BLUE-M,MUG-BLACK,SOCKS-STRIPED,POSTER-LIMITED

use_local_registry
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

ready() { curl -fsS --max-time 2 "http://127.0.0.1:${PORT_OF[$1]}/health/ready" >/dev/null 2>&1; }
running() { alive "$1" && ready "$1"; }

# timed LABEL COMMAND...: run with the output in .local/log/system-up.log; say how long it took,
# or show the end of the log and stop.
timed() {
  local label=$1 start=$SECONDS
  shift
  echo "\$ $*" >>"$UP_LOG"
  if ! "$@" >>"$UP_LOG" 2>&1; then
    tail -n 25 "$UP_LOG" >&2
    if tail -n 25 "$UP_LOG" | grep -q EINTEGRITY; then
      info "the lock pins another build of a package than the registry serves: a shared" \
        "@eventshop package changed without a new version; publish it as a new version" \
        "and update the service's lock"
    fi
    die "$label failed (full log: .local/log/system-up.log)"
  fi
  info "$label: $((SECONDS - start))s"
}

prepare() { # service: npm ci and build unless current
  local dir="$ROOT/$1"
  [[ -f $dir/package.json ]] || die "$1/package.json is missing"
  if installed "$dir"; then
    info "$1: dependencies up to date"
  else
    step "$1: npm ci (from the lock, through the local registry)"
    timed "$1 npm ci" bash -c "cd '$dir' && npm ci --loglevel=error"
  fi
  if built "$dir"; then
    info "$1: build up to date"
  else
    step "$1: build"
    timed "$1 build" bash -c "cd '$dir' && npm run --silent build"
  fi
}

# The development signing secret: generated once, kept in .local/secrets (git-ignored, mode 600).
ensure_secret() {
  [[ -s $SECRET_FILE ]] && return
  mkdir -p "$(dirname "$SECRET_FILE")"
  chmod 700 "$(dirname "$SECRET_FILE")"
  (umask 077 && head -c 32 /dev/urandom | base64 >"$SECRET_FILE")
  info "generated a development signing secret in .local/secrets/"
}

mongo_uri_for() { # database
  local base
  base=$(sed -n 's/^MONGODB_URI=//p' <<<"$INFRA_ENV")
  # Same server and options as the infrastructure's URI, the service's own database.
  sed -E "s|^(mongodb://[^/]+)/[^?]*|\1/$1|" <<<"$base"
}
infra_value() { sed -n "s/^$1=//p" <<<"$INFRA_ENV"; }

# Each service connects to the broker as a user of its own, allowed to publish only the event
# types it produces (scripts/broker-users.mjs, through infra.sh): not as guest, the admin.
load_infra_env() {
  INFRA_ENV=$(bash "$ROOT/scripts/infra.sh" env)
  SERVICE_URLS=$(bash "$ROOT/scripts/infra.sh" service-urls)
}
amqp_url_of() { # service
  local url
  url=$(sed -n "s/^$1=//p" <<<"$SERVICE_URLS")
  [[ -n $url ]] || die "no broker user for $1 (bash scripts/infra.sh service-urls)"
  echo "$url"
}

start() { # service
  local svc=$1 port=${PORT_OF[$1]}
  if port_open "$port"; then
    die "port $port is taken by another process; $svc cannot start (is another EventShop running?)"
  fi
  (
    cd "$ROOT/$svc"
    export MONGODB_URI AMQP_URL PORT LOG_LEVEL AUTH_ISSUER AUTH_AUDIENCE AUTH_HS256_SECRET
    MONGODB_URI=$(mongo_uri_for "${DATABASE_OF[$svc]}")
    AMQP_URL=$(amqp_url_of "$svc")
    PORT=$port
    LOG_LEVEL=${LOG_LEVEL:-info}
    AUTH_ISSUER=eventshop-dev
    AUTH_AUDIENCE=eventshop
    AUTH_HS256_SECRET=$(cat "$SECRET_FILE")
    unset AUTH_JWKS_URL
    case $svc in
      notification-service)
        export SMTP_URL MAIL_FROM
        SMTP_URL=$(infra_value SMTP_URL)
        MAIL_FROM='EventShop (dev) <orders@eventshop.localhost>'
        ;;
      inventory-service) export WATCHED_SKUS=$DEMO_SKUS ;;
    esac
    echo "--- $(date -Is) starting $svc on :$port" >>"$LOG/$svc.log"
    spawn "$svc" node dist/main.js
  )
}

await_ready() { # service
  local svc=$1 start=$SECONDS
  until ready "$svc"; do
    if ! alive "$svc"; then
      tail -n 20 "$LOG/$svc.log" >&2
      die "$svc exited while starting (log: .local/log/$svc.log)"
    fi
    if ((SECONDS - start >= 120)); then
      tail -n 20 "$LOG/$svc.log" >&2
      die "$svc was not ready within 120s (log: .local/log/$svc.log)"
    fi
    sleep 0.5
  done
  info "$svc ready on http://127.0.0.1:${PORT_OF[$svc]} ($((SECONDS - start))s)"
}

next_steps() {
  cat <<EOF

EventShop is running: order :3000, inventory :3001, notification :3002 (OpenAPI at /docs).
Demo products: ${DEMO_SKUS//,/, } (inventory: GET http://127.0.0.1:3001/products).

EOF
  # The same blocks as the README's; `make front-door-check` runs them.
  sed -e '/^##/d' -e '/./,$!d' -e 's/^./  &/' "$ROOT/scripts/try-it.sh"
  cat <<EOF

make logs follows the services' logs; make down stops everything.
EOF
}

up() {
  local began=$SECONDS svc
  mkdir -p "$LOG"
  : >"$UP_LOG"
  step "infrastructure"
  bash "$ROOT/scripts/infra.sh" up >/dev/null
  load_infra_env

  local pending=()
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then
      info "$svc already running (pid $(pid_of "$svc")); \`make down\` first to rebuild it"
    else
      pending+=("$svc")
    fi
  done
  if ((${#pending[@]})); then
    local t=$SECONDS
    bash "$ROOT/scripts/packages.sh" publish
    info "shared packages: $((SECONDS - t))s"
    for svc in "${pending[@]}"; do prepare "$svc"; done
    ensure_secret
    step "starting ${pending[*]}"
    for svc in "${pending[@]}"; do
      stop_pid "$svc" # a stale pid file, or a process that is alive but not ready
      start "$svc"
    done
    for svc in "${pending[@]}"; do await_ready "$svc"; done
  fi
  step "demo catalog and stock (inventory admin API)"
  node "$ROOT/scripts/seed-demo.mjs" "http://127.0.0.1:${PORT_OF[inventory-service]}"
  info "up in $((SECONDS - began))s"
  next_steps
}

stop_services() {
  local svc pid
  for svc in order-service notification-service inventory-service; do
    pid=$(pid_of "$svc") || continue
    if kill -0 "$pid" 2>/dev/null; then
      stop_pid "$svc"
      info "$svc stopped"
    else
      rm -f "$RUN/$svc.pid"
    fi
  done
}

# One service, for the fault steps of checks: stop it, or start it again (already built).
stop_one() { # service
  [[ -n ${PORT_OF[$1]:-} ]] || die "unknown service '$1' (one of: ${SERVICES[*]})"
  stop_pid "$1"
  info "$1 stopped"
}
start_one() { # service
  [[ -n ${PORT_OF[$1]:-} ]] || die "unknown service '$1' (one of: ${SERVICES[*]})"
  if running "$1"; then
    info "$1 already running"
    return
  fi
  load_infra_env
  ensure_secret
  stop_pid "$1"
  start "$1"
  await_ready "$1"
}

down() {
  step "stopping the services"
  stop_services
  if [[ ${KEEP_INFRA:-} == 1 ]]; then
    info "infrastructure left running (KEEP_INFRA=1)"
  else
    bash "$ROOT/scripts/infra.sh" down
    step "checking that nothing is left running"
    left_behind
  fi
}

# Every pid file gone and every port of the project closed, or say what is left.
left_behind() {
  local left=() name port
  for name in "$RUN"/*.pid; do
    [[ -e $name ]] || continue
    if kill -0 "$(cat "$name")" 2>/dev/null; then left+=("$(basename "$name" .pid) (pid $(cat "$name"))"); fi
  done
  for port in 3000 3001 3002 5672 15672 15692 27017 4873 1025 8025; do
    port_open "$port" && left+=("a process on :$port")
  done
  ((${#left[@]} == 0)) || die "still running after make down: ${left[*]}"
  info "no process of the project left (pid files and ports checked)"
}

status() {
  local svc
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then
      printf '  %-21s ready    :%s (pid %s)\n' "$svc" "${PORT_OF[$svc]}" "$(pid_of "$svc")"
    elif alive "$svc"; then
      printf '  %-21s starting or unhealthy :%s (pid %s)\n' "$svc" "${PORT_OF[$svc]}" "$(pid_of "$svc")"
    else
      printf '  %-21s stopped\n' "$svc"
    fi
  done
  bash "$ROOT/scripts/infra.sh" status
}

logs() {
  local files=() svc
  for svc in "${SERVICES[@]}"; do files+=("$LOG/$svc.log"); done
  mkdir -p "$LOG"
  touch "${files[@]}"
  exec tail -n 20 -F "${files[@]}"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  logs) logs ;;
  stop) stop_one "${2:-}" ;;
  start) start_one "${2:-}" ;;
  *) die "usage: system.sh up|down|status|logs|stop SERVICE|start SERVICE" ;;
esac
