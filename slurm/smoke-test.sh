#!/usr/bin/env bash
# smoke-test.sh: brings a 3-node cluster up (cluster-up.sh), checks srun, salloc, sbatch and the nodes' private
# /dev/shm, takes it down and checks that nothing is left. Exits nonzero on the first failure.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster-env.sh
. "$HERE/cluster-env.sh"
fail() { echo "smoke-test: FAILED: $*" >&2; exit 1; }
trap '"$HERE/cluster-down.sh" >/dev/null 2>&1 || true' EXIT

"$HERE/cluster-up.sh" 3
[[ $(srun -N3 hostname | sort | tr '\n' ' ') == "node1 node2 node3 " ]] || fail "srun -N3 hostname"
[[ $(salloc -N3 scontrol show hostnames 2>/dev/null | tr '\n' ' ') == "node1 node2 node3 " ]] || fail "salloc -N3"
out=$(mktemp)
job=$(sbatch --parsable -N3 -o "$out" --wrap 'srun hostname')
for _ in $(seq 300); do squeue -h -j "$job" 2>/dev/null | grep -q . || break; sleep 0.1; done
[[ $(sort "$out" | tr '\n' ' ') == "node1 node2 node3 " ]] || fail "sbatch: $(cat "$out")"
rm -f "$out"
srun -N1 -w node1 touch /dev/shm/dragon-smoke-test
[[ -z $(srun -N1 -w node2 ls /dev/shm) && ! -e /dev/shm/dragon-smoke-test ]] || fail "/dev/shm is not private"

"$HERE/cluster-down.sh"
trap - EXIT
[[ -z $(ip netns list | grep dragon-node || true) ]] || fail "namespaces left"
! grep -q 'dragon-slurm$' /etc/hosts || fail "/etc/hosts lines left"
! ip link show dragonbr0 >/dev/null 2>&1 || fail "bridge left"
echo "smoke-test: passed" >&2
