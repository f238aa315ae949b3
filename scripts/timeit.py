#!/usr/bin/env python3
"""Runs a command and prints "SECONDS PEAK_RSS_MIB" (wall time; the largest resident set of
any process it waited for). The command's own output goes to /dev/null.

With --cpu first, prints "SECONDS CPU_SECONDS" instead: wall time and the user + system time
of the command (and what it waited for), which a machine shared with other work disturbs less.

Usage: timeit.py [--cpu] COMMAND [ARG...]
"""
import resource
import subprocess
import sys
import time

cpu = sys.argv[1:2] == ["--cpu"]
command = sys.argv[2:] if cpu else sys.argv[1:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.monotonic() - start
if result.returncode != 0:
    sys.exit(f"timeit: {' '.join(command)} exited {result.returncode}")
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if cpu:
    used = (usage.ru_utime - before.ru_utime) + (usage.ru_stime - before.ru_stime)
    print(f"{elapsed:.3f} {used:.3f}")
else:
    print(f"{elapsed:.3f} {usage.ru_maxrss / 1024:.0f}")
