#!/usr/bin/env bash
# The three service images, built from each service's Dockerfile, and a smoke test that runs each
# one the way the Helm chart does in Kubernetes.
#   service-images.sh build   build eventshop/<service>:<package version>; print each size
#   service-images.sh smoke   run each image non-root, read-only root filesystem with a tmpfs /tmp,
#                             all capabilities dropped, no new privileges, on the host network
#                             against the local infrastructure: /health/ready answers 200, and
#                             SIGTERM (`stop`) exits 0 within the grace period
# Builds reach nothing but loopback: the base image is local (NODE_BASE_IMAGE) and `npm ci` runs
# against the local registry, which proxies the public one, on the host network.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SERVICES=(order-service inventory-service notification-service)
declare -A DATABASE_OF=([order-service]=order [inventory-service]=inventory [notification-service]=notification)
REGISTRY=${NPM_REGISTRY:-http://127.0.0.1:4873/}
NODE_BASE_IMAGE=${NODE_BASE_IMAGE:-node:24-bookworm-slim}
GRACE_SECONDS=30  # terminationGracePeriodSeconds of the chart
RUN_AS=10001:10001 # runAsUser/runAsGroup of the chart

ENGINE=$(bash "$ROOT/scripts/podman.sh" engine)
ENGINE_FLAGS=()
case $ENGINE in
  podman)
    CONTAINERS_CONF=$(bash "$ROOT/scripts/podman.sh" conf)
    export CONTAINERS_CONF
    # Build containers do not get containers.conf's default_ulimits; pass the same limits.
    mapfile -t ENGINE_FLAGS < <(bash "$ROOT/scripts/podman.sh" ulimits | sed 's/^/--ulimit=/')
    ;;
  docker) ;;
  *) die "no container engine: install podman (make toolchain) or set DOCKER_HOST" ;;
esac

version_of() { node -p "require('$ROOT/$1/package.json').version"; }
image_of() { echo "eventshop/$1:$(version_of "$1")"; }
size_of() { # image: size as the engine reports it
  "$ENGINE" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1 / 1000 / 1000}'
}

# A service's Dockerfile with its name and port taken out. Each service keeps a Dockerfile of its
# own (its folder is the build context, as skaffold needs), and the three must not drift apart.
dockerfile_shape() { # service
  sed -E -e "s/$1/<service>/g" -e 's/\b30[0-9]{2}\b/<port>/g' "$ROOT/$1/Dockerfile"
}

same_dockerfiles() {
  local svc first=${SERVICES[0]}
  for svc in "${SERVICES[@]:1}"; do
    if ! diff -u <(dockerfile_shape "$first") <(dockerfile_shape "$svc") >&2; then
      die "$svc/Dockerfile differs from $first/Dockerfile beyond the service's name and port (diff above)"
    fi
  done
}

build() {
  local svc image start dir log="$LOG/service-images.log"
  mkdir -p "$LOG"
  : >"$log"
  same_dockerfiles
  for svc in "${SERVICES[@]}"; do
    dir="$ROOT/$svc"
    [[ -f $dir/Dockerfile ]] || die "$svc/Dockerfile is missing"
    image=$(image_of "$svc")
    step "$image: $ENGINE build (base $NODE_BASE_IMAGE, npm ci through $REGISTRY)"
    start=$SECONDS
    if ! "$ENGINE" build --network=host "${ENGINE_FLAGS[@]}" \
      --build-arg "NODE_BASE_IMAGE=$NODE_BASE_IMAGE" --build-arg "NPM_REGISTRY=$REGISTRY" \
      --tag "$image" --file "$dir/Dockerfile" "$dir" >>"$log" 2>&1; then
      tail -n 25 "$log" >&2
      die "$svc: image build failed (full log: .local/log/service-images.log)"
    fi
    info "$image  $(size_of "$image")  built in $((SECONDS - start))s"
  done
  step "sizes"
  for svc in "${SERVICES[@]}"; do
    image=$(image_of "$svc")
    printf '  %-45s %s\n' "$image" "$(size_of "$image")"
  done
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# The RabbitMQ management API: a vhost of the smoke test's own, so its consumers never take
# messages meant for a running `make up`.
management() { # method path [json body]
  local body=()
  [[ -n ${3:-} ]] && body=(--data "$3")
  curl -fsS -X "$1" -H 'content-type: application/json' "${body[@]}" \
    "$(infra_value RABBITMQ_MANAGEMENT_URL)/api$2" >/dev/null
}
infra_value() { sed -n "s/^$1=//p" <<<"$INFRA_ENV"; }
with_path() { # url path: the same server and options, another vhost or database
  sed -E "s|^([a-z]+://[^/?]+)(/[^?]*)?|\1/$2|" <<<"$1"
}

SMOKE_VHOST=
SMOKE_CONTAINERS=()
cleanup() {
  local c
  for c in "${SMOKE_CONTAINERS[@]}"; do "$ENGINE" rm --force "$c" >/dev/null 2>&1 || true; done
  if [[ -n $SMOKE_VHOST ]]; then management DELETE "/vhosts/$SMOKE_VHOST" || true; fi
}

smoke_one() { # service secret
  local svc=$1 secret=$2 image port name start elapsed code
  image=$(image_of "$svc")
  "$ENGINE" image inspect "$image" >/dev/null 2>&1 || die "$image is missing: make images"
  port=$(free_port)
  name="eventshop-smoke-$svc-$$"
  SMOKE_CONTAINERS+=("$name")
  step "$image: run as $RUN_AS, read-only, tmpfs /tmp, no capabilities, PORT=$port"
  local env=(
    -e "PORT=$port"
    -e "MONGODB_URI=$(with_path "$(infra_value MONGODB_URI)" "images_smoke_${DATABASE_OF[$svc]}")"
    -e "AMQP_URL=$(with_path "$(infra_value AMQP_URL)" "$SMOKE_VHOST")"
    -e "LOG_LEVEL=info"
    -e "AUTH_ISSUER=eventshop-dev" -e "AUTH_AUDIENCE=eventshop" -e "AUTH_HS256_SECRET=$secret"
    -e "SMTP_URL=$(infra_value SMTP_URL)" -e "MAIL_FROM=EventShop (smoke) <orders@eventshop.localhost>"
  )
  "$ENGINE" run -d --name "$name" --user "$RUN_AS" --read-only --tmpfs /tmp \
    --cap-drop=ALL --security-opt=no-new-privileges --network=host "${env[@]}" "$image" >/dev/null
  start=$SECONDS
  until curl -fsS --max-time 2 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    if [[ $("$ENGINE" inspect --format '{{.State.Running}}' "$name") != true ]]; then
      "$ENGINE" logs --tail 20 "$name" >&2
      die "$svc exited while starting"
    fi
    if ((SECONDS - start >= 90)); then
      "$ENGINE" logs --tail 20 "$name" >&2
      die "$svc: /health/ready did not answer 200 within 90s"
    fi
    sleep 0.5
  done
  info "/health/ready 200 after $((SECONDS - start))s"
  start=$(date +%s%N)
  "$ENGINE" stop --time "$GRACE_SECONDS" "$name" >/dev/null
  elapsed=$((($(date +%s%N) - start) / 1000000))
  code=$("$ENGINE" inspect --format '{{.State.ExitCode}}' "$name")
  if [[ $code != 0 ]]; then
    "$ENGINE" logs --tail 20 "$name" >&2
    die "$svc: SIGTERM ended with exit code $code after ${elapsed}ms (grace ${GRACE_SECONDS}s)"
  fi
  info "SIGTERM: exit 0 after ${elapsed}ms (grace ${GRACE_SECONDS}s)"
  "$ENGINE" rm "$name" >/dev/null
}

smoke() {
  local svc secret
  INFRA_ENV=$(bash "$ROOT/scripts/infra.sh" env)
  port_open 5672 && port_open 27017 || die "the local infrastructure is not running: make infra-up"
  SMOKE_VHOST="images-smoke-$$"
  trap cleanup EXIT
  management PUT "/vhosts/$SMOKE_VHOST"
  management PUT "/permissions/$SMOKE_VHOST/guest" '{"configure":".*","write":".*","read":".*"}'
  secret=$(head -c 32 /dev/urandom | base64)
  for svc in "${SERVICES[@]}"; do smoke_one "$svc" "$secret"; done
  step "image smoke test passed: ${SERVICES[*]}"
}

case "${1:-}" in
  build) build ;;
  smoke) smoke ;;
  *) die "usage: service-images.sh build|smoke" ;;
esac
