#!/usr/bin/env bash
# Makes a fresh Debian machine ready for light-process, idempotently:
#   1. a Docker engine (Debian's docker.io) installed and answering; one this script starts
#      keeps its data on a loop-mounted filesystem with per-container quotas
#      (scripts/start-dockerd.sh), and Debian's docker-registry for the pull-path tests,
#   2. Debian's chromium, which the web UI tests drive (never a downloaded browser),
#   3. npm dependencies installed and the packages built (the web UI bundle too),
#   4. the local images the tests and examples use (localhost/light-sh, localhost/light-node,
#      localhost/light-python), built offline from the host's own binaries because no
#      registry can be reached. The `localhost/` registry host means a machine where this
#      script never ran pulls from itself (and fails), never from someone's Docker Hub repo.
# Every step is skipped when its result already exists.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to install Debian packages: $* (run as root, or install them yourself)"
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_docker() {
  if command -v docker >/dev/null 2>&1 && engine_answers; then
    log "Docker engine answers"
    return
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
  fi
  if ! engine_answers; then
    [ "$(id -u)" = 0 ] || die "no Docker engine answers and starting dockerd needs root"
    # The data root goes on a loop-mounted xfs (project quotas) or btrfs (quota groups), so
    # light-runner's disk cap is a kernel quota per container; see scripts/start-dockerd.sh.
    command -v mkfs.xfs >/dev/null 2>&1 || apt_install xfsprogs
    command -v mkfs.btrfs >/dev/null 2>&1 || apt_install btrfs-progs
    bash "$here/scripts/start-dockerd.sh"
    for _ in $(seq 1 60); do
      engine_answers && break
      sleep 1
    done
    engine_answers || die "dockerd did not answer within 60 s; see /var/log/light-dockerd.log"
  fi
  log "Docker engine answers: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
}

# The web UI tests of `light serve` drive Debian's Chromium through playwright-core
# (executablePath /usr/bin/chromium); no browser is ever downloaded.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    log "Chromium present: /usr/bin/chromium"
    return
  fi
  apt_install chromium
}

ensure_node_modules() {
  cd "$here"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  log "building packages"
  npm run build --silent
}

# Debian's registry (distribution) binary: the pull-path tests start one on 127.0.0.1 with a
# temp storage dir (test/support/registry.ts), never as a system service.
ensure_registry() {
  command -v docker-registry >/dev/null 2>&1 && return
  apt_install docker-registry
}

ensure_busybox() {
  [ -x /bin/busybox ] && /bin/busybox true && return
  apt_install busybox-static
}

# copy_with_libs ROOT FILE...: copies files and the shared libraries they load into ROOT.
copy_with_libs() {
  local root=$1; shift
  local f lib
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -aL "$f" "$root$f"
    { ldd "$f" 2>/dev/null || true; } | { grep -oE '/[^ ]+' || true; } | while read -r lib; do
      [ -e "$lib" ] || continue
      mkdir -p "$root$(dirname "$lib")"
      [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
    done
  done
}

base_root() {
  local root=$1
  mkdir -p "$root"/{bin,etc,tmp,app,root,proc,sys,dev,usr/bin,lib64}
  chmod 1777 "$root/tmp"
  copy_with_libs "$root" /bin/busybox
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

import_image() {
  local tag=$1 root=$2
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'WORKDIR /app' -c 'CMD ["sh"]' \
    -m "light-process local image, built offline by scripts/setup.sh" - "$tag" >/dev/null
  log "built $tag"
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_images() {
  # Global, and removed on EXIT too: `set -e` can leave early, and rootfs copies are large.
  work=$(mktemp -d /tmp/light-images.XXXXXX)
  trap 'rm -rf "${work:-}"' EXIT

  if ! have_image localhost/light-sh:latest; then
    ensure_busybox
    base_root "$work/sh"
    import_image localhost/light-sh:latest "$work/sh"
  fi

  if ! have_image localhost/light-node:latest; then
    ensure_busybox
    base_root "$work/node"
    copy_with_libs "$work/node" "$(readlink -f "$(command -v node)")"
    [ -e "$work/node/usr/bin/node" ] || ln -s "$(readlink -f "$(command -v node)")" "$work/node/usr/bin/node"
    import_image localhost/light-node:latest "$work/node"
  fi

  if ! have_image localhost/light-python:latest; then
    ensure_busybox
    [ -x /usr/bin/python3.11 ] || apt_install python3-minimal libpython3.11-stdlib
    base_root "$work/python"
    copy_with_libs "$work/python" /usr/bin/python3.11
    ln -s python3.11 "$work/python/usr/bin/python3"
    ln -s python3.11 "$work/python/usr/bin/python"
    mkdir -p "$work/python/usr/lib"
    cp -a /usr/lib/python3.11 "$work/python/usr/lib/"
    rm -rf "$work/python/usr/lib/python3.11/test" "$work/python/usr/lib/python3.11/dist-packages"
    find "$work/python/usr/lib/python3.11" -name '__pycache__' -prune -exec rm -rf {} +
    local so
    for so in /usr/lib/python3.11/lib-dynload/*.so; do copy_with_libs "$work/python" "$so"; done
    import_image localhost/light-python:latest "$work/python"
  fi
}

ensure_docker
ensure_registry
ensure_chromium
ensure_node_modules
build_images
log "ready"
