#!/usr/bin/env bash
# The fault suite (`make chaos`): installs and builds what is not current — the three services
# as they ship and the e2e package (after `make test` everything is, and is reused) — then runs
# e2e's `npm run chaos` against the local infrastructure: two pods of every service, about 1,000
# orders, 5–8 minutes. It restarts the shared RabbitMQ and FerretDB through INFRA_CTL and stops
# them for a while (the database for 95 s); CHAOS_INFRA=0 leaves them alone. Exit code: the
# suite's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SERVICES=(inventory-service order-service notification-service)

use_local_registry
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
while IFS= read -r line; do export "${line?}"; done < <(bash "$ROOT/scripts/infra.sh" env)
export INFRA_CTL="bash $ROOT/scripts/infra.sh"

for svc in "${SERVICES[@]}"; do
  dir="$ROOT/$svc"
  if ! installed "$dir"; then
    publish_shared_once
    step "$svc: npm ci"
    (cd "$dir" && npm ci --loglevel=error)
  fi
  if built "$dir"; then
    info "$svc: build up to date"
  else
    step "$svc: build"
    (cd "$dir" && npm run --silent build)
  fi
done
if ! installed "$ROOT/e2e"; then
  step "e2e: npm ci"
  (cd "$ROOT/e2e" && npm ci --loglevel=error)
fi

step "fault suite (e2e: npm run chaos)"
cd "$ROOT/e2e"
npm run --silent chaos
