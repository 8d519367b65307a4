#!/usr/bin/env bash
# Two-process benchmarks of the shared-memory channel, each against a peer measured in the same run.
#
# usage: bench/run.sh [NAME...]        runs the named benchmarks, all of them when no NAME is given
#   channel_rtt_vs_agrona          64 B ping-pong RTT, busy spin: Channel vs Agrona OneToOneRingBuffer
#   channel_throughput_vs_agrona   64 B one-way messages/s: Channel vs Agrona OneToOneRingBuffer
#   channel_rtt_blocking_us        64 B ping-pong RTT, both sides WaitMode.SLEEP (futex), no peer
#   channel_bw_1mib_vs_memcpy      1 MiB messages (side allocations) GB/s, both sides WaitMode.ADAPTIVE (the
#                                  default), vs a 1 MiB memcpy between two direct buffers in one process
#
# Each benchmark runs in BENCH_PAIRS separate JVM pairs (default 5; a pair is one ping JVM that starts one pong
# JVM), ours and the peer alternating, and reports the median over pairs. stdout holds only the lines
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
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PAIRS=${BENCH_PAIRS:-5}
TIMEOUT=${BENCH_TIMEOUT:-120}
JAVA=${BENCH_JAVA:-java}
ALL=(channel_rtt_vs_agrona channel_throughput_vs_agrona channel_rtt_blocking_us channel_bw_1mib_vs_memcpy)
# Every pool (/dev/shm/dragon-<rid>-<muid>) and Agrona file (/dev/shm/<rid>-agrona) of this run starts with BASE.
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
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! [[ $PAIRS =~ ^[1-9][0-9]*$ ]]; then
  log "error: BENCH_PAIRS must be a positive integer, got '$PAIRS'"
  exit 2
fi
NAMES=("$@")
if ((${#NAMES[@]} == 0)); then
  NAMES=("${ALL[@]}")
fi
for name in "${NAMES[@]}"; do
  if [[ " ${ALL[*]} " != *" $name "* ]]; then
    log "error: unknown benchmark '$name'; known: ${ALL[*]}"
    exit 2
  fi
done

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  log "building bench (mvn -q -pl bench -am package -DskipTests)"
  # (the sed drops the colour resets Maven prints even in batch mode)
  if ! (cd "$ROOT" && mvn -B -q -pl bench -am package -DskipTests) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    log "error: the build failed (BENCH_SKIP_BUILD=1 runs the jar built last)"
    exit 1
  fi
fi
JAR=$(ls "$ROOT"/bench/target/dragon-bench-*.jar 2>/dev/null | head -n 1 || true)
if [[ -z $JAR ]]; then
  log "error: no bench/target/dragon-bench-*.jar; build it or unset BENCH_SKIP_BUILD"
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

for name in "${NAMES[@]}"; do
  read -r load1 _ </proc/loadavg
  log "$name: $PAIRS JVM pairs (load average $load1 on $(nproc) CPUs)"
  SECONDS=0
  "bench_$name"
  log "$name: done in ${SECONDS}s"
done
