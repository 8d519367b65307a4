#!/usr/bin/env python3
"""Python multiprocessing peer of io.dragon.bench.ApiRates (bench/run.sh): the same measurements, standard
library only. usage: mp_rates.py WHAT [warmup=5] [blocks=5]; WHAT: queue | pool_task | pool_map | process_start.
Prints 'result python_mp_<name> <median> <unit>' on stdout, the median over blocks after the warm-up blocks;
progress on stderr."""
import multiprocessing as mp
import statistics
import sys
import time

RTT_ROUNDS = 20_000
TASKS = 20_000
MAP_TASKS = 200_000
STARTS = 10
WARMUP = 5


def increment(x):
    return x + 1


def echo(ping, pong):
    while True:
        message = ping.get()
        if not message:
            return
        pong.put(message)


def nothing():
    pass


def queue_rtt(blocks):
    ping, pong = mp.Queue(), mp.Queue()
    worker = mp.Process(target=echo, args=(ping, pong))
    worker.start()
    message = bytes(64)
    values = []
    for block in range(-WARMUP, blocks):
        start = time.perf_counter()
        for _ in range(RTT_ROUNDS):
            ping.put(message)
            pong.get()
        if block >= 0:
            values.append((time.perf_counter() - start) * 1e6 / RTT_ROUNDS)
            print(f"  python queue block {block + 1}: {values[-1]:.3f} us", file=sys.stderr)
    ping.put(b"")
    worker.join()
    return values


def pool_rate(blocks, count, chunk):
    values = []
    inputs = list(range(count))
    with mp.Pool(2) as pool:
        for block in range(-WARMUP, blocks):
            start = time.perf_counter()
            results = pool.map(increment, inputs, chunksize=chunk) if chunk else pool.map(increment, inputs)
            seconds = time.perf_counter() - start
            assert results[-1] == count
            if block >= 0:
                values.append(count / seconds)
                print(f"  python pool block {block + 1}: {values[-1]:.0f} tasks/s", file=sys.stderr)
    return values


def process_starts(blocks):
    values = []
    for block in range(-WARMUP, blocks):
        start = time.perf_counter()
        for _ in range(STARTS):
            process = mp.Process(target=nothing)
            process.start()
            process.join()
        if block >= 0:
            values.append(STARTS / (time.perf_counter() - start))
            print(f"  python process start block {block + 1}: {values[-1]:.1f} processes/s", file=sys.stderr)
    return values


def main():
    global WARMUP
    what = sys.argv[1]
    blocks = 5
    for arg in sys.argv[2:]:
        if arg.startswith("blocks="):
            blocks = int(arg.split("=", 1)[1])
        elif arg.startswith("warmup="):
            WARMUP = int(arg.split("=", 1)[1])
    runs = {
        "queue": (lambda: queue_rtt(blocks), "queue_rtt_us", "us"),
        "pool_task": (lambda: pool_rate(blocks, TASKS, 1), "pool_task_rate", "tasks/s"),
        "pool_map": (lambda: pool_rate(blocks, MAP_TASKS, 0), "pool_map_rate", "tasks/s"),
        "process_start": (lambda: process_starts(blocks), "process_start_rate", "processes/s"),
    }
    run, name, unit = runs[what]
    print(f"result python_mp_{name} {statistics.median(run()):.3f} {unit}")


if __name__ == "__main__":
    main()
