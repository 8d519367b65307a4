#!/usr/bin/env bash
# smoke-test.sh: brings a 3-node cluster up (cluster-up.sh), checks srun, salloc, sbatch --wait, srun from inside
# a node, SLURM_CPUS_ON_NODE, Java on a node and the nodes' private /dev/shm, takes the cluster down and checks
# that nothing is left: none of the PIDs it started, no namespace, bridge or /etc/hosts line, no lab directory.
# Root only. Exits nonzero on the first failure (the cluster is taken down then too).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
LAB=$DRAGON_SLURM_LAB
TMP=$(mktemp -d /tmp/dragon-smoke.XXXXXX) # /tmp is shared by the host and every node
ms() { echo $(($(date +%s%N) / 1000000)); }
log() { printf 'smoke-test: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}
ok() { log "ok: $*"; }
cleanup() {
  local rc=$?
  rm -rf "$TMP"
  if ((rc != 0)); then "$HERE/cluster-down.sh" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
((EUID == 0)) || fail "must run as root"

t0=$(ms)
"$HERE/cluster-up.sh" 3 >/dev/null
up_ms=$(($(ms) - t0))
ok "cluster-up 3 in $((up_ms / 1000)).$(printf %03d $((up_ms % 1000))) s"

# Remember every PID the cluster runs now, to check after cluster-down that none is left.
started=$(cat "$LAB/pids")

# 1. srun: one task on each of 3 nodes, each with its own hostname.
out=$(srun -N3 hostname | sort)
[[ $(echo "$out" | tr '\n' ' ') == "node1 node2 node3 " ]] || fail "srun -N3 hostname printed: $out"
ok "srun -N3 hostname: $(echo "$out" | tr '\n' ' ')"

# 2. salloc: the allocation's node list, expanded by scontrol in the shell salloc runs (on the host).
# shellcheck disable=SC2016  # expanded by the inner bash
out=$(salloc -N3 bash -c 'echo "$SLURM_JOB_NODELIST"; scontrol show hostnames' 2>/dev/null)
[[ $(echo "$out" | tr '\n' ' ') == "node[1-3] node1 node2 node3 " ]] || fail "salloc -N3 printed: $out"
ok "salloc -N3: $(echo "$out" | tr '\n' ' ')"

# 3. sbatch --wait: a 3-node batch script that writes output; its srun runs inside node1's namespace.
cat >"$TMP/job.sh" <<'JOB'
#!/bin/bash
#SBATCH -N3
echo "batch host $(hostname)"
srun hostname | sort
JOB
sbatch --wait -o "$TMP/job.out" "$TMP/job.sh" >/dev/null || fail "sbatch --wait: $(cat "$TMP/job.out" 2>&1)"
out=$(cat "$TMP/job.out")
[[ $(echo "$out" | tr '\n' ' ') == "batch host node1 node1 node2 node3 " ]] || fail "sbatch output: $out"
ok "sbatch --wait -N3 (srun inside the batch script on node1): $(echo "$out" | tr '\n' ' ')"

# 4. What a job sees: SLURM_CPUS_ON_NODE set, the node's own address; Java runs from the shared file system.
# shellcheck disable=SC2016
out=$(srun -N1 -w node2 bash -c 'echo "$SLURM_CPUS_ON_NODE $(hostname -i)"')
[[ $out =~ ^[0-9]+\ 10\.200\.0\.2$ ]] || fail "SLURM_CPUS_ON_NODE / address on node2: $out"
ok "on node2: SLURM_CPUS_ON_NODE and address: $out"
if command -v java >/dev/null; then
  srun -N1 -w node3 java -version >/dev/null 2>&1 || fail "java -version on node3"
  ok "java runs on node3"
fi

# 5. TCP between nodes and back to the host: node2 opens node1's and node3's slurmd port and the controller's
# port on ctl (the host side of the bridge, where salloc and srun run).
ctl_port=$(awk -F= '$1 == "SlurmctldPort" { print $2 }' "$SLURM_CONF")
srun -N1 -w node2 bash -c "exec 3<>/dev/tcp/node1/6818 && exec 4<>/dev/tcp/node3/6818 && exec 5<>/dev/tcp/ctl/$ctl_port" \
  || fail "TCP from node2 to node1, node3 or ctl"
ok "TCP from node2 to node1:6818, node3:6818 and ctl:$ctl_port"

# 6. Private /dev/shm: a file made on node1 stays on node1 (seen by a later step there), not on node2 or the host.
name=dragon-smoke-$$
srun -N1 -w node1 touch "/dev/shm/$name"
seen() { srun -N1 -w "$1" sh -c "if test -e /dev/shm/$name; then echo yes; else echo no; fi"; }
[[ $(seen node1) == yes ]] || fail "/dev/shm/$name made on node1 is gone in the next step there"
[[ $(seen node2) == no ]] || fail "/dev/shm/$name made on node1 is visible on node2 (or srun failed)"
[[ ! -e /dev/shm/$name ]] || fail "/dev/shm/$name made on node1 is visible on the host"
srun -N1 -w node1 rm -f "/dev/shm/$name"
ok "/dev/shm is private per node"

# 7. Down, and nothing left.
t0=$(ms)
"$HERE/cluster-down.sh" 2>/dev/null
down_ms=$(($(ms) - t0))
while read -r name pid; do
  # gone, or a zombie of init (it holds nothing), or the PID reused by another program
  if [[ -e /proc/$pid && $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z \
    && $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
    fail "$name (pid $pid) still runs after cluster-down"
  fi
done <<<"$started"
[[ -z $(ip netns list | grep -E '^dragon-' || true) ]] || fail "namespaces left: $(ip netns list)"
[[ -z $(compgen -G '/run/netns/dragon-*' || true) ]] || fail "/run/netns entries left"
! ip link show dragonbr0 >/dev/null 2>&1 || fail "bridge dragonbr0 left"
[[ -z $(ip -o link show | grep -E ': dveth[0-9]+' || true) ]] || fail "veth links left"
! grep -q '# dragon-slurm$' /etc/hosts || fail "/etc/hosts lines left"
[[ ! -e $LAB ]] || fail "$LAB left"
ok "cluster-down in $((down_ms / 1000)).$(printf %03d $((down_ms % 1000))) s; nothing left"
log "passed"
