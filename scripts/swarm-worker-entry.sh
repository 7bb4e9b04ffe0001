#!/bin/sh
# Entry of a swarm worker engine (copied into localhost/light-dind by swarm-up.sh).
# LIGHT_REGISTRY_LOCAL=127.0.0.1:<port>, LIGHT_REGISTRY_RIG=<rig gateway>:<port>.
set -e
# Not --privileged (this host's engine lacks CAP_SYS_RESOURCE, which --privileged asks
# for): /sys and the container's own cgroups are remounted writable so the inner engine
# can nest its task containers' cgroups under this container's.
mount -o remount,rw /sys
for d in /sys/fs/cgroup/*; do [ -L "$d" ] || mount -o remount,bind,rw "$d"; done
# The engine reaches the rig's registry under the loopback name every engine uses.
sysctl -qw net.ipv4.conf.all.route_localnet=1
rport=${LIGHT_REGISTRY_LOCAL##*:}
iptables -t nat -A OUTPUT -d 127.0.0.1/32 -p tcp --dport "$rport" -j DNAT --to-destination "$LIGHT_REGISTRY_RIG"
iptables -t nat -A POSTROUTING -s 127.0.0.1/32 -d "${LIGHT_REGISTRY_RIG%:*}" -j MASQUERADE
# Tasks never reach the rig network (the host, its registry, other engines) nor this
# engine's own addresses: nothing is forwarded between a task bridge and eth0, and task
# bridges get no input. dockerd keeps DOCKER-USER's rules and only appends its RETURN.
# Overlay traffic (VXLAN) is sent by this namespace itself, so it is not affected.
iptables -N DOCKER-USER
iptables -A DOCKER-USER -o eth0 -j DROP
iptables -A DOCKER-USER -i eth0 -j DROP
iptables -A INPUT -i docker0 -j DROP
iptables -A INPUT -i docker_gwbridge -j DROP
# The hardening light-run's local backend sets per container that Swarm's API 1.41 cannot
# set per service: no-new-privileges, and no traffic between containers on the default
# bridge (where tasks without a network land).
exec dockerd --host unix:///var/run/docker.sock --storage-driver "${LIGHT_STORAGE_DRIVER:-overlay2}" \
  --no-new-privileges --icc=false --log-level warn
