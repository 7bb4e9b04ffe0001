#!/usr/bin/env bash
# Starts a detached dockerd whose data root lives on a filesystem with per-container size
# quotas, so that `--storage-opt size` (light-runner's disk cap) holds for the total a
# container writes, not only per file:
#   1. xfs mounted with project quotas (`pquota`), storage driver overlay2 (Docker's
#      documented way), and where the kernel has no XFS quota support,
#   2. btrfs with quota groups, storage driver btrfs,
# both on a sparse image file, loop-mounted. Idempotent: an existing image and mount are
# reused. When loop devices, the filesystem tools or the mount are unavailable, dockerd
# starts on its default data root and a log line says that the disk cap falls back to the
# runner's watch.
#
# Usage: start-dockerd.sh [extra dockerd arguments...]   (root only; does not wait)
# Environment (defaults are the machine's main engine; tests start a second one):
#   LIGHT_DOCKER_IMAGE  the image file          @default /var/lib/light-docker.img
#   LIGHT_DOCKER_ROOT   data root (mount point) @default /var/lib/light-docker
#   LIGHT_DOCKER_LOG    dockerd's log           @default /var/log/light-dockerd.log
#   LIGHT_DOCKER_SIZE   image size in bytes     @default min(100 GiB, 60% of the free space)
set -euo pipefail

image=${LIGHT_DOCKER_IMAGE:-/var/lib/light-docker.img}
root=${LIGHT_DOCKER_ROOT:-/var/lib/light-docker}
logfile=${LIGHT_DOCKER_LOG:-/var/log/light-dockerd.log}
log() { printf '[start-dockerd] %s\n' "$*" >&2; }

# The size of a new image: sparse, so only what is written takes space.
image_size() {
  if [ -n "${LIGHT_DOCKER_SIZE:-}" ]; then
    echo "$LIGHT_DOCKER_SIZE"
    return
  fi
  local free cap=$((100 * 1024 * 1024 * 1024))
  free=$(df --output=avail -B1 "$(dirname "$image")" | tail -n 1 | tr -d ' ')
  free=$((free * 6 / 10))
  echo $((free < cap ? free : cap))
}

mounted_type() { findmnt -n -o FSTYPE --mountpoint "$root" 2>/dev/null || true; }

# mount_as TYPE: loop-mounts the image at the data root with quotas on; non-zero on failure.
mount_as() {
  mkdir -p "$root"
  case $1 in
    xfs) mount -o loop,pquota "$image" "$root" 2>/dev/null ;;
    btrfs)
      mount -o loop "$image" "$root" 2>/dev/null || return 1
      btrfs quota enable "$root" >/dev/null 2>&1 || { umount "$root"; return 1; }
      ;;
    *) return 1 ;;
  esac
}

# format_and_mount TYPE: makes a fresh filesystem of TYPE on the image and mounts it.
format_and_mount() {
  case $1 in
    xfs) command -v mkfs.xfs >/dev/null 2>&1 && mkfs.xfs -q -f "$image" >/dev/null 2>&1 ;;
    btrfs) command -v mkfs.btrfs >/dev/null 2>&1 && mkfs.btrfs -q -f "$image" >/dev/null 2>&1 ;;
  esac && mount_as "$1"
}

# Prints the storage driver to use on the quota data root, or nothing when there is none.
prepare_root() {
  local type
  type=$(mounted_type)
  if [ -n "$type" ]; then
    if [ "$type" = xfs ] && findmnt -n -o OPTIONS --mountpoint "$root" | grep -qE 'prjquota|pquota'; then
      echo overlay2
    elif [ "$type" = btrfs ]; then
      echo btrfs
    fi
    return 0
  fi
  [ -e /dev/loop-control ] || { log "no loop devices (/dev/loop-control)"; return 0; }
  if [ -f "$image" ]; then
    type=$(blkid -o value -s TYPE "$image" 2>/dev/null || true)
    if mount_as "$type"; then
      [ "$type" = xfs ] && echo overlay2 || echo btrfs
      return 0
    fi
    log "could not mount the existing $image (${type:-no filesystem}): making it anew"
    rm -f "$image"
  fi
  mkdir -p "$(dirname "$image")"
  local size
  size=$(image_size)
  # Too small a filesystem would fill up with images before the first run: the default
  # data root (and the watch) is the better choice on a nearly full disk.
  if [ "$size" -lt $((8 * 1024 * 1024 * 1024)) ]; then
    log "only $((size / 1024 / 1024)) MiB could go to a quota data root (need 8 GiB)"
    return 0
  fi
  truncate -s "$size" "$image"
  if format_and_mount xfs; then
    echo overlay2
  elif format_and_mount btrfs; then
    log "xfs with project quotas is unavailable on this kernel: using btrfs quota groups"
    echo btrfs
  else
    log "neither xfs with project quotas nor btrfs with quotas could be mounted from $image"
    rm -f "$image"
  fi
}

driver=$(prepare_root)
args=()
if [ -n "$driver" ]; then
  log "data root $root on $(mounted_type) (storage driver $driver): per-container disk quotas hold"
  args+=(--data-root "$root" --storage-driver "$driver")
else
  log "starting dockerd on its default data root: no per-container disk quota, light-runner's disk cap falls back to its watch"
fi
log "starting dockerd (log: $logfile)"
# Fully detached: its own session, no inherited stdio, so it outlives this shell and never
# holds a CI pipe open.
setsid dockerd "${args[@]}" "$@" >"$logfile" 2>&1 </dev/null &
