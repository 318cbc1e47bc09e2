#!/usr/bin/env bash
# Builds the Kubernetes tools the chart check uses, from Go modules, into .tools/bin (git-ignored).
# Idempotent: a tool whose version marker exists is not built again.
#   helm                  go install helm.sh/helm/v4/cmd/helm
#   helm-docs             go install github.com/norwoodj/helm-docs/cmd/helm-docs
#   kube-apiserver, kubectl   from k8s.io/kubernetes through a generated tools module (below)
#   etcd                  from go.etcd.io/etcd/server/v3 through a second tools module
#
# Usage: k8s-tools.sh [helm|helm-docs|kubernetes|etcd|all|openapi-spec|kubernetes-version|extra-crds]
#   openapi-spec prints the path of the Kubernetes OpenAPI v2 document (swagger.json) shipped in
#   the k8s.io/kubernetes module, for offline schema validation.
#   extra-crds prints the paths of the CRDs of what the chart may use but does not install: KEDA's
#   ScaledObject and TriggerAuthentication (github.com/kedacore/keda/v2, config/crd/bases,
#   Apache-2.0) and the Gateway API's HTTPRoute (sigs.k8s.io/gateway-api, config/crd/standard,
#   Apache-2.0), taken from their Go modules (downloaded once into the module cache).
#
# Builds run under `nice -n 19`: the machine is shared. A cold build of kube-apiserver and kubectl
# takes 10-30 minutes on 2 cores; the binaries are cached, so later runs take no time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

: "${HELM_VERSION:=v4.3.1}"
HELM_DOCS_VERSION=${HELM_DOCS_VERSION:-v1.14.2}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KEDA_VERSION=${KEDA_VERSION:-v2.20.2}
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.6.3}
SRC="$TOOLS/src"
mkdir -p "$TOOLS/bin" "$SRC"

have() { [[ -x "$TOOLS/bin/$1" && -f "$TOOLS/bin/.$1-$2" ]]; }
mark() { touch "$TOOLS/bin/.$1-$2"; }
need_go() { command -v go >/dev/null || die "$1 needs Go to build"; }

ensure_helm() {
  have helm "$HELM_VERSION" && return
  need_go helm
  step "installing helm $HELM_VERSION (go install)"
  GOBIN="$TOOLS/bin" nice -n 19 go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mark helm "$HELM_VERSION"
}

ensure_helm_docs() {
  have helm-docs "$HELM_DOCS_VERSION" && return
  need_go helm-docs
  step "installing helm-docs $HELM_DOCS_VERSION (go install)"
  GOBIN="$TOOLS/bin" nice -n 19 go install "github.com/norwoodj/helm-docs/cmd/helm-docs@$HELM_DOCS_VERSION"
  mark helm-docs "$HELM_DOCS_VERSION"
}

module_dir() { # module@version: the folder of the downloaded module source
  go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and
# replaces them with folders of its own repository, which a module download does not carry. A
# tools module requiring k8s.io/kubernetes replaces each with the published v0.X.Y of the same
# release; the list is generated from the k8s.io/* v0.0.0 lines of its go.mod.
ensure_kubernetes() {
  local v=$KUBERNETES_VERSION
  have kube-apiserver "$v" && have kubectl "$v" && return
  need_go kube-apiserver
  step "building kube-apiserver and kubectl $v (Go modules; a cold build takes 10-30 min)"
  local dir="$SRC/kubernetes-$v" kdir staging minor
  kdir=$(module_dir "k8s.io/kubernetes@$v")
  [[ -f "$kdir/go.mod" ]] || die "could not download k8s.io/kubernetes@$v"
  staging="v0.${v#v1.}"
  minor=${v#v1.}
  minor=${minor%%.*}
  mkdir -p "$dir"
  {
    echo "module eventshop.example/k8s-tools"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kubectl"
    echo ")"
    echo
    echo "replace ("
    grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$kdir/go.mod" | awk -v s="$staging" '{print "\t" $1 " => " $1 " " s}' | sort -u
    echo ")"
  } >"$dir/go.mod"
  local ldflags="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (
    cd "$dir"
    GOFLAGS=-mod=mod nice -n 19 go mod tidy
    CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "$ldflags" -o "$TOOLS/bin/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  )
  mark kube-apiserver "$v"
  mark kubectl "$v"
}

# `go install go.etcd.io/etcd/server/v3@v3.6.x` refuses the module's own replace lines; a tools
# module that requires it builds the same main package.
ensure_etcd() {
  local v=$ETCD_VERSION
  have etcd "$v" && return
  need_go etcd
  step "building etcd $v (Go module)"
  local dir="$SRC/etcd-$v"
  mkdir -p "$dir"
  printf 'module eventshop.example/etcd-tools\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n\ntool go.etcd.io/etcd/server/v3\n' "$v" >"$dir/go.mod"
  (
    cd "$dir"
    GOFLAGS=-mod=mod nice -n 19 go mod tidy
    CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "-s -w" -o "$TOOLS/bin/etcd" go.etcd.io/etcd/server/v3
  )
  mark etcd "$v"
}

openapi_spec() {
  local kdir
  kdir=$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")
  [[ -f "$kdir/api/openapi-spec/swagger.json" ]] || die "no api/openapi-spec/swagger.json in k8s.io/kubernetes@$KUBERNETES_VERSION"
  echo "$kdir/api/openapi-spec/swagger.json"
}

extra_crds() {
  local keda gateway f
  need_go "the KEDA and Gateway API CRDs"
  keda=$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")
  gateway=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  for f in "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" \
    "$gateway/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"; do
    [[ -f $f ]] || die "missing $f"
    echo "$f"
  done
}

case "${1:-all}" in
  helm) ensure_helm ;;
  helm-docs) ensure_helm_docs ;;
  kubernetes) ensure_kubernetes ;;
  etcd) ensure_etcd ;;
  openapi-spec) openapi_spec ;;
  kubernetes-version) echo "$KUBERNETES_VERSION" ;;
  extra-crds) extra_crds ;;
  all) ensure_helm && ensure_helm_docs && ensure_etcd && ensure_kubernetes ;;
  *) die "usage: $0 [helm|helm-docs|kubernetes|etcd|all|openapi-spec|kubernetes-version|extra-crds]" ;;
esac
