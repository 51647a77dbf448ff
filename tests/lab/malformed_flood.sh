#!/usr/bin/env bash
# Malformed frames at the client port as fast as the lab's raw socket sends them
# (tests/lab/malformed_frames.py: random bytes, truncated and lying headers, extension
# chains, fragments, every TCP flag combination, bad UDP lengths, broken ARP, stacked
# VLANs) while an ordinary client makes requests: every request is answered, the
# dataplane keeps running, and what it drops it counts by reason.
# usage: malformed_flood.sh PATH/TO/portico-dataplane [WORKER_LCORES] [SECONDS]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
SECONDS_OF_FLOOD=${3:-8}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
lab_init "pmal$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

if ! lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
ip -n "$client" addr add 192.0.2.3/24 dev pcl0
check "the gateway answers" lab_wait_http client http://192.0.2.100/
port_mac=$(ip -n "$client" neigh show 192.0.2.100 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
check "the VIP's MAC is known ($port_mac)" test -n "$port_mac"

before=$(lab_dataplane_stats "$work/dp.log")
ip netns exec "$client" python3 "$here/malformed_frames.py" pcl0 "$port_mac" "$SECONDS_OF_FLOOD" >"$work/sent" &
flood=$!
LAB_PIDS+=("$flood")
sent_now() { ip netns exec "$client" cat /sys/class/net/pcl0/statistics/tx_packets; }
flood_start=$(sent_now)
flooding() { [ "$(sent_now)" -gt $((flood_start + 5000)) ]; }
check "the flood is under way" lab_wait_until 20 "5 000 malformed frames sent" flooding
lab_requests 192.0.2.3 20 "$work/requests"
wait "$flood"
after=$(lab_dataplane_stats "$work/dp.log")
sent=$(tr -dc 0-9 <"$work/sent")
served() { [ "$(grep -c '^200 ' "$work/requests")" -eq 20 ] || { cat "$work/requests"; false; }; }
check "20 of 20 requests were answered during the flood" served
check "the dataplane kept running" kill -0 "$DP_PID"
check "and answers after it" lab_wait_http client http://192.0.2.100/

delta() { echo $(($(lab_counter "$1" "$after") - $(lab_counter "$1" "$before"))); }
rx=$(delta rx_packets)
dropped=$(delta dropped)
echo "# sent ${sent:-0} malformed frames in $SECONDS_OF_FLOOD s; the dataplane received $rx and dropped $dropped"
check "the dataplane took in most of what was sent" test "$rx" -ge $((${sent:-0} / 2))
check "it counted most of them as drops" test "$dropped" -ge $((rx / 2))
reasons=$(for r in $(echo "$after" | tr ' ' '\n' | grep '^drop\.' | cut -d= -f1); do
  d=$(delta "$r")
  [ "$d" -gt 0 ] && echo "$d $r"
done | sort -rn)
echo "$reasons" | sed 's/^/#   /'
lab_figure attack.malformed.frames_per_s "$((rx / SECONDS_OF_FLOOD))" frames/s null \
  "malformed frames the dataplane took in per second from one python raw socket (random bytes, lying headers, every TCP flag), 1 worker"
lab_figure attack.malformed.dropped_share "$(awk -v d="$dropped" -v r="$rx" 'BEGIN { printf "%.4f", r ? d / r : 0 }')" share null \
  "same: the share of them dropped and counted by a reason"
lab_figure attack.malformed.answered_share "$(awk -v n="$(grep -c '^200 ' "$work/requests")" 'BEGIN { printf "%.4f", n / 20 }')" share null \
  "same: 20 ordinary requests meanwhile, answered"
check "under many reasons (at least 10)" test "$(echo "$reasons" | grep -c .)" -ge 10
lab_finish
