#!/usr/bin/env bash
# Installs what the project needs and the machine lacks. Idempotent: a second run only checks.
#   node 24       npm package node@24 into .tools/ when the system node is older
#   ferretdb      go install (MongoDB wire protocol on SQLite)
#   mailpit       go install (SMTP sink with a web UI and an HTTP API)
#   verdaccio     local npm registry, from infra/verdaccio's lock
#   debian        rabbitmq-server, podman, runc, debootstrap, prometheus (needs root)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$TOOLS/bin"
TOOLCHAIN_LOG="$LOG/toolchain.log" # every install's output; an error shows its end and names it

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if (($(node_major) >= 24)); then return; fi
  step "installing Node 24 (npm package node@24) into .tools/"
  logged "$TOOLCHAIN_LOG" npm install --no-save --no-audit --no-fund --prefix "$TOOLS/node" node@24
  ln -sf "$TOOLS/node/node_modules/node/bin/node" "$TOOLS/bin/node"
  (($(node_major) >= 24)) || die "node 24 install failed: $(node --version 2>&1)"
}

ensure_go_tool() { # name module version
  local name=$1 module=$2 version=$3
  if [[ -x "$TOOLS/bin/$name" && -f "$TOOLS/bin/.$name-$version" ]]; then return; fi
  command -v go >/dev/null || die "$name needs Go to build (go install $module@$version)"
  step "installing $name $version (go install)"
  GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod logged "$TOOLCHAIN_LOG" go install "$module@$version"
  touch "$TOOLS/bin/.$name-$version"
}

# FerretDB embeds its version from build/version/version.txt, which the module zip lacks
# (a plain `go install` panics at start): build from a copy of the module with that file written.
# The copy gets the patches in infra/ferretdb/, in order (each names its upstream file and
# function): lookups by `_id` use the `_id` index (decision 0010), so does an `_id` equality with
# other conditions (0014), and update, findAndModify and delete are atomic per document across
# connections (0013); update and findAndModify end their read before they write, which lets the
# WAL restart, and a release build does not track resources (0033); stored documents are decoded
# without a json.Decoder per value (0035); data statements are prepared once per connection, with
# a newer modernc.org/sqlite (0036). A patch that does not apply exactly stops the build.
# The version reads v1.24.2+atomic-writes: the services refuse a FerretDB without it on more than
# one connection. The build's marker also names the patches' checksum, so a changed or added
# patch rebuilds it.
FERRETDB_BUILD=$FERRETDB_VERSION+atomic-writes
FERRETDB_MARKER=.ferretdb-$FERRETDB_BUILD-$(cat "$ROOT"/infra/ferretdb/*.patch | sha256sum | cut -c1-12)
apply_in() { # dir git-apply-args...: the ceiling stops git from using a repository around dir
  (cd "$1" && GIT_CEILING_DIRECTORIES=${1%/*} git apply "${@:2}")
}
ensure_ferretdb() {
  local version=$FERRETDB_VERSION
  if [[ -x "$TOOLS/bin/ferretdb" && -f "$TOOLS/bin/$FERRETDB_MARKER" ]]; then return; fi
  command -v go >/dev/null || die "ferretdb needs Go to build"
  step "building ferretdb $FERRETDB_BUILD (Go module with the patches in infra/ferretdb/)"
  local src tmp patch err
  logged "$TOOLCHAIN_LOG" go mod download -json "github.com/FerretDB/FerretDB@$version"
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d "$src" ]] || die "could not download the FerretDB module (log: $(rel "$TOOLCHAIN_LOG"))"
  tmp=$(mktemp -d)
  cp -r "$src/." "$tmp/" && chmod -R u+w "$tmp"
  echo "$FERRETDB_BUILD" >"$tmp/build/version/version.txt"
  for patch in "$ROOT"/infra/ferretdb/*.patch; do
    err=$(apply_in "$tmp" --check "$patch" 2>&1) ||
      die "FerretDB $version: the code $(rel "$patch") changes was not found: $err"
    apply_in "$tmp" "$patch"
  done
  # Patch 0006 changes how stored documents are decoded, 0007 how SQL statements run (and the
  # SQLite library): FerretDB's own tests of those packages and of its SQLite backend,
  # and the patches' tests, must pass. Its test helpers find the module's root by a .git entry,
  # which the module zip lacks.
  mkdir "$tmp/.git"
  (cd "$tmp" && logged "$TOOLCHAIN_LOG" go test -count=1 ./internal/handler/sjson/ \
    ./internal/util/fsql/ ./internal/backends/sqlite/...) ||
    die "FerretDB $version: its tests fail with the patches (log: $(rel "$TOOLCHAIN_LOG"))"
  (cd "$tmp" && logged "$TOOLCHAIN_LOG" go build -trimpath -o "$tmp/ferretdb.bin" ./cmd/ferretdb)
  mv -f "$tmp/ferretdb.bin" "$TOOLS/bin/ferretdb" # a running server keeps its old file
  rm -rf "$tmp"
  rm -f "$TOOLS/bin"/.ferretdb-*
  touch "$TOOLS/bin/$FERRETDB_MARKER"
}

ensure_verdaccio() {
  local dir="$ROOT/infra/verdaccio"
  if [[ -x "$dir/node_modules/.bin/verdaccio" && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then return; fi
  step "installing Verdaccio (local npm registry)"
  logged "$TOOLCHAIN_LOG" npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

ensure_debian() {
  local missing=()
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v prometheus >/dev/null || missing+=(prometheus)
  ((${#missing[@]} == 0)) && return
  [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
  step "installing Debian packages: ${missing[*]}"
  logged "$TOOLCHAIN_LOG" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive logged "$TOOLCHAIN_LOG" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The package starts a system-wide broker; the project runs its own under .local/.
  if pgrep -x beam.smp >/dev/null; then
    service rabbitmq-server stop >/dev/null 2>&1 || pkill -x beam.smp || true
    epmd -kill >/dev/null 2>&1 || true
  fi
  # Likewise a system-wide Prometheus: make observability-check runs its own on a free port.
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    service prometheus stop >/dev/null 2>&1 || true
  fi
}

ensure_node
ensure_debian
ensure_ferretdb
ensure_go_tool mailpit github.com/axllent/mailpit "$MAILPIT_VERSION"
ensure_verdaccio
info "toolchain ready: node $(node --version), ferretdb $FERRETDB_VERSION, mailpit $MAILPIT_VERSION"
