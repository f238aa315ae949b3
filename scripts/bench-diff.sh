#!/usr/bin/env bash
# Issue 15's benchmarks, side by side with restic 0.18 on the same trees in the same run:
#
#   A. 7 nights of `gen_dataset.py --mutate` churn (night 1 the generated tree, a monthly;
#      night 2 a Monday, a weekly; nights 3-7 dailies): each night's backup time and the
#      store / repository size after it.
#   B. A 60-night cycle, `LETHE_NOW` per night: `lethe nightly` (backup, then expire under the
#      default policy: 7 dailies, 5 weeklies, 6 monthlies) against `restic backup --time …` then
#      `restic forget --keep-daily 7 --keep-weekly 5 --keep-monthly 6 --prune` on the same
#      nights; the sizes at the end (and every 10th night).
#   C. Restore of one customer's daily (night 7 of A: with differentials, daily + weekly +
#      monthly) against its full monthly (night 1), median of 3 warm runs; and restic's restore
#      of the same customer from its night-7 snapshot.
#
# Lethe's archive level is read from `list archives --json` (`base`): a build without
# differentials writes full archives only, and the script says so; the same script gives the
# differential figures once they land.
#
#   scripts/bench-diff.sh [PRESET]            PRESET: small (default), medium, tiny
#
# Environment: NIGHTS (cycle length, default 60; 0 skips B), CUSTOMERS and SCALE (passed to the
# generator as --customers / --scale: a smaller tree for a trial), BENCH_COLD=1 (drop the page
# cache before each timed step; needs root), LETHE_BIN (a lethe build instead of building this
# checkout in release), RESTIC_BIN (default: ../shared/bench/get_restic.sh's restic 0.18,
# fetched when missing). Trees are cached in bench-data/diff-PRESET*/; each part works on a copy.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-small}"
nights="${NIGHTS:-60}"
bash scripts/setup.sh

. scripts/bench-dataset.sh
diff_dataset "$preset"

if [ -n "${LETHE_BIN:-}" ]; then
  lethe="$LETHE_BIN"
else
  swift build -c release --product lethe --quiet 2>&1 | grep -v "mktemp" >&2 || true
  lethe="$PWD/.build/release/lethe"
fi
[ -x "$lethe" ] || { echo "bench-diff: no release build at $lethe" >&2; exit 1; }
if [ -z "${RESTIC_BIN:-}" ]; then
  RESTIC_BIN=/tmp/benchdata/tools/r18/usr/bin/restic
  [ -x "$RESTIC_BIN" ] || bash ../shared/bench/get_restic.sh >&2
fi
export RESTIC_PASSWORD=bench

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-bench-diff.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cold() {
  if [ "${BENCH_COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
}
# seconds COMMAND…: runs it (output to /dev/null, failure fatal) and prints its wall time.
seconds() { python3 scripts/timeit.py "$@" | cut -d' ' -f1; }
bytes() { du -sB1 "$1" | cut -f1; }
restic_time() { local t="${1%Z}"; echo "${t/T/ }"; }
mb() { python3 -c "print(f'{int(\"$1\")/1e6:.1f}')"; }
# fresh_tree DIR: a copy of the generated tree (and its manifest, which holds the generator's seed).
fresh_tree() { cp -a "$data" "$1"; cp "$data.manifest.json" "$1.manifest.json"; }
# mutate DIR NIGHT: the generator's churn of that night, in place.
mutate() { python3 "$generator" "$1" --mutate --night "$2" >/dev/null 2>"$work/mutate.log" || { cat "$work/mutate.log" >&2; exit 1; }; }
night_time() { date -u -d "2026-11-01T02:00:00Z + $(($1 - 1)) days" +%Y-%m-%dT%H:%M:%SZ; }
# level: how lethe wrote the customer's newest archive at night ISO ("full" or "diff").
level() {
  "$lethe" list archives --json --home "$1" --customer "$restore_customer" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["created"] == sys.argv[1] and r["location"] == "local"]
print("?" if not rows else ("diff" if rows[0].get("base") else "full"))' "$2"
}

echo "bench-diff: preset $tag, $(find "$data" -type f | wc -l) files, $(mb "$(bytes "$data")") MB; $(nproc) cores; restic $("$RESTIC_BIN" version | cut -d' ' -f2); cold=${BENCH_COLD:-0}"

# ---- A: 7 nights
tree="$work/a-source"; fresh_tree "$tree"
home="$work/a-home"; repo="$work/a-restic"
LETHE_NOW="$(night_time 1)" "$lethe" init --home "$home" --source "$tree" >/dev/null 2>&1
"$RESTIC_BIN" init --repo "$repo" --quiet >/dev/null
echo
echo "A. 7 nights of --mutate churn (night 1 monthly, 2 weekly, 3-7 daily)"
printf '  %-5s %-6s %10s %10s %12s %12s %7s\n' night level lethe restic "lethe MB" "restic MB" ratio
for night in 1 2 3 4 5 6 7; do
  [ "$night" = 1 ] || mutate "$tree" "$night"
  now="$(night_time "$night")"
  cold; t_lethe=$(LETHE_NOW="$now" seconds "$lethe" backup --home "$home")
  cold; t_restic=$(seconds "$RESTIC_BIN" backup --repo "$repo" --quiet --time "$(restic_time "$now")" "$tree")
  s_lethe=$(bytes "$home/store"); s_restic=$(bytes "$repo")
  printf '  %-5s %-6s %9ss %9ss %12s %12s %6.2fx\n' "$night" "$(level "$home" "$now")" "$t_lethe" "$t_restic" \
    "$(mb "$s_lethe")" "$(mb "$s_restic")" "$(python3 -c "print($s_lethe/$s_restic)")"
done

# ---- C: a daily's restore against a full's, same customer
echo
echo "C. restore customer $restore_customer (median of 3, warm)"
median_restore() {  # median_restore SET|SNAPSHOT-COMMAND…
  local times=() n
  for n in 1 2 3; do
    rm -rf "$work/restored"
    times+=("$(seconds "$@" "$work/restored")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
sets=$("$lethe" list archives --json --home "$home" --customer "$restore_customer" | python3 -c '
import json, sys
rows = sorted((r for r in json.load(sys.stdin) if r["location"] == "local"), key=lambda r: r["created"])
print(rows[0]["set"], rows[-1]["set"])')
full_set=${sets% *}; daily_set=${sets#* }
t_full=$(median_restore "$lethe" restore --home "$home" --customer "$restore_customer" --set "$full_set" --to)
t_daily=$(median_restore "$lethe" restore --home "$home" --customer "$restore_customer" --set "$daily_set" --to)
t_restic=$(median_restore "$RESTIC_BIN" restore latest --repo "$repo" --include "$(realpath "$tree")/$restore_customer" --target)
echo "  lethe full (night 1, $(level "$home" "$(night_time 1)")): ${t_full}s; daily (night 7, $(level "$home" "$(night_time 7)")): ${t_daily}s;" \
  "daily/full $(python3 -c "print(f'{$t_daily/$t_full:.2f}')"); restic night 7: ${t_restic}s"

# ---- B: the 60-night cycle
if [ "$nights" -gt 0 ]; then
  tree="$work/b-source"; rm -rf "$work/a-source"; fresh_tree "$tree"
  home="$work/b-home"; repo="$work/b-restic"
  LETHE_NOW="$(night_time 1)" "$lethe" init --home "$home" --source "$tree" >/dev/null 2>&1
  "$RESTIC_BIN" init --repo "$repo" --quiet >/dev/null
  echo
  echo "B. $nights-night cycle: lethe nightly (default policy) vs restic backup + forget --keep-daily 7 --keep-weekly 5 --keep-monthly 6 --prune"
  printf '  %-5s %10s %10s %12s %12s %7s\n' night lethe restic "lethe MB" "restic MB" ratio
  total_lethe=0; total_restic=0
  for night in $(seq 1 "$nights"); do
    [ "$night" = 1 ] || mutate "$tree" "$night"
    now="$(night_time "$night")"
    t_lethe=$(LETHE_NOW="$now" seconds "$lethe" nightly --home "$home")
    t_restic=$(seconds "$RESTIC_BIN" backup --repo "$repo" --quiet --time "$(restic_time "$now")" "$tree")
    t_forget=$(seconds "$RESTIC_BIN" forget --repo "$repo" --quiet --keep-daily 7 --keep-weekly 5 --keep-monthly 6 --prune)
    total_lethe=$(python3 -c "print($total_lethe + $t_lethe)"); total_restic=$(python3 -c "print($total_restic + $t_restic + $t_forget)")
    if [ $((night % 10)) = 0 ] || [ "$night" = "$nights" ]; then
      s_lethe=$(bytes "$home/store"); s_restic=$(bytes "$repo")
      printf '  %-5s %9ss %9ss %12s %12s %6.2fx\n' "$night" "$t_lethe" "$(python3 -c "print(f'{$t_restic + $t_forget:.3f}')")" \
        "$(mb "$s_lethe")" "$(mb "$s_restic")" "$(python3 -c "print($s_lethe/$s_restic)")"
    fi
  done
  echo "  total time: lethe $(python3 -c "print(f'{$total_lethe:.1f}')")s, restic (backup + forget --prune) $(python3 -c "print(f'{$total_restic:.1f}')")s;" \
    "live lethe copies of $restore_customer: $("$lethe" list archives --json --home "$home" --customer "$restore_customer" | python3 -c 'import json,sys; print(sum(r["state"] == "live" for r in json.load(sys.stdin)))')," \
    "restic snapshots: $("$RESTIC_BIN" snapshots --repo "$repo" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
fi
