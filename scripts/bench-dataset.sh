# Sourced by the differential benchmarks (bench-diff.sh, bench-restore.sh): the generated tree
# of a preset, made once and cached in bench-data/diff-PRESET*/.
#
#   diff_dataset PRESET    sets `generator`, `tag` (the preset, with CUSTOMERS and SCALE when
#                          given: passed to the generator as --customers / --scale), `data` (the
#                          tree) and `restore_customer` (the customer the generator suggests
#                          restoring), generating the tree when missing.
diff_dataset() {
  generator=../shared/bench/gen_dataset.py
  tag="$1${CUSTOMERS:+-c$CUSTOMERS}${SCALE:+-s$SCALE}"
  data="bench-data/diff-$tag/source"
  if [ ! -d "$data" ]; then
    echo "Generating the $1 tree…" >&2
    mkdir -p "$(dirname "$data")"
    python3 "$generator" "$data" --preset "$1" ${CUSTOMERS:+--customers "$CUSTOMERS"} ${SCALE:+--scale "$SCALE"} >/dev/null
  fi
  restore_customer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["restore_customer"])' "$data.manifest.json")
}
