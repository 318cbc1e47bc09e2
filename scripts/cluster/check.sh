#!/usr/bin/env bash
# make cluster-check: the charts on the local cluster (scripts/cluster.sh up), end to end.
#   images     the lead's podman images (services, FerretDB, Mailpit, RabbitMQ) and the operators'
#              one-binary images, imported into the cluster's containerd
#   data       FerretDB (the external MongoDB) and Mailpit in namespace eventshop-data
#   ingress    the Traefik ingress controller (built from its Go module), IngressClass traefik
#   operators  helm install helm/eventshop-operators with the mirrored upstream charts (CRDs
#              included) and the operators' local images; MongoDB operator off (no mongod here)
#   app        helm install helm/eventshop with infra/cluster/values-local.yaml
#   available  every Deployment and StatefulSet of the release available, and the broker topology
#              (vhost, users, permissions, queues, exchanges, bindings) Ready
#   test       helm test: an order through the ingress, CONFIRMED, its e-mail in Mailpit
#   disruption orders through the ingress while an order-service pod is deleted and the broker's
#              pod restarted: all CONFIRMED and mailed, every DLQ empty (scripts/cluster/disruption.mjs)
#   resources  the RabbitmqCluster, Queue, User, Permission and TopicPermission resources reconciled
#   uninstall  helm uninstall, the namespace gone, no stuck finalizers
# Prints a table of steps, their time and result; exits non-zero on the first failure.
# `check.sh prepare` runs the steps up to the operators and creates what the app chart needs
# (namespace, Secrets, volume) without installing it: for `scripts/cluster.sh skaffold`.
# Environment: HELM_CHARTS_DIR (the mirrored upstream charts, default ../shared/helm-charts),
# AVAILABLE_TIMEOUT (s, default 600), DELETE_TIMEOUT (s, default 180), KEEP=1 leaves the release,
# DISRUPTION_ORDERS (default 60).
# BROKER_310_PATCH=1: install the broker for RabbitMQ 3.10 (the only RabbitMQ here) with the
# chart values of infra/cluster/values-broker-310.yaml: rabbitmq.cluster.defaultQueueType empty
# (3.10 does not know `default_queue_type` and does not boot with it) and a TCP startup probe in
# rabbitmq.cluster.override (the operator's probe GETs
# /api/health/checks/reached-target-cluster-size, which 3.10 answers with 404). The table says
# so; without it the check fails at `available` and prints the broker's error.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ROOT/scripts/cluster/build.sh"

CL="$LOCAL/cluster"
export KUBECONFIG="$CL/kubeconfig"
CONTAINERD_SOCK="$CL/containerd/containerd.sock"
HELM_CHARTS_DIR=${HELM_CHARTS_DIR:-$ROOT/../shared/helm-charts}
AVAILABLE_TIMEOUT=${AVAILABLE_TIMEOUT:-600}
DELETE_TIMEOUT=${DELETE_TIMEOUT:-180}
WORK="$CL/check"
CHECK_LOG="$LOG/cluster-check.log"
NS=eventshop
RELEASE=eventshop
OPERATORS_NS=eventshop-operators
IMAGE_PREFIX=docker.io/eventshop
TRAEFIK_IMAGE=$IMAGE_PREFIX/traefik:$TRAEFIK_VERSION
RABBITMQ_IMAGE=localhost/eventshop/rabbitmq-operator-node:3.10
CLUSTER_OPERATOR_IMAGE=$IMAGE_PREFIX/rabbitmq-cluster-operator:$RABBITMQ_CLUSTER_OPERATOR_VERSION
TOPOLOGY_OPERATOR_IMAGE=$IMAGE_PREFIX/rabbitmq-messaging-topology-operator:$RABBITMQ_TOPOLOGY_OPERATOR_VERSION
ctr_() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

STEPS=()
TIMES=()
RESULTS=()
table() {
  local i
  printf '\n%-12s %8s  %s\n' step seconds result
  for i in "${!STEPS[@]}"; do printf '%-12s %8s  %s\n' "${STEPS[i]}" "${TIMES[i]}" "${RESULTS[i]}"; done
  echo "full log: $(rel "$CHECK_LOG")"
}
trap table EXIT

# run NAME DESCRIPTION FUNCTION: one row of the table; stops the check on failure.
run() {
  local name=$1 what=$2 fn=$3 t0=$SECONDS
  step "$name: $what"
  echo "=== $(date -Is) $name" >>"$CHECK_LOG"
  if "$fn" >>"$CHECK_LOG" 2>&1; then
    STEPS+=("$name") TIMES+=($((SECONDS - t0))) RESULTS+=("ok${RESULT_NOTE:+ ($RESULT_NOTE)}")
    RESULT_NOTE=""
  else
    STEPS+=("$name") TIMES+=($((SECONDS - t0))) RESULTS+=("FAILED")
    tail -n 25 "$CHECK_LOG" | sed 's/^/    | /' >&2
    die "$name failed (log: $(rel "$CHECK_LOG"))"
  fi
}
RESULT_NOTE=""

podman_() { CONTAINERS_CONF=$(bash "$ROOT/scripts/podman.sh" conf) podman "$@"; }

import_podman_image() { # image: always imported again (a rebuild keeps its tag); layers are shared
  podman_ image exists "$1" || { echo "image $1 is missing: build it with make images / make images-local"; return 1; }
  echo "importing $1"
  podman_ save "$1" | ctr_ images import -
}

service_version() { node -p "require('$ROOT/$1/package.json').version"; }

images() {
  local svc
  for svc in order-service inventory-service notification-service; do
    import_podman_image "localhost/eventshop/$svc:$(service_version "$svc")"
  done
  import_podman_image localhost/eventshop/ferretdb:1.24
  import_podman_image localhost/eventshop/mailpit:latest
  # The broker image the operator runs: the project's Debian RabbitMQ shaped as the operator
  # expects (infra/cluster/rabbitmq/Containerfile).
  podman_ image exists "$RABBITMQ_IMAGE" || podman_ build -t "$RABBITMQ_IMAGE" "$ROOT/infra/cluster/rabbitmq"
  import_podman_image "$RABBITMQ_IMAGE"
  build_operators
  local ref bin
  for ref in "$CLUSTER_OPERATOR_IMAGE:rabbitmq-cluster-operator" "$TOPOLOGY_OPERATOR_IMAGE:rabbitmq-topology-operator"; do
    bin=${ref##*:}
    ref=${ref%:*}
    if ! ctr_ images ls -q | grep -qx "$ref"; then
      python3 "$ROOT/scripts/cluster/oci-image.py" "$WORK/$bin.tar" "$ref" --entrypoint /manager \
        --user 1000 "$TOOLS/bin/$bin:/manager"
      ctr_ images import "$WORK/$bin.tar"
    fi
  done
}

data_services() {
  sed -e "s#IMAGE_FERRETDB#localhost/eventshop/ferretdb:1.24#" -e "s#IMAGE_MAILPIT#localhost/eventshop/mailpit:latest#" \
    "$ROOT/infra/cluster/data-services.yaml" | kubectl apply -f -
  kubectl -n eventshop-data rollout status deployment/ferretdb --timeout=180s
  kubectl -n eventshop-data rollout status deployment/mailpit --timeout=180s
}

ingress() {
  build_traefik
  if ! ctr_ images ls -q | grep -qx "$TRAEFIK_IMAGE"; then
    python3 "$ROOT/scripts/cluster/oci-image.py" "$WORK/traefik.tar" "$TRAEFIK_IMAGE" --entrypoint /traefik \
      --user 65532 "$TOOLS/bin/traefik:/traefik"
    ctr_ images import "$WORK/traefik.tar"
  fi
  sed -e "s#IMAGE_TRAEFIK#$TRAEFIK_IMAGE#" "$ROOT/infra/cluster/traefik.yaml" | kubectl apply -f -
  kubectl -n eventshop-ingress rollout status deployment/traefik --timeout=180s
  RESULT_NOTE="Traefik $TRAEFIK_VERSION"
}

operators() {
  local copy="$WORK/operators" dep
  rm -rf "$copy"
  mkdir -p "$copy"
  cp -r "$ROOT/helm/eventshop-operators" "$copy/"
  mkdir -p "$copy/eventshop-operators/charts"
  for dep in rabbitmq-cluster-operator mongodb-kubernetes; do
    helm package "$HELM_CHARTS_DIR/$dep" -d "$copy/eventshop-operators/charts"
  done
  helm upgrade --install eventshop-operators "$copy/eventshop-operators" \
    --namespace "$OPERATORS_NS" --create-namespace --wait --timeout 10m \
    --set mongodb-kubernetes.enabled=false \
    --set rabbitmq-cluster-operator.clusterOperator.image.registry=docker.io \
    --set rabbitmq-cluster-operator.clusterOperator.image.repository=eventshop/rabbitmq-cluster-operator \
    --set rabbitmq-cluster-operator.clusterOperator.image.tag="$RABBITMQ_CLUSTER_OPERATOR_VERSION" \
    --set rabbitmq-cluster-operator.clusterOperator.image.pullPolicy=IfNotPresent \
    --set rabbitmq-cluster-operator.msgTopologyOperator.image.registry=docker.io \
    --set rabbitmq-cluster-operator.msgTopologyOperator.image.repository=eventshop/rabbitmq-messaging-topology-operator \
    --set rabbitmq-cluster-operator.msgTopologyOperator.image.tag="$RABBITMQ_TOPOLOGY_OPERATOR_VERSION" \
    --set rabbitmq-cluster-operator.msgTopologyOperator.image.pullPolicy=IfNotPresent \
    --set rabbitmq-cluster-operator.rabbitmqImage.registry=localhost \
    --set rabbitmq-cluster-operator.rabbitmqImage.repository=eventshop/rabbitmq-operator-node \
    --set rabbitmq-cluster-operator.rabbitmqImage.tag=3.10
  kubectl get crd -o name | grep -c rabbitmq.com
  RESULT_NOTE="$(kubectl get crd -o name | grep -c rabbitmq.com) CRDs"
}

# The broker's volume: a hostPath PersistentVolume without a class, which the operator's claim
# (no StorageClass in this cluster) binds to.
broker_volume() {
  local dir="$CL/volumes/rabbitmq"
  # A volume released by an earlier claim does not bind again: start from a new one.
  [[ $(kubectl get pv eventshop-local-rabbitmq -o jsonpath='{.status.phase}' 2>/dev/null) == Bound ]] ||
    { kubectl delete pv eventshop-local-rabbitmq --ignore-not-found --wait && rm -rf "$dir"; }
  mkdir -p "$dir"
  chmod 0777 "$dir"
  kubectl apply -f - <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: { name: eventshop-local-rabbitmq }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: $dir, type: Directory }
YAML
}

# What the app chart expects to exist on this cluster: its namespace, the external MongoDB's
# connection Secrets (FerretDB in eventshop-data) and the broker's volume.
app_prerequisites() {
  kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
  local svc db
  for svc in order inventory notification; do
    db=$svc
    kubectl -n "$NS" create secret generic "eventshop-$svc-db" \
      --from-literal=mongodb-uri="mongodb://ferretdb.eventshop-data.svc.cluster.local:27017/$db?maxPoolSize=1" \
      --dry-run=client -o yaml | kubectl apply -f -
  done
  broker_volume
}

app() {
  app_prerequisites
  local extra=()
  if [[ ${BROKER_310_PATCH:-} == 1 ]]; then
    extra=(-f "$ROOT/infra/cluster/values-broker-310.yaml")
    RESULT_NOTE="broker values for RabbitMQ 3.10"
  fi
  helm upgrade --install "$RELEASE" "$ROOT/helm/eventshop" --namespace "$NS" \
    -f "$ROOT/infra/cluster/values-local.yaml" \
    --set rabbitmq.cluster.image="$RABBITMQ_IMAGE" \
    --set services.order.image.tag="$(service_version order-service)" \
    --set services.inventory.image.tag="$(service_version inventory-service)" \
    --set services.notification.image.tag="$(service_version notification-service)" \
    "${extra[@]}"
}

# topology_ready SECONDS KIND...: every object of these topology kinds Ready within the time;
# otherwise each object's state and the operator's reason.
topology_ready() {
  local timeout=$1 kinds
  shift
  kinds=$(IFS=,; echo "$*")
  kubectl -n "$NS" wait --for=condition=Ready "$kinds" --all --timeout="${timeout}s" && return 0
  kubectl -n "$NS" get "$kinds" \
    -o custom-columns=OBJECT:.metadata.name,READY:.status.conditions[0].status,WHY:.status.conditions[0].message
  return 1
}

available() {
  local deadline=$((SECONDS + AVAILABLE_TIMEOUT)) kind
  until kubectl -n "$NS" get statefulset -o name 2>/dev/null | grep -q .; do
    ((SECONDS < deadline)) || { echo "no StatefulSet appeared"; return 1; }
    sleep 5
  done
  for kind in statefulset deployment; do
    for obj in $(kubectl -n "$NS" get "$kind" -o name); do
      kubectl -n "$NS" rollout status "$obj" --timeout="$((deadline - SECONDS))s" || {
        kubectl -n "$NS" get pods -o wide
        kubectl -n "$NS" describe "$obj" | tail -20
        echo "--- the broker's errors:"
        kubectl -n "$NS" logs "$RELEASE-rabbitmq-server-0" -c rabbitmq 2>&1 |
          grep -E 'unknown variable|BOOT FAILED|failed to|reason' | head -5
        kubectl -n "$NS" get events --field-selector "involvedObject.name=$RELEASE-rabbitmq-server-0" 2>&1 |
          grep -E 'Unhealthy|Failed' | tail -3
        return 1
      }
    done
  done
  # The services serve without the broker (decision 0024); they use it once the topology
  # operator has declared their users and permissions. Objects it tried while the broker was still
  # starting wait for its back-off (up to minutes; seen: a Permission retried 164 s later).
  local started=$SECONDS
  topology_ready "$((deadline > SECONDS ? deadline - SECONDS : 1))" \
    vhosts users permissions topicpermissions queues exchanges bindings.rabbitmq.com || return 1
  kubectl get pods -A -o wide
  RESULT_NOTE="limit ${AVAILABLE_TIMEOUT}s; broker topology Ready after $((SECONDS - started))s more"
}

# helm test, then the customer e-mail of the test's confirmed order in Mailpit (its API, reached at
# the Service's cluster IP from this node).
helm_test() {
  local out id ip subject=""
  out=$(helm test "$RELEASE" --namespace "$NS" --timeout 5m --logs) || { echo "$out"; return 1; }
  echo "$out"
  grep -q 'public API: http://traefik' <<<"$out" || { echo "the test did not use the ingress"; return 1; }
  id=$(grep -oE 'order [0-9a-f-]{36} CONFIRMED' <<<"$out" | awk '{print $2}' | head -1)
  [[ -n $id ]] || { echo "the test's log shows no CONFIRMED order"; return 1; }
  ip=$(kubectl -n eventshop-data get service mailpit -o jsonpath='{.spec.clusterIP}')
  for _ in $(seq 1 30); do
    subject=$(curl -fsS "http://$ip:8025/api/v1/messages" | ID=${id:0:8} python3 -c '
import json, os, sys
short = os.environ["ID"].upper()
print(next((m["Subject"] for m in json.load(sys.stdin)["messages"] if short in m["Subject"] and "confirmed" in m["Subject"]), ""))')
    [[ -n $subject ]] && break
    sleep 1
  done
  [[ -n $subject ]] || { echo "no e-mail for order $id in Mailpit"; return 1; }
  echo "e-mail: $subject"
  RESULT_NOTE="order $id CONFIRMED through the ingress, e-mail \"$subject\""
}

cluster_ip() { kubectl -n "$1" get service "$2" -o jsonpath='{.spec.clusterIP}'; }

# The orders of scripts/cluster/disruption.mjs, then every queue of the vhost: DLQs empty, and
# nothing left to consume (unroutable events excepted: they have a queue of their own).
disruption() {
  local out secret dlq
  secret=$(kubectl -n "$NS" get secret "$RELEASE-auth" -o jsonpath='{.data.hs256-secret}' | base64 -d)
  out=$(PUBLIC_URL="http://$(cluster_ip eventshop-ingress traefik)" PUBLIC_HOST=shop.eventshop.local \
    INVENTORY_URL="http://$(cluster_ip "$NS" "$RELEASE-inventory-service"):3001" \
    MAIL_URL="http://$(cluster_ip eventshop-data mailpit):8025" AUTH_HS256_SECRET="$secret" \
    AUTH_ISSUER=eventshop-dev AUTH_AUDIENCE=eventshop NAMESPACE="$NS" RELEASE="$RELEASE" \
    ORDERS="${DISRUPTION_ORDERS:-60}" node "$ROOT/scripts/cluster/disruption.mjs") || { echo "$out"; return 1; }
  echo "$out"
  local obj
  for obj in $(kubectl -n "$NS" get statefulset,deployment -o name); do
    kubectl -n "$NS" rollout status "$obj" --timeout=300s
  done
  kubectl -n "$NS" exec "$RELEASE-rabbitmq-server-0" -c rabbitmq -- rabbitmqctl -q list_queues -p eventshop name messages |
    tee "$WORK/queues.txt"
  dlq=$(awk '$1 ~ /\.dlq$/ && $2 > 0' "$WORK/queues.txt")
  [[ -z $dlq ]] || { echo "messages in DLQs: $dlq"; return 1; }
  RESULT_NOTE="$(grep -oE '^RESULT .*' <<<"$out" | cut -c8-), DLQs empty"
}

resources() {
  local kind
  for kind in rabbitmqclusters queues users permissions topicpermissions; do
    kubectl -n "$NS" get "$kind" -o custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,RECONCILED:.status.conditions[?(@.type=="ReconcileSuccess")].status'
  done
  kubectl -n "$NS" wait --for=condition=ReconcileSuccess rabbitmqcluster --all --timeout=60s
  topology_ready 60 queues users permissions topicpermissions
  RESULT_NOTE="$(kubectl -n "$NS" get queues,users,permissions,topicpermissions -o name | wc -l) topology objects Ready"
}

uninstall() {
  helm uninstall "$RELEASE" --namespace "$NS" --wait --timeout 5m
  kubectl delete namespace "$NS" --wait=false
  if ! kubectl wait --for=delete "namespace/$NS" --timeout="${DELETE_TIMEOUT}s"; then
    echo "left behind:"
    kubectl api-resources --verbs=list --namespaced -o name |
      xargs -n1 -I{} kubectl -n "$NS" get {} -o name --ignore-not-found 2>/dev/null
    return 1
  fi
  kubectl delete pv eventshop-local-rabbitmq --ignore-not-found
  RESULT_NOTE="limit ${DELETE_TIMEOUT}s"
}

mkdir -p "$WORK"
: >"$CHECK_LOG"
kubectl get --raw=/readyz >/dev/null 2>&1 || die "no cluster: run scripts/cluster.sh up first"
# Helm from its Go module, as the chart check installs it (the cluster itself does not need it).
bash "$ROOT/scripts/k8s-tools.sh" helm
run images "images into the cluster's containerd" images
run data "FerretDB and Mailpit (namespace eventshop-data)" data_services
run ingress "Traefik ingress controller (namespace eventshop-ingress)" ingress
run operators "helm install eventshop-operators (RabbitMQ operators from local images)" operators
# `prepare`: everything the app chart needs, for a deployment by other means (skaffold).
if [[ ${1:-} == prepare ]]; then
  run prepare "namespace, database Secrets, broker volume" app_prerequisites
  exit 0
fi
run app "helm install eventshop (local values)" app
run available "every Deployment and StatefulSet available" available
run test "helm test (an order through the ingress)" helm_test
run disruption "orders while an order-service pod and the broker restart" disruption
run resources "RabbitmqCluster, Queue, User, Permission, TopicPermission reconciled" resources
[[ ${KEEP:-} == 1 ]] || run uninstall "helm uninstall, namespace gone" uninstall
