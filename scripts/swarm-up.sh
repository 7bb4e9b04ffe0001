#!/usr/bin/env bash
# Starts a local Docker Swarm of N engines on this machine, for light-run's swarm backend
# and its tests (idempotent: a rig already up is reused and described again):
#   - the host's dockerd is the manager, drained (it schedules but runs no task, so task
#     containers never appear on the engine other tests share),
#   - N-1 worker engines, each a container with every capability the host engine grants of `localhost/light-dind`, an image
#     built offline from the host's own docker.io binaries (dockerd, containerd, runc,
#     docker-init, iptables) and reused when present,
#   - a registry (Debian's docker-registry) that every engine pulls from as
#     $LIGHT_REGISTRY/<name>:<tag>: one process on 127.0.0.1 for the host, one on the rig
#     network's gateway for the workers (same storage), and inside each worker loopback is
#     forwarded to it, so the one name works everywhere and counts as an insecure
#     (plain-HTTP) registry without changing the host engine's configuration.
# Engines, registry and overlays talk only over `light-swarm-rig`, an internal bridge this
# script creates (no route out of the machine), and over loopback.
#
# Usage: swarm-up.sh [N]   (N engines in all, default 3, at least 2; root only)
# Prints KEY=value lines on stdout: DOCKER_HOST (empty: the manager is the local engine),
# LIGHT_REGISTRY, LIGHT_SWARM_NODES, LIGHT_SWARM_WORKERS (container names), LIGHT_SWARM_NETWORK.
# Environment: LIGHT_SWARM_REGISTRY_PORT (default 5117), LIGHT_SWARM_STATE (default /var/lib/light-swarm-rig, not under /tmp where the tests look for leftovers).
set -euo pipefail

engines=${1:-3}
case $engines in '' | *[!0-9]*) echo "swarm-up: N must be a number of engines, got '$engines'" >&2; exit 2 ;; esac
[ "$engines" -ge 2 ] || { echo "swarm-up: N must be at least 2 (the manager and one worker)" >&2; exit 2; }
workers=$((engines - 1))

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=swarm-lib.sh
. "$here/swarm-lib.sh"

port=${LIGHT_SWARM_REGISTRY_PORT:-5117}
image=localhost/light-dind:latest

# ---- the worker image ---------------------------------------------------------------
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

# The image is rebuilt when the worker's entry script changed since it was built.
entry_hash=$(sha256sum "$here/swarm-worker-entry.sh" | cut -c1-16)
build_image() {
  if docker image inspect "$image" >/dev/null 2>&1; then
    [ "$(docker image inspect -f "{{index .Config.Labels \"$RIG_LABEL.entry\"}}" "$image")" = "$entry_hash" ] && return
    docker ps -aq --filter "label=$RIG_LABEL=worker" | while read -r c; do remove_worker "$(docker inspect -f '{{.Name}}' "$c" | sed 's#^/##')"; done
    docker rmi "$image" >/dev/null
  fi
  log "building $image from the host's binaries"
  # Global, and removed on EXIT: `set -e` can leave early, and the root fs copy is large.
  work=$(mktemp -d /var/tmp/light-dind.XXXXXX)
  trap 'rm -rf "${work:-}"' EXIT
  local root=$work/root
  mkdir -p "$root"/{bin,sbin,etc,tmp,root,proc,sys,dev,run,var/lib/docker,usr/bin,usr/sbin,usr/local/bin,lib64}
  chmod 1777 "$root/tmp"
  copy_with_libs "$root" /bin/busybox
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  copy_with_libs "$root" /usr/sbin/dockerd /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 \
    /usr/sbin/runc "$(readlink -f /usr/bin/docker-init)" /usr/sbin/docker-proxy /usr/sbin/xtables-nft-multi \
    "$(command -v docker)"
  ln -sf "$(readlink -f /usr/bin/docker-init)" "$root/usr/bin/docker-init"
  local tool
  for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf xtables-nft-multi "$root/usr/sbin/$tool"
  done
  # iptables loads its matches and targets at run time: ldd does not see them.
  mkdir -p "$root/usr/lib/x86_64-linux-gnu"
  cp -a /usr/lib/x86_64-linux-gnu/xtables "$root/usr/lib/x86_64-linux-gnu/"
  local so
  for so in "$root"/usr/lib/x86_64-linux-gnu/xtables/*.so; do
    copy_with_libs "$root" "/usr/lib/x86_64-linux-gnu/xtables/$(basename "$so")"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\ndocker:x:999:\n' >"$root/etc/group"
  cp "$here/swarm-worker-entry.sh" "$root/usr/local/bin/light-worker"
  chmod 755 "$root/usr/local/bin/light-worker"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENTRYPOINT ["/usr/local/bin/light-worker"]' -c "LABEL $RIG_LABEL.entry=$entry_hash" \
    -m "light-process swarm worker engine, built offline by scripts/swarm-up.sh" - "$image" >/dev/null
  log "built $image"
}

# ---- the rig network ----------------------------------------------------------------
ensure_network() {
  if ! docker network inspect "$RIG_NET" >/dev/null 2>&1; then
    docker network create --driver bridge --internal --label "$RIG_LABEL=network" "$RIG_NET" >/dev/null
    log "created network $RIG_NET (internal)"
  fi
}

# ---- the registry -------------------------------------------------------------------
start_registry() { # name addr
  local name=$1 addr=$2 pidfile="$STATE/$1.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return; fi
  cat >"$STATE/$name.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/storage
  delete:
    enabled: true
http:
  addr: $addr
EOF
  setsid docker-registry serve "$STATE/$name.yml" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

wait_registry() { # addr
  local _
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  die "the registry on $1 did not answer; see $STATE/*.log"
}

# ---- the swarm ----------------------------------------------------------------------
ensure_manager() { # gateway
  local state addr
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  if [ "$state" = active ]; then
    addr=$(docker info --format '{{.Swarm.NodeAddr}}')
    [ "$addr" = "$1" ] || die "the local engine is already in a swarm advertised on $addr, not this rig's $1; leave it first (docker swarm leave --force) if it is a stale rig"
    return
  fi
  docker swarm init --advertise-addr "$1" --listen-addr "$1:2377" --data-path-addr "$1" \
    --default-addr-pool 10.213.0.0/16 --default-addr-pool-mask-length 24 >/dev/null
  log "the local engine is now a swarm manager on $1"
  docker node update --availability drain --label-add light.role=manager "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
}

worker_engine() { docker exec "$1" docker "${@:2}"; }

ensure_worker() { # name gateway
  local name=$1 gateway=$2
  if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
    docker rm -f -v "$name" >/dev/null 2>&1 || true
    # A worker that died left its node behind in the list, down: it joins anew below.
    local old
    for old in $(docker node ls --format '{{.ID}} {{.Hostname}}' | awk -v n="$name" '$2 == n {print $1}'); do
      docker node rm --force "$old" >/dev/null 2>&1 || true
    done
    # Every capability but CAP_SYS_RESOURCE (absent from this engine's bounding set), no
    # seccomp/AppArmor filter, all devices: what a nested engine needs.
    docker run -d --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
      --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
      --device-cgroup-rule 'a *:* rwm' --name "$name" --hostname "$name" --network "$RIG_NET" \
      --label "$RIG_LABEL=worker" -v /var/lib/docker \
      -e "LIGHT_REGISTRY_LOCAL=127.0.0.1:$port" -e "LIGHT_REGISTRY_RIG=$gateway:$port" \
      "$image" >/dev/null
    log "started worker engine $name"
  fi
  local _
  for _ in $(seq 1 120); do
    worker_engine "$name" info >/dev/null 2>&1 && break
    sleep 0.5
  done
  worker_engine "$name" info >/dev/null 2>&1 || die "worker $name's engine did not answer: $(docker logs --tail 20 "$name" 2>&1)"
  if [ "$(worker_engine "$name" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    local ip token
    ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$RIG_NET\").IPAddress}}" "$name")
    token=$(docker swarm join-token -q worker)
    worker_engine "$name" swarm join --token "$token" --advertise-addr "$ip" --listen-addr "$ip:2377" \
      --data-path-addr "$ip" "$gateway:2377" >/dev/null
    log "worker $name joined the swarm"
  fi
}

main() {
  [ "$(id -u)" = 0 ] || die "needs root (privileged worker containers, a swarm on the host engine)"
  command -v docker-registry >/dev/null || die "docker-registry is missing: run scripts/setup.sh (Debian package docker-registry)"
  mkdir -p "$STATE/storage"
  chmod 700 "$STATE"
  build_image
  ensure_network
  local gateway
  gateway=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' "$RIG_NET")
  [ -n "$gateway" ] || die "network $RIG_NET has no gateway address"
  start_registry registry-local "127.0.0.1:$port"
  start_registry registry-rig "$gateway:$port"
  wait_registry "127.0.0.1:$port"
  wait_registry "$gateway:$port"
  ensure_manager "$gateway"
  local i names=()
  for i in $(seq 1 "$workers"); do
    ensure_worker "$WORKER_PREFIX$i" "$gateway"
    names+=("$WORKER_PREFIX$i")
  done
  # Workers of an earlier, larger rig go.
  local extra
  for extra in $(docker ps -aq --filter "label=$RIG_LABEL=worker"); do
    local n
    n=$(docker inspect -f '{{.Name}}' "$extra" | sed 's#^/##')
    case " ${names[*]} " in *" $n "*) ;; *) remove_worker "$n" ;; esac
  done
  # Wait until the manager sees every worker ready.
  local _ ready
  for _ in $(seq 1 120); do
    ready=$(docker node ls --filter role=worker --format '{{.Hostname}} {{.Status}}' | grep -c ' Ready$' || true)
    [ "$ready" -ge "$workers" ] && break
    sleep 0.5
  done
  [ "$ready" -ge "$workers" ] || die "only $ready of $workers workers are Ready"
  echo "DOCKER_HOST="
  echo "LIGHT_REGISTRY=127.0.0.1:$port"
  echo "LIGHT_SWARM_NODES=$engines"
  echo "LIGHT_SWARM_WORKERS=$(IFS=,; echo "${names[*]}")"
  echo "LIGHT_SWARM_NETWORK=$RIG_NET"
}

main
