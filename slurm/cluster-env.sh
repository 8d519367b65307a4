# Sourced: the environment of a cluster made by slurm/cluster-up.sh (Slurm's clients read SLURM_CONF).
# shellcheck shell=bash
export DRAGON_SLURM_LAB=${DRAGON_SLURM_LAB:-/run/dragon-slurm}
export SLURM_CONF=$DRAGON_SLURM_LAB/slurm.conf
