#!/usr/bin/env bash
# Local stand-ins for the official images, for machines that reach no image registry:
#   localhost/eventshop/debian:bookworm    debootstrap --variant=minbase, imported into podman
#   and on top of it, from infra/images/<name>/Containerfile with the toolchain's binaries:
#   localhost/eventshop/node:24, rabbitmq:3-management, ferretdb:1.24, mailpit
#
#   images.sh build   build what is missing or out of date; FORCE=1 rebuilds everything
#   images.sh env     print the env lines that select the local images
#
# Each image carries a label with a hash of its inputs (recipe, build context, base image), so a
# second run only compares hashes, and a changed Containerfile or binary rebuilds that image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PREFIX=localhost/eventshop
BASE=$PREFIX/debian:$SUITE
WORK="$LOCAL/images"
LABEL=eventshop.inputs

image_inputs() { podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# logged FILTER COMMAND...: the full output goes to .local/log/images.log, the lines matching
# FILTER to the terminal as progress; on failure the end of the log is shown.
logged() {
  local filter=$1
  shift
  mkdir -p "$LOG"
  echo "\$ $*" >>"$LOG/images.log"
  if ! "$@" 2>&1 | tee -a "$LOG/images.log" | { grep --line-buffered -E "$filter" | sed -u 's/^/    /' >&2 || true; }; then
    tail -n 20 "$LOG/images.log" >&2
    die "failed: $* (full log: .local/log/images.log)"
  fi
}

up_to_date() { # name hash
  [[ ${FORCE:-} != 1 && $(image_inputs "$1") == "$2" ]]
}

# Drop the image a rebuild replaced, if nothing else uses it.
drop_replaced() { # old-id name
  [[ -n $1 && $1 != "$(image_id "$2")" ]] && podman rmi "$1" >/dev/null 2>&1 || true
}

# --- the Debian base ------------------------------------------------------------------------
# Container conventions of Debian's official images: package scripts start no services, no
# recommended packages, no documentation, no apt caches.
prepare_rootfs() { # rootfs
  local root=$1
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$root/etc/apt/apt.conf.d/90container"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n' \
    >"$root/etc/dpkg/dpkg.cfg.d/90container"
  {
    echo "deb $MIRROR $SUITE main"
    echo "deb $MIRROR $SUITE-updates main"
    if [[ $MIRROR == */debian ]]; then echo "deb ${MIRROR}-security $SUITE-security main"; fi
  } >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/*
}

remove_rootfs() { # rootfs: unmount what debootstrap may have left mounted, then delete
  local root=$1
  [[ -d $root ]] || return 0
  findmnt -rno TARGET | grep -F "$root/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$root"
}

build_base() {
  local hash root="$WORK/rootfs" old
  hash=$( (echo "$SUITE $MIRROR minbase"; declare -f prepare_rootfs) | sha256sum | cut -c1-16)
  if up_to_date "$BASE" "$hash"; then info "$BASE up to date"; return; fi
  [[ $(id -u) == 0 ]] || die "debootstrap needs root: sudo make images-local"
  command -v debootstrap >/dev/null || die "debootstrap is missing: make toolchain"
  step "$BASE: debootstrap --variant=minbase $SUITE from $MIRROR"
  remove_rootfs "$root"
  mkdir -p "$WORK"
  logged '^I: (Retrieving (InRelease|Packages)|Resolving|.* packages\.\.\.$|Base system)' \
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR"
  prepare_rootfs "$root"
  step "$BASE: podman import"
  old=$(image_id "$BASE")
  tar -C "$root" --numeric-owner -cf - . |
    logged '^$' podman import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --change "LABEL $LABEL=$hash" \
      --message "debootstrap --variant=minbase $SUITE $MIRROR" - "$BASE"
  drop_replaced "$old" "$BASE"
  remove_rootfs "$root"
}

# --- images built from infra/images/<dir>/Containerfile --------------------------------------
# context_<dir> CONTEXT: put what the Containerfile copies into the (otherwise empty) context.
# Hard links where possible: the binaries are large and the context is thrown away.
link() { cp -l "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
link_tree() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }

system_npm() { # the npm package that `npm` runs (Node 24's own npm package ships none)
  local dir
  dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [[ -f $dir/package.json && $(node -p "require('$dir/package.json').name") == npm ]] ||
    die "cannot find the npm package behind $(command -v npm)"
  echo "$dir"
}

node_binary() { # the toolchain's Node 24 (make toolchain puts it first on PATH)
  local bin
  bin=$(readlink -f "$(command -v node)")
  [[ $("$bin" -p 'process.versions.node.split(".")[0]') == 24 ]] || die "node 24 is missing: make toolchain"
  echo "$bin"
}

context_node() {
  link "$(node_binary)" "$1/node"
  link_tree "$(system_npm)" "$1/npm"
}
context_rabbitmq() { cp "$ROOT/infra/rabbitmq/enabled_plugins" "$1/"; }
context_ferretdb() { link "$TOOLS/bin/ferretdb" "$1/ferretdb"; }
context_mailpit() { link "$TOOLS/bin/mailpit" "$1/mailpit"; }

build_image() { # dir name
  local dir=$1 name=$2 ctx hash old
  ctx=$(mktemp -d "$WORK/context-$dir.XXXX")
  cp -r "$ROOT/infra/images/$dir/." "$ctx/"
  "context_$dir" "$ctx"
  hash=$( (image_id "$BASE"; cd "$ctx" && find . \( -type f -o -type l \) -print0 | sort -z | xargs -0 md5sum) |
    md5sum | cut -c1-16)
  if up_to_date "$name" "$hash"; then
    info "$name up to date"
  else
    step "$name: podman build ($(du -sh "$ctx" | cut -f1) context)"
    old=$(image_id "$name")
    logged '^(STEP |COMMIT|v[0-9]|[0-9]+\.[0-9]+\.[0-9]+$|Setting up rabbitmq)' \
      podman build --network=host --pull=never "${ULIMITS[@]}" --build-arg "BASE_IMAGE=$BASE" \
      --label "$LABEL=$hash" --tag "$name" --file "$ctx/Containerfile" "$ctx"
    drop_replaced "$old" "$name"
  fi
  rm -rf "$ctx"
}

build_all() {
  command -v podman >/dev/null || die "podman is missing: make toolchain (with Docker, use the official images)"
  [[ -x $TOOLS/bin/ferretdb && -x $TOOLS/bin/mailpit ]] || die "the toolchain is incomplete: make toolchain"
  CONTAINERS_CONF=$(bash "$ROOT/scripts/podman.sh" conf)
  export CONTAINERS_CONF
  # Build containers do not get containers.conf's default_ulimits; pass the same limits.
  mapfile -t ULIMITS < <(bash "$ROOT/scripts/podman.sh" ulimits | sed 's/^/--ulimit=/')
  mkdir -p "$WORK"
  # One build at a time: parallel `make test` runs share the image store and the rootfs.
  exec 9>"$WORK/.lock"
  flock -n 9 || { info "waiting for another image build to finish"; flock 9; }
  rm -rf "$WORK"/context-* # left by an interrupted run
  build_base
  build_image node "$PREFIX/node:24"
  build_image rabbitmq "$PREFIX/rabbitmq:3-management"
  build_image ferretdb "$PREFIX/ferretdb:1.24"
  build_image mailpit "$PREFIX/mailpit"
  step "local images ready; to use them (already the default with this project's podman):"
  print_env
}

print_env() { grep -E '^[A-Z_]+=' "$ROOT/infra/images/local.env"; }

case "${1:-}" in
  build) build_all ;;
  env) print_env ;;
  *) die "usage: images.sh build|env" ;;
esac
