#!/usr/bin/env bash
# cluster-down.sh: removes what slurm/cluster-up.sh made: the daemons it started (by the PIDs it recorded, each
# checked against its program name since PIDs get reused; never by name), whatever else still runs inside the
# node namespaces (job steps), the namespaces with their veth pairs and private /dev/shm mounts, the bridge,
# its /etc/hosts lines and the lab directory. Safe to run twice, or when no cluster is up.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail # not -e: remove as much as possible even when one step fails

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
LAB=$DRAGON_SLURM_LAB
BRIDGE=dragonbr0
MARK="# dragon-slurm"

log() { printf 'cluster-down: %s\n' "$*" >&2; }
((EUID == 0)) || { log "error: must run as root"; exit 1; }

# One cluster-up/cluster-down at a time on this host (CI and a developer, or two test runs, would otherwise
# tear down each other's half-made cluster). The lock file stays: /run/lock is emptied at boot.
if [[ -z ${DRAGON_SLURM_LOCKED:-} ]]; then # set by cluster-up when it runs this under its own lock
  mkdir -p /run/lock
  exec 9>/run/lock/dragon-slurm.lock
  flock -w 180 9 || { echo "cluster-down: error: another cluster-up/down holds /run/lock/dragon-slurm.lock" >&2; exit 1; }
fi

# Our namespaces: dragon-node<K>, and a probe cluster-up may have left when killed at the wrong moment.
our_namespaces() { ip netns list 2>/dev/null | awk '$1 ~ /^dragon-(node|probe-)[0-9]+$/ { print $1 }'; }

# alive PID: runs and is not a zombie (zombies of init may linger a while; they hold nothing).
alive() { [[ -e /proc/$1 && $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# The PIDs to stop: recorded daemons whose program is still the recorded one (or the sh/unshare/ip that was
# about to exec it), then every process inside our namespaces.
targets() {
  local name pid comm ns
  if [[ -f $LAB/pids ]]; then
    while read -r name pid; do
      comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
      alive "$pid" || continue
      if [[ $comm == "$name" ]]; then
        echo "$pid"
      elif [[ $comm =~ ^(sh|unshare|ip|setsid)$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$SLURM_CONF"; then
        echo "$pid"
      fi
    done <"$LAB/pids"
  fi
  for ns in $(our_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do alive "$pid" && echo "$pid"; done
  done
}

# TERM first (slurmd and slurmctld save state and exit cleanly), KILL what is left after 3 s.
pids=$(targets | sort -un)
if [[ -n $pids ]]; then
  # shellcheck disable=SC2086  # a list of numbers
  kill -TERM $pids 2>/dev/null
  for _ in $(seq 30); do
    left=$(for pid in $pids; do alive "$pid" && echo "$pid"; done)
    [[ -z $left ]] && break
    sleep 0.1
  done
  # job steps may have started since the first look: take them too
  left=$( (for pid in $pids; do alive "$pid" && echo "$pid"; done; targets) | sort -un)
  if [[ -n $left ]]; then
    log "killing what did not stop on TERM: $(echo "$left" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
    sleep 0.2
  fi
fi

# Deleting a namespace destroys its veth end and so its peer; the private /dev/shm tmpfs went with the last
# process of its mount namespace. Host-side veth ends are deleted explicitly in case a namespace was gone.
for ns in $(our_namespaces); do
  ip netns del "$ns" || log "could not delete namespace $ns"
done
for link in $(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^dveth[0-9]+(@|$)/ { sub(/@.*/, "", $2); print $2 }'); do
  ip link del "$link" 2>/dev/null
done
if ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link del "$BRIDGE" || log "could not delete bridge $BRIDGE"
fi
# Rewritten in place, not replaced: /etc/hosts may be a bind mount.
if grep -q "$MARK\$" /etc/hosts; then
  tmp=$(mktemp)
  grep -v "$MARK\$" /etc/hosts >"$tmp"
  cat "$tmp" >/etc/hosts
  rm -f "$tmp"
fi
rm -rf "$LAB"
log "done"
