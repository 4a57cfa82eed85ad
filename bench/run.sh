#!/usr/bin/env bash
# Measures wfm against the simulator (examples/simulator.rs, on loopback, fixed clock), in
# pull mode: wall time, CPU time (user + sys), peak RSS, requests and MB of reply JSON of a
# loop (1 quarter) and of reruns of 12 and 95 quarters (95: the most LivePerson's 24 hours
# hold whole at NOW), for three accounts; then FTP push (libunftp on loopback) and a failing
# run's mail.
#
# Usage: bash bench/run.sh [SELECTION...]     (prints tables; writes nothing outside a temp folder;
#   needs cargo, GNU time as /usr/bin/time, awk)
#   SELECTION: an account (8x4, 300x40, 2000x100: AGENTSxSKILLS) for all its runs, one run of
#   it (8x4/loop, 300x40/rerun12, 2000x100/rerun95), or `push`. Default: every account, then push.
#   2000x100 runs the loop and rerun95 only (its rerun95 sends 3.4 GB of reply JSON; about
#   a minute and 100 MiB of RSS).
#   BENCH_BIN=DIR: use the wfm, simulator and delivery_servers binaries in DIR (no build).
set -euo pipefail
cd "$(dirname "$0")/.."
selection=("$@")
[ ${#selection[@]} -gt 0 ] || selection=(8x4 300x40 2000x100 push)
bin=${BENCH_BIN:-./target/release}
ex=$bin/examples
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin wfm --example simulator --example delivery_servers
else
  ex=$bin
  [ -x "$ex/simulator" ] || ex=$bin/examples
fi
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d)
sim= srv=
trap '[ -z "$sim$srv" ] || kill $sim $srv 2>/dev/null || true; rm -rf "$tmp"' EXIT
export TMPDIR=$tmp

# Is account $1's run $2 selected?
selected() {
  local s
  for s in "${selection[@]}"; do
    [ "$s" = "$1" ] || [ "$s" = "$1/$2" ] && return 0
  done
  return 1
}

# Starts the simulator for AGENTS SKILLS; its config lines in $tmp/sim.env.
start_sim() {
  "$ex/simulator" "$1" "$2" "$NOW" > "$tmp/sim.env" & sim=$!
  for _ in $(seq 100); do grep -q LP_SENTINEL_URI "$tmp/sim.env" 2>/dev/null && return; sleep 0.1; done
  echo "the simulator did not start" >&2; exit 1
}

# Stops it; prints the MB (10^6 bytes) of data reply bodies it sent, or n/a.
stop_sim() {
  kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; sim=
  local bytes
  bytes=$(sed -n 's/^# data bytes sent: //p' "$tmp/sim.env")
  if [ -n "$bytes" ]; then awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }'; else printf 'n/a'; fi
}

# Runs wfm with "$@" under /usr/bin/time; sets wall, cpu, rss (MiB), reqs.
measure() {
  local status=0
  WFM_NOW=$NOW /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$bin/wfm" "$@" 2> "$tmp/err" || status=$?
  read -r wall user sys kb < <(tail -1 "$tmp/time")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  rss=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
  reqs=$(grep -o '[0-9]* request(s)' "$tmp/err" | tail -1 | cut -d' ' -f1)
  return $status
}

header=0
for account in 8x4 300x40 2000x100; do
  agents=${account%x*} skills=${account#*x}
  runs=(loop rerun12 rerun95)
  [ "$account" = 2000x100 ] && runs=(loop rerun95)
  for run in "${runs[@]}"; do
    selected "$account" "$run" || continue
    if [ $header = 0 ]; then
      printf '| account | run | quarters | wall s | CPU s | peak RSS MiB | requests (data + token) | reply JSON MB | files |\n'
      printf '|---|---|---|---|---|---|---|---|---|\n'
      header=1
    fi
    start_sim "$agents" "$skills"
    rm -rf "$tmp/w"; mkdir -p "$tmp/w"
    { cat "$tmp/sim.env"; echo "REPORT_DIR=reports"; } > "$tmp/w/config.navomi"
    case $run in
      loop) args=(loop "$tmp/w/config.navomi" 2 2 1); q=1 ;;
      rerun12) args=(rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" 112426.1400 112426.1645); q=12 ;;
      rerun95) args=(rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" 112326.1815 112426.1745); q=95 ;;
    esac
    measure "${args[@]}" || { stop_sim > /dev/null; tail -c 3000 "$tmp/err"; exit 1; }
    mb=$(stop_sim)
    files=$(ls "$tmp/w/reports" | wc -l)
    printf '| %s agents, %s skills | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "$agents" "$skills" "${args[0]}" "$q" "$wall" "$cpu" "$rss" "$reqs" "$mb" "$files"
  done
done

# Push (FTP option 1) to the test FTP server, and a failing run that mails.
selected push all || exit 0
printf '\n| account | run | quarters | wall s | CPU s | peak RSS MiB | requests (data + token) | files on the FTP server / mails |\n|---|---|---|---|---|---|---|---|\n'
start_sim 8 4
mkfifo "$tmp/srv.in"
"$ex/delivery_servers" < "$tmp/srv.in" > "$tmp/srv.env" 2> "$tmp/srv.err" & srv=$!
exec 9> "$tmp/srv.in"
for _ in $(seq 50); do grep -q EMAIL_TO "$tmp/srv.env" 2>/dev/null && break; sleep 0.1; done
for run in "loop" "rerun 112326.1815 112426.1745" "loop-failing"; do
  rm -rf "$tmp/w"; mkdir -p "$tmp/w"
  { cat "$tmp/sim.env" "$tmp/srv.env"; echo "REPORT_DIR=reports"; } > "$tmp/w/config.navomi"
  set -- $run
  case "$1" in
    loop) args=(loop "$tmp/w/config.navomi" 1 2 1); q=1 ;;
    rerun) args=(rerun "$tmp/w/config.navomi" 1 2 1 "$tmp/w/out" "$2" "$3"); q=95 ;;
    loop-failing) echo "LP_CLIENT_SECRET=wrong" >> "$tmp/w/config.navomi"; args=(loop "$tmp/w/config.navomi" 1 2 1); q=1 ;;
  esac
  measure "${args[@]}" || [ "$1" = loop-failing ] || { tail -c 3000 "$tmp/err"; exit 1; }
  pushed=$(grep -c '^pushed\|pushed ' "$tmp/err" || true)
  mailed=$(grep -c 'mail sent' "$tmp/err" || true)
  printf '| 8 agents, 4 skills | %s push | %s | %s | %s | %s | %s | %s quarter(s) pushed, %s mail(s) |\n' \
    "$1" "$q" "$wall" "$cpu" "$rss" "$reqs" "$pushed" "$mailed"
done
exec 9>&-
wait $srv 2>/dev/null || true
srv=
cat "$tmp/srv.err"
stop_sim > /dev/null
