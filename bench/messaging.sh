#!/usr/bin/env bash
# Measures wfm on the messaging channel (LP_CHANNEL=messaging: Key Messaging Metrics
# and Messaging Operations) against the simulator: wall time, peak memory, requests
# and files of a loop, of a 94-quarter rerun within Messaging Operations' 24 h
# (Q_, AQ_, AS_), of a 96-quarter rerun two days back (partial: Q_ and AS_ from KMM
# alone) and, for the 2,000-agent account, of a loop catching up 14 days, in pull mode.
# Usage: bash bench/messaging.sh   (writes nothing outside a temp folder; prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin wfm --example simulator
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d); trap 'kill $sim 2>/dev/null || true; rm -rf "$tmp"' EXIT
printf '| account | run | quarters (partial) | wall s | CPU s | peak RSS MiB | requests (data + token) | files |\n|---|---|---|---|---|---|---|---|\n'
for size in "8 4" "300 40" "2000 100"; do
  set -- $size
  agents=$1
  ./target/release/examples/simulator "$1" "$2" "$NOW" > "$tmp/sim.env" & sim=$!
  for _ in $(seq 50); do grep -q LP_BASE_URI "$tmp/sim.env" 2>/dev/null && break; sleep 0.1; done
  host=$(sed -n 's/^LP_BASE_URI=//p' "$tmp/sim.env")
  runs=("loop" "rerun 112326.1830 112426.1745" "rerun 112226.0000 112226.2345")
  if [ "$agents" -ge 2000 ]; then runs+=("catchup"); fi
  for run in "${runs[@]}"; do
    rm -rf "$tmp/w"; mkdir -p "$tmp/w/state"
    {
      cat "$tmp/sim.env"
      echo "LP_CHANNEL=messaging"; echo "LP_KMM_URI=$host"; echo "REPORT_DIR=reports"
      echo "STATE_FILE=$tmp/w/state/state.json"; echo "RUN_TIMEOUT_SECONDS=840"
      # More than 1,000 agents must be listed: KMM pages at most 1,000 per filter.
      if [ "$agents" -gt 1000 ]; then sed -n 's/^# LP_AGENT_IDS=/LP_AGENT_IDS=/p' "$tmp/sim.env"; fi
    } > "$tmp/w/config.navomi"
    set -- $run
    case "$1" in
      loop) args=(loop "$tmp/w/config.navomi" 2 2 1) ;;
      rerun) args=(rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" "$2" "$3") ;;
      catchup)
        # The last delivery 14 days ago: the loop builds every quarter since.
        printf '{"version":2,"account":"12345678","delivered":[["2026-11-10T18:15:00Z","2026-11-10T18:15:00Z"]],"written":[],"lost":[],"outage":null}\n' > "$tmp/w/state/state.json"
        args=(loop "$tmp/w/config.navomi" 2 2 1) ;;
    esac
    WFM_NOW=$NOW /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" ./target/release/wfm "${args[@]}" 2> "$tmp/err" || { tail -5 "$tmp/err"; exit 1; }
    read -r wall user sys kb < <(tail -1 "$tmp/time")
    line=$(grep 'run finished:' "$tmp/err" | tail -1)
    reqs=$(grep -o '[0-9]* request(s)' <<< "$line" | cut -d' ' -f1)
    q=$(grep -o 'of [0-9]* quarter(s)' <<< "$line" | cut -d' ' -f2)
    p=$(grep -o '([0-9]* partial' <<< "$line" | tr -d '(' | cut -d' ' -f1 || true)
    files=$(ls "$tmp/w/reports" | wc -l)
    printf '| %s agents, %s skills | %s | %s (%s) | %s | %.2f | %.1f | %s | %s |\n' $size "$run" "$q" "${p:-0}" "$wall" "$(echo "$user+$sys" | bc -l)" "$(echo "$kb/1024" | bc -l)" "$reqs" "$files"
  done
  kill $sim; wait $sim 2>/dev/null || true
done
