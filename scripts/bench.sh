#!/usr/bin/env bash
# Benchmarks `lethe backup` and a single-customer restore against the physical reference on the
# same tree in one run: `tar -cf - | zstd -3 -T0 > /dev/null` for the backup, and
# `zstd -dc | tar -x` of the same customer's folder for the restore. Prints times, ratios and
# Lethe's peak memory. Release build.
#
#   scripts/bench.sh [small|medium|tiny]      (default: medium; data cached in bench-data/)
#
# Set BENCH_COLD=1 to drop the page cache before every timed run (needs root); otherwise the
# figures are warm (the tree was just read) and say so. LETHE_BIN=/path/to/lethe measures that
# build instead of building this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-medium}"
shared="${LETHE_SHARED:-$(cd .. && pwd)/shared}"
bash scripts/setup.sh

data="bench-data/$preset"
if [ ! -d "$data/source" ]; then
  echo "Generating the $preset dataset…"
  mkdir -p "$data"
  python3 "$shared/bench/gen_dataset.py" "$data/source" --preset "$preset" >/dev/null
fi
# A statically linked Swift runtime (as a deployment would ship it) starts ~10 ms faster; its
# FoundationNetworking links against libcurl's development library.
dpkg-query -W -f='${Status}' libcurl4-openssl-dev 2>/dev/null | grep -q "install ok installed" \
  || apt-get install -y -qq libcurl4-openssl-dev >/dev/null
if [ -n "${LETHE_BIN:-}" ]; then
  lethe="$LETHE_BIN"  # a build made elsewhere: say, the commit before a change, for before/after
else
  scratch="${LETHE_SCRATCH:-.build}"
  case "$scratch" in /*) ;; *) scratch="$PWD/$scratch" ;; esac
  # (The static link prints a linker note about mktemp inside Foundation; it is not ours.)
  swift build -c release --product lethe --quiet --scratch-path "$scratch" --static-swift-stdlib 2>&1 | grep -v "mktemp" >&2 || true
  lethe="$scratch/release/lethe"
fi
[ -x "$lethe" ] || { echo "bench: no release build at $lethe" >&2; exit 1; }

cache() { if [ "${BENCH_COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
timeit() { python3 scripts/timeit.py "$@"; }
runs="${BENCH_RUNS:-3}"
# median CMD…: runs CMD $runs times (page cache dropped first when cold) and
# prints the median time and the largest peak RSS.
median() {
  local results=()
  for run in $(seq 1 "$runs"); do
    cache
    results+=("$(timeit "$@")")
  done
  printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rows = [line.split() for line in sys.stdin if line.strip()]
print(f"{statistics.median(float(r[0]) for r in rows):.3f}", max(int(r[1]) for r in rows))'
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export LETHE_HOME="$work/home"
"$lethe" init --source "$data/source" --store "$work/store" >/dev/null
bytes=$(du -sb "$data/source" | cut -f1)
customers=$(ls "$data/source" | wc -l)

# Read the tree once so that both sides start from the same cache state.
tar -cf - -C "$data/source" . > /dev/null

read -r reference _ < <(median bash -c "tar -cf - -C '$data/source' . | zstd -3 -T0 -q > /dev/null")
# The same pipeline writing its output to a file on the store's disk, as a backup must.
read -r reference_file _ < <(median bash -c "tar -cf - -C '$data/source' . | zstd -3 -T0 -q > '$work/reference.tar.zst'; sync -f '$work/reference.tar.zst'")
rm -f "$work/reference.tar.zst"
read -r backup backup_mem < <(median "$lethe" backup)

# Restores: the dataset's suggested mid-sized customer (else the median by size) and the largest.
manifest="$data/source.manifest.json"
mid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('restore_customer',''))" "$manifest" 2>/dev/null || true)
[ -n "$mid" ] || mid=$(cd "$data/source" && du -sb -- * | sort -n | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
largest=$(cd "$data/source" && du -sb -- * | sort -n | tail -n 1 | cut -f2)

restore_lines=""
for customer in "$mid" "$largest"; do
  tar -cf - -C "$data/source/$customer" . | zstd -3 -T0 -q > "$work/$customer.tar.zst"
  read -r reference_time _ < <(median bash -c "d='$work/ref-$customer-'\$RANDOM\$RANDOM; mkdir \"\$d\" && zstd -dc '$work/$customer.tar.zst' | tar -x -C \"\$d\"")
  read -r lethe_time lethe_mem < <(median bash -c "'$lethe' restore --customer '$customer' --to '$work/restored-$customer-'\$RANDOM\$RANDOM")
  for restored in "$work/restored-$customer"-*; do
    diff -r --no-dereference "$data/source/$customer" "$restored" >/dev/null || { echo "restored tree differs!"; exit 1; }
  done
  customer_bytes=$(du -sb "$data/source/$customer" | cut -f1)
  restore_lines+="  restore  lethe ${lethe_time}s   zstd -dc|tar -x ${reference_time}s   ratio $(ratio "$lethe_time" "$reference_time")   peak RSS ${lethe_mem} MiB   (one customer, $customer_bytes bytes)"$'\n'
done
# The floor every Swift process pays (runtime and Foundation start-up), for reading small restores.
read -r floor _ < <(median "$lethe" --help)

state=$([ "${BENCH_COLD:-0}" = 1 ] && echo "cold (page cache dropped)" || echo "warm"); state+=", medians of $runs"
cat <<REPORT
Lethe benchmark, preset $preset: $customers customers, $bytes bytes; $(nproc) cores; $state
  backup   lethe ${backup}s   tar|zstd -3 -T0 >/dev/null ${reference}s   ratio $(ratio "$backup" "$reference")   peak RSS ${backup_mem} MiB
           (the same pipeline into a file on the store's disk, synced: ${reference_file}s, ratio $(ratio "$backup" "$reference_file"))
${restore_lines}  start-up floor: \`lethe --help\` takes ${floor}s
REPORT
