#!/usr/bin/env bash
# cluster-up.sh [NODES]: a real Slurm cluster of NODES (default 3) compute nodes on this one Linux host, for the
# multi-node tests. Each node is a network namespace with its own hostname (nodeN), address (10.200.0.N) and
# private /dev/shm, running its own slurmd; slurmctld runs on the host side of a bridge as "ctl" (10.200.0.254).
# Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); installs Debian's slurm-wlm and munge if missing. Everything it
# starts is recorded under the lab directory, and slurm/cluster-down.sh removes it all.
# Afterwards: . slurm/cluster-env.sh; salloc -N3 hostname
set -euo pipefail

NODES=${1:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
LAB=$DRAGON_SLURM_LAB
BRIDGE=dragonbr0
NET=10.200.0
MARK="# dragon-slurm"

log() { printf 'cluster-up: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }

[[ $NODES =~ ^[1-9][0-9]?$ ]] && ((NODES <= 64)) || fail "NODES must be 1..64, got '$NODES'"
((EUID == 0)) || fail "needs root (network namespaces, mounts, Slurm daemons)"
[[ -e $LAB/nodes ]] && fail "a cluster is up already ($LAB); run slurm/cluster-down.sh first"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
  || ! command -v srun >/dev/null; then
  log "installing slurm-wlm and munge (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge iproute2 >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge iproute2 >&2; }
fi

mkdir -p "$LAB"/{state,spool,log}
echo "$NODES" >"$LAB/nodes"
: >"$LAB/pids"
trap 'log "failed; tearing down what was started"; "$HERE/cluster-down.sh" >&2 || true' ERR

# MUNGE: reuse one that answers, else start ours.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [[ ! -s /etc/munge/munge.key ]]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- munged --force
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || fail "munged does not answer"
  echo "munged $(cat /run/munge/munged.pid)" >>"$LAB/pids"
fi

# Network: a bridge on the host, one namespace per node joined to it by a veth pair.
ip link add "$BRIDGE" type bridge
ip addr add "$NET.254/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
hosts="10.200.0.254 ctl $MARK"
for ((i = 1; i <= NODES; i++)); do
  ns=dragon-node$i
  ip netns add "$ns"
  ip link add "dveth$i" type veth peer name "dveth${i}n"
  ip link set "dveth${i}n" netns "$ns"
  ip link set "dveth$i" master "$BRIDGE" up
  ip -n "$ns" link set "dveth${i}n" name eth0
  ip -n "$ns" addr add "$NET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$NET.254"
  hosts+=$'\n'"$NET.$i node$i $MARK"
done
# rewritten in place: /etc/hosts may be a bind mount
{ grep -v "$MARK\$" /etc/hosts; printf '%s\n' "$hosts"; } >"$LAB/hosts"
cat "$LAB/hosts" >/etc/hosts

cat >"$LAB/slurm.conf" <<CONF
ClusterName=dragon
SlurmctldHost=ctl($NET.254)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
StateSaveLocation=$LAB/state
SlurmdSpoolDir=$LAB/spool/%n
SlurmctldPidFile=$LAB/slurmctld.pid
SlurmdPidFile=$LAB/slurmd-%n.pid
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd-%n.log
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=node[1-$NODES] NodeAddr=$NET.[1-$NODES] CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# ip netns exec remounts /sys, where slurmd would look for cgroup v2
echo "CgroupPlugin=cgroup/v1" >"$LAB/cgroup.conf"

# slurmctld must see its own hostname as the configured controller.
setsid unshare --uts sh -c "hostname ctl; exec slurmctld -D -f '$SLURM_CONF'" \
  >>"$LAB/log/slurmctld.out" 2>&1 </dev/null &
echo "slurmctld $!" >>"$LAB/pids"
for ((i = 1; i <= NODES; i++)); do
  setsid ip netns exec "dragon-node$i" unshare --uts --mount --propagation private sh -c \
    "hostname node$i; mount -t tmpfs -o mode=1777 tmpfs /dev/shm; exec slurmd -D -f '$SLURM_CONF' -N node$i" \
    >>"$LAB/log/slurmd-node$i.out" 2>&1 </dev/null &
  echo "slurmd $!" >>"$LAB/pids"
done

log "waiting for $NODES idle nodes"
for ((t = 0; t < 600; t++)); do
  idle=$(sinfo -h -o '%T %D' 2>/dev/null | awk '$1 == "idle" { n += $2 } END { print n + 0 }')
  if ((idle == NODES)); then
    log "up: $NODES nodes idle after $((t / 10)).$((t % 10)) s; use it with: . $HERE/cluster-env.sh"
    trap - ERR
    exit 0
  fi
  sleep 0.1
done
sinfo >&2 || true
fail "the nodes did not all become idle within 60 s (logs in $LAB/log)"
