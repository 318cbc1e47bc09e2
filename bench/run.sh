#!/usr/bin/env bash
# `make bench`: installs and builds what the benchmark runs (the three services as they ship, the
# e2e harness that starts them, this package) where not current, then runs it against the local
# infrastructure. Settings: BENCH_STEPS, BENCH_DURATION, BENCH_PARTS, ... (see README.md).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

use_local_registry
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

prepare() { # dir output
  local dir="$ROOT/$1"
  if ! installed "$dir"; then
    publish_shared_once
    step "$1: npm ci"
    if ! (cd "$dir" && npm ci --loglevel=error); then
      die "$1: npm ci failed; if it says EINTEGRITY, the shared packages changed: \`make publish\` first"
    fi
  fi
  if ! built "$dir" "$2"; then
    step "$1: build"
    (cd "$dir" && npm run --silent build)
  fi
}

for svc in inventory-service order-service notification-service; do prepare "$svc" dist/main.js; done
prepare e2e dist/index.js
prepare bench dist/main.js

# Given infrastructure (all three set) is used as it is; otherwise the local one's.
if [[ -z ${MONGODB_URI:-} || -z ${AMQP_URL:-} || -z ${RABBITMQ_MANAGEMENT_URL:-} ]]; then
  while IFS= read -r line; do export "${line?}"; done < <(bash "$ROOT/scripts/infra.sh" env)
fi
step "benchmark (about 14 minutes; progress below)"
cd "$ROOT/bench" && exec node dist/main.js
