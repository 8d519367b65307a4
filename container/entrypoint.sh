#!/bin/bash
# Entry point of the dragon-jvm image (container/Dockerfile): configures Slurm from the environment, then runs the
# container's role in the foreground.
#
#   dragon-entrypoint controller   munged and slurmctld
#   dragon-entrypoint node         munged and slurmd (its node name is the container's hostname)
#   dragon-entrypoint CMD...       CMD as it is (dragon, salloc, a shell, ...)
#
# Environment (the same in every container of a cluster):
#   DRAGON_MUNGE_KEY         base64 of the cluster's MUNGE key (required for controller and node; for example
#                            `dd if=/dev/urandom bs=1024 count=1 | base64 -w0`)
#   DRAGON_SLURM_CONTROLLER  hostname of the controller container (default: controller)
#   DRAGON_SLURM_NODES       hostnames of the compute containers, comma-separated (default: node1,node2,node3)
#   DRAGON_SLURM_CPUS        CPUs per compute node (default: what this container sees)
set -euo pipefail

role=${1:-node}
configure() {
  local controller=${DRAGON_SLURM_CONTROLLER:-controller} nodes=${DRAGON_SLURM_NODES:-node1,node2,node3}
  local cpus=${DRAGON_SLURM_CPUS:-$(nproc)} node
  if [[ -z ${DRAGON_MUNGE_KEY:-} ]]; then
    echo "dragon-entrypoint: DRAGON_MUNGE_KEY is not set: give every container of the cluster the same key" \
      "(base64 of 1 KiB of random bytes)" >&2
    exit 2
  fi
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge /var/spool/slurmctld /var/spool/slurmd /etc/slurm
  base64 -d <<<"$DRAGON_MUNGE_KEY" >/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- munged --force
  {
    echo "ClusterName=dragon"
    echo "SlurmctldHost=$controller"
    echo "SlurmUser=root"
    echo "SlurmdUser=root"
    echo "AuthType=auth/munge"
    echo "CredType=cred/munge"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "JobAcctGatherType=jobacct_gather/none"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "MpiDefault=none"
    echo "SlurmdParameters=config_overrides"
    echo "ReturnToService=2"
    echo "MailProg=/bin/true"
    echo "KillWait=5"
    echo "StateSaveLocation=/var/spool/slurmctld"
    echo "SlurmdSpoolDir=/var/spool/slurmd"
    for node in ${nodes//,/ }; do
      echo "NodeName=$node CPUs=$cpus RealMemory=1000 State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
  } >/etc/slurm/slurm.conf
  echo "CgroupPlugin=cgroup/v1" >/etc/slurm/cgroup.conf
}

case $role in
  controller)
    configure
    exec slurmctld -D
    ;;
  node)
    configure
    exec slurmd -D -N "$(hostname)"
    ;;
  *)
    exec "$@"
    ;;
esac
