#!/usr/bin/env bash
# Benchmarks against peers measured in the same run: two-process benchmarks of the shared-memory channel, the
# runtime's bringup, and process launches through Global Services.
#
# usage: bench/run.sh [NAME...]        runs the named benchmarks, all of them when no NAME is given
#   channel_rtt_vs_agrona          64 B ping-pong RTT, busy spin: Channel vs Agrona OneToOneRingBuffer
#   channel_throughput_vs_agrona   64 B one-way messages/s: Channel vs Agrona OneToOneRingBuffer
#   channel_rtt_blocking_us        64 B ping-pong RTT, both sides WaitMode.SLEEP (futex), no peer
#   channel_bw_1mib_vs_memcpy      1 MiB messages (side allocations) GB/s, both sides WaitMode.ADAPTIVE (the
#                                  default), vs a 1 MiB memcpy between two direct buffers in one process
#   bringup_vs_java                wall time of `bin/dragon hello-world.jar` (whole runtime up, program run,
#                                  runtime down) vs `java -jar hello-world.jar`; BENCH_BRINGUP_RUNS runs of each
#                                  (default 10), alternating; also prints bringup_overhead_ms, the difference of
#                                  the medians, and bringup_overhead_traced_ms, the same for `dragon --trace`
#   process_launch_vs_processbuilder
#                                  sequential createProcess(/bin/true) + join through Global Services, processes/s,
#                                  vs `new ProcessBuilder("/bin/true").start().waitFor()` in the same JVM: one
#                                  runtime whose head (io.dragon.bench.LaunchRate) runs BENCH_LAUNCH_WARMUP (20)
#                                  rounds of each, then BENCH_LAUNCH_BLOCKS (5) alternating blocks of
#                                  BENCH_LAUNCH_COUNT (200) of each, and prints the medians over blocks; a launch
#                                  whose exit Global Services never reports is left out of the rate and counted in
#                                  process_launch_lost_exits (printed only when not 0)
#   queue_rtt_vs_python_mp         64 B ping-pong between two processes through two io.dragon.Queues (round-trip
#                                  time) vs two multiprocessing.Queues in Python 3
#   pool_task_rate_vs_python_mp    Pool.create(2).map(x -> x + 1, 20,000 ints, chunk size 1), tasks/s, vs
#                                  multiprocessing.Pool(2).map(f, range(20000), chunksize=1): the per-task cost
#   pool_map_vs_python_mp          the same with 200,000 ints and default chunks on both sides (chunking and
#                                  serialization)
#   process_start_rate             Process.start(() -> {}).join() per second (a new JVM each); Python's
#                                  multiprocessing.Process start+join printed beside it, no ratio (a fork is not a JVM)
#                                  These four run one runtime each (head io.dragon.bench.ApiRates) and one python3
#                                  (bench/python/mp_rates.py): BENCH_API_BLOCKS (5) blocks after BENCH_API_WARMUP
#                                  (5) uncounted ones (the JIT needs them: map's first blocks run 2-3x slower),
#                                  medians.
#   link_handshake_vs_connect      time to open a link between two members over loopback and authenticate both ends
#                                  (LinkSecurity + LinkHandshake, as the tree and the TCP agents do; one JVM,
#                                  io.dragon.bench.LinkSetup) vs a bare Netty connect; BENCH_API_BLOCKS blocks of 200
#                                  links each, alternating, medians; also prints link_handshake_us (the difference)
#                                  and the same with TLS (link_setup_tls_us, link_handshake_tls_us)
#   tree_1024                      scale simulated in one JVM (io.dragon.bench.TreeScale): 1,024 backends and a root,
#                                  real TreeNodes over loopback TCP (fan-out 32, depth 2, every link authenticated),
#                                  the root on an event loop of its own, the backends on 2 shared ones and started
#                                  one after the other, at most 48 of them not yet registered at the root;
#                                  tree_1024_setup_ms (root up to every backend joined) and the root's CPU per
#                                  backend in it (tree_1024_root_setup_cpu_per_member_us), tree_1024_bcast_reduce_ms
#                                  (a small broadcast down and every node's BENodeUp reduced up) and
#                                  tree_1024_channels_info_ms (the same with bringup's LAChannelsInfo of every
#                                  node), medians of 5 rounds after 2; per-hop figures on stderr.
#                                  Its JVM holds ~3,100 descriptors at its peak, more than the usual soft limit of
#                                  1,024: the JVM raises its soft limit to the hard one itself (-XX:+MaxFDLimit, on
#                                  by default on Linux), so run.sh only checks that the hard limit is at least 4,096.
#                                  See docs/scale.md.
#   offnode_rtt_vs_tcp             64 B ping-pong between a process on node1 and one on node2, each receiving on a
#                                  channel of its own node and sending to the other's through the transport agents
#                                  (io.dragon.bench.OffNode; sends return once buffered), round-trip
#                                  time, vs a plain TCP ping-pong between the same two nodes (io.dragon.bench.TcpPeer,
#                                  Java blocking sockets, TCP_NODELAY)
#   offnode_bw_vs_tcp              the same with 1 MiB messages one way, MiB/s
#   offnode_msgrate_vs_tcp         64 B messages one way, messages/s, vs 64 B
#                                  writes to the TCP stream, each flushed (as many flushes as messages)
#   queue_offnode_rtt_vs_tcp       the 64 B ping-pong through two io.dragon.Queues, each on its receiver's node (what
#                                  users call; OffNode queue), vs the same TCP ping-pong (measured again beside it)
#   offnode_rtt_tls_vs_plain       offnode_rtt with every link between the nodes in TLS (dragon --tls) vs without
#   offnode_rtt_ofi_vs_tcpagent, offnode_bw_ofi_vs_tcpagent
#                                  offnode_rtt and offnode_bw with the libfabric transport agent (dragon --transport
#                                  ofi --provider tcp: libfabric's tcp provider, the only one here; it is no faster
#                                  than TCP, the point is the code path real fabrics use) vs the TCP agent
#   ddict_get_rate_vs_hazelcast, ddict_put_rate_vs_hazelcast
#                                  DDict get (put) on random keys of a loaded key set, ops/s, BENCH_DDICT_THREADS (2)
#                                  client threads, vs a Hazelcast IMap from threads of an embedded member: 16-byte
#                                  keys, values of 64 B (100,000 keys) and of 64 KiB (4,096 keys, 256 MiB), a
#                                  result and a ratio per size (..._64b, ..._64kib). One node: DDict with one manager
#                                  under bin/dragon (head io.dragon.bench.DDictRates, the clients its threads), one
#                                  Hazelcast member (io.dragon.bench.HazelcastRates, 2 GiB heap). Both time the same
#                                  code (io.dragon.bench.MapRates, the Map API: put returns the previous value on
#                                  both sides): blocks of 1 s, BENCH_API_BLOCKS (5) after BENCH_API_WARMUP (5)
#                                  uncounted ones, medians; DDict's run first, then Hazelcast's. Hazelcast: the
#                                  IMap's defaults but no backup (DDict keeps one copy), TCP-IP join to explicit
#                                  addresses, multicast off, logging and phone-home off
#   ddict_get_rate_3n_vs_hazelcast, ddict_put_rate_3n_vs_hazelcast
#                                  the same across node1-3 of the test cluster, the keys spread over all three
#                                  nodes, every client thread on node1: DDict under bin/dragon -N 3 (a manager per
#                                  node) vs a Hazelcast member per node (srun on each node, joined by TCP-IP on the
#                                  nodes' addresses; the clients are threads of node1's member, which waits for 3)
#   ddict_putall_rate_vs_hazelcast putAll of batches of 1,000 entries (64 B values, the 100,000 keys), entries/s,
#                                  one node, as ddict_put_rate_vs_hazelcast
#   ddict_persist_restore          no peer: ddict_persist_mibs, DDict.persist of the 64 KiB key set (256 MiB) to a
#                                  directory of the run's temporary one (local disk), and ddict_restore_mibs, its
#                                  restore in a second bin/dragon run; MiB/s of key and value bytes, medians of
#                                  BENCH_API_BLOCKS after one uncounted (restores read what the page cache kept)
#   bringup_3_vs_srun, bringup_8_vs_srun
#                                  wall time of `bin/dragon -N 3 (8) hello-world.jar` inside an allocation of 8
#                                  nodes vs `srun -N 3 (8) hostname` on the same nodes, BENCH_MULTI_RUNS (5) runs
#                                  of each, alternating; medians. Each run must print the program's line, and
#                                  nothing may be left on the nodes after (no process but slurmd, empty /dev/shm).
#                                  bringup_3 also prints bringup_cpu_ms_per_node: the CPU time (user + system, from
#                                  /proc) the runtime's processes spent on one node over a whole run (the backend,
#                                  Local Services and, on node 0, Global Services; each logs "cpu_ms N" as it exits;
#                                  the program's own process is not counted), on the busiest node (node 0, which
#                                  runs Global Services too), median over runs; beside it the medians of node 0's
#                                  figure (bringup_cpu_ms_node0) and of the other nodes' mean
#                                  (bringup_cpu_ms_other_nodes)
#   soak                           not part of the default run (ask for it by name): SOAK_PROCESSES (50,000) short
#                                  processes on node2, SOAK_CONCURRENCY (4) at a time, each putting its number into
#                                  a Queue on node1 (through the transport agents), under one runtime on node1 and
#                                  node2 (head io.dragon.bench.Soak); counts the numbers received
#                                  (soak_messages_lost: missing or twice) and prints, for both nodes, before and
#                                  after: the infrastructure pool's used bytes, the shared memory the backend (the
#                                  transport agents) maps and its RSS, descriptors and threads of the backend, Local
#                                  and Global Services (soak_<figure>_node<i>_before/_after). SOAK_TIMEOUT (86400 s).
#   bringup_32                     not part of the default run either: bringup_8_vs_srun with 32 nodes (bringup_32_ms,
#                                  srun_32_ms), at most 3 runs, on a test cluster of 32 nodes (one of fewer that
#                                  this run brought up goes down first); no ratio: all nodes share the host's CPUs,
#                                  so the times measure those. bringup_32_mem_mib: the machine's memory in use
#                                  (MemTotal - MemAvailable, sampled every 0.2 s) at its peak during the runs, less
#                                  its level before them (the cluster idle). Its runs give the tree's links 60 s to
#                                  authenticate (-Ddragon.link.handshake.timeout.ms in DRAGON_JAVA_OPTS): with the
#                                  default 5 s, starved backends fail here
#                                  The off-node and bringup ones need root and Slurm: they use the test cluster of slurm/ (8 nodes on
#                                  this host, network namespaces sharing its CPUs; 32 for bringup_32) and bring it up,
#                                  and down again after, unless one of at least that many nodes is up already.
#
# The channel benchmarks run in BENCH_PAIRS separate JVM pairs (default 5; a pair is one ping JVM that starts one
# pong JVM), ours and the peer alternating, and report the median over pairs. stdout holds only the lines
#   result <name> <value> <unit>
#   ratio <name> <ours/peer>
# progress and errors go to stderr.
#
# Reading the figures: on the 2-vCPU VMs this was written on, the host moves the two vCPUs between a "fast" and a
# "slow" placement for seconds at a time (probably sharing an L3 or not), which changes every cross-process figure
# by 3x-12x, ours and Agrona alike (channel RTT ~0.2 vs ~0.6 us, 64 B ~20 vs ~5 M msgs/s, 1 MiB ~30 vs ~2.5 GB/s);
# memcpy, in one process, does not change. Pairs that straddle a change skew a ratio of medians, so the per-pair
# ratios are logged too. Busy-spinning pairs also collapse when other processes take the CPUs; each pair first
# waits (boundedly) for idle CPUs. Other settings: BENCH_TIMEOUT (seconds per JVM pair, 120), BENCH_JAVA (java),
# BENCH_JAVA_OPTS (extra JVM options for both JVMs), BENCH_SKIP_BUILD=1 (use the jar already built),
# BENCH_IDLE_WAIT (seconds to wait before each pair for other processes to leave the CPUs, 10),
# BENCH_IDLE_BUDGET (total seconds of such waiting per run, 60).
# The runtime benchmarks run bin/dragon (and build dragon-cli for it), with each runtime's logs in the run's
# temporary directory; BENCH_TIMEOUT bounds each bringup run, BENCH_LAUNCH_TIMEOUT (600) the launch benchmark.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PAIRS=${BENCH_PAIRS:-5}
TIMEOUT=${BENCH_TIMEOUT:-120}
JAVA=${BENCH_JAVA:-java}
ALL=(channel_rtt_vs_agrona channel_throughput_vs_agrona channel_rtt_blocking_us channel_bw_1mib_vs_memcpy
  bringup_vs_java process_launch_vs_processbuilder queue_rtt_vs_python_mp pool_task_rate_vs_python_mp
  pool_map_vs_python_mp process_start_rate link_handshake_vs_connect tree_1024 offnode_rtt_vs_tcp offnode_bw_vs_tcp
  offnode_msgrate_vs_tcp queue_offnode_rtt_vs_tcp offnode_rtt_tls_vs_plain offnode_rtt_ofi_vs_tcpagent
  offnode_bw_ofi_vs_tcpagent bringup_3_vs_srun bringup_8_vs_srun ddict_get_rate_vs_hazelcast
  ddict_put_rate_vs_hazelcast ddict_get_rate_3n_vs_hazelcast ddict_put_rate_3n_vs_hazelcast
  ddict_putall_rate_vs_hazelcast ddict_persist_restore)
# Benchmarks that run the runtime itself (bin/dragon), which needs dragon-cli built.
RUNTIME_BENCHMARKS=" bringup_vs_java process_launch_vs_processbuilder queue_rtt_vs_python_mp
  pool_task_rate_vs_python_mp pool_map_vs_python_mp process_start_rate offnode_rtt_vs_tcp offnode_bw_vs_tcp
  offnode_msgrate_vs_tcp queue_offnode_rtt_vs_tcp offnode_rtt_tls_vs_plain offnode_rtt_ofi_vs_tcpagent offnode_bw_ofi_vs_tcpagent bringup_3_vs_srun
  bringup_8_vs_srun soak bringup_32 ddict_get_rate_vs_hazelcast ddict_put_rate_vs_hazelcast
  ddict_get_rate_3n_vs_hazelcast ddict_put_rate_3n_vs_hazelcast ddict_putall_rate_vs_hazelcast ddict_persist_restore "
SOAK_PROCESSES=${SOAK_PROCESSES:-50000}
SOAK_CONCURRENCY=${SOAK_CONCURRENCY:-4}
SOAK_TIMEOUT=${SOAK_TIMEOUT:-86400}
# Benchmarks run only when named.
OPTIONAL=(soak bringup_32)
MULTI_RUNS=${BENCH_MULTI_RUNS:-5}
CLUSTER_NODES=8
CLUSTER_STARTED=0
API_BLOCKS=${BENCH_API_BLOCKS:-5}
API_WARMUP=${BENCH_API_WARMUP:-5}
BRINGUP_RUNS=${BENCH_BRINGUP_RUNS:-10}
LAUNCH_WARMUP=${BENCH_LAUNCH_WARMUP:-20}
LAUNCH_COUNT=${BENCH_LAUNCH_COUNT:-200}
LAUNCH_BLOCKS=${BENCH_LAUNCH_BLOCKS:-5}
LAUNCH_TIMEOUT=${BENCH_LAUNCH_TIMEOUT:-600}
DDICT_THREADS=${BENCH_DDICT_THREADS:-2}
# Every pool (/dev/shm/dragon-<rid>-<muid>-<key>) and Agrona file (/dev/shm/<rid>-agrona) of this run starts with BASE.
BASE="bench$$"
JAVA_OPTS=(-Xms256m -Xmx256m -XX:+UseSerialGC -XX:-UsePerfData
  --add-opens java.base/jdk.internal.misc=ALL-UNNAMED)
if [[ -n ${BENCH_JAVA_OPTS:-} ]]; then
  read -r -a extra <<<"$BENCH_JAVA_OPTS"
  JAVA_OPTS+=("${extra[@]}")
fi

log() { printf '%s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dragon-bench.XXXXXX")
CHILD=""

cleanup() {
  local status=$?
  if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null || true   # timeout(1) passes it on; the ping JVM's hook kills its pong
    wait "$CHILD" 2>/dev/null || true
  fi
  rm -f /dev/shm/dragon-"$BASE"_* /dev/shm/"$BASE"_*
  rm -rf "$WORK/ddict_persist"   # a persisted DDict (256 MiB): not kept even when the logs are
  # segments a runtime of this run may have left (its runtime id is in the logs kept under WORK/logs)
  local rid
  for rid in $(grep -rhos 'runtime r[a-z0-9]*' "$WORK/logs" 2>/dev/null | sort -u | cut -d ' ' -f 2); do
    rm -f /dev/shm/dragon-"$rid"-*
  done
  if ((status == 0)); then
    rm -rf "$WORK"
  else
    echo "bench: failed; its logs are kept in $WORK/logs" >&2
  fi
  if ((CLUSTER_STARTED)); then
    "$ROOT/slurm/cluster-down.sh" >&2 || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for setting in BENCH_MULTI_RUNS="$MULTI_RUNS" BENCH_PAIRS="$PAIRS" BENCH_BRINGUP_RUNS="$BRINGUP_RUNS" BENCH_API_BLOCKS="$API_BLOCKS" BENCH_API_WARMUP="$API_WARMUP" BENCH_LAUNCH_COUNT="$LAUNCH_COUNT" \
  BENCH_LAUNCH_BLOCKS="$LAUNCH_BLOCKS" BENCH_LAUNCH_TIMEOUT="$LAUNCH_TIMEOUT" SOAK_PROCESSES="$SOAK_PROCESSES" \
  SOAK_CONCURRENCY="$SOAK_CONCURRENCY" SOAK_TIMEOUT="$SOAK_TIMEOUT" BENCH_DDICT_THREADS="$DDICT_THREADS"; do
  if ! [[ ${setting#*=} =~ ^[1-9][0-9]*$ ]]; then
    log "error: ${setting%%=*} must be a positive integer, got '${setting#*=}'"
    exit 2
  fi
done
if ! [[ $LAUNCH_WARMUP =~ ^[0-9]+$ ]]; then
  log "error: BENCH_LAUNCH_WARMUP must be a non-negative integer, got '$LAUNCH_WARMUP'"
  exit 2
fi
NAMES=("$@")
if ((${#NAMES[@]} == 0)); then
  NAMES=("${ALL[@]}")
fi
NEEDS_RUNTIME=0
for name in "${NAMES[@]}"; do
  if [[ " ${ALL[*]} ${OPTIONAL[*]} " != *" $name "* ]]; then
    log "error: unknown benchmark '$name'; known: ${ALL[*]} ${OPTIONAL[*]}"
    exit 2
  fi
  if [[ " ${RUNTIME_BENCHMARKS//$'\n'/ } " == *" $name "* ]]; then
    NEEDS_RUNTIME=1
  fi
done

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  modules=bench
  if ((NEEDS_RUNTIME)); then
    modules=bench,dragon-cli
  fi
  log "building $modules (mvn -q -pl $modules -am package -DskipTests)"
  # (the sed drops the colour resets Maven prints even in batch mode)
  if ! (cd "$ROOT" && mvn -B -q -pl "$modules" -am package -DskipTests) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    log "error: the build failed (BENCH_SKIP_BUILD=1 runs the jar built last)"
    exit 1
  fi
fi
# (the classifier jar dragon-bench-*-hello-world.jar holds only HelloWorld)
JAR=$(ls "$ROOT"/bench/target/dragon-bench-*.jar 2>/dev/null | grep -v -- '-hello-world\.jar$' | head -n 1 || true)
HELLO_JAR=$(ls "$ROOT"/bench/target/dragon-bench-*-hello-world.jar 2>/dev/null | head -n 1 || true)
if [[ -z $JAR || -z $HELLO_JAR ]]; then
  log "error: no bench/target/dragon-bench-*.jar (or its -hello-world.jar); build it or unset BENCH_SKIP_BUILD"
  exit 1
fi
DRAGON="$ROOT/bin/dragon"
if ((NEEDS_RUNTIME)) && [[ ! -d $ROOT/dragon-cli/target/lib ]]; then
  log "error: the runtime is not built (no dragon-cli/target/lib); unset BENCH_SKIP_BUILD"
  exit 1
fi

# cpu_busy: percentage of all CPUs busy over the last 0.3 s (from /proc/stat).
cpu_busy() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep 0.3
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; all = busy + y[2] - x[2];
    printf "%d\n", (all > 0 ? 100 * busy / all : 0) }'
}

# wait_idle TAG: spinning benchmarks need both CPUs; wait up to BENCH_IDLE_WAIT seconds (default 10) for other
# processes to leave them (at most 25% busy), then run anyway and say so. All waits of a run share a budget of
# BENCH_IDLE_BUDGET seconds (default 60), so a busy machine stretches the run by a bounded amount.
IDLE_SAMPLES_LEFT=$(( ${BENCH_IDLE_BUDGET:-60} * 10 / 3 ))
wait_idle() {
  local busy samples=0 limit=$(( ${BENCH_IDLE_WAIT:-10} * 10 / 3 ))
  while busy=$(cpu_busy) && ((busy > 25)); do
    if ((samples >= limit || IDLE_SAMPLES_LEFT <= 0)); then
      log "  ($1: CPUs ${busy}% busy with other processes; running anyway, expect noise)"
      return 0
    fi
    samples=$((samples + 1))
    IDLE_SAMPLES_LEFT=$((IDLE_SAMPLES_LEFT - 1))
  done
}

# run_ping BENCHMARK TAG [key=value...]: runs one JVM pair; sets LINE to its "BENCH k=v ..." line.
run_ping() {
  local benchmark=$1 tag=$2
  shift 2
  wait_idle "$tag"
  local out="$WORK/$tag.out" err="$WORK/$tag.err"
  timeout -k 10 "$TIMEOUT" "$JAVA" "${JAVA_OPTS[@]}" -jar "$JAR" "$benchmark" ping "rid=${BASE}_$tag" "$@" \
    >"$out" 2>"$err" &
  CHILD=$!
  if ! wait "$CHILD"; then
    CHILD=""
    log "error: $benchmark ($tag) failed:"
    cat "$err" >&2
    return 1
  fi
  CHILD=""
  if ! LINE=$(grep -m 1 '^BENCH ' "$out"); then
    log "error: $benchmark ($tag) printed no result"
    cat "$err" >&2
    return 1
  fi
}

# field KEY: the value of KEY in LINE.
field() {
  local kv
  for kv in $LINE; do
    if [[ $kv == "$1="* ]]; then
      printf '%s\n' "${kv#*=}"
      return 0
    fi
  done
  log "error: no $1 in '$LINE'"
  return 1
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# fmt DECIMALS VALUE
fmt() { awk -v d="$1" -v x="$2" 'BEGIN { printf "%.*f\n", d, x }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'; }

# pair_ratios "OURS..." "PEERS...": logs each pair's ratio and their median. The printed ratio is the ratio of the
# medians; this one shows whether the machine changed state between pairs (see the notes at the top).
pair_ratios() {
  local -a o=($1) p=($2) r=()
  local i
  for i in "${!o[@]}"; do
    r+=("$(ratio "${o[$i]}" "${p[$i]}")")
  done
  log "  per-pair ratios: ${r[*]} (median $(fmt 3 "$(median "${r[@]}")"))"
}

# The headline channel figure polls trySend/tryRecv with Thread.onSpinWait(), exactly as the Agrona peer polls
# write/read; channel_rtt_waitmode_spin_us is the same ping-pong through send/recv with WaitMode.SPIN.
bench_channel_rtt_vs_agrona() {
  local i ours=() ours_p99=() api=() peer=() peer_p99=()
  for ((i = 1; i <= PAIRS; i++)); do
    run_ping channel-rtt "rtt_c$i" wait=poll
    ours+=("$(field median_us)") ours_p99+=("$(field p99_us)")
    run_ping agrona-rtt "rtt_a$i"
    peer+=("$(field median_us)") peer_p99+=("$(field p99_us)")
    run_ping channel-rtt "rtt_s$i" wait=spin
    api+=("$(field median_us)")
    log "  pair $i: channel ${ours[-1]} us (p99 ${ours_p99[-1]}), agrona ${peer[-1]} us (p99 ${peer_p99[-1]})," \
      "channel WaitMode.SPIN ${api[-1]} us"
  done
  local m p
  m=$(median "${ours[@]}") p=$(median "${peer[@]}")
  echo "result channel_rtt_us $(fmt 3 "$m") us"
  echo "result channel_rtt_p99_us $(fmt 3 "$(median "${ours_p99[@]}")") us"
  echo "result channel_rtt_waitmode_spin_us $(fmt 3 "$(median "${api[@]}")") us"
  echo "result agrona_rtt_us $(fmt 3 "$p") us"
  echo "result agrona_rtt_p99_us $(fmt 3 "$(median "${peer_p99[@]}")") us"
  pair_ratios "${ours[*]}" "${peer[*]}"
  echo "ratio channel_rtt_vs_agrona $(ratio "$m" "$p")"
}

bench_channel_throughput_vs_agrona() {
  local i ours=() peer=()
  for ((i = 1; i <= PAIRS; i++)); do
    run_ping channel-throughput "tput_c$i" wait=poll
    ours+=("$(field msgs_per_s)")
    run_ping agrona-throughput "tput_a$i"
    peer+=("$(field msgs_per_s)")
    log "  pair $i: channel ${ours[-1]} msgs/s, agrona ${peer[-1]} msgs/s"
  done
  local m p
  m=$(median "${ours[@]}") p=$(median "${peer[@]}")
  echo "result channel_throughput_msgs_per_s $(fmt 0 "$m") msgs/s"
  echo "result agrona_throughput_msgs_per_s $(fmt 0 "$p") msgs/s"
  pair_ratios "${ours[*]}" "${peer[*]}"
  echo "ratio channel_throughput_vs_agrona $(ratio "$m" "$p")"
}

bench_channel_rtt_blocking_us() {
  local i ours=() ours_p99=()
  for ((i = 1; i <= PAIRS; i++)); do
    run_ping channel-rtt "block_c$i" wait=sleep warmup=2000 rounds=20000 seconds=1
    ours+=("$(field median_us)") ours_p99+=("$(field p99_us)")
    log "  pair $i: channel (sleep) ${ours[-1]} us (p99 ${ours_p99[-1]})"
  done
  echo "result channel_rtt_blocking_us $(fmt 3 "$(median "${ours[@]}")") us"
  echo "result channel_rtt_blocking_p99_us $(fmt 3 "$(median "${ours_p99[@]}")") us"
}

bench_channel_bw_1mib_vs_memcpy() {
  local i ours=() peer=()
  for ((i = 1; i <= PAIRS; i++)); do
    run_ping channel-bw "bw_c$i" wait=adaptive
    ours+=("$(field gbps)")
    run_ping memcpy-bw "bw_m$i"
    peer+=("$(field gbps)")
    log "  pair $i: channel ${ours[-1]} GB/s, memcpy ${peer[-1]} GB/s"
  done
  local m p
  m=$(median "${ours[@]}") p=$(median "${peer[@]}")
  echo "result channel_bw_1mib_gbps $(fmt 3 "$m") GB/s"
  echo "result memcpy_1mib_gbps $(fmt 3 "$p") GB/s"
  pair_ratios "${ours[*]}" "${peer[*]}"
  echo "ratio channel_bw_1mib_vs_memcpy $(ratio "$m" "$p")"
}

# run_timed TAG COMMAND...: runs COMMAND (under timeout, stdin /dev/null, stdout and stderr to WORK/TAG.out and
# .err) and sets MS to its wall time in milliseconds, from just before the fork to just after it was reaped. Fails
# unless it exits with 0 and its stdout has the hello-world line.
run_timed() {
  local tag=$1 status=0 t0 t1
  shift
  local out="$WORK/$tag.out" err="$WORK/$tag.err"
  t0=${EPOCHREALTIME/[.,]/}
  timeout -k 10 "$TIMEOUT" "$@" </dev/null >"$out" 2>"$err" &
  CHILD=$!
  wait "$CHILD" || status=$?
  t1=${EPOCHREALTIME/[.,]/}
  CHILD=""
  if ((status != 0)) || ! grep -qx 'hello world' "$out"; then
    log "error: $tag: '$*' exited with $status (expected 0 and a line 'hello world'); its output:"
    cat "$out" "$err" >&2
    return 1
  fi
  MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1000 }')
}

# bin/dragon on the one-line program against plain java on the same jar, alternating (and alternating which goes
# first). The dragon figure is everything a user waits for: launcher, Local Services and Global Services JVMs up,
# the head JVM, its output forwarded, teardown.
bench_bringup_vs_java() {
  local i ours=() peer=() traced=() up
  for ((i = 1; i <= BRINGUP_RUNS; i++)); do
    wait_idle "bringup$i"
    if ((i % 2)); then
      bringup_dragon "$i"
      bringup_traced "$i"
      run_timed "bringup_j$i" "$JAVA" -jar "$HELLO_JAR"
      peer+=("$MS")
    else
      run_timed "bringup_j$i" "$JAVA" -jar "$HELLO_JAR"
      peer+=("$MS")
      bringup_traced "$i"
      bringup_dragon "$i"
    fi
    up=$(sed -n 's/.* up on .* in \([0-9]*\) ms .*/\1/p' "$WORK/bringup_d$i.err")
    log "  run $i: dragon ${ours[-1]} ms (runtime up after ${up:-?} ms), with --trace ${traced[-1]} ms," \
      "java ${peer[-1]} ms"
  done
  local m p t
  m=$(median "${ours[@]}") p=$(median "${peer[@]}") t=$(median "${traced[@]}")
  echo "result bringup_dragon_ms $(fmt 1 "$m") ms"
  echo "result bringup_java_ms $(fmt 1 "$p") ms"
  echo "result bringup_overhead_ms $(fmt 1 "$(awk -v a="$m" -v b="$p" 'BEGIN { print a - b }')") ms"
  echo "result bringup_overhead_traced_ms $(fmt 1 "$(awk -v a="$t" -v b="$p" 'BEGIN { print a - b }')") ms"
  echo "ratio bringup_vs_java $(ratio "$m" "$p")"
}

# One timed run of bin/dragon on the one-line program for bench_bringup_vs_java (run $1), and one with --trace.
bringup_dragon() {
  run_timed "bringup_d$1" "$DRAGON" --log-dir "$WORK/logs/bringup_d$1" "$HELLO_JAR"
  ours+=("$MS")
}

bringup_traced() {
  run_timed "bringup_t$1" "$DRAGON" --log-dir "$WORK/logs/bringup_t$1" --trace "$WORK/bringup_t$1.json" "$HELLO_JAR"
  traced+=("$MS")
}

# One runtime; its head, LaunchRate, alternates blocks of launches through Global Services and through
# ProcessBuilder and prints the result lines itself (the launcher forwards them); its progress goes to stderr.
bench_process_launch_vs_processbuilder() {
  local out="$WORK/launch.out" status=0 line
  wait_idle launch
  timeout -k 10 "$LAUNCH_TIMEOUT" "$DRAGON" --log-dir "$WORK/logs/launch" -cp "$JAR:$ROOT/bench/target/lib/*" \
    io.dragon.bench.LaunchRate "warmup=$LAUNCH_WARMUP" "count=$LAUNCH_COUNT" "blocks=$LAUNCH_BLOCKS" \
    </dev/null >"$out" &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=""
  if ((status != 0)); then
    log "error: process_launch_vs_processbuilder: bin/dragon exited with $status; its output:"
    cat "$out" >&2
    return 1
  fi
  for line in 'result process_launch_rate ' 'result processbuilder_launch_rate ' \
    'ratio process_launch_vs_processbuilder '; do
    if ! grep -q "^$line" "$out"; then
      log "error: process_launch_vs_processbuilder printed no '$line...' line; its output:"
      cat "$out" >&2
      return 1
    fi
  done
  if grep -q '^result process_launch_lost_exits ' "$out"; then
    log "  warning: Global Services lost exit reports; a join of those processes would never return"
  fi
  grep -E '^(result|ratio) ' "$out"
}

# api_result WHAT: runs ApiRates WHAT under bin/dragon, then the Python peer; sets OURS and PEER to their values
# and prints both result lines.
api_result() {
  local what=$1 out="$WORK/api_$1.out" peer_out="$WORK/api_$1.py.out" status=0
  wait_idle "api_$what"
  timeout -k 10 "$LAUNCH_TIMEOUT" "$DRAGON" --log-dir "$WORK/logs/api_$what" -cp "$JAR:$ROOT/bench/target/lib/*" \
    io.dragon.bench.ApiRates "$what" "warmup=$API_WARMUP" "blocks=$API_BLOCKS" </dev/null >"$out" &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=""
  if ((status != 0)) || ! grep -q '^result ' "$out"; then
    log "error: ApiRates $what: bin/dragon exited with $status; its output:"
    cat "$out" >&2
    return 1
  fi
  wait_idle "api_${what}_python"
  if ! timeout -k 10 "$LAUNCH_TIMEOUT" python3 "$ROOT/bench/python/mp_rates.py" "$what" "warmup=$API_WARMUP" "blocks=$API_BLOCKS" \
    </dev/null >"$peer_out"; then
    log "error: bench/python/mp_rates.py $what failed"
    return 1
  fi
  grep '^result ' "$out" "$peer_out" -h
  OURS=$(awk '/^result / { print $3; exit }' "$out")
  PEER=$(awk '/^result / { print $3; exit }' "$peer_out")
}

bench_queue_rtt_vs_python_mp() {
  api_result queue
  echo "ratio queue_rtt_vs_python_mp $(ratio "$OURS" "$PEER")"
}

bench_pool_task_rate_vs_python_mp() {
  api_result pool_task
  echo "ratio pool_task_rate_vs_python_mp $(ratio "$OURS" "$PEER")"
}

bench_pool_map_vs_python_mp() {
  api_result pool_map
  echo "ratio pool_map_vs_python_mp $(ratio "$OURS" "$PEER")"
}

bench_process_start_rate() {
  api_result process_start
}

# cluster: makes sure the test cluster of slurm/ is up with at least CLUSTER_NODES nodes (bringing it up if none
# is, and down at exit), and points Slurm's commands at it.
cluster() {
  local up
  up=$(cat "${DRAGON_SLURM_LAB:-/run/dragon-slurm}/nodes" 2>/dev/null || true)
  if [[ -z $up ]]; then
    log "  bringing up a test cluster of $CLUSTER_NODES nodes (slurm/cluster-up.sh $CLUSTER_NODES)"
    "$ROOT/slurm/cluster-up.sh" "$CLUSTER_NODES" >&2
    CLUSTER_STARTED=1
  elif ((up < CLUSTER_NODES)); then
    log "error: a test cluster of $up nodes is up; these benchmarks need $CLUSTER_NODES (slurm/cluster-down.sh first)"
    exit 1
  fi
  # shellcheck source=../slurm/cluster-env.sh
  . "$ROOT/slurm/cluster-env.sh"
}

bench_link_handshake_vs_connect() {
  local tls
  for tls in false true; do
    timeout -k 10 "$TIMEOUT" "$JAVA" -cp "$JAR:$ROOT/bench/target/lib/*" io.dragon.bench.LinkSetup \
      blocks="$API_BLOCKS" tls=$tls 2>"$WORK/link_setup_$tls.err" | grep -E '^(result|ratio) ' \
      | { if [[ $tls == true ]]; then grep -v ' tcp_connect_us '; else cat; fi; } \
      || { cat "$WORK/link_setup_$tls.err" >&2; return 1; }
  done
}

# 1,025 members hold ~3,100 descriptors at the peak (a listener each, both ends of 1,024 links in this JVM, and the
# links to the root while they register); the JVM raises its soft limit to the hard one (-XX:+MaxFDLimit).
bench_tree_1024() {
  local hard
  hard=$(ulimit -H -n)
  if [[ $hard != unlimited ]] && ((hard < 4096)); then
    log "error: tree_1024 needs 4,096 file descriptors; the hard limit (ulimit -H -n) is $hard"
    return 1
  fi
  timeout -k 10 "$TIMEOUT" "$JAVA" -Xms1g -Xmx1g -XX:+UseSerialGC -XX:-UsePerfData \
    -cp "$JAR:$ROOT/bench/target/lib/*" io.dragon.bench.TreeScale members=1024 fanout=32 rounds=5 threads=2 \
    2>"$WORK/tree_1024.err" | grep -E '^(result|ratio) ' || { cat "$WORK/tree_1024.err" >&2; return 1; }
  grep -v '^result ' "$WORK/tree_1024.err" >&2 || true
}

# offnode_dragon TAG WHAT [DRAGON OPTIONS...]: OffNode WHAT under a runtime on node1 and node2; sets LINE (its
# result line) and OURS (the value).
offnode_dragon() {
  local tag=$1 what=$2
  shift 2
  cluster
  LINE=$(timeout -k 10 "$TIMEOUT" salloc -Q -N2 -w node1,node2 "$DRAGON" "$@" --log-dir "$WORK/logs/$tag" \
    -cp "$JAR:$ROOT/bench/target/lib/*" io.dragon.bench.OffNode "$what" blocks="$API_BLOCKS" </dev/null \
    2>"$WORK/$tag.err" | grep '^result ') || { cat "$WORK/$tag.err" >&2; return 1; }
  OURS=$(awk '{ print $3 }' <<<"$LINE")
}

# offnode_pair WHAT: OffNode WHAT under a runtime on node1 and node2, then TcpPeer WHAT between the same nodes;
# sets OURS and PEER.
offnode_pair() {
  local what=$1 cp="$JAR:$ROOT/bench/target/lib/*" port=$((20000 + RANDOM % 20000))
  offnode_dragon "offnode_$what" "$what"
  echo "$LINE"
  LINE=$(timeout -k 10 "$TIMEOUT" salloc -Q -N2 -w node1,node2 bash -c "srun -Q -N1 -w node2 $JAVA -cp '$cp' \
    io.dragon.bench.TcpPeer server $port & srun -Q -N1 -w node1 $JAVA -cp '$cp' io.dragon.bench.TcpPeer $what \
    10.200.0.2 $port blocks=$API_BLOCKS; wait" </dev/null 2>"$WORK/tcp_$what.err" | grep '^result ') \
    || { cat "$WORK/tcp_$what.err" >&2; return 1; }
  PEER=$(awk '{ print $3 }' <<<"$LINE")
  echo "$LINE"
}

bench_offnode_rtt_vs_tcp() {
  offnode_pair rtt
  echo "ratio offnode_rtt_vs_tcp $(ratio "$OURS" "$PEER")"
}

bench_offnode_bw_vs_tcp() {
  offnode_pair bw
  echo "ratio offnode_bw_vs_tcp $(ratio "$OURS" "$PEER")"
}

bench_offnode_msgrate_vs_tcp() {
  offnode_pair msgrate
  echo "ratio offnode_msgrate_vs_tcp $(ratio "$OURS" "$PEER")"
}

bench_queue_offnode_rtt_vs_tcp() {
  local tcp
  offnode_pair rtt
  tcp=$PEER
  offnode_dragon queue_offnode_rtt queue
  echo "$LINE"
  echo "ratio queue_offnode_rtt_vs_tcp $(ratio "$OURS" "$tcp")"
}

# offnode_variant WHAT OURS BASE DRAGON_OPTIONS...: OffNode WHAT under a runtime with the options (named OURS) and
# under one with the TCP agent and no TLS (named BASE); prints both results and ratio offnode_WHAT_OURS_vs_BASE.
offnode_variant() {
  local what=$1 ours=$2 base=$3 baseline suffix unit digits
  shift 3
  if [[ $what == rtt ]]; then suffix=us unit=us digits=3; else suffix=mibs unit=MiB/s digits=1; fi
  offnode_dragon "offnode_${what}_$base" "$what" --transport tcp
  baseline=$OURS
  offnode_dragon "offnode_${what}_$ours" "$what" "$@"
  echo "result offnode_${what}_${ours}_$suffix $(fmt "$digits" "$OURS") $unit"
  echo "result offnode_${what}_${base}_$suffix $(fmt "$digits" "$baseline") $unit"
  echo "ratio offnode_${what}_${ours}_vs_$base $(ratio "$OURS" "$baseline")"
}

bench_offnode_rtt_tls_vs_plain() {
  offnode_variant rtt tls plain --tls
}

bench_offnode_rtt_ofi_vs_tcpagent() {
  offnode_variant rtt ofi tcpagent --transport ofi --provider tcp
}

bench_offnode_bw_ofi_vs_tcpagent() {
  offnode_variant bw ofi tcpagent --transport ofi --provider tcp
}

# node_cpu DIR: the CPU time the runtime spent on each node in the bin/dragon -N run logged in DIR, from the line
# "cpu_ms N" the node's runtime JVM logs last thing in backend-H.log (its watchdog's shell, about 1 ms, aside);
# node 0 is the H whose Local Services log says "(node 0 of". Prints node 0's figure, the mean of the other
# nodes', and the largest; fails if a runtime JVM logged no such line.
node_cpu() {
  local dir=$1 primary
  primary=$(grep -l ' (node 0 of ' "$dir"/local-services-*.log) || { log "error: no node 0 in $dir"; return 1; }
  primary=${primary##*/local-services-}
  awk -v primary="${primary%.log}" '
    FNR == 1 { host = FILENAME; sub(/.*\/backend-/, "", host); sub(/\.log$/, "", host); logged[host] = 0 }
    / cpu_ms [0-9]+$/ { cpu[host] += $NF; logged[host] = 1 }
    END {
      for (host in logged) if (!logged[host]) { print "error: no cpu_ms line in backend-" host ".log" > "/dev/stderr"; exit 1 }
      for (host in cpu) { if (host != primary) { others += cpu[host]; n++ } if (cpu[host] > max) max = cpu[host] }
      print cpu[primary], (n ? others / n : 0), max
    }' "$dir"/backend-*.log
}

# cluster_leftovers: fails, naming them, if a node of the test cluster runs anything but its slurmd (and a
# slurmstepd ending) or has anything in its /dev/shm (each node's own tmpfs, seen through its slurmd's root).
cluster_leftovers() {
  local k pid comm shm left=()
  for ((k = 1; k <= DRAGON_SLURM_NODES; k++)); do
    for pid in $(ip netns pids "dragon-node$k" 2>/dev/null); do
      comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
      [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || continue
      if [[ $comm == slurmd ]]; then
        shm=$(ls -A "/proc/$pid/root/dev/shm" 2>/dev/null | tr '\n' ' ' || true)
        [[ -z $shm ]] || left+=("node$k /dev/shm: $shm")
      elif [[ $comm != slurmstepd ]]; then
        left+=("node$k pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c 1-200 || true)")
      fi
    done
  done
  if ((${#left[@]})); then
    log "error: left on the nodes after the runs:"
    printf '  %s\n' "${left[@]}" >&2
    return 1
  fi
}

# bringup_vs_srun N: bin/dragon -N N on the one-line program vs srun -N N hostname, alternating, inside one
# allocation of CLUSTER_NODES nodes; each dragon run must print the program's line, and nothing may be left on the
# nodes after. Prints the wall times' medians and sets OURS and PEER to them, and CPU_NODE0, CPU_OTHERS and
# CPU_MAX to the medians over runs of node_cpu's figures.
bringup_vs_srun() {
  local n=$1 script="$WORK/bringup_$1.sh"
  cluster
  cat >"$script" <<SCRIPT
for ((i = 1; i <= $MULTI_RUNS; i++)); do
  t0=\${EPOCHREALTIME/[.,]/}
  "$DRAGON" -N $n --log-dir "$WORK/logs/bringup_${n}_\$i" "$HELLO_JAR" </dev/null >"$WORK/bringup_${n}_d\$i.out" \
    2>"$WORK/bringup_${n}_d\$i.err" || { echo "error: dragon -N $n failed" >&2; cat "$WORK/bringup_${n}_d\$i.err" >&2; exit 1; }
  t1=\${EPOCHREALTIME/[.,]/}
  grep -qx 'hello world' "$WORK/bringup_${n}_d\$i.out" || { echo "error: dragon -N $n: no 'hello world' from the head" >&2; exit 1; }
  srun -Q -N $n hostname >/dev/null || exit 1
  t2=\${EPOCHREALTIME/[.,]/}
  echo "run \$i \$(( (t1 - t0) / 1000 )) \$(( (t2 - t1) / 1000 ))"
done
SCRIPT
  local ours=() peer=() node0=() others=() max=() line cpu
  while read -r line; do
    set -- $line
    ours+=("$3") peer+=("$4")
    cpu=$(node_cpu "$WORK/logs/bringup_${n}_$2") || return 1
    set -- $line $cpu
    node0+=("$5") others+=("$6") max+=("$7")
    log "  run $2: dragon -N $n $3 ms, srun -N $n hostname $4 ms; runtime CPU per node: node 0 $5 ms," \
      "others $(fmt 0 "$6") ms (mean), busiest $7 ms"
  done < <(timeout -k 10 $((TIMEOUT * MULTI_RUNS)) salloc -Q -N "$CLUSTER_NODES" bash "$script" </dev/null)
  if ((${#ours[@]} != MULTI_RUNS)); then
    log "error: bringup_$n: only ${#ours[@]} of $MULTI_RUNS runs finished"
    return 1
  fi
  cluster_leftovers
  OURS=$(median "${ours[@]}") PEER=$(median "${peer[@]}")
  CPU_NODE0=$(median "${node0[@]}") CPU_OTHERS=$(median "${others[@]}") CPU_MAX=$(median "${max[@]}")
  echo "result bringup_${n}_ms $(fmt 1 "$OURS") ms"
  echo "result srun_${n}_ms $(fmt 1 "$PEER") ms"
}

bench_bringup_3_vs_srun() {
  bringup_vs_srun 3
  echo "ratio bringup_3_vs_srun $(ratio "$OURS" "$PEER")"
  echo "result bringup_cpu_ms_per_node $(fmt 0 "$CPU_MAX") ms"
  echo "result bringup_cpu_ms_node0 $(fmt 0 "$CPU_NODE0") ms"
  echo "result bringup_cpu_ms_other_nodes $(fmt 0 "$CPU_OTHERS") ms"
}

bench_bringup_8_vs_srun() {
  bringup_vs_srun 8
  echo "ratio bringup_8_vs_srun $(ratio "$OURS" "$PEER")"
}

# mem_used_mib: the machine's memory in use (MemTotal - MemAvailable), MiB.
mem_used_mib() {
  awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { printf "%d\n", (t - a) / 1024 }' /proc/meminfo
}

# bringup_vs_srun on a cluster of 32 nodes (one this run brought up with fewer goes down first), at most 3 runs,
# while a sampler (every 0.2 s, until WORK goes) keeps the peak of mem_used_mib; no ratio: on a few shared CPUs the
# times measure the CPUs. The tree's root gives its links 60 s, not 5, to authenticate: 64 JVMs booting on 2 vCPUs
# leave some backends without a CPU for longer than 5 s between connecting and their proof.
bench_bringup_32() {
  local CLUSTER_NODES=32 MULTI_RUNS=$((MULTI_RUNS < 3 ? MULTI_RUNS : 3)) up idle sampler peak="$WORK/mem_peak"
  local -x DRAGON_JAVA_OPTS="-Ddragon.link.handshake.timeout.ms=60000 ${DRAGON_JAVA_OPTS:-}"
  up=$(cat "${DRAGON_SLURM_LAB:-/run/dragon-slurm}/nodes" 2>/dev/null || true)
  if ((CLUSTER_STARTED)) && [[ -n $up ]] && ((up < CLUSTER_NODES)); then
    log "  taking down the test cluster of $up nodes this run brought up"
    "$ROOT/slurm/cluster-down.sh" >&2
    CLUSTER_STARTED=0
  fi
  cluster
  sleep 1
  idle=$(mem_used_mib)
  echo "$idle" >"$peak"
  (most=$idle
  while [[ -d $WORK ]]; do
    m=$(mem_used_mib)
    if ((m > most)); then most=$m; echo "$m" >"$peak"; fi
    sleep 0.2
  done 2>/dev/null) &
  sampler=$!
  bringup_vs_srun 32
  kill "$sampler"
  wait "$sampler" || true
  log "  memory in use: $idle MiB before the runs, at most $(cat "$peak") MiB during them"
  echo "result bringup_32_mem_mib $(($(cat "$peak") - idle)) MiB"
}

# The DDict benchmarks: DDictRates as the head of bin/dragon against HazelcastRates (embedded Hazelcast members, an
# IMap), both timing the same MapRates. Hazelcast keeps the entries on its JVM's heap (up to 256 MiB of values, and
# the replaced ones until collected), hence the 2 GiB heap; DDict keeps them in its managers' pools, off every heap.
HZ_JAVA_OPTS=(-Xms2g -Xmx2g -XX:-UsePerfData)

# run_result TAG COMMAND...: runs COMMAND (under timeout, stdin /dev/null, stdout and stderr to WORK/TAG.out and
# .err); prints its first result line and sets VALUE to its value. Fails unless it exits with 0 and prints one.
run_result() {
  local tag=$1 status=0
  shift
  wait_idle "$tag"
  timeout -k 10 "$LAUNCH_TIMEOUT" "$@" </dev/null >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=""
  if ((status != 0)) || ! LINE=$(grep -m 1 '^result ' "$WORK/$tag.out"); then
    log "error: $tag: '$*' exited with $status; its output:"
    cat "$WORK/$tag.out" "$WORK/$tag.err" >&2
    return 1
  fi
  echo "$LINE"
  VALUE=$(awk '{ print $3 }' <<<"$LINE")
}

# ddict_run TAG NODES ARGS...: DDictRates ARGS as the head of bin/dragon on this machine (NODES 1) or on node1 to
# nodeNODES of the test cluster (the head, so every client thread, on node1).
ddict_run() {
  local tag=$1 nodes=$2
  shift 2
  local dragon=("$DRAGON")
  if ((nodes > 1)); then
    cluster
    dragon=(salloc -Q -N "$nodes" -w "node[1-$nodes]" "$DRAGON" -N "$nodes")
  fi
  run_result "$tag" "${dragon[@]}" --log-dir "$WORK/logs/$tag" -cp "$JAR:$ROOT/bench/target/lib/*" \
    io.dragon.bench.DDictRates "$@"
}

# hazelcast_run TAG NODES ARGS...: HazelcastRates ARGS in one JVM on this machine (NODES 1), or on node1 with a
# member on each other node up to nodeNODES, each started by srun as TcpPeer's ends are; the members exit when
# node1's shuts the cluster down (and are killed after it in any case).
hazelcast_run() {
  local tag=$1 nodes=$2 k members script="$WORK/$1.sh"
  shift 2
  local java=("$JAVA" "${HZ_JAVA_OPTS[@]}" -cp "$JAR:$ROOT/bench/target/lib/*" io.dragon.bench.HazelcastRates)
  if ((nodes == 1)); then
    run_result "$tag" "${java[@]}" "$@" members=127.0.0.1
    return
  fi
  cluster
  members=$(seq -s , -f "$DRAGON_NETWORK_PREFIX%g" 1 "$nodes")
  {
    for ((k = 2; k <= nodes; k++)); do
      echo "srun -Q -N1 -w node$k ${java[*]@Q} member members=$members &"
    done
    echo "srun -Q -N1 -w node1 ${java[*]@Q} ${*@Q} members=$members"
    echo 'status=$?; kill $(jobs -p) 2>/dev/null; wait; exit $status'
  } >"$script"
  run_result "$tag" salloc -Q -N "$nodes" -w "node[1-$nodes]" bash "$script"
}

# ddict_vs_hazelcast OP NODES SIZE...: for each value size (bytes), DDictRates then HazelcastRates OP with
# DDICT_THREADS client threads, on NODES nodes; prints both results and ratio ddict_OP_rate[_Nn]_SIZE_vs_hazelcast.
ddict_vs_hazelcast() {
  local op=$1 nodes=$2 size name ours
  shift 2
  for size in "$@"; do
    name=${op}_rate
    if ((nodes > 1)); then name+=_${nodes}n; fi
    if ((size % 1024 == 0)); then name+=_$((size / 1024))kib; else name+=_${size}b; fi
    local args=("$op" "value=$size" "threads=$DDICT_THREADS" "warmup=$API_WARMUP" "blocks=$API_BLOCKS")
    ddict_run "ddict_$name" "$nodes" "${args[@]}" "name=ddict_$name"
    ours=$VALUE
    hazelcast_run "hazelcast_$name" "$nodes" "${args[@]}" "name=hazelcast_$name"
    echo "ratio ddict_${name}_vs_hazelcast $(ratio "$ours" "$VALUE")"
  done
}

bench_ddict_get_rate_vs_hazelcast() {
  ddict_vs_hazelcast get 1 64 65536
}

bench_ddict_put_rate_vs_hazelcast() {
  ddict_vs_hazelcast put 1 64 65536
}

bench_ddict_get_rate_3n_vs_hazelcast() {
  ddict_vs_hazelcast get 3 64 65536
}

bench_ddict_put_rate_3n_vs_hazelcast() {
  ddict_vs_hazelcast put 3 64 65536
}

bench_ddict_putall_rate_vs_hazelcast() {
  ddict_vs_hazelcast putall 1 64
}

# One runtime persists a DDict of 64 KiB values to a directory of the run's, a second one restores it from there.
bench_ddict_persist_restore() {
  local dir="$WORK/ddict_persist" args=(value=65536 warmup=1 "blocks=$API_BLOCKS")
  ddict_run ddict_persist 1 persist "dir=$dir" "${args[@]}"
  ddict_run ddict_restore 1 restore "dir=$dir" "${args[@]}"
  rm -rf "$dir"
}

# One runtime on node1 and node2; Soak prints the result lines itself (the launcher forwards them).
bench_soak() {
  local out="$WORK/soak.out" status=0
  cluster
  timeout -k 10 "$SOAK_TIMEOUT" salloc -Q -N2 -w node1,node2 "$DRAGON" --log-dir "$WORK/logs/soak" \
    -cp "$JAR:$ROOT/bench/target/lib/*" io.dragon.bench.Soak "processes=$SOAK_PROCESSES" \
    "concurrency=$SOAK_CONCURRENCY" </dev/null >"$out" 2>"$WORK/soak.err" &
  CHILD=$!
  wait "$CHILD" || status=$?
  CHILD=""
  if ((status != 0)) || ! grep -q '^result soak_messages_lost ' "$out"; then
    log "error: soak: bin/dragon exited with $status; its output:"
    cat "$out" "$WORK/soak.err" >&2
    return 1
  fi
  grep -E '^result ' "$out"
}

# describe NAME: what one benchmark runs, for the progress line.
describe() {
  case $1 in
    bringup_vs_java) echo "$BRINGUP_RUNS runs of each" ;;
    process_launch_vs_processbuilder)
      echo "one runtime, $LAUNCH_BLOCKS blocks of $LAUNCH_COUNT launches each way after $LAUNCH_WARMUP" ;;
    link_handshake_vs_connect) echo "one JVM, $API_BLOCKS blocks of 200 links of each, plain and TLS" ;;
    tree_1024) echo "one JVM, 1,025 tree members, 5 rounds of each broadcast after 2" ;;
    offnode_rtt_tls_vs_plain) echo "two runtimes on 2 nodes, with and without TLS, $API_BLOCKS blocks each" ;;
    offnode_*_ofi_vs_tcpagent)
      echo "two runtimes on 2 nodes, libfabric's and the TCP transport agent, $API_BLOCKS blocks each" ;;
    offnode_*) echo "a runtime on 2 nodes and one TCP pair, $API_BLOCKS blocks each" ;;
    queue_offnode_rtt_vs_tcp)
      echo "two runtimes on 2 nodes (channels, then Queues) and one TCP pair, $API_BLOCKS blocks each" ;;
    bringup_*_vs_srun) echo "$MULTI_RUNS runs of each" ;;
    bringup_32) echo "at most 3 runs of each on 32 nodes" ;;
    soak) echo "one runtime on 2 nodes, $SOAK_PROCESSES processes, $SOAK_CONCURRENCY at a time" ;;
    ddict_*_3n_vs_hazelcast)
      echo "runtimes and Hazelcast clusters on 3 nodes, 64 B and 64 KiB, $API_BLOCKS blocks each after $API_WARMUP" ;;
    ddict_putall_*) echo "one runtime and one Hazelcast member, $API_BLOCKS blocks each after $API_WARMUP" ;;
    ddict_*_vs_hazelcast)
      echo "runtimes and Hazelcast members, 64 B and 64 KiB, $API_BLOCKS blocks each after $API_WARMUP" ;;
    ddict_persist_restore) echo "two runtimes, $API_BLOCKS persists, then $API_BLOCKS restores, after one each" ;;
    *_python_mp | process_start_rate)
      echo "one runtime and one python3, $API_BLOCKS blocks each after $API_WARMUP" ;;
    *) echo "$PAIRS JVM pairs" ;;
  esac
}

for name in "${NAMES[@]}"; do
  read -r load1 _ </proc/loadavg
  log "$name: $(describe "$name") (load average $load1 on $(nproc) CPUs)"
  SECONDS=0
  "bench_$name"
  log "$name: done in ${SECONDS}s"
done
