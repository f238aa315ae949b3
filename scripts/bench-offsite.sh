#!/usr/bin/env bash
# Offsite benchmark (docs/BENCHMARKS.md, "Offsite").
#
# 1. Upload throughput: `lethe backup` of the `small` preset of gen_dataset.py into a home
#    that copies every set offsite to moto on loopback (policy: offsite keeps every class,
#    object_lock none), against the same backup into a local-only home. The difference is the
#    offsite copying (re-wrap each copy's header, stream the body from the local store, upload,
#    verify, record); throughput = offsite bytes / that difference.
# 2. `lethe-bench offsite-list`: ListObjectsV2 over real tiny objects on moto, extrapolated to
#    100,000, and `ExpireJob.plan()` over 100,000 catalogued offsite copies.
#
# Release build. moto is started with scripts/s3-test-server.sh on a private state file and
# restarted for every run (it keeps objects in memory). Page cache warm (the dataset is read
# once before timing); say so when quoting.
#
# Environment: BENCH_DIR (work folder, default /tmp/lethe-bench-offsite), RUNS (default 3),
# LETHE_SHARED (folder holding bench/gen_dataset.py, default ../shared), PRESET (default small),
# LIST_OBJECTS (default "1000,2500,5000"), SKIP_UPLOAD=1 / SKIP_LIST=1 to run one half.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/lethe-bench-offsite}
RUNS=${RUNS:-3}
PRESET=${PRESET:-small}
LIST_OBJECTS=${LIST_OBJECTS:-1000,2500,5000}
DATASET="${LETHE_SHARED:-../shared}/bench/gen_dataset.py"
mkdir -p "$BENCH_DIR/tmp"
export LETHE_MOTO_STATE="$BENCH_DIR/moto.env"
export AWS_ACCESS_KEY_ID=lethe-bench AWS_SECRET_ACCESS_KEY=lethe-bench-secret AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE AWS_SESSION_TOKEN
moto() { TMPDIR="$BENCH_DIR/tmp" bash scripts/s3-test-server.sh "$@"; }
trap 'moto stop >/dev/null 2>&1 || true' EXIT

swift build -c release --product lethe --quiet
swift build -c release --product lethe-bench --quiet
bin=$(swift build -c release --show-bin-path)
lethe="$bin/lethe"

if [ "${SKIP_UPLOAD:-}" != 1 ]; then
    [ -f "$DATASET" ] || { echo "bench-offsite: $DATASET not found: set LETHE_SHARED to the folder holding bench/gen_dataset.py" >&2; exit 1; }
    data="$root/bench-data/$PRESET"
    if ! [ -d "$data" ]; then
        mkdir -p "$root/bench-data"
        python3 "$DATASET" "$data" --preset "$PRESET" >/dev/null
    fi
    source_bytes=$(du -sb "$data" | cut -f1)
    customers=$(find "$data" -mindepth 1 -maxdepth 1 -type d | wc -l)
    tar cf /dev/null "$data" 2>/dev/null || true   # warm the page cache

    cat >"$BENCH_DIR/local.yaml" <<'YAML'
name: bench-local
timezone: UTC
max_age: 190d
local: { daily: 7d, weekly: 5w, monthly: 6m }
YAML
    cat >"$BENCH_DIR/offsite.yaml" <<'YAML'
name: bench-offsite
timezone: UTC
max_age: 190d
local: { daily: 7d, weekly: 5w, monthly: 6m }
offsite: { daily: 7d, weekly: 5w, monthly: 6m, object_lock: none }
YAML

    echo "== upload: lethe backup of the $PRESET preset ($customers customers, $((source_bytes / 1000000)) MB), local only vs local + offsite to moto"
    echo "   $RUNS runs each, warm page cache, release build"
    results="$BENCH_DIR/upload-runs.txt"
    : >"$results"
    for run in $(seq 1 "$RUNS"); do
        moto start >/dev/null
        set -a; . "$LETHE_MOTO_STATE"; set +a
        endpoint=$LETHE_TEST_S3_ENDPOINT
        rm -rf "$BENCH_DIR/home-local" "$BENCH_DIR/home-offsite" "$BENCH_DIR/store-local" "$BENCH_DIR/store-offsite"

        "$lethe" init --home "$BENCH_DIR/home-local" --source "$data" --policy "$BENCH_DIR/local.yaml" \
            --store "$BENCH_DIR/store-local" >/dev/null
        read -r t_local rss_local < <(python3 scripts/timeit.py "$lethe" backup --home "$BENCH_DIR/home-local")

        bucket="lethe-bench-$run-$RANDOM"
        "$lethe" init --home "$BENCH_DIR/home-offsite" --source "$data" --policy "$BENCH_DIR/offsite.yaml" \
            --store "$BENCH_DIR/store-offsite" --offsite-endpoint "$endpoint" --offsite-bucket "$bucket" \
            --offsite-region us-east-1 --offsite-path-style --offsite-create-bucket >/dev/null
        read -r t_offsite rss_offsite < <(python3 scripts/timeit.py "$lethe" backup --home "$BENCH_DIR/home-offsite")
        read -r copies offsite_bytes < <("$lethe" list archives --json --home "$BENCH_DIR/home-offsite" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["location"] == "offsite"]
assert all(r["state"] == "live" for r in rows), "an offsite copy is not live"
print(len(rows), sum(r["bytes"] for r in rows))')
        [ "$copies" -eq "$customers" ] || { echo "bench-offsite: $copies offsite copies for $customers customers" >&2; exit 1; }
        stored=$(python3 - "$endpoint" "$bucket" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
total = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[2]):
    total += sum(o["Size"] for o in page.get("Contents", []))
print(total)
PY
)
        [ "$stored" -eq "$offsite_bytes" ] || { echo "bench-offsite: bucket holds $stored bytes, catalog says $offsite_bytes" >&2; exit 1; }
        echo "$t_local $t_offsite $offsite_bytes $rss_local $rss_offsite" >>"$results"
        printf '   run %d: local only %7.2f s (%s MiB peak); local + offsite %7.2f s (%s MiB peak); %d copies, %.1f MB uploaded\n' \
            "$run" "$t_local" "$rss_local" "$t_offsite" "$rss_offsite" "$copies" "$(awk "BEGIN { print $offsite_bytes / 1000000 }")"
        moto stop >/dev/null
    done
    python3 - "$results" <<'PY'
import statistics, sys
runs = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
local = statistics.median(r[0] for r in runs)
offsite = statistics.median(r[1] for r in runs)
uploaded = runs[0][2]
per_run = [r[2] / 1e6 / (r[1] - r[0]) for r in runs if r[1] > r[0]]
print(f"   median: local only {local:.2f} s, local + offsite {offsite:.2f} s, offsite copying {offsite - local:.2f} s")
print(f"   upload throughput to moto on loopback: {uploaded / 1e6 / (offsite - local):.1f} MB/s (medians); "
      f"per run {', '.join(f'{x:.1f}' for x in per_run)} MB/s; {uploaded / 1e6:.1f} MB of copies")
PY
fi

if [ "${SKIP_LIST:-}" != 1 ]; then
    echo "== list + plan: lethe-bench offsite-list"
    moto start >/dev/null
    set -a; . "$LETHE_MOTO_STATE"; set +a
    "$bin/lethe-bench" offsite-list --endpoint "$LETHE_TEST_S3_ENDPOINT" --objects "$LIST_OBJECTS" --copies 100000 \
        --policy policies/default.yaml --runs 3
    moto stop >/dev/null
fi
