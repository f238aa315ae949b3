#!/usr/bin/env bash
# Crypto-shred benchmark (docs/BENCHMARKS.md, "Crypto-shred").
#
# 1. Lethe: builds `lethe-bench` in release mode and times one `shred` in homes of 1,000 and
#    10,000 keyed customers, each with 1,000,000 simulated catalog rows (100 GB-equivalent).
# 2. restic, for comparison: erases one customer's folder from a repository of the `small`
#    preset of the shared gen_dataset.py ($LETHE_SHARED/bench, default ../shared) with `rewrite --exclude` then `prune`.
#    restic >= 0.15 is needed (`rewrite`); Debian 12 ships 0.14, so Debian 13's static binary is
#    downloaded with a private apt configuration (the system's sources are not touched) and
#    unpacked with `dpkg-deb -x` into a private folder, never installed.
#
# Environment: BENCH_DIR (work folder, default /tmp/lethe-bench-shred), CUSTOMERS (default
# "1000,10000"), COPIES (default 1000000), SKIP_RESTIC=1 to time Lethe only, SKIP_LETHE=1 to
# time restic only.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/lethe-bench-shred}
CUSTOMERS=${CUSTOMERS:-1000,10000}
COPIES=${COPIES:-1000000}
DATASET=${DATASET:-${LETHE_SHARED:-$(cd .. && pwd)/shared}/bench/gen_dataset.py}
mkdir -p "$BENCH_DIR"

if [ "${SKIP_LETHE:-}" != 1 ]; then
    echo "== Lethe: shred time vs customers (release build, warm cache)"
    swift build -c release --product lethe-bench
    rm -rf "$BENCH_DIR/lethe"
    .build/release/lethe-bench shred --customers "$CUSTOMERS" --copies "$COPIES" --repeats 3 --work "$BENCH_DIR/lethe"
    rm -rf "$BENCH_DIR/lethe"
fi

[ "${SKIP_RESTIC:-}" = 1 ] && exit 0

echo "== restic: rewrite --exclude + prune of one customer (small preset)"
restic_ok() { "$1" rewrite --help >/dev/null 2>&1; }
RESTIC=$(command -v restic || true)
if [ -z "$RESTIC" ] || ! restic_ok "$RESTIC"; then
    RESTIC="$BENCH_DIR/restic-root/usr/bin/restic"
    if ! [ -x "$RESTIC" ]; then
        apt_dir="$BENCH_DIR/apt"
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$BENCH_DIR/deb"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$apt_dir/sources.list"
        apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
                  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Get::List-Cleanup=0")
        apt-get "${apt_opts[@]}" update -qq
        (cd "$BENCH_DIR/deb" && apt-get "${apt_opts[@]}" download restic)
        dpkg-deb -x "$BENCH_DIR"/deb/restic_*.deb "$BENCH_DIR/restic-root"
    fi
fi
"$RESTIC" version

data="$BENCH_DIR/small"
[ -d "$data" ] || python3 "$DATASET" "$data" --preset small >/dev/null
repo="$BENCH_DIR/restic-repo"
rm -rf "$repo"
export RESTIC_PASSWORD=bench RESTIC_REPOSITORY="$repo"
"$RESTIC" init -q
"$RESTIC" backup -q --host bench "$data"
"$RESTIC" backup -q --host bench "$data"   # a second snapshot, as after a second night
# The customer the dataset's manifest designates for erasure benchmarks.
victim="$data/$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["erase_customer"])' "$data.manifest.json")"
echo "erasing $(basename "$victim") ($(du -sh "$victim" | cut -f1)) from 2 snapshots of $(du -sh "$data" | cut -f1)"
start=$(date +%s.%N)
"$RESTIC" rewrite -q --forget --exclude "$victim"
mid=$(date +%s.%N)
"$RESTIC" prune -q --max-unused 0
end=$(date +%s.%N)
"$RESTIC" check -q
printf 'restic rewrite: %.2f s, prune: %.2f s, total: %.2f s\n' "$(echo "$mid - $start" | bc)" "$(echo "$end - $mid" | bc)" "$(echo "$end - $start" | bc)"
