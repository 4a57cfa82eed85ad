#!/usr/bin/env bash
# Measures wfm on the messaging channel (LP_CHANNEL=messaging, Key Messaging
# Metrics) against the simulator: wall time, peak memory, requests and files of
# a loop and of a 96-quarter rerun (a whole day, two days back), for a small, a
# large and a dense account, in pull mode.
# Usage: bash bench/messaging.sh   (writes nothing outside a temp folder; prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin wfm --example simulator
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d); trap 'kill $sim 2>/dev/null || true; rm -rf "$tmp"' EXIT
printf '| account | run | quarters | wall s | CPU s | peak RSS MiB | requests (data + token) | files |\n|---|---|---|---|---|---|---|---|\n'
for size in "8 4" "300 40" "2000 100"; do
  set -- $size
  ./target/release/examples/simulator "$1" "$2" "$NOW" > "$tmp/sim.env" & sim=$!
  for _ in $(seq 50); do grep -q LP_BASE_URI "$tmp/sim.env" 2>/dev/null && break; sleep 0.1; done
  host=$(sed -n 's/^LP_BASE_URI=//p' "$tmp/sim.env")
  for run in "loop" "rerun 112226.0000 112226.2345"; do
    rm -rf "$tmp/w"; mkdir -p "$tmp/w"
    {
      cat "$tmp/sim.env"
      echo "LP_CHANNEL=messaging"; echo "LP_KMM_URI=$host"; echo "REPORT_DIR=reports"
      # More than 1,000 agents must be listed: KMM pages at most 1,000 per filter.
      if [ "$1" -gt 1000 ]; then sed -n 's/^# LP_AGENT_IDS=/LP_AGENT_IDS=/p' "$tmp/sim.env"; fi
    } > "$tmp/w/config.navomi"
    set -- $run
    if [ "$1" = loop ]; then args=(loop "$tmp/w/config.navomi" 2 2 1); q=1
    else args=(rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" "$2" "$3"); q=96; fi
    WFM_NOW=$NOW /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" ./target/release/wfm "${args[@]}" 2> "$tmp/err" || { tail -5 "$tmp/err"; exit 1; }
    read -r wall user sys kb < <(tail -1 "$tmp/time")
    reqs=$(grep -o '[0-9]* request(s)' "$tmp/err" | tail -1 | cut -d' ' -f1)
    files=$(ls "$tmp/w/reports" | wc -l)
    printf '| %s agents, %s skills | %s | %s | %s | %.2f | %.1f | %s | %s |\n' $size "${args[0]}" "$q" "$wall" "$(echo "$user+$sys" | bc -l)" "$(echo "$kb/1024" | bc -l)" "$reqs" "$files"
    set -- $size
  done
  kill $sim; wait $sim 2>/dev/null || true
done
