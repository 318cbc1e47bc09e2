#!/usr/bin/env bash
# A single-node Kubernetes cluster on this machine, built from source: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet on containerd (Debian) with a CNI bridge
# (Debian's containernetworking-plugins), kube-proxy (iptables) and CoreDNS.
#   cluster.sh up       build what is missing (once), start everything, wait for the node Ready
#   cluster.sh down     stop everything, remove the pods, their network and the cluster's data
#   cluster.sh status   one line per component and `kubectl get nodes`
#   cluster.sh check    the chart on the cluster (scripts/cluster/check.sh)
#   cluster.sh prepare  what the app chart needs on the cluster (data services, ingress, operators)
#   cluster.sh skaffold skaffold run -p local against this cluster (skaffold built once)
#
# Network: the control plane listens on loopback; the API server and the kubelet on the node's
# address, which is the gateway of the cluster's own bridge (pods cannot reach loopback). Pods
# get addresses on that bridge, Services on a range that exists only in this machine's iptables,
# and forwarding off the bridge is dropped: no traffic leaves the machine. DNS answers only
# cluster.local names.
# Kubeconfig: .local/cluster/kubeconfig. Logs: .local/log/cluster-*.log. Needs root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CL="$LOCAL/cluster"
PKI="$CL/pki"
KUBECONFIG_FILE="$CL/kubeconfig"
NODE_NAME=eventshop-node
BRIDGE=cni0
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/12
KUBERNETES_SERVICE_IP=10.96.0.1
CLUSTER_DNS_IP=10.96.0.10
CONTAINERD_SOCK="$CL/containerd/containerd.sock"
IMAGE_PREFIX=docker.io/eventshop
PAUSE_IMAGE=$IMAGE_PREFIX/pause:3.10
FIREWALL_CHAIN=EVENTSHOP-CLUSTER
COMPONENTS=(cluster-etcd cluster-apiserver cluster-controller-manager cluster-scheduler cluster-containerd cluster-kubelet cluster-kube-proxy)

. "$ROOT/scripts/cluster/build.sh"
. "$ROOT/scripts/cluster/pki.sh"

export KUBECONFIG=$KUBECONFIG_FILE
ctr_() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

need_root() { ((EUID == 0)) || die "the cluster needs root (network, mounts, cgroups)"; }

ensure_packages() {
  local missing=() p
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v iptables >/dev/null || missing+=(iptables)
  ((${#missing[@]})) || return 0
  step "installing Debian packages: ${missing[*]}"
  logged "$LOG/cluster-build.log" apt-get install -y -q "${missing[@]}"
  for p in "${missing[@]}"; do info "installed $p"; done
}

# --- images -----------------------------------------------------------------------------------
# One-binary images packaged by scripts/cluster/oci-image.py, imported into containerd's k8s.io
# namespace (the one the kubelet's pods use).
image_present() { ctr_ images ls -q | grep -qx "$1"; }

import_binary_image() { # name:tag entrypoint binary [user]
  local ref=$1 entry=$2 bin=$3 user=${4:-} tar
  tar="$CL/images/$(basename "${ref%%:*}")-${ref##*:}.tar"
  if image_present "$ref" && [[ ! $bin -nt $tar ]]; then return 0; fi
  info "importing image $ref"
  mkdir -p "$CL/images"
  python3 "$ROOT/scripts/cluster/oci-image.py" "$tar" "$ref" --entrypoint "$entry" \
    ${user:+--user "$user"} "$bin:$entry"
  logged "$LOG/cluster-images.log" ctr_ images import "$tar"
}

# write_if_changed FILE < content: kube-proxy exits when its configuration file changes, even
# to the same content, so a second `up` rewrites nothing that is already current.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# --- node network -----------------------------------------------------------------------------
setup_network() {
  step "node network: bridge $BRIDGE $NODE_IP/24, br_netfilter, forwarding only within the bridge"
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null ||
    die "the kernel has no br_netfilter (needed for Services between pods on one bridge)"
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 \
    net.ipv4.ip_forward=1 >/dev/null
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr show dev "$BRIDGE" | grep -q "inet $NODE_IP/" || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Pods talk to each other and to this machine; nothing is forwarded anywhere else.
  iptables -N "$FIREWALL_CHAIN" 2>/dev/null || iptables -F "$FIREWALL_CHAIN"
  iptables -A "$FIREWALL_CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  iptables -A "$FIREWALL_CHAIN" -s "$POD_CIDR" -j DROP
  iptables -A "$FIREWALL_CHAIN" -d "$POD_CIDR" -j DROP
  iptables -C FORWARD -j "$FIREWALL_CHAIN" 2>/dev/null || iptables -I FORWARD 1 -j "$FIREWALL_CHAIN"
  mkdir -p "$CL/cni/net.d"
  write_if_changed "$CL/cni/net.d/10-eventshop.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "eventshop",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$CL/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

teardown_network() {
  iptables -D FORWARD -j "$FIREWALL_CHAIN" 2>/dev/null || true
  iptables -F "$FIREWALL_CHAIN" 2>/dev/null || true
  iptables -X "$FIREWALL_CHAIN" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
}

# --- components -------------------------------------------------------------------------------
start() { # name command...: start unless running
  local name=$1
  shift
  alive "$name" && return 0
  info "starting ${name#cluster-} (log: $(rel "$LOG/$name.log"))"
  spawn "$name" "$@"
}

waited() { # label seconds log command...
  local label=$1 seconds=$2 log=$3 start=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= seconds)); then
      [[ -f $log ]] && tail -n 20 "$log" | sed 's/^/    | /' >&2
      die "$label not ready within ${seconds}s (log: $(rel "$log"))"
    fi
    sleep 1
  done
}

start_control_plane() {
  step "control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler"
  mkdir -p "$CL/etcd"
  start cluster-etcd "$TOOLS/bin/etcd" --name=eventshop-local --data-dir="$CL/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=eventshop-local=http://127.0.0.1:2380 --listen-metrics-urls=http://127.0.0.1:2381 \
    --unsafe-no-fsync --log-level=warn
  waited etcd 60 "$LOG/cluster-etcd.log" curl -fsS http://127.0.0.1:2379/health
  start cluster-apiserver "$TOOLS/bin/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port=6443 \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true --profiling=false
  waited kube-apiserver 120 "$LOG/cluster-apiserver.log" kubectl get --raw=/readyz
  start cluster-controller-manager "$TOOLS/bin/kube-controller-manager" \
    --kubeconfig="$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$PKI/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false \
    --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true --profiling=false
  start cluster-scheduler "$TOOLS/bin/kube-scheduler" \
    --kubeconfig="$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig="$PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
}

start_containerd() {
  step "containerd $(containerd --version | awk '{print $3}') with runc and the CNI bridge"
  mkdir -p "$CL/containerd"
  write_if_changed "$CL/containerd/config.toml" <<TOML
version = 2
root = "$CL/containerd/root"
state = "$CL/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = "$CONTAINERD_SOCK.debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CL/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_selinux = false
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CL/cni/net.d"
TOML
  start cluster-containerd containerd --config "$CL/containerd/config.toml"
  waited containerd 60 "$LOG/cluster-containerd.log" ctr_ version
  import_binary_image "$PAUSE_IMAGE" /pause "$TOOLS/bin/pause" 65535
  import_binary_image "$IMAGE_PREFIX/coredns:$COREDNS_VERSION" /coredns "$TOOLS/bin/coredns" 65532
}

start_node() {
  step "node $NODE_NAME: kubelet and kube-proxy"
  mkdir -p "$CL/kubelet"
  write_if_changed "$CL/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
clusterDomain: cluster.local
clusterDNS: [$CLUSTER_DNS_IP]
resolvConf: ""
failSwapOn: false
maxPods: 60
serializeImagePulls: false
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2% }
YAML
  start cluster-kubelet "$TOOLS/bin/kubelet" --config="$CL/kubelet/config.yaml" \
    --kubeconfig="$PKI/kubelet.kubeconfig" --root-dir="$CL/kubelet/root" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
  write_if_changed "$CL/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $PKI/kube-proxy.kubeconfig }
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
  start cluster-kube-proxy "$TOOLS/bin/kube-proxy" --config="$CL/kube-proxy.yaml"
  waited "node $NODE_NAME Ready" 180 "$LOG/cluster-kubelet.log" \
    kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
}

start_dns() {
  step "CoreDNS $COREDNS_VERSION (Service kube-dns at $CLUSTER_DNS_IP)"
  sed -e "s#COREDNS_IMAGE#$IMAGE_PREFIX/coredns:$COREDNS_VERSION#" -e "s#CLUSTER_DNS_IP#$CLUSTER_DNS_IP#" \
    "$ROOT/infra/cluster/coredns.yaml" | logged "$LOG/cluster-addons.log" kubectl apply -f -
  waited "CoreDNS" 180 "$LOG/cluster-kubelet.log" \
    kubectl -n kube-system rollout status deployment/coredns --timeout=5s
}

up() {
  need_root
  local t0=$SECONDS
  ensure_packages
  build_node_binaries
  bash "$ROOT/scripts/k8s-tools.sh" etcd
  build_coredns
  build_pause
  make_pki
  setup_network
  start_control_plane
  start_containerd
  start_node
  start_dns
  step "cluster up in $((SECONDS - t0))s: KUBECONFIG=$(rel "$KUBECONFIG_FILE")"
  kubectl get nodes -o wide >&2
}

# Pods' containers outlive the kubelet and containerd (their shims keep them): stop them first,
# then the node, then the control plane, then remove mounts, namespaces and data.
down() {
  need_root
  step "stopping the cluster"
  stop_pid cluster-kubelet
  if alive cluster-containerd; then
    local task
    for task in $(ctr_ tasks ls -q 2>/dev/null); do
      ctr_ tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 1
    for task in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for task in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$task" >/dev/null 2>&1 || true; done
  fi
  if [[ -x $TOOLS/bin/kube-proxy ]] && alive cluster-kube-proxy; then
    stop_pid cluster-kube-proxy
    "$TOOLS/bin/kube-proxy" --cleanup >>"$LOG/cluster-kube-proxy.log" 2>&1 || true
  fi
  local c
  for ((c = ${#COMPONENTS[@]} - 1; c >= 0; c--)); do stop_pid "${COMPONENTS[c]}"; done
  findmnt -rn -o TARGET | grep -F "$CL/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  ip netns list 2>/dev/null | awk '/^cni-/{print $1}' | while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done
  teardown_network
  rm -rf "$CL/etcd" "$CL/kubelet" "$CL/cni/ipam" "$CL/containerd/state"
  info "stopped; binaries and images stay cached"
}

status() {
  local c
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then echo "${c#cluster-}: running (pid $(pid_of "$c"))"; else echo "${c#cluster-}: stopped"; fi
  done
  alive cluster-apiserver && kubectl get nodes -o wide
  return 0
}

# The image skaffold built (SKAFFOLD_IMAGE, e.g. eventshop/order-service:<tag>) from podman into
# the cluster's containerd, under the name a pod spec without registry resolves to (docker.io/…):
# what skaffold itself does for kind and minikube.
import_image() {
  local image=${1:-${SKAFFOLD_IMAGE:-}} first
  [[ -n $image ]] || die "usage: cluster.sh import-image IMAGE (or SKAFFOLD_IMAGE set)"
  first=${image%%/*}
  [[ $first == *.* || $first == *:* || $first == localhost ]] || image=docker.io/$image
  # Built through podman's Docker API the image is docker.io/…; by podman itself, localhost/….
  local conf stored
  conf=$(bash "$ROOT/scripts/podman.sh" conf)
  for stored in "$image" "localhost/${image#docker.io/}"; do
    CONTAINERS_CONF=$conf podman image exists "$stored" && break
  done
  CONTAINERS_CONF=$conf podman image exists "$stored" || die "image $image is not in podman's store"
  step "importing $stored into the cluster as $image"
  CONTAINERS_CONF=$conf podman save "$stored" | ctr_ images import -
  [[ $stored == "$image" ]] || ctr_ images tag --force "$stored" "$image" >/dev/null
  # Without a registry to push to, skaffold deploys the image by its id as the tag.
  local id
  id=$(CONTAINERS_CONF=$conf podman image inspect --format '{{.Id}}' "$stored")
  ctr_ images tag --force "$stored" "${image%:*}:${id#sha256:}" >/dev/null
}

# skaffold run -p local on this cluster: the profile `eventshop-local-cluster` (skaffold.yaml)
# activates itself for this kubeconfig's context; the cluster is prepared first. No artifact
# cache: an image skaffold takes from its cache skips the hook that imports it into the cluster
# (podman's layer cache keeps rebuilds short).
run_skaffold() {
  build_skaffold
  bash "$ROOT/scripts/cluster/check.sh" prepare
  local line
  while IFS= read -r line; do export "${line?}"; done < <(bash "$ROOT/scripts/infra.sh" env)
  step "skaffold run -p local $* (images through podman, imported into the cluster)"
  (cd "$ROOT" && PATH="$TOOLS/helm3:$PATH" skaffold run -p local --kube-context eventshop-local --cache-artifacts=false "$@")
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  check) exec bash "$ROOT/scripts/cluster/check.sh" ;;
  prepare) exec bash "$ROOT/scripts/cluster/check.sh" prepare ;;
  import-image) import_image "${2:-}" ;;
  skaffold)
    shift
    run_skaffold "$@"
    ;;
  build)
    build_node_binaries
    build_coredns
    build_pause
    ;;
  *) die "usage: $0 up|down|status|check|prepare|skaffold|import-image IMAGE" ;;
esac
