#!/usr/bin/env bash
# Measures a 24 h rerun (95 quarters) of a dense account, by default 2,000 agents
# x 100 skills: wall time, wfm's CPU time, peak memory, reply bytes, from replies
# written to files beforehand by examples/replies.rs (the simulator's generator,
# seed 7) and served by a plain HTTP server on loopback (wfm reaches it with OAuth
# 1.0a keys the server does not check). Unlike bench/run.sh, no simulator computes
# the replies during the run, so wfm has both cores to itself.
# Usage: bash bench/dense.sh [AGENTS SKILLS [WFM_BINARY]]   (prints one table row:
#   account, run, quarters, wall s, CPU s, peak RSS MiB, reply JSON, files)
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-2000}
skills=${2:-100}
wfm=${3:-./target/release/wfm}
cargo build --release --quiet --bin wfm --example replies
NOW=2026-11-24T18:07:00Z
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
./target/release/examples/replies "$agents" "$skills" "$NOW" "$tmp/www"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" > "$tmp/server.log" 2>&1 &
srv=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
mkdir -p "$tmp/w"
printf 'LP_ACCOUNT=12345678\nLP_APP_KEY=k\nLP_APP_SECRET=s\nLP_ACCESS_TOKEN=t\nLP_ACCESS_TOKEN_SECRET=ts\nLP_BASE_URI=http://127.0.0.1:%s\nREPORT_DIR=reports\n' "$port" > "$tmp/w/config.navomi"
chmod 600 "$tmp/w/config.navomi"
WFM_NOW=$NOW /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$wfm" rerun "$tmp/w/config.navomi" 2 2 1 "$tmp/w/out" 112326.1815 112426.1745 2> "$tmp/err" || { tail -5 "$tmp/err"; exit 1; }
read -r wall user sys kb < <(tail -1 "$tmp/time")
cpu=$(echo "$user + $sys" | bc -l)
mb=$(du -cb "$tmp/www/operations/api/account/12345678/"* | tail -1 | cut -f1)
files=$(ls "$tmp/w/reports" | wc -l)
printf '| %s agents, %s skills | rerun | 95 | %s | %.2f | %.1f | %.0f MB | %s |\n' "$agents" "$skills" "$wall" "$cpu" "$(echo "$kb/1024" | bc -l)" "$(echo "$mb/1000000" | bc -l)" "$files"
