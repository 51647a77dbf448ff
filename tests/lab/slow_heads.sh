#!/usr/bin/env bash
# Slow heads (slowloris) against an HTTP listener, with real Linux TCP stacks: one client
# address keeps more connections trickling request heads than a worker has head buffers,
# and ordinary requests from that address and from another one are all answered
# meanwhile. Trickling heads are reset to make room (one source's share, then the oldest
# of all) or answered 408 at their deadline; the pool is whole again afterwards. MODE is
# the listener's L7 mode: proxy (the default for HTTP; heads are read by the workers' TCP
# endpoint) or splice (heads are held in the splice path's buffers).
# usage: slow_heads.sh PATH/TO/portico-dataplane [WORKER_LCORES] [MODE]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
MODE=${3:-proxy}
export LAB_GATEWAY_ANNOTATIONS="{portico.dev/l7-mode: $MODE}"
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
lab_init "psh$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

client=$(lab_ns client)
# The default pool of 1 024 head buffers and share per source (128); a short head deadline
# so the test sees it pass; 4 096 connections of the workers' TCP endpoint, so that the
# silent connections below would take them all if nothing bounded them.
if ! lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{head_timeout_ms: 3000, relay_connections: 4096}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
ip -n "$client" addr add 192.0.2.3/24 dev pcl0
ip -n "$client" addr add 192.0.2.4/24 dev pcl0
check "the gateway answers before the attack" lab_wait_http client http://192.0.2.100/

in_client() { ip netns exec "$client" "$@"; }
# 1 100 trickling connections (a byte each per second) from 192.0.2.1 for 12 s: more
# than the 1 024 buffers, and four head deadlines long. That source keeps resetting its
# own oldest heads; 20 more from 192.0.2.4 stay within their share and meet the deadline.
in_client python3 "$here/slow_heads.py" 192.0.2.1 192.0.2.100 80 1100 1 12 >"$work/attack.json" &
attack=$!
LAB_PIDS+=("$attack")
in_client python3 "$here/slow_heads.py" 192.0.2.4 192.0.2.100 80 20 1 8 >"$work/patient.json" &
patient=$!
LAB_PIDS+=("$patient")
evicted() { [ "$(lab_counter l7_heads_evicted "$(lab_dataplane_stats "$work/dp.log")")" -gt 0 ]; }
check "the attack holds more trickling heads than its share" lab_wait_until 20 "l7_heads_evicted above 0" evicted
lab_requests 192.0.2.1 20 "$work/same" &
same=$!
lab_requests 192.0.2.3 20 "$work/other"
wait "$same"
wait "$attack" "$patient"
served() { [ "$(grep -c '^200 ' "$1")" -eq 20 ] || { cat "$1"; false; }; }
check "20 of 20 requests from the attacker's own address were answered during the attack" served "$work/same"
check "20 of 20 requests from another address were answered during the attack" served "$work/other"
attack_count() { python3 -c "import json; print(json.load(open('$work/$1.json'))['$2'])"; }
check "the attacker's heads were reset to make room" [ "$(attack_count attack reset)" -gt 0 ]
check "heads within their share got 408 at their deadline" [ "$(attack_count patient answered_408)" -ge 20 ]
stats=$(lab_dataplane_stats "$work/dp.log")
check "the dataplane counted the timeouts" [ "$(lab_counter drop.l7_head_timeout "$stats")" -gt 0 ]
# What holds a head: a splice buffer, or a chunk of an endpoint connection's receive buffer.
held=l7_held_buffers
[ "$MODE" = splice ] || held=tcp_buffer_chunks
pool_whole() { [ "$(lab_counter "$held" "$(lab_dataplane_stats "$work/dp.log")")" = 0 ]; }
check "every head buffer is back in the pool once the attack ended" \
  lab_wait_until 30 "$held back to 0" pool_whole

# Connections that send nothing at all: 5 000 from 192.0.2.1, more than the endpoint's
# 4 096 connections. Each counts against its source from the moment it is accepted, like
# a head. (Proxy mode only: splice mode keeps no state for a connection until its first
# bytes, so they cost it nothing.)
if [ "$MODE" = splice ]; then
  echo "# attack: $(cat "$work/attack.json"); within the share: $(cat "$work/patient.json")"
  lab_finish
  exit
fi
accepted() { lab_counter l7_connections "$(lab_dataplane_stats "$work/dp.log")"; }
accepted_before=$(accepted)
in_client python3 "$here/slow_heads.py" 192.0.2.1 192.0.2.100 80 5000 0 10 >"$work/silent.json" &
silent=$!
LAB_PIDS+=("$silent")
opened() { [ "$(accepted)" -ge $((accepted_before + 5000)) ]; }
check "5 000 silent connections were accepted" lab_wait_until 30 "5 000 more connections accepted" opened
lab_requests 192.0.2.1 20 "$work/silent-same" &
same=$!
lab_requests 192.0.2.3 20 "$work/silent-other"
wait "$same"
wait "$silent"
check "20 of 20 requests from the silent attacker's address were answered" served "$work/silent-same"
check "20 of 20 requests from another address were answered" served "$work/silent-other"
echo "# silent: $(cat "$work/silent.json")"
echo "# attack: $(cat "$work/attack.json"); within the share: $(cat "$work/patient.json")"
echo "# same address: $(awk '{ print $2 }' "$work/same" | sort -n | tail -1) s slowest; other: $(awk '{ print $2 }' "$work/other" | sort -n | tail -1) s slowest"
echo "$stats" | tr ' ' '\n' | grep -E 'l7_|tcp_|drop' | sed 's/^/# /'
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dp: /' "$work/dp.log" | tail -20
lab_finish
