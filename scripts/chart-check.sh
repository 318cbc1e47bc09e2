#!/usr/bin/env bash
# make chart-check: the Helm chart (helm/eventshop) and skaffold.yaml, checked without a cluster.
#   1. tools: helm, helm-docs, kube-apiserver, kubectl, etcd from Go modules (scripts/k8s-tools.sh,
#      cached in .tools/; a cold build of kube-apiserver and kubectl takes 10-30 min)
#   2. operator chart dependencies: `helm dependency build` where the network allows; otherwise
#      they are left out of a working copy of the chart, with a note
#   3. per value set (dev, prod): helm lint --strict, helm template, every object validated
#      offline against the Kubernetes OpenAPI schema and every custom resource against its CRD,
#      policy checks
#   4. values.schema.json rejects each broken values file of helm/tests/invalid-values with the
#      message it names; the policy checks reject helm/tests/policy-violations.yaml
#   5. skaffold.yaml against the skaffold v4beta14 schema; image tags equal the services' package
#      versions; the README's values table is not stale
#   6. a real API server on loopback (etcd + kube-apiserver): CRDs installed, every rendered object
#      created with server-side dry run and strict field validation, `helm install` of both value
#      sets, the objects read back with kubectl, `helm uninstall`; then both processes stop
#
# Usage: chart-check.sh [all|docs|sync-tags]
#   docs       regenerate helm/eventshop/README.md (values table from values.yaml comments)
#   sync-tags  set each service's image tag in values.yaml to its package.json version
# Environment: CRDS_DIR (default ../shared/crds, relative to the repository root),
#   CHART_CHECK_API_SERVER=0 skips step 6 (and the build of kube-apiserver), HELM_DEPS_TIMEOUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/chart-check/apiserver.sh"

CHART_SRC="$ROOT/helm/eventshop"
CRDS_DIR=${CRDS_DIR:-$ROOT/../shared/crds}
WORK="$LOCAL/chart-check"
CHECKS="$ROOT/scripts/chart-check/checks.py"
API_SERVER=${CHART_CHECK_API_SERVER:-1}
VALUE_SETS=(dev prod)
declare -A COUNT
FAILED=()

fail_step() { FAILED+=("$1"); printf '\033[31m    FAILED: %s\033[0m\n' "$1" >&2; }
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

ensure_python() {
  if python3 -c 'import yaml, jsonschema' 2>/dev/null; then return; fi
  step "installing PyYAML and jsonschema into .tools/python (pip)"
  python3 -m pip install --quiet --target "$TOOLS/python" pyyaml jsonschema
  export PYTHONPATH="$TOOLS/python${PYTHONPATH:+:$PYTHONPATH}"
}
checks() { python3 "$CHECKS" "$@"; }
# last_result FILE: "passed total" from a `result: passed=N total=M` line
last_result() { sed -n 's/^result: passed=\([0-9]*\) total=\([0-9]*\)$/\1 \2/p' "$1" | tail -n 1; }

prettier_bin() {
  if [[ ! -x "$ROOT/node_modules/.bin/prettier" ]]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  echo "$ROOT/node_modules/.bin/prettier"
}

# render_readme DIR: write DIR/README.md from DIR's values.yaml and README.md.gotmpl, formatted
# the way the repository's Prettier formats Markdown.
render_readme() {
  local dir=$1
  rm -f "$dir/README.md"
  (cd "$dir" && helm-docs --chart-search-root . --sort-values-order file --skip-version-footer --log-level warning)
  [[ -s "$dir/README.md" ]] || die "helm-docs wrote no README.md"
  # Formatted as the committed file's path (the copy may sit in an ignored folder).
  "$(prettier_bin)" --stdin-filepath "$CHART_SRC/README.md" <"$dir/README.md" >"$dir/README.md.formatted"
  mv "$dir/README.md.formatted" "$dir/README.md"
}

cmd_docs() {
  bash "$ROOT/scripts/k8s-tools.sh" helm-docs
  render_readme "$CHART_SRC"
  info "wrote helm/eventshop/README.md"
}

cmd_sync_tags() {
  python3 - "$CHART_SRC/values.yaml" "$ROOT" <<'EOF'
import json, re, sys
from pathlib import Path
values, root = Path(sys.argv[1]), Path(sys.argv[2])
text = values.read_text()
for name in ("order", "inventory", "notification"):
    version = json.loads((root / f"{name}-service" / "package.json").read_text())["version"]
    text = re.sub(rf'(# -- Image tag of {name}-service[^\n]*\n\s*tag: )"[^"]*"', rf'\g<1>"{version}"', text)
    print(f"services.{name}.image.tag = {version}")
values.write_text(text)
EOF
}

# --- 2. a working copy of the chart, with or without the operator charts -----------------------
prepare_chart() {
  local copy="$WORK/chart" deps_log="$WORK/helm-dependency-build.log"
  rm -rf "$copy" "$WORK/subcharts"
  mkdir -p "$copy" "$WORK/subcharts"
  cp -r "$CHART_SRC" "$copy/"
  CHART="$copy/eventshop"
  SUBCHART_CRDS=()
  export HELM_CACHE_HOME="$WORK/helm/cache" HELM_CONFIG_HOME="$WORK/helm/config" HELM_DATA_HOME="$WORK/helm/data"
  step "operator charts: helm dependency build"
  local t=${HELM_DEPS_TIMEOUT:-90}
  if timeout "$t" helm repo add mongodb https://mongodb.github.io/helm-charts >"$deps_log" 2>&1 &&
    timeout "$t" helm dependency build "$CHART" >>"$deps_log" 2>&1; then
    DEPS="included"
    local tgz
    for tgz in "$CHART"/charts/*.tgz; do
      tar -xzf "$tgz" -C "$WORK/subcharts"
    done
    while IFS= read -r d; do SUBCHART_CRDS+=("$d"); done < <(find "$WORK/subcharts" -type d -name crds)
    info "downloaded: $(cd "$CHART/charts" && echo *.tgz)"
  else
    DEPS="left out"
    python3 - "$CHART/Chart.yaml" <<'EOF'
import sys, yaml
path = sys.argv[1]
chart = yaml.safe_load(open(path))
for dep in chart.pop("dependencies", []):
    print(f"    note: {dep['name']} {dep['version']} ({dep['repository']}) left out: not downloadable here")
yaml.safe_dump(chart, open(path, "w"), sort_keys=False)
EOF
    info "(helm dependency build failed: $(tail -n 1 "$deps_log" | cut -c1-160))"
    info "the chart is checked without the operator charts; their custom resources are validated against ${CRDS_DIR#"$ROOT/"}"
  fi
}

# --- 3. per value set: lint, render, validate offline, policy ----------------------------------
check_value_set() {
  local set=$1 values="$CHART_SRC/values-$1.yaml" out="$WORK/$1"
  mkdir -p "$out"
  step "[$set] helm lint --strict, helm template"
  if ! helm lint --strict "$CHART" -f "$values" >"$out/lint.log" 2>&1; then
    cat "$out/lint.log" >&2
    fail_step "[$set] helm lint"
    return
  fi
  if ! helm template eventshop "$CHART" -n "eventshop-$set" -f "$values" --include-crds \
    --kube-version "$KUBE_VERSION" >"$out/rendered.yaml" 2>"$out/template.log"; then
    cat "$out/template.log" >&2
    fail_step "[$set] helm template"
    return
  fi
  COUNT[$set.rendered]=$(python3 -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$out/rendered.yaml")
  info "$(tail -n 1 "$out/lint.log"); ${COUNT[$set.rendered]} objects rendered"

  step "[$set] validate against the Kubernetes $KUBE_VERSION OpenAPI schema and the CRDs"
  if checks validate "$out/rendered.yaml" --openapi "$OPENAPI" --crds "$CRDS_DIR" "${SUBCHART_CRDS[@]}" \
    --kube-version "$KUBE_VERSION" >"$out/validate.log" 2>&1; then :; else fail_step "[$set] offline validation"; fi
  sed 's/^/    /' "$out/validate.log" >&2
  read -r p t < <(last_result "$out/validate.log") || true
  COUNT[$set.validated]="${p:-0}/${t:-?}"

  step "[$set] policy checks"
  if checks policy "$out/rendered.yaml" --values "$CHART_SRC/values.yaml" "$values" >"$out/policy.log" 2>&1; then :; else
    fail_step "[$set] policy checks"
  fi
  sed 's/^/    /' "$out/policy.log" >&2
  read -r p t < <(last_result "$out/policy.log") || true
  COUNT[$set.policy]="${p:-0}/${t:-?}"
}

# --- 4. broken values are rejected; policy violations are caught -------------------------------
check_schema_rejects() {
  step "values.schema.json rejects broken values (helm/tests/invalid-values)"
  local f rejected=0 total=0 log="$WORK/schema-test.log" expect ok
  for f in "$ROOT"/helm/tests/invalid-values/*.yaml; do
    total=$((total + 1))
    if helm template eventshop "$CHART" -f "$f" >/dev/null 2>"$log"; then
      fail_step "schema accepted $(basename "$f")"
      continue
    fi
    ok=1
    while IFS= read -r expect; do
      grep -qF -- "$expect" "$log" || { ok=0; fail_step "$(basename "$f"): message lacks '$expect': $(tr '\n' ' ' <"$log")"; }
    done < <(sed -n 's/^# expect: //p' "$f")
    if ((ok)); then
      rejected=$((rejected + 1))
      info "$(basename "$f" .yaml): $(grep -m1 "^- at " "$log")"
    fi
  done
  COUNT[schema]="$rejected/$total"

  step "policy checks reject a deliberately bad manifest (helm/tests/policy-violations.yaml)"
  local plog="$WORK/policy-selftest.log" missing=()
  if checks policy "$ROOT/helm/tests/policy-violations.yaml" --values "$ROOT/helm/tests/policy-violations-values.yaml" >"$plog" 2>&1; then
    fail_step "policy checks passed a manifest that breaks every rule"
  else
    for rule in resources probes non-root "read-only root filesystem" "capabilities drop ALL" \
      "seccomp RuntimeDefault" "tagged image" "selected by a NetworkPolicy" \
      "selected by a PodDisruptionBudget" "no plaintext secret in values"; do
      grep -qF "[$rule]" "$plog" || missing+=("$rule")
    done
    if ((${#missing[@]})); then fail_step "policy self-test: rules not caught: ${missing[*]}"; else
      info "every rule caught: $(grep -c '  FAIL ' "$plog") violations reported"
      COUNT[policy-selftest]="10/10 rules"
    fi
  fi
}

# --- 5. skaffold.yaml, versions, README ------------------------------------------------------
check_repo_files() {
  step "skaffold.yaml against skaffold-v4beta14.json"
  if checks skaffold "$ROOT/skaffold.yaml" --schema "$CRDS_DIR/skaffold-v4beta14.json" >"$WORK/skaffold.log" 2>&1; then
    COUNT[skaffold]="valid"
  else
    fail_step "skaffold.yaml"
    COUNT[skaffold]="invalid"
  fi
  sed 's/^/    /' "$WORK/skaffold.log" >&2

  step "image tags = the services' package.json versions"
  if checks versions "$CHART_SRC/values.yaml" --root "$ROOT" >"$WORK/versions.log" 2>&1; then :; else fail_step "image tags"; fi
  sed 's/^/    /' "$WORK/versions.log" >&2

  step "README values table up to date (helm-docs)"
  local docs="$WORK/docs"
  rm -rf "$docs" && cp -r "$CHART_SRC" "$docs"
  render_readme "$docs"
  if diff -u "$CHART_SRC/README.md" "$docs/README.md" >"$WORK/readme.diff"; then
    info "helm/eventshop/README.md matches values.yaml"
  else
    head -n 30 "$WORK/readme.diff" >&2
    fail_step "helm/eventshop/README.md is stale: run bash scripts/chart-check.sh docs"
  fi
}

# --- 6. the real API server --------------------------------------------------------------------
api_server_check() {
  local dir="$WORK/apiserver" crds=() f
  step "API server: etcd + kube-apiserver $KUBE_VERSION on loopback"
  trap apiserver_stop EXIT
  apiserver_start "$dir"
  info "ready: $(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
  for f in "$CRDS_DIR"/*.yaml; do crds+=(-f "$f"); done
  kubectl apply --server-side --field-manager=chart-check "${crds[@]}" >"$dir/log/crds.log"
  kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
  info "CRDs installed from ${CRDS_DIR#"$ROOT/"}: $(kubectl get crd -o name | wc -l)"
  api_server_rejects
  for set in "${VALUE_SETS[@]}"; do api_server_value_set "$set" "$dir"; done
  apiserver_stop
  trap - EXIT
  info "API server and etcd stopped"
}

# The API server refuses each object of helm/tests/api-server-rejects.yaml, one by one.
api_server_rejects() {
  local dir="$WORK/api-server-rejects" f total=0 rejected=0
  rm -rf "$dir" && mkdir -p "$dir"
  python3 - "$ROOT/helm/tests/api-server-rejects.yaml" "$dir" <<'PY'
import sys, yaml
for i, doc in enumerate(d for d in yaml.safe_load_all(open(sys.argv[1])) if d):
    yaml.safe_dump(doc, open(f"{sys.argv[2]}/{i}-{doc['metadata']['name']}.yaml", "w"))
PY
  kubectl create namespace chart-check-rejects >/dev/null
  for f in "$dir"/*.yaml; do
    total=$((total + 1))
    if kubectl -n chart-check-rejects create --dry-run=server --validate=strict -f "$f" >/dev/null 2>"$f.err"; then
      fail_step "the API server accepted $(basename "$f" .yaml) from helm/tests/api-server-rejects.yaml"
    else
      rejected=$((rejected + 1))
      info "refused $(basename "$f" .yaml): $(tr -s '\n' ' ' <"$f.err" | sed 's/^Error from server ([A-Za-z]*): //; s/error when creating "[^"]*": //' | cut -c1-170)"
    fi
  done
  COUNT[api-rejects]="$rejected/$total"
}

api_server_value_set() {
  local set=$1 dir=$2 ns="eventshop-$1" out="$WORK/$1" n found
  [[ -s "$out/rendered.yaml" ]] || return 0
  step "[$set] API server: dry-run create of every rendered object, helm install, read back, uninstall"
  kubectl create namespace "$ns" >/dev/null
  # No controller manager runs, so nothing creates the namespace's default ServiceAccount.
  kubectl -n "$ns" create serviceaccount default >/dev/null
  if kubectl -n "$ns" create --dry-run=server --validate=strict -f "$out/rendered.yaml" -o name \
    >"$out/dry-run.txt" 2>"$out/dry-run.err"; then :; else
    sed 's/^/    /' "$out/dry-run.err" >&2
    fail_step "[$set] API server rejected objects"
  fi
  n=$(grep -c . "$out/dry-run.txt" || true)
  COUNT[$set.accepted]="$n/${COUNT[$set.rendered]}"
  info "accepted by the API server (server-side dry run, strict field validation): $n of ${COUNT[$set.rendered]}"

  if ! helm install eventshop "$CHART" -n "$ns" -f "$CHART_SRC/values-$set.yaml" --timeout 2m \
    >"$out/install.log" 2>&1; then
    sed 's/^/    /' "$out/install.log" >&2
    fail_step "[$set] helm install"
    return
  fi
  helm get manifest eventshop -n "$ns" >"$out/installed.yaml"
  local expected
  expected=$(python3 -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$out/installed.yaml")
  kubectl -n "$ns" get -f "$out/installed.yaml" -o name >"$out/read-back.txt" 2>"$out/read-back.err" || true
  found=$(grep -c . "$out/read-back.txt" || true)
  COUNT[$set.installed]="$found/$expected"
  info "helm install: $(grep -m1 '^STATUS' "$out/install.log" || echo installed); read back with kubectl: $found of $expected"
  awk -F/ '{k=$1; sub(/^[^\/]*\//, ""); names[k]=names[k] " " $0; n[k]++} END {for (k in n) printf "      %-42s %2d %s\n", k, n[k], names[k]}' \
    "$out/read-back.txt" | sort | cut -c1-220 >&2
  ((found == expected)) || fail_step "[$set] objects missing after install: $(cat "$out/read-back.err")"

  helm uninstall eventshop -n "$ns" >"$out/uninstall.log" 2>&1 || fail_step "[$set] helm uninstall"
  if wait_for_quiet 60 test -z "$(kubectl -n "$ns" get -f "$out/installed.yaml" -o name --ignore-not-found 2>/dev/null)"; then
    info "helm uninstall: all $expected objects gone"
    COUNT[$set.uninstalled]="yes"
  else
    fail_step "[$set] objects left after helm uninstall: $(kubectl -n "$ns" get -f "$out/installed.yaml" -o name --ignore-not-found | tr '\n' ' ')"
  fi
}

summary() {
  local set
  printf '\n\033[1mchart-check summary\033[0m (Kubernetes %s; operator charts %s)\n' "$KUBE_VERSION" "$DEPS"
  printf '  %-44s %12s %12s\n' "" "${VALUE_SETS[@]}"
  row() { printf '  %-44s %12s %12s\n' "$1" "${COUNT[dev.$2]:--}" "${COUNT[prod.$2]:--}"; }
  row "objects rendered" rendered
  row "validated offline (OpenAPI schema, CRDs)" validated
  row "policy checks passed" policy
  row "accepted by the API server (dry run)" accepted
  row "installed and read back with kubectl" installed
  row "removed by helm uninstall" uninstalled
  printf '  %-44s %12s\n' "broken values rejected by the schema" "${COUNT[schema]:--}"
  printf '  %-44s %12s\n' "policy self-test (bad manifest caught)" "${COUNT[policy-selftest]:--}"
  printf '  %-44s %12s\n' "broken objects refused by the API server" "${COUNT[api-rejects]:--}"
  printf '  %-44s %12s\n' "skaffold.yaml (skaffold/v4beta14)" "${COUNT[skaffold]:--}"
  printf '  %-44s %12s\n' "time" "$(elapsed $SECONDS)"
}

cmd_all() {
  mkdir -p "$WORK"
  ensure_python
  bash "$ROOT/scripts/k8s-tools.sh" helm
  bash "$ROOT/scripts/k8s-tools.sh" helm-docs
  if [[ $API_SERVER == 1 ]]; then
    bash "$ROOT/scripts/k8s-tools.sh" etcd
    bash "$ROOT/scripts/k8s-tools.sh" kubernetes
  fi
  KUBE_VERSION=$(bash "$ROOT/scripts/k8s-tools.sh" kubernetes-version)
  OPENAPI=$(bash "$ROOT/scripts/k8s-tools.sh" openapi-spec)
  [[ -d $CRDS_DIR ]] || die "no CRDs at $CRDS_DIR (set CRDS_DIR)"
  info "tools ready after $(elapsed $SECONDS)"

  prepare_chart
  for set in "${VALUE_SETS[@]}"; do check_value_set "$set"; done
  check_schema_rejects
  check_repo_files
  if [[ $API_SERVER == 1 ]]; then api_server_check; else info "API server check skipped (CHART_CHECK_API_SERVER=0)"; fi
  summary
  if ((${#FAILED[@]})); then
    printf '\033[31mchart-check FAILED:\033[0m\n' >&2
    printf '  - %s\n' "${FAILED[@]}" >&2
    exit 1
  fi
  printf '\033[32mchart-check passed\033[0m\n'
}

case "${1:-all}" in
  all) cmd_all ;;
  docs) cmd_docs ;;
  sync-tags) cmd_sync_tags ;;
  *) die "usage: $0 [all|docs|sync-tags]" ;;
esac
