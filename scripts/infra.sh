#!/usr/bin/env bash
# Local infrastructure as native processes on loopback, state under .local/ (git-ignored),
# plus the container engine for testcontainers and image builds (scripts/podman.sh).
#   infra.sh up       start what is not running, wait until each answers, print env lines
#   infra.sh down     stop everything this script started; no process is left behind
#   infra.sh status   say what runs
#   infra.sh env      print the env lines only
#   infra.sh service-urls  ensure the services' broker users; print <service>=<AMQP URL> lines
#   infra.sh upstream print the upstream the local registry proxies to (or refuse a wrong one)
#   infra.sh stop|start|restart rabbitmq|ferretdb|podman   one part at a time (fault tests)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$RUN" "$LOG"

AMQP_PORT=5672
MONGO_PORT=27017
REGISTRY_PORT=4873
SMTP_PORT=1025
MAIL_UI_PORT=8025
MANAGEMENT_URL=http://guest:guest@127.0.0.1:15672
BROKER_PASSWORDS=$LOCAL/secrets/broker

print_env() {
  cat <<ENV
MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/eventshop?directConnection=true
AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT
RABBITMQ_MANAGEMENT_URL=$MANAGEMENT_URL
SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
MAIL_UI_URL=http://127.0.0.1:$MAIL_UI_PORT
NPM_REGISTRY=http://127.0.0.1:$REGISTRY_PORT/
ENV
  bash "$ROOT/scripts/podman.sh" env
}

# --- RabbitMQ -----------------------------------------------------------------------------
rabbit_env() {
  local base="$LOCAL/rabbitmq"
  mkdir -p "$base"
  cp "$ROOT/infra/rabbitmq/rabbitmq.conf" "$base/rabbitmq.conf"
  cp "$ROOT/infra/rabbitmq/enabled_plugins" "$base/enabled_plugins"
  export HOME="$base" # the Erlang cookie lives here, shared by server and rabbitmqctl
  export RABBITMQ_NODENAME=eventshop@localhost
  export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$base/mnesia"
  export RABBITMQ_LOG_BASE="$LOG/rabbitmq"
  export RABBITMQ_PID_FILE="$RUN/rabbitmq-beam.pid"
  export ERL_EPMD_ADDRESS=127.0.0.1
}
rabbitmqctl() { (rabbit_env && /usr/lib/rabbitmq/bin/rabbitmqctl "$@"); }

rabbitmq_up() {
  if port_open $AMQP_PORT; then info "rabbitmq   already running on :$AMQP_PORT"; return; fi
  (rabbit_env && spawn rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server)
  wait_for rabbitmq 120 rabbitmqctl await_startup --timeout 5
  wait_for "rabbitmq amqp" 30 port_open $AMQP_PORT
  info "rabbitmq   amqp :$AMQP_PORT, management :15672, prometheus :15692"
}
rabbitmq_down() {
  if alive rabbitmq; then rabbitmqctl shutdown >/dev/null 2>&1 || true; fi
  stop_pid rabbitmq
  (rabbit_env && /usr/lib/rabbitmq/bin/rabbitmq-plugins --version >/dev/null 2>&1 || true)
  # epmd is started on demand by the Erlang VM and outlives it.
  pkill -f "$LOCAL/rabbitmq" 2>/dev/null || true
  epmd -kill >/dev/null 2>&1 || pkill -x epmd 2>/dev/null || true
}

# A user per service with the chart's permissions (configure/write/read as in values.yaml, topic
# permissions on the events exchange from files/topology.yaml): a service may publish only the
# event types it produces and bind only its handlers' routing keys. Passwords are generated once
# per checkout in .local/secrets/broker/. `guest` stays the admin, for tools and tests.
# Idempotent; prints <service>=<AMQP URL as that user>.
broker_users() {
  node "$ROOT/scripts/broker-users.mjs" apply --management "$MANAGEMENT_URL" \
    --amqp "amqp://127.0.0.1:$AMQP_PORT" --vhost / --passwords "$BROKER_PASSWORDS"
}

# --- FerretDB (MongoDB wire protocol, SQLite backend) ------------------------------------
ferretdb_up() {
  if port_open $MONGO_PORT; then info "ferretdb   already running on :$MONGO_PORT"; return; fi
  command -v ferretdb >/dev/null || die "ferretdb not installed: run make toolchain"
  mkdir -p "$LOCAL/ferretdb/data"
  # GOGC=400: FerretDB allocates a fresh document tree for every document it reads and writes;
  # at Go's default (100) the collector took 14 % of its CPU under load, at 400 4 %, for a heap
  # of a few hundred MB at most (docs/decisions/0032).
  spawn ferretdb env GOGC=400 ferretdb --handler=sqlite --sqlite-url="file:$LOCAL/ferretdb/data/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$LOCAL/ferretdb" \
    --telemetry=disable --debug-addr=- --log-level=warn
  wait_for ferretdb 30 port_open $MONGO_PORT
  info "ferretdb   mongodb :$MONGO_PORT (SQLite in .local/ferretdb/data)"
}

# --- Verdaccio (local npm registry) -------------------------------------------------------
REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/
REGISTRY_CONFIG=$LOCAL/verdaccio/config.yaml

# The uplink: NPM_UPSTREAM, else the registry npm is configured with (see use_local_registry in
# lib.sh). The local registry itself is refused: it would proxy every package to itself, and every
# install of a public package would answer 404.
registry_upstream() {
  local up=${NPM_UPSTREAM:-}
  [[ -n $up ]] || up=$(npm config get registry 2>/dev/null) || up=https://registry.npmjs.org/
  up="${up%/}/"
  if [[ $up =~ ^https?://(127\.[0-9.]+|localhost|\[::1\]|0\.0\.0\.0):$REGISTRY_PORT/ ]]; then
    die "the local registry's upstream would be the local registry itself ($up): set NPM_UPSTREAM to" \
      "the registry to proxy (e.g. NPM_UPSTREAM=https://registry.npmjs.org/) or remove the local" \
      "address from npm's config (npm config get registry)"
  fi
  echo "$up"
}
configured_upstream() { [[ -f $REGISTRY_CONFIG ]] && sed -n 's/^ *url: *//p' "$REGISTRY_CONFIG" | head -n 1; }

# A public package must resolve: this catches an unreachable upstream before npm reports it as a
# 404 for whatever package it happened to ask for first. (Asked of the upstream itself: the local
# registry would answer from its cache.)
package_resolves() { curl -fsS --max-time 30 -o /dev/null "${1}is-number"; }

registry_up() {
  local upstream
  upstream=$(registry_upstream)
  if port_open $REGISTRY_PORT; then
    if ! alive verdaccio; then
      package_resolves "$REGISTRY_URL" ||
        die "a registry on :$REGISTRY_PORT not started by this project serves no public packages; stop it"
      info "registry   already running on :$REGISTRY_PORT (not started by this project)"
      return
    fi
    if [[ $(configured_upstream) == "$upstream" ]]; then
      info "registry   already running on :$REGISTRY_PORT (upstream $upstream)"
      return
    fi
    # State left by an earlier run with another (or a self-referencing) uplink: start it anew.
    info "registry   upstream was $(configured_upstream); restarting with $upstream"
    stop_pid verdaccio
  fi
  mkdir -p "$LOCAL/verdaccio"
  sed "s|UPSTREAM_REGISTRY|$upstream|" "$ROOT/infra/verdaccio/config.yaml" >"$REGISTRY_CONFIG"
  package_resolves "$upstream" || info "warning: the upstream registry $upstream does not answer:" \
    "packages not yet in .local/verdaccio will not install (NPM_UPSTREAM names another registry)"
  spawn verdaccio node "$ROOT/infra/verdaccio/node_modules/verdaccio/bin/verdaccio" \
    --config "$REGISTRY_CONFIG" --listen "127.0.0.1:$REGISTRY_PORT"
  wait_for verdaccio 60 curl -fsS "${REGISTRY_URL}-/ping"
  info "registry   $REGISTRY_URL (@eventshop/* local, the rest from $upstream)"
}

# --- Mailpit (SMTP sink) -----------------------------------------------------------------
mail_up() {
  if port_open $SMTP_PORT; then info "mail       already running on :$SMTP_PORT"; return; fi
  command -v mailpit >/dev/null || die "mailpit not installed: run make toolchain"
  mkdir -p "$LOCAL/mailpit"
  spawn mailpit mailpit --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAIL_UI_PORT" \
    --database "$LOCAL/mailpit/mail.db" --disable-version-check
  wait_for mailpit 30 curl -fsS "http://127.0.0.1:$MAIL_UI_PORT/livez"
  info "mail       smtp :$SMTP_PORT, inbox http://127.0.0.1:$MAIL_UI_PORT"
}

status_line() { # name port
  if port_open "$2"; then printf '  %-10s running  :%s\n' "$1" "$2"; else printf '  %-10s stopped\n' "$1"; fi
}

case "${1:-}" in
  up)
    step "starting local infrastructure"
    rabbitmq_up
    broker_users >/dev/null
    info "rabbitmq   users order-service, inventory-service, notification-service" \
      "(passwords in .local/secrets/broker/)"
    ferretdb_up
    registry_up
    mail_up
    bash "$ROOT/scripts/podman.sh" up
    print_env
    ;;
  down)
    step "stopping local infrastructure"
    bash "$ROOT/scripts/podman.sh" down
    stop_pid mailpit
    stop_pid verdaccio
    stop_pid ferretdb
    rabbitmq_down
    info "stopped"
    ;;
  status)
    status_line rabbitmq $AMQP_PORT
    status_line ferretdb $MONGO_PORT
    status_line registry $REGISTRY_PORT
    status_line mail $SMTP_PORT
    bash "$ROOT/scripts/podman.sh" status
    ;;
  env) print_env ;;
  service-urls) broker_users ;;
  upstream) registry_upstream ;;
  stop | start | restart)
    case "$1:${2:-}" in
      stop:rabbitmq) rabbitmq_down ;;
      start:rabbitmq) rabbitmq_up ;;
      restart:rabbitmq) rabbitmq_down && rabbitmq_up ;;
      stop:ferretdb) stop_pid ferretdb ;;
      start:ferretdb) ferretdb_up ;;
      restart:ferretdb) stop_pid ferretdb && ferretdb_up ;;
      stop:podman) bash "$ROOT/scripts/podman.sh" down ;;
      start:podman) bash "$ROOT/scripts/podman.sh" up ;;
      restart:podman) bash "$ROOT/scripts/podman.sh" down && bash "$ROOT/scripts/podman.sh" up ;;
      *) die "usage: infra.sh stop|start|restart rabbitmq|ferretdb|podman" ;;
    esac
    ;;
  *) die "usage: infra.sh up|down|status|env|service-urls|upstream|stop|start|restart [part]" ;;
esac
