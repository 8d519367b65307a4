#!/usr/bin/env bash
# cluster-up.sh [NODES]: a real Slurm cluster of NODES (default 3, at most 64) compute nodes on this one Linux
# host, for the multi-node tests. Each node is a network namespace dragon-nodeK with its own hostname (nodeK),
# address (10.200.0.K) and private /dev/shm, running its own slurmd; slurmctld runs on the host side of the
# bridge dragonbr0 as "ctl" (10.200.0.254). Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); installs Debian's
# slurm-wlm and munge if their commands are missing. Every PID it starts is recorded in $DRAGON_SLURM_LAB/pids
# (default /run/dragon-slurm), and slurm/cluster-down.sh removes it all.
# Run again with the same NODES while the cluster is healthy, it only says so; a stale or half-made cluster
# (daemons gone, leftover namespaces) is taken down and made again.
# Afterwards: . slurm/cluster-env.sh; salloc -N3 hostname
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

NODES=${1:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
LAB=$DRAGON_SLURM_LAB
BRIDGE=dragonbr0
NET=10.200.0
MARK="# dragon-slurm"
UP_TIMEOUT=${DRAGON_SLURM_UP_TIMEOUT:-60}
START=$(date +%s%N)

log() { printf 'cluster-up: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }
elapsed() { local ms=$((($(date +%s%N) - START) / 1000000)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

if ! [[ $NODES =~ ^[1-9][0-9]?$ ]] || ((NODES > 64)); then fail "NODES must be 1..64, got '$NODES'"; fi
((EUID == 0)) || fail "must run as root (it makes network namespaces, mounts tmpfs and starts Slurm daemons)"

# One cluster-up/cluster-down at a time on this host (CI and a developer, or two test runs, would otherwise
# tear down each other's half-made cluster). The lock file stays: /run/lock is emptied at boot.
# The daemons must not inherit the lock (9>&- below); the cluster-down this script runs must not wait for it.
mkdir -p /run/lock
exec 9>/run/lock/dragon-slurm.lock
flock -w 180 9 || { echo "cluster-up: error: another cluster-up/down holds /run/lock/dragon-slurm.lock" >&2; exit 1; }

# --- Packages: only when a command is missing (CI starts from a fresh Debian 12 with none of them).
missing=()
for cmd in slurmctld slurmd munged munge unmunge srun sinfo scontrol ip ss unshare setsid flock; do
  command -v "$cmd" >/dev/null || missing+=("$cmd")
done
if ((${#missing[@]})); then
  log "installing slurm-wlm munge iproute2 with apt-get (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q slurm-wlm munge iproute2 >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q slurm-wlm munge iproute2 >&2; } \
    || fail "apt-get could not install slurm-wlm munge iproute2"
fi

# healthy: our recorded daemons all run and every node answers the controller.
healthy() {
  local name pid comm ok
  [[ -s $LAB/pids && -s $LAB/slurm.conf ]] || return 1
  while read -r name pid; do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == "$name" ]] || return 1
    [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  done <"$LAB/pids"
  # sinfo -N: one line per node; a trailing * means not responding; down/drain/fail are not usable.
  ok=$(timeout 10 sinfo -h -N -o '%N %T' 2>/dev/null | awk '$2 !~ /[*~#!%$@^-]|down|drain|fail|unknown/' | wc -l)
  ((ok == $(cat "$LAB/nodes")))
}

if [[ -e $LAB/nodes ]]; then
  up=$(cat "$LAB/nodes")
  if healthy; then
    ((up == NODES)) || fail "a cluster of $up nodes is up already; run slurm/cluster-down.sh first"
    log "a healthy cluster of $NODES nodes is up already; use it with: . $HERE/cluster-env.sh"
    exit 0
  fi
  log "a stale cluster ($LAB) is in the way; taking it down first"
  DRAGON_SLURM_LOCKED=1 "$HERE/cluster-down.sh" >&2
elif ip netns list 2>/dev/null | grep -q '^dragon-node[0-9]' || ip link show "$BRIDGE" >/dev/null 2>&1 \
  || grep -q "$MARK\$" /etc/hosts; then
  log "leftovers of an earlier cluster (namespaces, bridge or /etc/hosts lines); removing them first"
  DRAGON_SLURM_LOCKED=1 "$HERE/cluster-down.sh" >&2
fi

# --- Can this root make namespaces at all? (An unprivileged container cannot; say so plainly.)
probe=dragon-probe-$$
ip netns add "$probe" 2>/dev/null \
  || fail "cannot make network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN: a VM or privileged container)"
ip netns del "$probe"

# --- Conflicts: the subnet must be free on the host, and the controller's port (6817 by default).
if ip -4 -o addr show | grep -q " inet $NET\." || [[ -n $(ip -4 route show "$NET.0/24" 2>/dev/null) ]]; then
  fail "the subnet $NET.0/24 is in use on this host already (ip -4 addr; ip route)"
fi
port_busy() { [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]; }
CTL_PORT=6817
while port_busy "$CTL_PORT"; do
  ((CTL_PORT < 6899)) || fail "no free TCP port for slurmctld in 6817..6899"
  CTL_PORT=$((CTL_PORT + 1))
done
# slurmd's port (6818) is in each node's own namespace, where nothing else listens.

mkdir -p "$LAB"/{state,spool,log}
echo "$NODES" >"$LAB/nodes"
: >"$LAB/pids"
# From here on any failure (set -e or fail) takes down what was made, after showing the end of the logs.
# shellcheck disable=SC2317  # called by the trap
on_exit() {
  local rc=$?
  ((rc != 0)) || return 0
  log "failed; the end of the daemons' logs, then tearing down what was started:"
  tail -n 8 "$LAB"/log/* >&2 2>/dev/null || true
  DRAGON_SLURM_LOCKED=1 "$HERE/cluster-down.sh" >&2 || true
  exit "$rc"
}
trap on_exit EXIT

# --- MUNGE: reuse a munged that answers; otherwise start ours (and record it, so cluster-down stops it).
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  # munged refuses a key that others can read; the package may leave it 0600 or root-owned.
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  # --force: a stale socket left by a killed munged would stop it otherwise.
  runuser -u munge -- munged --force 9>&-
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || fail "munged does not answer (see /var/log/munge/munged.log)"
  echo "munged $(cat /run/munge/munged.pid)" >>"$LAB/pids"
  log "started munged (pid $(cat /run/munge/munged.pid))"
fi

# --- Network: a bridge on the host (10.200.0.254), one namespace per node joined to it by a veth pair.
ip link add "$BRIDGE" type bridge
ip addr add "$NET.254/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
hosts="$NET.254 ctl $MARK"
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
# Rewritten in place, not replaced: /etc/hosts may be a bind mount (containers).
{ grep -v "$MARK\$" /etc/hosts || true; printf '%s\n' "$hosts"; } >"$LAB/hosts"
cat "$LAB/hosts" >/etc/hosts

CPUS=$(nproc)
cat >"$LAB/slurm.conf" <<CONF
# Written by slurm/cluster-up.sh; removed by slurm/cluster-down.sh.
ClusterName=dragon
SlurmctldHost=ctl($NET.254)
SlurmctldPort=$CTL_PORT
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# No cgroups: the namespaces separate network, hostname and /dev/shm only; every node sees every CPU.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
# Use the CPUs given here, not what slurmd detects (each node would see all of the host's).
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0
# Generous timeouts: CI machines are small and busy; a short KillWait keeps cancelled jobs from lingering.
SlurmctldTimeout=120
SlurmdTimeout=300
MessageTimeout=30
BatchStartTimeout=60
InactiveLimit=0
KillWait=5
StateSaveLocation=$LAB/state
SlurmdSpoolDir=$LAB/spool/%n
SlurmctldPidFile=$LAB/slurmctld.pid
SlurmdPidFile=$LAB/slurmd-%n.pid
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd-%n.log
NodeName=node[1-$NODES] NodeAddr=$NET.[1-$NODES] CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE OverSubscribe=NO State=UP
CONF
# ip netns exec remounts /sys, where slurmd would look for cgroup v2; cgroup/v1 makes it not look.
echo "CgroupPlugin=cgroup/v1" >"$LAB/cgroup.conf"

# --- Daemons, in the foreground (-D) so that the PID recorded is the daemon's own.
# slurmctld checks that its hostname is the configured controller, so it gets its own UTS namespace named ctl.
setsid unshare --uts sh -c "hostname ctl; exec slurmctld -D -f '$SLURM_CONF'" \
  >>"$LAB/log/slurmctld.out" 2>&1 </dev/null 9>&- &
echo "slurmctld $!" >>"$LAB/pids"
# Each slurmd: in its node's network namespace, with its own hostname and, in a private mount namespace, its
# own tmpfs on /dev/shm (jobs inherit both, so shared memory made on node2 is not seen on node1).
for ((i = 1; i <= NODES; i++)); do
  setsid ip netns exec "dragon-node$i" unshare --uts --mount --propagation private sh -c \
    "hostname node$i; mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm; exec slurmd -D -f '$SLURM_CONF' -N node$i" \
    >>"$LAB/log/slurmd-node$i.out" 2>&1 </dev/null 9>&- &
  echo "slurmd $!" >>"$LAB/pids"
done

log "waiting (at most ${UP_TIMEOUT} s) for $NODES idle nodes"
next_report=5
for ((t = 0; t < UP_TIMEOUT * 10; t++)); do
  # A daemon that exits at once (bad configuration, port taken) will not come back: fail fast.
  while read -r name pid; do
    if [[ ! -e /proc/$pid || $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
      fail "$name (pid $pid) exited"
    fi
  done <"$LAB/pids"
  idle=$(sinfo -h -N -o '%T' 2>/dev/null | grep -cx idle || true)
  if ((idle == NODES)); then
    log "up: $NODES nodes idle after $(elapsed) s (controller ctl at $NET.254:$CTL_PORT)"
    cat <<USAGE
Slurm cluster of $NODES nodes (node1..node$NODES) is up. Use it with:
  export SLURM_CONF=$SLURM_CONF     # or: . $HERE/cluster-env.sh
  srun -N$NODES hostname
  salloc -N$NODES bash -c 'scontrol show hostnames'
Take it down with: $HERE/cluster-down.sh
USAGE
    exit 0
  fi
  if ((t >= next_report * 10)); then
    log "$idle of $NODES nodes idle after $(elapsed) s"
    next_report=$((next_report + 5))
  fi
  sleep 0.1
done
sinfo >&2 || true
fail "the nodes did not all become idle within $UP_TIMEOUT s (logs in $LAB/log)"
