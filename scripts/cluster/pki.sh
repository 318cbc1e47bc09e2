# The cluster's certificates and kubeconfigs (openssl), made once under .local/cluster/pki.
# Sourced by scripts/cluster.sh. One CA signs every certificate; users are named as the
# bootstrap RBAC policy expects (system:kube-controller-manager, system:node:<node>, ...).
# shellcheck shell=bash

pki_cert() { # name CN [O] [SANs, e.g. "IP:1.2.3.4,DNS:x"]: a client (and, with SANs, server) cert
  local name=$1 cn=$2 org=${3:-} sans=${4:-} subj ext
  [[ -f $PKI/$name.crt ]] && return 0
  subj="/CN=$cn"
  [[ -n $org ]] && subj+="/O=$org"
  ext="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
  if [[ -n $sans ]]; then
    ext+="extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=$sans\n"
  else
    ext+="extendedKeyUsage=clientAuth\n"
  fi
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile <(printf "$ext") -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

kubeconfig_for() { # name: a kubeconfig using the client cert <name>.crt
  cat >"$PKI/$1.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: eventshop-local
    cluster:
      server: https://$NODE_IP:6443
      certificate-authority: $PKI/ca.crt
users:
  - name: $1
    user:
      client-certificate: $PKI/$1.crt
      client-key: $PKI/$1.key
contexts:
  - name: eventshop-local
    context: { cluster: eventshop-local, user: $1 }
current-context: eventshop-local
YAML
  chmod 600 "$PKI/$1.kubeconfig"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -f $PKI/ca.crt ]]; then
    step "creating the cluster's certificates ($(rel "$PKI"))"
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=eventshop-local-ca" -days 3650 -sha256 \
      -out "$PKI/ca.crt" 2>/dev/null
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  pki_cert apiserver kube-apiserver "" \
    "IP:$NODE_IP,IP:127.0.0.1,IP:$KUBERNETES_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  pki_cert kubelet-serving "$NODE_NAME" "" "IP:$NODE_IP,DNS:$NODE_NAME"
  pki_cert admin eventshop-admin system:masters
  pki_cert controller-manager system:kube-controller-manager
  pki_cert scheduler system:kube-scheduler
  pki_cert kubelet "system:node:$NODE_NAME" system:nodes
  pki_cert kube-proxy system:kube-proxy
  local n
  for n in admin controller-manager scheduler kubelet kube-proxy; do kubeconfig_for "$n"; done
  cp "$PKI/admin.kubeconfig" "$KUBECONFIG_FILE"
  chmod 600 "$KUBECONFIG_FILE"
  chmod 600 "$PKI"/*.key
}
