#!/usr/bin/env bash
# make observability-check: the dashboards and alert rules against a real Prometheus scraping the
# real running system.
#   1. the observability package: npm ci, build (it holds the dashboards, rules and the check)
#   2. the system as `make up` starts it (services already running are reused)
#   3. the check (observability/src/check/main.ts): a private Prometheus from the Debian package
#      on a free loopback port, a bounded load, every panel query and alert expression through
#      Prometheus's HTTP API, a fault step (inventory-service stopped and started again), PNG
#      charts of the run into docs/observability/
#   4. the services this script started are stopped again (the infrastructure is left running)
# Ends with a table and `observability-check passed` or the list of what failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

use_local_registry
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
SERVICES=(inventory-service order-service notification-service)
PKG="$ROOT/observability"

command -v prometheus >/dev/null || die "prometheus is missing: make toolchain (Debian package prometheus)"

step "observability: npm ci, build"
(cd "$PKG" && npm ci --loglevel=error >/dev/null && npm run --silent build)

was_running=()
for svc in "${SERVICES[@]}"; do
  if alive "$svc"; then was_running+=("$svc"); fi
done
stop_started() {
  local svc keep
  for svc in "${SERVICES[@]}"; do
    keep=0
    for k in "${was_running[@]}"; do [[ $k == "$svc" ]] && keep=1; done
    if ((keep == 0)); then bash "$ROOT/scripts/system.sh" stop "$svc" || true; fi
  done
}
trap stop_started EXIT

step "the system (make up)"
bash "$ROOT/scripts/system.sh" up >"$LOG/observability-system-up.log" 2>&1 || {
  tail -n 30 "$LOG/observability-system-up.log" >&2
  die "make up failed (log: .local/log/observability-system-up.log)"
}
info "services ready (log: .local/log/observability-system-up.log)"

OBS_TOKEN=$(node "$ROOT/scripts/dev-token.mjs" --user observability-check --ttl 1h)
export OBS_TOKEN
export OBS_STOP_INVENTORY="bash '$ROOT/scripts/system.sh' stop inventory-service"
export OBS_START_INVENTORY="bash '$ROOT/scripts/system.sh' start inventory-service"
node "$PKG/dist/check/main.js"
