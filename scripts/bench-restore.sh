#!/usr/bin/env bash
# Restore of a daily (a differential: daily + weekly + monthly) against a full of the same
# customer, for one or more lethe builds on the same archives (issue 15's "a daily restores
# within 1.2x of a full").
#
# The store is built once (night 1 the generated tree, a monthly; night 2 a weekly; nights 3-7
# dailies, `gen_dataset.py --mutate` churn, as scripts/bench-diff.sh part A) and cached in
# bench-data/restore-PRESET*/ with the builder's archives, beside a second home holding one full
# archive of the night-7 tree (the same files the daily restores: the customer grows through the
# week, so the night-1 full restores fewer bytes). Every build given then restores the
# generator's suggested customer from the night-1 full, the night-7 full and the night-7 daily,
# warm, RUNS rounds (each round every build's three restores), and prints the medians and the daily's ratio to each full,
# in wall time and in CPU time (user + system, which a shared machine disturbs less).
#
#   scripts/bench-restore.sh [PRESET] [LETHE_BIN…]    PRESET: small (default), medium, tiny
#
# Without LETHE_BIN, this checkout's release build (built when missing). Environment: RUNS
# (default 21), CUSTOMERS and SCALE (as bench-diff.sh), CUSTOMER (another customer than the
# generator's suggestion), BUILDER (the lethe that writes the store; default the first build).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-small}"; shift || true
runs="${RUNS:-21}"
bash scripts/setup.sh

. scripts/bench-dataset.sh
diff_dataset "$preset"
customer="${CUSTOMER:-$restore_customer}"

bins=("$@")
if [ "${#bins[@]}" = 0 ]; then
  [ -x .build/release/lethe ] || swift build -c release --product lethe --quiet 2>&1 | grep -v "mktemp" >&2 || true
  bins=("$PWD/.build/release/lethe")
fi
for bin in "${bins[@]}"; do [ -x "$bin" ] || { echo "bench-restore: no lethe at $bin" >&2; exit 1; }; done
builder="${BUILDER:-${bins[0]}}"

night_time() { date -u -d "2026-11-01T02:00:00Z + $(($1 - 1)) days" +%Y-%m-%dT%H:%M:%SZ; }
cache="bench-data/restore-$tag"
home="$cache/home"
if [ ! -f "$cache/done" ]; then
  echo "Writing 7 nights with $builder…" >&2
  rm -rf "$cache"; mkdir -p "$cache"
  cp -a "$data" "$cache/source"; cp "$data.manifest.json" "$cache/source.manifest.json"
  LETHE_NOW="$(night_time 1)" "$builder" init --home "$home" --source "$cache/source" >/dev/null 2>&1
  for night in 1 2 3 4 5 6 7; do
    [ "$night" = 1 ] || python3 "$generator" "$cache/source" --mutate --night "$night" >/dev/null 2>&1
    LETHE_NOW="$(night_time "$night")" "$builder" backup --home "$home" >/dev/null 2>&1
  done
  LETHE_NOW="$(night_time 7)" "$builder" init --home "$cache/home-full7" --source "$cache/source" >/dev/null 2>&1
  LETHE_NOW="$(night_time 7)" "$builder" backup --home "$cache/home-full7" >/dev/null 2>&1
  touch "$cache/done"
fi
full7_set=$("${bins[0]}" list archives --json --home "$cache/home-full7" --customer "$customer" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["location"] == "local"]
assert len(rows) == 1 and rows[0]["base"] is None
print(rows[0]["set"])')
sets=$("${bins[0]}" list archives --json --home "$home" --customer "$customer" | python3 -c '
import json, sys
rows = sorted((r for r in json.load(sys.stdin) if r["location"] == "local"), key=lambda r: r["created"])
assert rows[0]["base"] is None and rows[-1]["base"], "night 1 must be full and night 7 a differential"
print(rows[0]["set"], rows[-1]["set"])')
full_set=${sets% *}; daily_set=${sets#* }

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-bench-restore.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# once BIN SET [HOME]: one restore's wall time and CPU time (user + system) in seconds.
once() {
  rm -rf "$work/restored"
  python3 scripts/timeit.py --cpu "$1" restore --home "${3:-$home}" --customer "$customer" --set "$2" --to "$work/restored"
}
# median [FIELD]: the median of a column of numbers (default the first).
median() { awk -v f="${1:-1}" '{ print $f }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo "bench-restore: preset $tag, customer $customer ($(du -sh "$cache/source/$customer" | cut -f1)," \
  "$(find "$cache/source/$customer" | wc -l) entries at night 7); $runs warm rounds, builds and restores alternating; $(nproc) cores"
for i in "${!bins[@]}"; do   # warm-up
  once "${bins[$i]}" "$full_set" >/dev/null; once "${bins[$i]}" "$full7_set" "$cache/home-full7" >/dev/null
  once "${bins[$i]}" "$daily_set" >/dev/null
  : > "$work/full.$i"; : > "$work/full7.$i"; : > "$work/daily.$i"
done
# Each round runs every build's three restores, so a machine whose speed drifts (shared cores)
# weighs on every build alike.
for _ in $(seq 1 "$runs"); do
  for i in "${!bins[@]}"; do
    once "${bins[$i]}" "$full_set" >> "$work/full.$i"
    once "${bins[$i]}" "$full7_set" "$cache/home-full7" >> "$work/full7.$i"
    once "${bins[$i]}" "$daily_set" >> "$work/daily.$i"
  done
done
for i in "${!bins[@]}"; do
  t_full=$(median < "$work/full.$i"); t_full7=$(median < "$work/full7.$i"); t_daily=$(median < "$work/daily.$i")
  c_full7=$(median 2 < "$work/full7.$i"); c_daily=$(median 2 < "$work/daily.$i")
  echo "  ${bins[$i]}: night-1 full ${t_full}s, night-7 full ${t_full7}s, night-7 daily ${t_daily}s;" \
    "daily / night-1 full $(ratio "$t_daily" "$t_full"), daily / night-7 full $(ratio "$t_daily" "$t_full7");" \
    "CPU: night-7 full ${c_full7}s, daily ${c_daily}s, daily / night-7 full $(ratio "$c_daily" "$c_full7")"
done
