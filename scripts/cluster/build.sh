# Builds what the local cluster runs, once, into .tools/bin (binaries) and .local/cluster/images
# (image archives). Sourced by scripts/cluster.sh after lib.sh. Every build runs under `nice -n 19`.
#   build_node_binaries   kubelet, kube-controller-manager, kube-scheduler, kube-proxy
#   build_coredns         CoreDNS with the plugins Service DNS needs (infra/cluster/coredns)
#   build_operators       the RabbitMQ cluster and messaging topology operators
#   build_pause           the pods' sandbox binary (infra/cluster/pause)
#   build_traefik         the ingress controller (Traefik, Go module)
#   build_skaffold        skaffold and the Helm 3 it needs (Go modules), for `scripts/cluster.sh skaffold`
# shellcheck shell=bash

KUBERNETES_VERSION=$(bash "$ROOT/scripts/k8s-tools.sh" kubernetes-version)
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
RABBITMQ_CLUSTER_OPERATOR_VERSION=${RABBITMQ_CLUSTER_OPERATOR_VERSION:-v2.22.1}
RABBITMQ_TOPOLOGY_OPERATOR_VERSION=${RABBITMQ_TOPOLOGY_OPERATOR_VERSION:-v1.20.1}
# v3.7 pins a fork of go-http-auth that the Go module proxy does not serve; v3.6 builds as released.
TRAEFIK_VERSION=${TRAEFIK_VERSION:-v3.6.12}
SKAFFOLD_VERSION=${SKAFFOLD_VERSION:-v2.16.1}
# skaffold v2.16 (the newest the Go module proxy serves) runs `helm version --client` and passes
# an executable as --post-renderer, both gone in Helm 4: it gets a Helm 3 of its own.
SKAFFOLD_HELM_VERSION=${SKAFFOLD_HELM_VERSION:-v3.21.4}
NODE_BINARIES=(kubelet kube-controller-manager kube-scheduler kube-proxy)
BUILD_LOG="$LOG/cluster-build.log"

have_bin() { [[ -x "$TOOLS/bin/$1" && -f "$TOOLS/bin/.$1-$2" ]]; }
mark_bin() { touch "$TOOLS/bin/.$1-$2"; }

# The node's binaries come from the tools module scripts/k8s-tools.sh generates for
# kube-apiserver (k8s.io/kubernetes with its staging modules replaced by their releases): a copy
# of it with these tools added, so the same versions are built and Go's build cache is shared.
build_node_binaries() {
  local v=$KUBERNETES_VERSION missing=() b
  for b in "${NODE_BINARIES[@]}"; do have_bin "$b" "$v" || missing+=("$b"); done
  ((${#missing[@]})) || return 0
  bash "$ROOT/scripts/k8s-tools.sh" kubernetes
  step "building ${missing[*]} $v (Go modules; a cold build takes 10-30 min, log: $(rel "$BUILD_LOG"))"
  local src="$TOOLS/src/kubernetes-$v" dir="$TOOLS/src/cluster-kubernetes-$v" minor pkg ldflags="-s -w"
  [[ -f $src/go.mod ]] || die "no tools module at $(rel "$src") (scripts/k8s-tools.sh kubernetes makes it)"
  minor=${v#v1.}
  minor=${minor%%.*}
  mkdir -p "$dir"
  {
    sed -e 's#^module .*#module eventshop.example/cluster-tools#' -e '/^tool (/,/^)/d' "$src/go.mod"
    echo
    echo "tool ("
    for b in "${NODE_BINARIES[@]}"; do echo "	k8s.io/kubernetes/cmd/$b"; done
    echo ")"
  } >"$dir/go.mod"
  cp "$src/go.sum" "$dir/go.sum"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (
    cd "$dir"
    logged "$BUILD_LOG" env GOFLAGS=-mod=mod nice -n 19 go mod tidy
    local pkgs=()
    for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
    logged "$BUILD_LOG" env CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "$ldflags" -o "$TOOLS/bin/" "${pkgs[@]}"
  )
  for b in "${missing[@]}"; do mark_bin "$b" "$v"; done
}

build_coredns() {
  local v=$COREDNS_VERSION dir="$TOOLS/src/coredns-$COREDNS_VERSION"
  have_bin coredns "$v" && [[ ! $ROOT/infra/cluster/coredns/main.go -nt $TOOLS/bin/coredns ]] && return 0
  step "building CoreDNS $v (Go module, Service DNS plugins only; log: $(rel "$BUILD_LOG"))"
  mkdir -p "$dir"
  cp "$ROOT/infra/cluster/coredns/main.go" "$dir/main.go"
  [[ -f $dir/go.mod ]] || printf 'module eventshop.example/coredns\n\ngo 1.24.0\n\nrequire github.com/coredns/coredns %s\n' "$v" >"$dir/go.mod"
  (
    cd "$dir"
    logged "$BUILD_LOG" env GOFLAGS=-mod=mod nice -n 19 go mod tidy
    logged "$BUILD_LOG" env CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "-s -w" -o "$TOOLS/bin/coredns" .
  )
  mark_bin coredns "$v"
}

# `go install` refuses modules with replace lines; a tools module builds their main package.
build_go_main() { # name module version package [replace line]
  local name=$1 module=$2 v=$3 pkg=$4 replace=${5:-} dir="$TOOLS/src/$1-$3"
  have_bin "$name" "$v" && return 0
  step "building $name $v (Go module $module; log: $(rel "$BUILD_LOG"))"
  mkdir -p "$dir"
  printf 'module eventshop.example/%s\n\ngo 1.24.0\n\nrequire %s %s\n\ntool %s\n' "$name" "$module" "$v" "$pkg" >"$dir/go.mod"
  [[ -z $replace ]] || printf '\nreplace %s\n' "$replace" >>"$dir/go.mod"
  (
    cd "$dir"
    logged "$BUILD_LOG" env GOFLAGS=-mod=mod nice -n 19 go mod tidy
    logged "$BUILD_LOG" env CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "-s -w" -o "$TOOLS/bin/$name" "$pkg"
  )
  mark_bin "$name" "$v"
}

# The topology operator requires cluster-operator v2.22.3 (for its API types), which the Go
# module proxy does not serve; the cluster operator's own v2.22.1 is used instead.
build_operators() {
  build_go_main rabbitmq-cluster-operator github.com/rabbitmq/cluster-operator/v2 \
    "$RABBITMQ_CLUSTER_OPERATOR_VERSION" github.com/rabbitmq/cluster-operator/v2/cmd
  build_go_main rabbitmq-topology-operator github.com/rabbitmq/messaging-topology-operator \
    "$RABBITMQ_TOPOLOGY_OPERATOR_VERSION" github.com/rabbitmq/messaging-topology-operator/cmd \
    "github.com/rabbitmq/cluster-operator/v2 => github.com/rabbitmq/cluster-operator/v2 $RABBITMQ_CLUSTER_OPERATOR_VERSION"
}

build_pause() {
  local src="$ROOT/infra/cluster/pause/pause.c"
  [[ -x $TOOLS/bin/pause && ! $src -nt $TOOLS/bin/pause ]] && return 0
  step "building the pod sandbox binary (pause)"
  logged "$BUILD_LOG" gcc -Os -static -s -o "$TOOLS/bin/pause" "$src"
}

# A module whose go.mod has replace lines (local ones too), which neither `go install` nor a
# tools module honours: a writable copy of its source, built in place.
build_module_copy() { # name module version package ldflags
  local name=$1 module=$2 v=$3 pkg=$4 ldflags=$5 dir="$TOOLS/src/$1-$3" mod
  if [[ ! -f $dir/go.mod ]]; then
    mod=$(go mod download -json "$module@$v" 2>>"$BUILD_LOG" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') ||
      die "could not download $module $v (log: $(rel "$BUILD_LOG"))"
    rm -rf "$dir"
    cp -r "$mod" "$dir"
    chmod -R u+w "$dir"
  fi
  (
    cd "$dir"
    logged "$BUILD_LOG" env CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -trimpath \
      -ldflags "$ldflags" -o "$TOOLS/bin/$name" "$pkg"
  )
  mark_bin "$name" "$v"
}

# Traefik, built as its Makefile does minus the web UI's npm build (the UI stays off).
build_traefik() {
  have_bin traefik "$TRAEFIK_VERSION" && return 0
  step "building Traefik $TRAEFIK_VERSION (Go module github.com/traefik/traefik/v3; a cold build takes 15-30 min, log: $(rel "$BUILD_LOG"))"
  build_module_copy traefik github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" ./cmd/traefik \
    "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION"
}

build_skaffold() {
  if [[ ! -x $TOOLS/helm3/helm || ! -f $TOOLS/helm3/.helm-$SKAFFOLD_HELM_VERSION ]]; then
    step "installing Helm $SKAFFOLD_HELM_VERSION for skaffold (go install helm.sh/helm/v3/cmd/helm; log: $(rel "$BUILD_LOG"))"
    mkdir -p "$TOOLS/helm3"
    logged "$BUILD_LOG" env GOBIN="$TOOLS/helm3" nice -n 19 go install "helm.sh/helm/v3/cmd/helm@$SKAFFOLD_HELM_VERSION"
    touch "$TOOLS/helm3/.helm-$SKAFFOLD_HELM_VERSION"
  fi
  have_bin skaffold "$SKAFFOLD_VERSION" && return 0
  step "building skaffold $SKAFFOLD_VERSION (Go module github.com/GoogleContainerTools/skaffold/v2; a cold build takes 15-30 min, log: $(rel "$BUILD_LOG"))"
  build_module_copy skaffold github.com/GoogleContainerTools/skaffold/v2 "$SKAFFOLD_VERSION" ./cmd/skaffold \
    "-s -w -X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=$SKAFFOLD_VERSION"
}
