# Shared by swarm-up.sh and swarm-down.sh: names of what the rig creates, and how a worker goes.
RIG_NET=light-swarm-rig
RIG_LABEL=dev.light.swarm-rig
WORKER_PREFIX=light-swarm-w
STATE=${LIGHT_SWARM_STATE:-/var/lib/light-swarm-rig}

log() { printf '[swarm] %s\n' "$*" >&2; }
die() { printf '[swarm] error: %s\n' "$*" >&2; exit 1; }

# remove_worker NAME: the engine container with its data volume (its task containers die
# with it: they live in its PID namespace and cgroups), and its node in the swarm's list.
remove_worker() {
  local name=$1
  docker rm -f -v "$name" >/dev/null 2>&1 || true
  if [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
    local id
    for id in $(docker node ls -q --filter "name=$name" 2>/dev/null); do
      docker node rm --force "$id" >/dev/null 2>&1 || true
    done
  fi
  log "removed worker $name"
}
