#!/usr/bin/env bash
# Removes everything scripts/swarm-up.sh started and leaves the host engine as it was:
# out of swarm mode, without the swarm's own networks (ingress, docker_gwbridge), the
# rig's network, worker engines (and their data volumes and cgroups), registry processes
# and their storage. Idempotent; the image localhost/light-dind stays, like the other
# local images, to be reused.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=swarm-lib.sh
. "$here/swarm-lib.sh"

for c in $(docker ps -aq --filter "label=$RIG_LABEL=worker"); do
  remove_worker "$(docker inspect -f '{{.Name}}' "$c" | sed 's#^/##')"
done
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != inactive ]; then
  docker swarm leave --force >/dev/null
  log "the local engine left swarm mode"
fi
# Swarm mode leaves its local bridge for task egress behind; it is unused once out of swarm.
if docker network inspect docker_gwbridge >/dev/null 2>&1; then
  docker network rm docker_gwbridge >/dev/null || log "docker_gwbridge is still in use; left alone"
fi
docker network rm "$RIG_NET" >/dev/null 2>&1 || true
for pidfile in "$STATE"/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  # Only a registry this rig started (its command line names the rig's config).
  if grep -q "$STATE" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
done
rm -rf "$STATE"
log "rig removed"
