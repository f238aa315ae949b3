#!/usr/bin/env python3
"""Runs a command and prints "SECONDS PEAK_RSS_MIB" (wall time; the largest resident set of
any process it waited for). The command's own output goes to /dev/null.

Usage: timeit.py COMMAND [ARG...]
"""
import resource
import subprocess
import sys
import time

start = time.monotonic()
result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.monotonic() - start
if result.returncode != 0:
    sys.exit(f"timeit: {' '.join(sys.argv[1:])} exited {result.returncode}")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak:.0f}")
