#!/usr/bin/env bash
# Attacks in the lab against an HTTP listener, each measured against the same clients
# without the attack in the same run: legitimate requests (new connections from
# 192.0.2.3, one after another) answered, and their p99 latency, while
#   - slow heads: 1 100 connections from 192.0.2.1 trickle request heads a byte a second;
#   - a SYN flood: hping3 --flood from 192.0.2.5, as fast as the lab makes it.
# For the flood also the SYN rate the worker answered and the dataplane's resident memory
# before and after. Prints attack.* figures as JSON lines.
# usage: attacks.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
report="$root/scripts/lib/bench_report.py"
. "$root/scripts/lib/lab.sh"
lab_init "patk$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
requests=$((seconds * 40))

lab_gateway "$work" "$build/dataplane/portico-dataplane" "[1]" "{}" >&2
client=$(lab_ns client)
for a in 192.0.2.3 192.0.2.5; do ip -n "$client" addr add "$a/24" dev pcl0; done
lab_wait_http client http://192.0.2.100/

# answered FILE: the share of requests the backend answered. p99 FILE: their p99 in ms.
answered() { awk '$1 == 200 { ok++ } END { printf "%.4f", NR ? ok / NR : 0 }' "$1"; }
p99() { awk '{ print $2 * 1000 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f", v[i] }'; }
emit() { python3 "$report" figure "$@"; }
conditions="$requests requests on new connections from another address, curl one after another, 1 worker, af_packet ports"

lab_requests 192.0.2.3 "$requests" "$work/quiet"
emit attack.baseline.p99_ms "$(p99 "$work/quiet")" ms null "no attack: $conditions"

ip netns exec "$client" python3 "$root/tests/lab/slow_heads.py" 192.0.2.1 192.0.2.100 80 1100 1 $((seconds * 4)) \
  >"$work/slow.json" &
attacker=$!
LAB_PIDS+=("$attacker")
evicting() { [ "$(lab_counter l7_heads_evicted "$(lab_dataplane_stats "$work/dp.log")")" -gt 0 ]; }
lab_wait_until 30 "the slow heads filling their share" evicting
lab_requests 192.0.2.3 "$requests" "$work/slow"
lab_stop_pid "$attacker" || true
emit attack.slow_heads.answered_share "$(answered "$work/slow")" share null \
  "slow heads (1 100 connections trickling from one address): $conditions"
emit attack.slow_heads.p99_ms "$(p99 "$work/slow")" ms "$(p99 "$work/quiet")" "same, against the run without attack"

rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$DP_PID/status"; }
cookies() { lab_counter l7_syn_cookies "$(lab_dataplane_stats "$work/dp.log")"; }
rss_before=$(rss_mb)
c1=$(cookies)
t1=$(date +%s%N)
ip netns exec "$client" hping3 -q -S -p 80 --flood -a 192.0.2.5 192.0.2.100 >/dev/null 2>&1 &
flood=$!
LAB_PIDS+=("$flood")
lab_requests 192.0.2.3 "$requests" "$work/flood"
c2=$(cookies)
t2=$(date +%s%N)
lab_stop_pid "$flood" || true
emit attack.syn_flood.answered_share "$(answered "$work/flood")" share null "SYN flood (hping3 --flood, one address): $conditions"
emit attack.syn_flood.p99_ms "$(p99 "$work/flood")" ms "$(p99 "$work/quiet")" "same, against the run without attack"
emit attack.syn_flood.syns_per_s "$(awk -v c=$((c2 - c1)) -v t=$((t2 - t1)) 'BEGIN { printf "%.0f", c / (t / 1e9) }')" SYN/s null \
  "SYN-ACKs with a cookie the worker sent while flooded (hping3 and the clients share the other core)"
emit attack.syn_flood.rss_growth_mb "$(awk -v a="$rss_before" -v b="$(rss_mb)" 'BEGIN { printf "%.1f", b - a }')" MiB null \
  "the dataplane's resident memory after the flood less before: cookies keep no state"
