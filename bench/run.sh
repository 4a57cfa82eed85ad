#!/usr/bin/env bash
# Measures wfm against the simulator: wall time, peak memory and request count
# of a loop and of reruns of 12 and 96 quarters, for a small and a large account,
# in pull mode; then FTP push (libunftp on loopback) and a failing run's mail.
# Usage: bash bench/run.sh   (writes nothing outside a temp folder; prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin wfm --example simulator --example delivery_servers
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d); trap 'kill $sim 2>/dev/null || true; rm -rf "$tmp"' EXIT
printf '| account | run | quarters | wall s | peak RSS MiB | requests (data + token) | files |\n|---|---|---|---|---|---|---|\n'
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
    read -r wall kb < <(tail -1 "$tmp/time")
    reqs=$(grep -o '[0-9]* request(s)' "$tmp/err" | tail -1 | cut -d' ' -f1)
    files=$(ls "$tmp/w/reports" | wc -l)
    printf '| %s agents, %s skills | %s | %s | %s | %.1f | %s | %s |\n' $size "${args[0]}" "$q" "$wall" "$(echo "$kb/1024" | bc -l)" "$reqs" "$files"
  done
  kill $sim; wait $sim 2>/dev/null || true
done

# Push (FTP option 1) to the test FTP server, and a failing run that mails.
printf '\n| account | run | quarters | wall s | peak RSS MiB | requests (data + token) | files on the FTP server / mails |\n|---|---|---|---|---|---|---|\n'
./target/release/examples/simulator 8 4 "$NOW" > "$tmp/sim.env" & sim=$!
mkfifo "$tmp/srv.in"
./target/release/examples/delivery_servers < "$tmp/srv.in" > "$tmp/srv.env" 2> "$tmp/srv.err" & srv=$!
exec 9> "$tmp/srv.in"
for _ in $(seq 50); do grep -q LP_BASE_URI "$tmp/sim.env" 2>/dev/null && grep -q EMAIL_TO "$tmp/srv.env" 2>/dev/null && break; sleep 0.1; done
for run in "loop" "rerun 112326.1815 112426.1745" "loop-failing"; do
  rm -rf "$tmp/w"; mkdir -p "$tmp/w"
  { cat "$tmp/sim.env" "$tmp/srv.env"; echo "REPORT_DIR=reports"; } > "$tmp/w/config.navomi"
  set -- $run
  case "$1" in
    loop) args=(loop "$tmp/w/config.navomi" 1 2 1); q=1 ;;
    rerun) args=(rerun "$tmp/w/config.navomi" 1 2 1 "$tmp/w/out" "$2" "$3"); q=95 ;;
    loop-failing) echo "LP_CLIENT_SECRET=wrong" >> "$tmp/w/config.navomi"; args=(loop "$tmp/w/config.navomi" 1 2 1); q=1 ;;
  esac
  WFM_NOW=$NOW /usr/bin/time -f '%e %M' -o "$tmp/time" ./target/release/wfm "${args[@]}" 2> "$tmp/err" || [ "$1" = loop-failing ] || { cat "$tmp/err"; exit 1; }
  read -r wall kb < <(tail -1 "$tmp/time")
  reqs=$(grep -o '[0-9]* request(s)' "$tmp/err" | tail -1 | cut -d' ' -f1)
  pushed=$(grep -c '^pushed\|pushed ' "$tmp/err" || true)
  mailed=$(grep -c 'mail sent' "$tmp/err" || true)
  printf '| 8 agents, 4 skills | %s push | %s | %s | %.1f | %s | %s quarter(s) pushed, %s mail(s) |\n' "$run" "$q" "$wall" "$(echo "$kb/1024" | bc -l)" "$reqs" "$pushed" "$mailed"
done
exec 9>&-
wait $srv 2>/dev/null || true
cat "$tmp/srv.err"
kill $sim; wait $sim 2>/dev/null || true
