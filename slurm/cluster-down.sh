#!/usr/bin/env bash
# cluster-down.sh: removes what slurm/cluster-up.sh made: its daemons (by the PIDs it recorded, and whatever
# still runs in the node namespaces), the namespaces, the bridge, its /etc/hosts lines and the lab directory.
# Safe to run twice, or when no cluster is up.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
LAB=$DRAGON_SLURM_LAB
MARK="# dragon-slurm"

((EUID == 0)) || { echo "cluster-down: needs root" >&2; exit 1; }

# kill_pid NAME PID: only if that PID still runs a program of that name (PIDs get reused).
kill_pid() {
  local comm
  comm=$(cat "/proc/$2/comm" 2>/dev/null) || return 0
  case $comm in "$1" | sh | unshare | ip) kill -TERM "$2" 2>/dev/null ;; esac
}

if [[ -f $LAB/pids ]]; then
  while read -r name pid; do
    kill_pid "$name" "$pid"
  done <"$LAB/pids"
fi
for ns in $(ip netns list 2>/dev/null | awk '/^dragon-node[0-9]+/ { print $1 }'); do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -TERM "$pid" 2>/dev/null
  done
done
sleep 0.3
for ns in $(ip netns list 2>/dev/null | awk '/^dragon-node[0-9]+/ { print $1 }'); do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null
  done
  ip netns del "$ns"
done
if [[ -f $LAB/pids ]]; then
  while read -r name pid; do
    if [[ -e /proc/$pid ]]; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done <"$LAB/pids"
fi
ip link del dragonbr0 2>/dev/null
if grep -q "$MARK\$" /etc/hosts; then
  grep -v "$MARK\$" /etc/hosts >"/tmp/hosts.$$"
  cat "/tmp/hosts.$$" >/etc/hosts
  rm -f "/tmp/hosts.$$"
fi
rm -rf "$LAB"
echo "cluster-down: done" >&2
