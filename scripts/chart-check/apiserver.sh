# A throw-away Kubernetes control plane on loopback for the chart check: etcd and kube-apiserver,
# nothing else (no controller manager, no scheduler, no kubelet: objects are stored and validated,
# nothing reconciles or runs). Sourced by scripts/chart-check.sh after lib.sh.
#   apiserver_start DIR   start both, write DIR/kubeconfig, wait until /readyz answers
#   apiserver_stop        stop what apiserver_start started (by pid), delete the etcd data
# shellcheck shell=bash

APISERVER_DIR=""
APISERVER_PIDS=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

apiserver_start() {
  local dir=$1 pki etcd_client etcd_peer port token
  APISERVER_DIR=$dir
  rm -rf "$dir"
  pki="$dir/pki"
  mkdir -p "$pki" "$dir/etcd" "$dir/log"
  etcd_client=$(free_port)
  etcd_peer=$(free_port)
  port=$(free_port)

  # Service account signing keys, and a static token for an admin in system:masters.
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  token=$(openssl rand -hex 24)
  echo "$token,chart-check-admin,chart-check-admin,system:masters" >"$pki/tokens.csv"
  chmod 600 "$pki/tokens.csv" "$pki/sa.key"

  setsid "$TOOLS/bin/etcd" \
    --name=chart-check --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_client" --advertise-client-urls="http://127.0.0.1:$etcd_client" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="chart-check=http://127.0.0.1:$etcd_peer" \
    --unsafe-no-fsync --log-level=warn >"$dir/log/etcd.log" 2>&1 </dev/null &
  APISERVER_PIDS+=($!)
  wait_for "etcd" 30 curl -fsS "http://127.0.0.1:$etcd_client/health"

  # The flags controller-runtime's envtest starts kube-apiserver with, on loopback only. Admission
  # webhooks are not called: their configurations are stored and validated like any object, but
  # no pod runs here to answer them (on a cluster the operators' pods do).
  setsid "$TOOLS/bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
    --cert-dir="$pki" \
    --token-auth-file="$pki/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true \
    --disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --enable-priority-and-fairness=false \
    --profiling=false \
    --v=0 >"$dir/log/kube-apiserver.log" 2>&1 </dev/null &
  APISERVER_PIDS+=($!)

  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: chart-check
    cluster:
      server: https://127.0.0.1:$port
      insecure-skip-tls-verify: true
users:
  - name: chart-check-admin
    user:
      token: $token
contexts:
  - name: chart-check
    context: { cluster: chart-check, user: chart-check-admin }
current-context: chart-check
EOF
  chmod 600 "$dir/kubeconfig"
  export KUBECONFIG="$dir/kubeconfig"
  if ! wait_for_quiet 90 kubectl get --raw=/readyz; then
    tail -n 20 "$dir/log/kube-apiserver.log" >&2
    die "kube-apiserver did not become ready within 90 s (log: $dir/log/kube-apiserver.log)"
  fi
}

wait_for_quiet() { # seconds command...: like wait_for, but returns 1 instead of exiting
  local seconds=$1 start=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - start >= seconds)) && return 1
    sleep 1
  done
}

apiserver_stop() {
  local pid i
  # kube-apiserver first, then etcd; each was started in its own session (process group).
  for ((i = ${#APISERVER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${APISERVER_PIDS[i]}
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  APISERVER_PIDS=()
  [[ -n $APISERVER_DIR ]] && rm -rf "$APISERVER_DIR/etcd" "$APISERVER_DIR/pki" "$APISERVER_DIR/kubeconfig"
  return 0
}
