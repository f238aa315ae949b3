#!/usr/bin/env bash
# The per-customer fixed cost: a tree of many tiny customers (two small files each), backed up
# on a first night (every customer new: keys created) and a second night. Prints wall time, CPU
# time (user + system) and the store's bytes on disk. Release build, warm page cache.
#
#   scripts/bench-tiny.sh [CUSTOMERS]        (default 20000; the tree is cached in bench-data/)
#
# LETHE_BASELINE=/path/to/lethe runs another build of lethe on the same tree in the same run
# (say, the commit before a change) and prints the ratios; LETHE_BIN=/path/to/lethe measures
# that build instead of building this checkout. RESTIC_BIN=/path/to/restic backs the same tree
# up twice with restic too (a fresh repository, same two nights) and prints Lethe's ratio to it
# (../shared/bench/get_restic.sh fetches restic 0.18).
#
# Leave two minutes between runs: on a journal-less ext4 every file created in the minutes after
# many were removed (this script removes its homes and restic's repository when it ends) walks
# past the freed inodes (`recently_deleted`), which costs Lethe (a file per customer a night)
# and hardly restic.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-20000}"
bash scripts/setup.sh

data="bench-data/tiny-$customers/source"
if [ ! -d "$data" ]; then
  echo "Generating $customers tiny customers…"
  python3 - "$data" "$customers" <<'PY'
import os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261130)
for n in range(count):
    folder = os.path.join(root, f"customer-{n:06d}")
    os.makedirs(folder)
    with open(os.path.join(folder, "profile.json"), "w") as f:
        f.write('{"name": "customer %d", "plan": "%s", "seats": %d}\n' % (n, rng.choice(["free", "team", "pro"]), rng.randint(1, 50)))
    with open(os.path.join(folder, "notes.md"), "w") as f:
        f.write("# Notes\n\n" + " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "invoice", "backup"]) for _ in range(rng.randint(20, 200))) + "\n")
PY
fi

if [ -n "${LETHE_BIN:-}" ]; then
  lethe="$LETHE_BIN"  # a build made elsewhere (say, a commit checked out beside this one)
else
  scratch="${LETHE_SCRATCH:-.build}"
  case "$scratch" in /*) ;; *) scratch="$PWD/$scratch" ;; esac
  swift build -c release --product lethe --quiet --scratch-path "$scratch" 2>&1 | grep -v "mktemp" >&2 || true
  lethe="$scratch/release/lethe"
fi
[ -x "$lethe" ] || { echo "bench-tiny: no release build at $lethe" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-bench-tiny.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -cf - -C "$data" . > /dev/null  # read the tree once: every run starts warm

# measure BINARY NAME: two nights on a fresh home; prints "NAME night1 cpu1 night2 cpu2 bytes".
measure() {
  local binary="$1" name="$2" home="$work/$2"
  LETHE_NOW=2026-11-02T01:00:00Z "$binary" init --home "$home" --source "$data" >/dev/null
  python3 - "$binary" "$home" "$name" <<'PY'
import os, resource, subprocess, sys, time
binary, home, name = sys.argv[1:]
figures = []
for night in ("2026-11-03T01:00:00Z", "2026-11-04T01:00:00Z"):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([binary, "backup", "--home", home], env=dict(os.environ, LETHE_NOW=night),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures += [elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)]
used = int(subprocess.run(["du", "-sB1", os.path.join(home, "store")], capture_output=True, text=True).stdout.split()[0])
print(name, *(f"{x:.2f}" for x in figures), used)
PY
}

# measure_restic: the same two nights with restic on a fresh repository; the same row shape.
measure_restic() {
  local repo="$work/restic"
  RESTIC_PASSWORD=bench "$RESTIC_BIN" init --repo "$repo" --quiet >/dev/null
  python3 - "$RESTIC_BIN" "$repo" "$data" <<'PY'
import os, resource, subprocess, sys, time
binary, repo, data = sys.argv[1:]
figures = []
for night in (1, 2):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([binary, "backup", "--repo", repo, "--quiet", data], env=dict(os.environ, RESTIC_PASSWORD="bench"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures += [elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)]
used = int(subprocess.run(["du", "-sB1", repo], capture_output=True, text=True).stdout.split()[0])
print("restic", *(f"{x:.2f}" for x in figures), used)
PY
}

rows=$(measure "$lethe" lethe)
if [ -n "${LETHE_BASELINE:-}" ]; then rows+=$'\n'"$(measure "$LETHE_BASELINE" baseline)"; fi
if [ -n "${RESTIC_BIN:-}" ]; then rows+=$'\n'"$(measure_restic)"; fi
python3 - "$customers" "$(nproc)" <<PY
import sys
rows = [line.split() for line in """$rows""".splitlines()]
print(f"Lethe, {sys.argv[1]} tiny customers (2 files each); {sys.argv[2]} cores; warm, one run each")
print(f"  {'build':<9} {'night 1':>9} {'CPU':>8} {'night 2':>9} {'CPU':>8} {'store on disk':>15}")
for name, n1, c1, n2, c2, used in rows:
    print(f"  {name:<9} {n1:>8}s {c1:>7}s {n2:>8}s {c2:>7}s {int(used)/1e6:>12.1f} MB")
for a in rows[:1]:
    for b in rows[1:]:
        print(f"  ratio lethe/{b[0]}: night 1 {float(a[1])/float(b[1]):.2f}, night 2 {float(a[3])/float(b[3]):.2f}")
PY
