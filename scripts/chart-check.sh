#!/usr/bin/env bash
# make chart-check: the Helm charts (helm/eventshop-operators, helm/eventshop) and skaffold.yaml,
# checked without a cluster, then installed into a real API server.
#   1. tools: helm, helm-docs, kube-apiserver, kubectl, etcd from Go modules (scripts/k8s-tools.sh,
#      cached in .tools/; a cold build of kube-apiserver and kubectl takes 10-30 min); the CRDs of
#      KEDA and the Gateway API from their Go modules
#   2. the operators chart with the REAL upstream charts: packaged from the mirror
#      (HELM_CHARTS_DIR, default ../shared/helm-charts) into a scratch copy's charts/, as
#      `helm dependency build` would; Chart.lock = Chart.yaml = mirror; lint, render, validate,
#      names, references, images (the upstream charts' registries and pinned digests)
#   3. the application chart per value set (dev, prod, external): lint, render, every object
#      validated offline against the Kubernetes OpenAPI schema and every custom resource against
#      its CRD, policy, names (also for a 30-character release name), references, and the queues
#      and bindings against the topology the services declare (files/topology.yaml is generated
#      from the services' source and must not be stale), the users' permissions equal to what
#      `make up` grants the local broker's users (scripts/broker-users.mjs grants)
#   4. values.schema.json rejects each broken values file of helm/tests/invalid-values; the policy
#      checks reject helm/tests/policy-violations.yaml
#   5. skaffold.yaml (skaffold/v4beta13, what skaffold v2.16 reads) against the v4beta14 schema,
#      which adds only buildpacks' buildArgs; image tags equal the services' package
#      versions; both charts' READMEs are not stale
#   6. a real API server on loopback (etcd + kube-apiserver): the CRDs of things installed
#      elsewhere (Prometheus Operator, KEDA, Gateway API) applied server-side; the operators
#      release installed (its CRDs, RBAC, Deployments, webhook configuration, Services: every
#      object, server-side apply), read back; `helm template` of the application chart alone
#      validated against that cluster; per value set every object created with server-side dry
#      run and strict field validation, then `helm install` (server-side apply) into its own
#      namespace, read back, `helm uninstall`, nothing left; finally the operators release
#      uninstalled, nothing left but the CRDs (Helm keeps CRDs by design)
#
# Usage: chart-check.sh [all|docs|sync-tags|topology]
#   docs       regenerate both charts' README.md (values tables from values.yaml comments)
#   sync-tags  set each service's image tag in values.yaml to its package.json version
#   topology   regenerate helm/eventshop/files/topology.yaml from the services' consumers
# Environment: CRDS_DIR (default ../shared/crds), HELM_CHARTS_DIR (default ../shared/helm-charts),
#   both relative to the repository root; CHART_CHECK_API_SERVER=0 skips step 6.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/chart-check/apiserver.sh"

CHART_SRC="$ROOT/helm/eventshop"
OPERATORS_SRC="$ROOT/helm/eventshop-operators"
CRDS_DIR=${CRDS_DIR:-$ROOT/../shared/crds}
LONG_TAG=13152616cda70bf86cb458c0f0bb76e0c7c5958b6b618b0e83079d20b7720773
HELM_CHARTS_DIR=${HELM_CHARTS_DIR:-$ROOT/../shared/helm-charts}
WORK="$LOCAL/chart-check"
CHECKS="$ROOT/scripts/chart-check/checks.py"
API_SERVER=${CHART_CHECK_API_SERVER:-1}
VALUE_SETS=(dev prod external)
OPERATORS_RELEASE=eventshop-operators
OPERATORS_NS=eventshop-operators
# The longest release name the charts promise to handle (object names stay within 63 characters).
LONG_RELEASE=release-name-of-thirty-chars-x
declare -A COUNT
FAILED=()

fail_step() { FAILED+=("$1"); printf '\033[31m    FAILED: %s\033[0m\n' "$1" >&2; }
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
count_objects() { python3 -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$1"; }
count_kind() { python3 -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d and (d["kind"] == sys.argv[2]) == (sys.argv[3] == "yes")))' "$1" "$2" "$3"; }

ensure_python() {
  if python3 -c 'import yaml, jsonschema' 2>/dev/null; then return; fi
  step "installing PyYAML and jsonschema into .tools/python (pip)"
  python3 -m pip install --quiet --target "$TOOLS/python" pyyaml jsonschema
  export PYTHONPATH="$TOOLS/python${PYTHONPATH:+:$PYTHONPATH}"
}
checks() { python3 "$CHECKS" "$@"; }
# last_result FILE: "passed total" from a `result: passed=N total=M` line
last_result() { sed -n 's/^result: passed=\([0-9]*\) total=\([0-9]*\)$/\1 \2/p' "$1" | tail -n 1; }

# run_check KEY LABEL LOG -- checks args...: one offline check, its lines indented, its count kept.
run_check() {
  local key=$1 label=$2 log=$3 p t
  shift 4
  if checks "$@" >"$log" 2>&1; then :; else fail_step "$label"; fi
  sed 's/^/    /' "$log" >&2
  read -r p t < <(last_result "$log") || true
  COUNT[$key]="${p:-0}/${t:-?}"
}

root_node_modules() {
  if [[ ! -x "$ROOT/node_modules/.bin/prettier" || ! -d "$ROOT/node_modules/typescript" ]]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# render_readme DIR: write DIR/README.md from DIR's values.yaml and README.md.gotmpl, formatted
# the way the repository's Prettier formats Markdown; SRC is the committed chart it stands for.
render_readme() {
  local dir=$1 src=$2
  rm -f "$dir/README.md"
  (cd "$dir" && helm-docs --chart-search-root . --sort-values-order file --skip-version-footer --log-level warning)
  [[ -s "$dir/README.md" ]] || die "helm-docs wrote no README.md"
  root_node_modules
  # Formatted as the committed file's path (the copy may sit in an ignored folder).
  "$ROOT/node_modules/.bin/prettier" --stdin-filepath "$src/README.md" <"$dir/README.md" >"$dir/README.md.formatted"
  mv "$dir/README.md.formatted" "$dir/README.md"
}

# A chart copy without charts/ for helm-docs (it would document the dependencies' values too).
readme_copy() { rm -rf "$2" && cp -r "$1" "$2" && rm -rf "$2/charts"; }

cmd_docs() {
  local src
  bash "$ROOT/scripts/k8s-tools.sh" helm-docs
  mkdir -p "$WORK"
  for src in "$CHART_SRC" "$OPERATORS_SRC"; do
    readme_copy "$src" "$WORK/docs"
    render_readme "$WORK/docs" "$src"
    cp "$WORK/docs/README.md" "$src/README.md"
    info "wrote ${src#"$ROOT/"}/README.md"
  done
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

# declared_topology OUT: the queues and routing keys the services declare (JSON), from their source.
declared_topology() {
  root_node_modules
  node "$ROOT/scripts/chart-check/service-topology.mjs" "$ROOT" >"$1"
}

# topology_yaml JSON: files/topology.yaml as generated from the declared topology.
topology_yaml() {
  python3 - "$1" <<'EOF'
import json, sys
print("# The queues each service consumes and the routing keys bound to them, read from the services'")
print("# consumer definitions (defineConsumer in <service>-service/src). Generated by")
print("# `bash scripts/chart-check.sh topology`; `make chart-check` fails when it is stale.")
print("# Do not edit.")
topology = json.load(open(sys.argv[1]))
shared = topology.pop("shared")
publishes = topology.pop("publishes")
for service, queues in topology.items():
    print(f"{service}:")
    for queue, keys in queues.items():
        print(f"  {queue}:")
        for key in keys:
            print(f"    - {key}")
print("# The queues the services' kit declares in every service, with their arguments")
print("# (service-kit/src/messaging/topology.ts).")
print("shared:")
for queue, arguments in shared.items():
    print(f"  {queue}:")
    for name, value in arguments.items():
        print(f"    {name}: {value if isinstance(value, int) else repr(str(value))}")
print("# The event types each service publishes (the producers of events-contracts' catalog):")
print("# its topic permission on the exchange allows writing these routing keys only.")
print("publishes:")
for service, types in publishes.items():
    print(f"  {service}:{'' if types else ' []'}")
    for t in types:
        print(f"    - {t}")
EOF
}

cmd_topology() {
  mkdir -p "$WORK"
  declared_topology "$WORK/declared-topology.json"
  topology_yaml "$WORK/declared-topology.json" >"$CHART_SRC/files/topology.yaml"
  info "wrote helm/eventshop/files/topology.yaml"
}

# --- 2. the operators chart with the real upstream charts --------------------------------------
prepare_operators() {
  local copy="$WORK/operators" dep out="$WORK/operators-out"
  rm -rf "$copy" "$out" "$WORK/subcharts"
  mkdir -p "$copy" "$out" "$WORK/subcharts"
  cp -r "$OPERATORS_SRC" "$copy/"
  OPERATORS="$copy/eventshop-operators"
  step "operators chart: the upstream charts from ${HELM_CHARTS_DIR#"$ROOT/"} into charts/ (helm package)"
  [[ -d $HELM_CHARTS_DIR ]] || die "no mirrored charts at $HELM_CHARTS_DIR (set HELM_CHARTS_DIR)"
  mkdir -p "$OPERATORS/charts"
  for dep in $(python3 -c 'import sys, yaml; print(" ".join(d["name"] for d in yaml.safe_load(open(sys.argv[1]))["dependencies"]))' "$OPERATORS/Chart.yaml"); do
    helm package "$HELM_CHARTS_DIR/$dep" -d "$OPERATORS/charts" >/dev/null
    tar -xzf "$OPERATORS/charts/$dep"-*.tgz -C "$WORK/subcharts"
    # The upstream chart alone with its default values: the images it pins.
    helm template upstream "$HELM_CHARTS_DIR/$dep" >"$out/upstream-$dep.yaml"
  done
  info "$(cd "$OPERATORS/charts" && echo *.tgz)"
  SUBCHART_CRDS=()
  while IFS= read -r d; do SUBCHART_CRDS+=("$d"); done < <(find "$WORK/subcharts" -type d -name crds)

  run_check operators.lock "Chart.lock" "$out/lock.log" -- lock "$OPERATORS_SRC" --mirror "$HELM_CHARTS_DIR"

  step "[operators] helm lint --strict, helm template (CRDs included)"
  if ! helm lint --strict "$OPERATORS" >"$out/lint.log" 2>&1; then
    cat "$out/lint.log" >&2
    fail_step "[operators] helm lint"
  fi
  if ! helm template "$OPERATORS_RELEASE" "$OPERATORS" -n "$OPERATORS_NS" --include-crds \
    --kube-version "$KUBE_VERSION" >"$out/rendered.yaml" 2>"$out/template.log"; then
    cat "$out/template.log" >&2
    fail_step "[operators] helm template"
    return
  fi
  helm template "$LONG_RELEASE" "$OPERATORS" -n "$OPERATORS_NS" --kube-version "$KUBE_VERSION" >"$out/long-name.yaml"
  COUNT[operators.crds]=$(count_kind "$out/rendered.yaml" CustomResourceDefinition yes)
  COUNT[operators.objects]=$(count_kind "$out/rendered.yaml" CustomResourceDefinition no)
  info "${COUNT[operators.objects]} objects and ${COUNT[operators.crds]} CRDs rendered"

  step "[operators] validate; names; Secrets and ConfigMaps the pods use; images"
  run_check operators.validated "[operators] offline validation" "$out/validate.log" -- \
    validate "$out/rendered.yaml" --openapi "$OPENAPI" --crds "${SUBCHART_CRDS[@]}" --kube-version "$KUBE_VERSION"
  run_check operators.names "[operators] object names" "$out/names.log" -- names "$out/rendered.yaml" "$out/long-name.yaml"
  run_check operators.references "[operators] references" "$out/references.log" -- \
    references "$out/rendered.yaml" --values "$OPERATORS_SRC/values.yaml"
  run_check operators.images "[operators] images" "$out/images.log" -- \
    images "$out/rendered.yaml" --upstream "$out"/upstream-*.yaml
}

# --- 3. the application chart per value set ----------------------------------------------------
prepare_app() {
  rm -rf "$WORK/chart" && mkdir -p "$WORK/chart"
  cp -r "$CHART_SRC" "$WORK/chart/"
  CHART="$WORK/chart/eventshop"
  step "topology: the queues and bindings the services declare (their defineConsumer calls)"
  declared_topology "$WORK/declared-topology.json"
  if diff -u "$CHART_SRC/files/topology.yaml" <(topology_yaml "$WORK/declared-topology.json") >"$WORK/topology.diff"; then
    info "helm/eventshop/files/topology.yaml matches the services"
  else
    sed 's/^/    /' "$WORK/topology.diff" >&2
    fail_step "helm/eventshop/files/topology.yaml is stale: run bash scripts/chart-check.sh topology"
  fi
  # What `make up` grants the services' broker users, to compare with the chart's users. The script
  # parses YAML with the local registry's install.
  [[ -d $ROOT/infra/verdaccio/node_modules ]] ||
    npm ci --prefix "$ROOT/infra/verdaccio" --no-audit --no-fund --loglevel=error >/dev/null
  node "$ROOT/scripts/broker-users.mjs" grants >"$WORK/local-grants.json"
}

check_value_set() {
  local set=$1 values="$CHART_SRC/values-$1.yaml" out="$WORK/$1"
  rm -rf "$out" && mkdir -p "$out"
  step "[$set] helm lint --strict, helm template"
  if ! helm lint --strict "$CHART" -f "$values" >"$out/lint.log" 2>&1; then
    cat "$out/lint.log" >&2
    fail_step "[$set] helm lint"
    return
  fi
  if ! helm template eventshop "$CHART" -n "eventshop-$set" -f "$values" \
    --kube-version "$KUBE_VERSION" >"$out/rendered.yaml" 2>"$out/template.log"; then
    cat "$out/template.log" >&2
    fail_step "[$set] helm template"
    return
  fi
  # A 30-character release, and image tags as long as skaffold's (an image id: 64 characters).
  helm template "$LONG_RELEASE" "$CHART" -n "eventshop-$set" -f "$values" --kube-version "$KUBE_VERSION" \
    --set "services.order.image.tag=$LONG_TAG" --set "services.inventory.image.tag=$LONG_TAG" \
    --set "services.notification.image.tag=$LONG_TAG" >"$out/long-name.yaml"
  COUNT[$set.rendered]=$(count_objects "$out/rendered.yaml")
  COUNT[$set.hooks]=$(python3 -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d and "helm.sh/hook" in (d["metadata"].get("annotations") or {})))' "$out/rendered.yaml")
  info "$(tail -n 1 "$out/lint.log"); ${COUNT[$set.rendered]} objects rendered"

  step "[$set] validate (OpenAPI, CRDs), policy, names, references, topology"
  run_check "$set.validated" "[$set] offline validation" "$out/validate.log" -- \
    validate "$out/rendered.yaml" --openapi "$OPENAPI" --crds "$CRDS_DIR" "${SUBCHART_CRDS[@]}" "${EXTRA_CRDS[@]}" \
    --kube-version "$KUBE_VERSION"
  run_check "$set.policy" "[$set] policy checks" "$out/policy.log" -- \
    policy "$out/rendered.yaml" --values "$CHART_SRC/values.yaml" "$values"
  run_check "$set.names" "[$set] object names" "$out/names.log" -- names "$out/rendered.yaml" "$out/long-name.yaml"
  run_check "$set.references" "[$set] references" "$out/references.log" -- \
    references "$out/rendered.yaml" --values "$CHART_SRC/values.yaml" "$values"
  run_check "$set.topology" "[$set] topology" "$out/topology.log" -- \
    topology "$out/rendered.yaml" --declared "$WORK/declared-topology.json" \
    --local-grants "$WORK/local-grants.json"
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
      info "$(basename "$f" .yaml): $(grep -m1 "^- at \|^Error: " "$log" | cut -c1-150)"
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
      "selected by a PodDisruptionBudget" "no plaintext secret in values" "broker user Secret labelled"; do
      grep -qF "[$rule]" "$plog" || missing+=("$rule")
    done
    if ((${#missing[@]})); then fail_step "policy self-test: rules not caught: ${missing[*]}"; else
      info "every rule caught: $(grep -c '  FAIL ' "$plog") violations reported"
      COUNT[policy-selftest]="11/11 rules"
    fi
  fi
}

# --- 5. skaffold.yaml, versions, READMEs -------------------------------------------------------
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

  step "README values tables up to date (helm-docs)"
  local src
  for src in "$CHART_SRC" "$OPERATORS_SRC"; do
    readme_copy "$src" "$WORK/docs"
    render_readme "$WORK/docs" "$src"
    if diff -u "$src/README.md" "$WORK/docs/README.md" >"$WORK/readme.diff"; then
      info "${src#"$ROOT/"}/README.md matches values.yaml"
    else
      head -n 30 "$WORK/readme.diff" >&2
      fail_step "${src#"$ROOT/"}/README.md is stale: run bash scripts/chart-check.sh docs"
    fi
  done
}

# --- 6. the real API server --------------------------------------------------------------------
api_server_check() {
  local dir="$WORK/apiserver" crds=() f n
  step "API server: etcd + kube-apiserver $KUBE_VERSION on loopback"
  trap apiserver_stop EXIT
  apiserver_start "$dir"
  info "ready: $(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
  # CRDs of what a cluster runs besides EventShop (Prometheus Operator, KEDA, Gateway API).
  for f in "$CRDS_DIR"/monitoring.coreos.com_*.yaml "${EXTRA_CRDS[@]}"; do crds+=(-f "$f"); done
  kubectl apply --server-side --field-manager=chart-check "${crds[@]}" >"$dir/log/crds.log"
  kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
  COUNT[other.crds]=$(grep -c . "$dir/log/crds.log")
  info "CRDs of Prometheus Operator, KEDA and the Gateway API applied server-side: ${COUNT[other.crds]}"
  if api_server_operators; then
    # With the operators' CRDs served, so custom resources are refused by their schema.
    api_server_rejects
    api_server_template_alone
    for set in "${VALUE_SETS[@]}"; do api_server_value_set "$set"; done
    api_server_operators_uninstall
  fi
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

# read_back NS MANIFEST OUT: "found expected" after `kubectl get` of every object of MANIFEST.
read_back() {
  local ns=$1 manifest=$2 out=$3 expected found
  expected=$(count_objects "$manifest")
  kubectl -n "$ns" get -f "$manifest" -o name >"$out" 2>"$out.err" || true
  found=$(grep -c . "$out" || true)
  awk -F/ '{k=$1; sub(/^[^\/]*\//, ""); names[k]=names[k] " " $0; n[k]++} END {for (k in n) printf "      %-46s %2d %s\n", k, n[k], names[k]}' \
    "$out" | sort | cut -c1-200 >&2
  echo "$found $expected"
}

# gone NS MANIFEST: true when no object of MANIFEST is left (CRDs aside).
gone() { test -z "$(kubectl -n "$1" get -f "$2" -o name --ignore-not-found 2>/dev/null)"; }

api_server_operators() {
  local out="$WORK/operators-out" found expected
  step "[operators] helm install $OPERATORS_RELEASE (server-side apply) into namespace $OPERATORS_NS"
  if ! helm install "$OPERATORS_RELEASE" "$OPERATORS" -n "$OPERATORS_NS" --create-namespace \
    --timeout 2m >"$out/install.log" 2>&1; then
    sed 's/^/    /' "$out/install.log" >&2
    fail_step "[operators] helm install"
    return 1
  fi
  helm get manifest "$OPERATORS_RELEASE" -n "$OPERATORS_NS" >"$out/installed.yaml"
  read -r found expected < <(read_back "$OPERATORS_NS" "$out/installed.yaml" "$out/read-back.txt")
  COUNT[operators.installed]="$found/$expected"
  ((found == expected)) || fail_step "[operators] objects missing after install: $(cat "$out/read-back.txt.err")"
  ((expected == COUNT[operators.objects])) || fail_step "[operators] helm installed $expected objects, ${COUNT[operators.objects]} rendered"
  # Helm creates the charts' crds/ before the templates; each must now be served.
  python3 -c 'import sys, yaml; [print(d["metadata"]["name"]) for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "CustomResourceDefinition"]' \
    "$out/rendered.yaml" >"$out/crds.txt"
  found=$(kubectl get crd $(cat "$out/crds.txt") -o name 2>/dev/null | grep -c . || true)
  COUNT[operators.crds-installed]="$found/${COUNT[operators.crds]}"
  info "installed and read back: $expected objects, CRDs served: $found of ${COUNT[operators.crds]}"
  ((found == COUNT[operators.crds])) || fail_step "[operators] CRDs missing after install"
}

# The application chart alone, rendered and validated against the cluster that runs the operators.
api_server_template_alone() {
  local out="$WORK/template-alone" n
  mkdir -p "$out"
  step "helm template of the application chart alone against this cluster (--dry-run=server)"
  kubectl create namespace eventshop-template >/dev/null
  if helm template eventshop "$CHART" -n eventshop-template -f "$CHART_SRC/values-dev.yaml" \
    --dry-run=server >"$out/rendered.yaml" 2>"$out/template.log"; then
    n=$(count_objects "$out/rendered.yaml")
    COUNT[template-alone]="$n objects"
    info "helm template eventshop helm/eventshop -f helm/eventshop/values-dev.yaml --dry-run=server: $n objects," \
      "$(grep -c '^kind: \(Queue\|Binding\|RabbitmqCluster\|MongoDBCommunity\)$' "$out/rendered.yaml") of them operator resources"
  else
    sed 's/^/    /' "$out/template.log" >&2
    fail_step "helm template of the application chart against the cluster"
  fi
  kubectl delete namespace eventshop-template --wait=false >/dev/null
}

api_server_value_set() {
  local set=$1 ns="eventshop-$1" out="$WORK/$1" n found expected
  [[ -s "$out/rendered.yaml" ]] || return 0
  step "[$set] API server: server-side dry run (strict), helm install, read back, uninstall"
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
  read -r found expected < <(read_back "$ns" "$out/installed.yaml" "$out/read-back.txt")
  COUNT[$set.installed]="$found/$expected"
  info "helm install: $(grep -m1 '^STATUS' "$out/install.log" || echo installed); read back with kubectl: $found of $expected"
  ((found == expected)) || fail_step "[$set] objects missing after install: $(cat "$out/read-back.txt.err")"
  ((expected == COUNT[$set.rendered] - COUNT[$set.hooks])) ||
    fail_step "[$set] helm installed $expected objects; rendered ${COUNT[$set.rendered]}, of them ${COUNT[$set.hooks]} test hooks"

  helm uninstall eventshop -n "$ns" >"$out/uninstall.log" 2>&1 || fail_step "[$set] helm uninstall"
  if wait_for_quiet 60 gone "$ns" "$out/installed.yaml"; then
    info "helm uninstall: all $expected objects gone"
    COUNT[$set.uninstalled]="yes"
  else
    fail_step "[$set] objects left after helm uninstall: $(kubectl -n "$ns" get -f "$out/installed.yaml" -o name --ignore-not-found | tr '\n' ' ')"
  fi
}

api_server_operators_uninstall() {
  local out="$WORK/operators-out" left
  step "[operators] helm uninstall $OPERATORS_RELEASE (after every application release)"
  helm uninstall "$OPERATORS_RELEASE" -n "$OPERATORS_NS" >"$out/uninstall.log" 2>&1 || fail_step "[operators] helm uninstall"
  if wait_for_quiet 60 gone "$OPERATORS_NS" "$out/installed.yaml"; then
    COUNT[operators.uninstalled]="yes"
    info "all objects gone; the ${COUNT[operators.crds]} CRDs stay (Helm never deletes CRDs)"
  else
    left=$(kubectl -n "$OPERATORS_NS" get -f "$out/installed.yaml" -o name --ignore-not-found | tr '\n' ' ')
    fail_step "[operators] objects left after helm uninstall: $left"
  fi
}

summary() {
  local set
  printf '\n\033[1mchart-check summary\033[0m (Kubernetes %s; upstream charts from %s)\n' "$KUBE_VERSION" "${HELM_CHARTS_DIR#"$ROOT/"}"
  printf '  operators release (helm/eventshop-operators, installed once, namespace %s)\n' "$OPERATORS_NS"
  orow() { printf '    %-46s %12s\n' "$1" "${COUNT[operators.$2]:--}"; }
  orow "Chart.lock pins = Chart.yaml = mirror" lock
  orow "objects rendered (CRDs aside)" objects
  orow "CRDs rendered" crds
  orow "validated offline (OpenAPI, CRDs)" validated
  orow "names valid (also a 30-character release)" names
  orow "Secrets/ConfigMaps used by pods that exist" references
  orow "images as upstream pins them" images
  orow "installed (server-side apply), read back" installed
  orow "CRDs served after install" crds-installed
  orow "removed by helm uninstall" uninstalled
  printf '  application chart (helm/eventshop), per value set; every set installed beside the operators\n'
  printf '    %-46s %12s %12s %12s\n' "" "${VALUE_SETS[@]}"
  row() { printf '    %-46s %12s %12s %12s\n' "$1" "${COUNT[dev.$2]:--}" "${COUNT[prod.$2]:--}" "${COUNT[external.$2]:--}"; }
  row "own objects rendered" rendered
  row "  of them helm test hooks (run by helm test)" hooks
  row "validated offline (OpenAPI, CRDs)" validated
  row "policy checks passed" policy
  row "names valid (also a 30-character release)" names
  row "Secrets/ConfigMaps used that exist" references
  row "queues and bindings = the services' own" topology
  row "accepted by the API server (dry run)" accepted
  row "installed (SSA, hooks aside), read back" installed
  row "removed by helm uninstall" uninstalled
  printf '    %-46s %12s %12s %12s\n' "+ operator objects + CRDs in that cluster" \
    "${COUNT[operators.objects]:-?}+${COUNT[operators.crds]:-?}" "${COUNT[operators.objects]:-?}+${COUNT[operators.crds]:-?}" "${COUNT[operators.objects]:-?}+${COUNT[operators.crds]:-?}"
  printf '  %-48s %12s\n' "app chart alone, helm template --dry-run=server" "${COUNT[template-alone]:--}"
  printf '  %-48s %12s\n' "other CRDs applied (Prometheus, KEDA, Gateway)" "${COUNT[other.crds]:--}"
  printf '  %-48s %12s\n' "broken values rejected by the schema" "${COUNT[schema]:--}"
  printf '  %-48s %12s\n' "policy self-test (bad manifest caught)" "${COUNT[policy-selftest]:--}"
  printf '  %-48s %12s\n' "broken objects refused by the API server" "${COUNT[api-rejects]:--}"
  printf '  %-48s %12s\n' "skaffold.yaml (v4beta13, v4beta14 schema)" "${COUNT[skaffold]:--}"
  printf '  %-48s %12s\n' "time" "$(elapsed $SECONDS)"
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
  EXTRA_CRDS=()
  while IFS= read -r f; do EXTRA_CRDS+=("$f"); done < <(bash "$ROOT/scripts/k8s-tools.sh" extra-crds)
  [[ -d $CRDS_DIR ]] || die "no CRDs at $CRDS_DIR (set CRDS_DIR)"
  info "tools ready after $(elapsed $SECONDS)"

  prepare_operators
  prepare_app
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
  topology) cmd_topology ;;
  *) die "usage: $0 [all|docs|sync-tags|topology]" ;;
esac
