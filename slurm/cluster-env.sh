# Sourced (`. slurm/cluster-env.sh`): the environment Slurm's clients (srun, salloc, sbatch, sinfo, squeue,
# scontrol) need to reach the cluster made by slurm/cluster-up.sh. It never touches /etc/slurm/slurm.conf.
# shellcheck shell=bash
# Where the cluster keeps its configuration, state, logs and recorded PIDs (cluster-up/down read it too).
export DRAGON_SLURM_LAB=${DRAGON_SLURM_LAB:-/run/dragon-slurm}
# Slurm's clients and daemons read their configuration from here instead of /etc/slurm/slurm.conf.
export SLURM_CONF=$DRAGON_SLURM_LAB/slurm.conf
# The number of nodes of the cluster that is up (empty when none is).
DRAGON_SLURM_NODES=$(cat "$DRAGON_SLURM_LAB/nodes" 2>/dev/null || true)
export DRAGON_SLURM_NODES
export DRAGON_NETWORK_PREFIX=10.200.0.
