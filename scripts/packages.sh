#!/usr/bin/env bash
# Builds, tests and publishes the packages in dependency order, each on its own.
#   packages.sh test      lint the tree, then per package: npm ci, type-check, build, test,
#                         and publish the shared ones so that later packages install them by semver
#   packages.sh publish   build and publish the shared packages only
# Ends with the line `N passed, N failed` summed over every package's test runner.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Dependency order. A folder without package.json is skipped (not every part exists yet).
PACKAGES=(events-contracts infra/test service-kit inventory-service order-service notification-service e2e observability bench)
PUBLISHED=(events-contracts service-kit)

use_local_registry
REGISTRY=$npm_config_registry
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# npm insists on a token for publish; the local registry accepts anonymous publishes.
AUTH=("--//${REGISTRY#*://}:_authToken=local-anonymous")

# Integration tests use the running local infrastructure (see README: Tests); INFRA_CTL lets
# fault tests stop and start the broker or the database.
while IFS= read -r line; do export "${line?}"; done < <(bash "$ROOT/scripts/infra.sh" env)
export INFRA_CTL="bash $ROOT/scripts/infra.sh"

present() { [[ -f "$ROOT/$1/package.json" ]]; }
is_published() { local p; for p in "${PUBLISHED[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }

install() { # dir
  step "$1: npm ci"
  (cd "$ROOT/$1" && npm ci --loglevel=error)
}

publish() { # dir: publish the built package unless the registry already has this exact content
  local dir=$1 name version local_sum remote_sum
  # Published from a clean build: a file an earlier build left in dist/ (its source since removed)
  # would change the package, and so its integrity, from one checkout to the next.
  (cd "$ROOT/$dir" && rm -rf dist && npm run --silent build)
  name=$(node -p "require('$ROOT/$dir/package.json').name")
  version=$(node -p "require('$ROOT/$dir/package.json').version")
  local_sum=$(cd "$ROOT/$dir" && npm pack --dry-run --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].shasum))')
  remote_sum=$(npm view "$name@$version" dist.shasum 2>/dev/null || true)
  if [[ $remote_sum == "$local_sum" ]]; then
    info "$name@$version already in the registry"
    return
  fi
  if [[ $dir == events-contracts ]]; then
    # A change that can break a consumer must be a new major event type, never a new build.
    step "$dir: compatibility with the latest published version"
    (cd "$ROOT/$dir" && node dist/cli/check-compat.js) || die "$name: breaking schema change (see above)"
  fi
  if [[ -n $remote_sum ]]; then
    # Dependents' locks pin a published build by its integrity: replacing it under the same
    # version would break their `npm ci`. A changed package gets a new version instead.
    if [[ ${REPUBLISH:-} != 1 ]]; then
      die "$name@$version in the registry differs from this build. Bump the version in $dir/package.json and update its dependents (npm install $name@^<new>); REPUBLISH=1 replaces it in the local registry anyway."
    fi
    info "$name@$version differs from the registry's copy: replacing it (REPUBLISH=1)"
    npm unpublish --force "$name@$version" "${AUTH[@]}" --loglevel=error >/dev/null
  fi
  step "$dir: publishing $name@$version to $REGISTRY"
  (cd "$ROOT/$dir" && npm publish "${AUTH[@]}" --loglevel=error >/dev/null)
}

build_and_publish() {
  local dir
  for dir in "${PUBLISHED[@]}"; do
    present "$dir" || continue
    install "$dir"
    step "$dir: build"
    (cd "$ROOT/$dir" && npm run --silent build)
    publish "$dir"
  done
}

passed=0 failed=0
failures=()
# node:test's own "failing tests" sections, repeated at the end of test_all: a long log's tail
# then says which assertion failed, not only which package.
failure_details=

# run_tests DIR: the package's own `npm test`; its node:test summary lines are added up.
run_tests() {
  local dir=$1 out rc=0 p f s
  out=$(mktemp)
  step "$dir: test"
  (cd "$ROOT/$dir" && npm test 2>&1) | tee "$out" || rc=$?
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
  s=$(sed -nE 's/^ℹ (skipped|todo|cancelled) ([0-9]*)$/\2/p' "$out" | awk '{s+=$1} END {print s+0}')
  if grep -q '^✖ failing tests:' "$out"; then
    { echo "--- $dir"; sed -n '/^✖ failing tests:/,$p' "$out" | head -n 120; } >> "$failure_details"
  fi
  rm -f "$out"
  # A skipped or cancelled test is not a pass; a package whose runner failed without a
  # summary counts as one failure.
  if ((s > 0)); then f=$((f + s)); fi
  if ((rc != 0 && f == 0)); then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if ((f > 0)); then failures+=("$dir"); fi
}

test_all() {
  failure_details=$(mktemp)
  step "lint (ESLint + Prettier)"
  if ! (cd "$ROOT" && npm ci --loglevel=error && npm run --silent lint); then
    failures+=(lint)
    failed=$((failed + 1))
  fi
  local dir
  for dir in "${PACKAGES[@]}"; do
    present "$dir" || continue
    if ! install "$dir" || ! (step "$dir: type-check and build" && cd "$ROOT/$dir" && npm run --silent typecheck && npm run --silent build); then
      failures+=("$dir (build)")
      failed=$((failed + 1))
      continue
    fi
    run_tests "$dir"
    if is_published "$dir"; then publish "$dir"; fi
  done
  if [[ -s $failure_details ]]; then
    step "failing tests in detail"
    cat "$failure_details"
  fi
  rm -f "$failure_details"
  if ((${#failures[@]})); then printf 'failed: %s\n' "${failures[*]}"; fi
  echo "$passed passed, $failed failed"
  ((failed == 0))
}

case "${1:-}" in
  test) test_all ;;
  publish) build_and_publish ;;
  *) die "usage: packages.sh test|publish" ;;
esac
