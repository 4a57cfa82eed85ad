#!/usr/bin/env bash
# Measures wfm against the simulator: wall time, peak memory and request count
# of a loop and of reruns of 12 and 96 quarters, for a small and a large account.
# Usage: bash bench/run.sh   (writes nothing outside a temp folder; prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin wfm --example simulator
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d); trap 'kill $sim 2>/dev/null || true; rm -rf "$tmp"' EXIT
printf '| account | run | quarters | wall s | peak RSS MiB | data requests | files |\n|---|---|---|---|---|---|---|\n'
for size in "8 4" "300 40"; do
  set -- $size
  ./target/release/examples/simulator "$1" "$2" "$NOW" > "$tmp/sim.env" & sim=$!
  for _ in $(seq 50); do grep -q LP_BASE_URI "$tmp/sim.env" 2>/dev/null && break; sleep 0.1; done
  for run in "loop" "rerun 112426.1400 112426.1645" "rerun 112326.1815 112426.1745"; do
    rm -rf "$tmp/w"; mkdir -p "$tmp/w"
    { cat "$tmp/sim.env"; echo "REPORT_DIR=reports"; } > "$tmp/w/config.navomi"
    set -- $run
    if [ "$1" = loop ]; then args=(loop "$tmp/w/config.navomi" 2 2 1); q=1
    else args=(rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" "$2" "$3"); q=$(( $( [ "$2" = 112426.1400 ] && echo 12 || echo 95 ) )); fi
    WFM_NOW=$NOW /usr/bin/time -f '%e %M' -o "$tmp/time" ./target/release/wfm "${args[@]}" 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
    read -r wall kb < "$tmp/time"
    reqs=$(grep -o '[0-9]* request(s)' "$tmp/err" | tail -1 | cut -d' ' -f1)
    files=$(ls "$tmp/w/reports" | wc -l)
    printf '| %s agents, %s skills | %s | %s | %s | %.1f | %s | %s |\n' $size "${args[0]}" "$q" "$wall" "$(echo "$kb/1024" | bc -l)" "$reqs" "$files"
  done
  kill $sim; wait $sim 2>/dev/null || true
done
