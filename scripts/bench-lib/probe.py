#!/usr/bin/python3
"""Small timing probes for scripts/bench; each prints one line of numbers (milliseconds).

  probe.py randread PATH FILE_BYTES BLOCK_BYTES SAMPLES SEED
      pread of 4 KiB and of 64 KiB at random offsets, each in a block of BLOCK_BYTES that no
      other sample touches (on a fresh mount with an empty cache, every read is cold).
      Opens with O_DIRECT when the filesystem allows it, else with POSIX_FADV_RANDOM.
      Prints: p50_4k p99_4k p50_64k p99_64k mode
  probe.py ttfb PATH...
      open + read of 1 byte of each path, in turn. Prints: median max
  probe.py curlrange URL HEADER_FILE FILE_BYTES SAMPLES SEED
      `curl -r a-b` of 64 KiB at random offsets, %{time_total} of each. Prints: p50 p99
  probe.py gaps PATH
      reads PATH from start to end in 1 MiB reads. Prints: wall_ns longest_read_ms
  probe.py cpu LIMIT PIDS -- COMMAND...
      runs COMMAND (its output to /dev/null) for at most LIMIT seconds; PIDS: comma-separated
      processes already running (a daemon, a server). Prints: wall_ns command_cpu_s and the
      CPU seconds each of PIDS used meanwhile (user + system, all threads)
"""
import mmap
import os
import random
import resource
import statistics
import subprocess
import sys
import time


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def randread(path, file_bytes, block, samples, seed):
    rng = random.Random(seed)
    blocks = file_bytes // block
    samples = max(1, min(samples, blocks // 2))
    chosen = rng.sample(range(blocks), 2 * samples)
    buf = mmap.mmap(-1, 64 << 10)  # page aligned, as O_DIRECT wants
    mode = "O_DIRECT"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    except OSError:
        fd, mode = os.open(path, os.O_RDONLY), "fadvise-random"
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    results = {}
    try:
        for size, picks in ((4 << 10, chosen[:samples]), (64 << 10, chosen[samples:])):
            times = []
            view = memoryview(buf)[:size]
            for b in picks:
                off = b * block + rng.randrange(0, (block - size) // 4096 + 1) * 4096
                start = time.perf_counter()
                try:
                    n = os.preadv(fd, [view], off)
                except OSError:
                    if mode != "O_DIRECT":
                        raise
                    # O_DIRECT refused at read time: fall back for the rest of the run.
                    os.close(fd)
                    fd, mode = os.open(path, os.O_RDONLY), "fadvise-random"
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
                    start = time.perf_counter()
                    n = os.preadv(fd, [view], off)
                times.append((time.perf_counter() - start) * 1e3)
                if n != size:
                    sys.exit(f"randread: short read of {n} bytes at {off}")
            results[size] = times
    finally:
        os.close(fd)
    a, b = results[4 << 10], results[64 << 10]
    print(f"{pct(a, 50):.3f} {pct(a, 99):.3f} {pct(b, 50):.3f} {pct(b, 99):.3f} {mode}")


def ttfb(paths):
    times = []
    for path in paths:
        start = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            if len(f.read(1)) != 1:
                sys.exit(f"ttfb: {path} gave no byte")
        times.append((time.perf_counter() - start) * 1e3)
    print(f"{statistics.median(times):.3f} {max(times):.3f}")


def curlrange(url, header_file, file_bytes, samples, seed):
    rng = random.Random(seed)
    times = []
    size = 64 << 10
    for _ in range(samples):
        a = rng.randrange(0, (file_bytes - size) // 4096 + 1) * 4096
        out = subprocess.run(["curl", "-s", "-f", "--max-time", "10", "-H", "@" + header_file,
                              "-r", f"{a}-{a + size - 1}", "-o", "/dev/null", "-w", "%{time_total}", url],
                             capture_output=True, text=True, timeout=15)
        if out.returncode != 0:
            sys.exit(f"curlrange: curl exited {out.returncode}")
        times.append(float(out.stdout) * 1e3)
    print(f"{pct(times, 50):.3f} {pct(times, 99):.3f}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu(limit, pids, command):
    pids = [p for p in pids.split(",") if p]
    before = [cpu_seconds(p) for p in pids]
    start = time.perf_counter_ns()
    child = subprocess.run(command, stdout=subprocess.DEVNULL, timeout=limit)
    wall = time.perf_counter_ns() - start
    if child.returncode != 0:
        sys.exit(f"cpu: {command[0]} exited {child.returncode}")
    after = [cpu_seconds(p) for p in pids]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = " ".join(f"{b - a:.2f}" for a, b in zip(before, after))
    print(f"{wall} {usage.ru_utime + usage.ru_stime:.2f} {used}")

def gaps(path):
    longest = 0.0
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while True:
            before = time.perf_counter()
            if not f.read(1 << 20):
                break
            longest = max(longest, time.perf_counter() - before)
    print(f"{int((time.perf_counter() - start) * 1e9)} {longest * 1e3:.3f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "randread":
        randread(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    elif cmd == "ttfb":
        ttfb(args)
    elif cmd == "gaps":
        gaps(args[0])
    elif cmd == "curlrange":
        curlrange(args[0], args[1], int(args[2]), int(args[3]), int(args[4]))
    elif cmd == "cpu" and len(args) > 3 and args[2] == "--":
        cpu(int(args[0]), args[1], args[3:])
    else:
        sys.exit(__doc__)
