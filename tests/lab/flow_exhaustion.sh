#!/usr/bin/env bash
# Flow table and SNAT port exhaustion under a SYN flood against an L4 service, with real
# Linux TCP clients and backends: tests/lab/syn_flood.py sends 40 000 SYNs a second from
# spoofed sources (enough to fill either limit within two seconds, and what this lab
# carries without losing the ordinary clients' frames on its own veths) while
#   - a kept-alive client opened before the flood goes on making requests on its one
#     connection (its flow must survive: the table evicts half-open flows first),
#   - new connections from an ordinary client are made one after another (each must be
#     answered: new flows keep being served).
# Twice: a 16 384-flow table in front of three backends (the table fills and evicts), and
# a 131 072-flow table in front of one backend (its 64 512 SNAT ports fill first and are
# reclaimed). Every SYN gets a flow; nothing is dropped for want of room. Prints the rate
# new flows were made at.
# usage: flow_exhaustion.sh PATH/TO/portico-dataplane [WORKER_LCORES] [SECONDS] [SYNS_PER_SECOND]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
FLOOD_SECONDS=${3:-6}
FLOOD_RATE=${4:-40000}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
lab_init "pexh$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 3
client=$(lab_ns client)
for i in 1 2 3; do lab_start_backend "$i"; done

# flood_round NAME CAPACITY BACKENDS COUNTER LIMIT: one dataplane, one flood; COUNTER is
# what must have grown (flows_evicted or snat_ports_reclaimed), LIMIT what filled.
flood_round() {
  local name=$1 capacity=$2 backends=$3 counter=$4 limit=$5 i
  {
    cat <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
services:
  - name: web
    vip: 192.0.2.100
    port: 80
    protocol: tcp
    backends:
YAML
    for i in $(seq 1 "$backends"); do echo "      - {address: 198.51.100.1$i, port: 8080}"; done
    echo "flows: {capacity: $capacity}"
    echo "announce: {count: 1}"
  } >"$work/$name.yaml"
  if ! lab_start_dataplane dp "$DATAPLANE" "$work/$name.yaml" "$work/$name.log"; then
    echo "Bail out! the dataplane did not start ($name)"
    exit 1
  fi
  check "$name: the VIP answers" lab_wait_http client http://192.0.2.100/
  local mac
  mac=$(ip -n "$client" neigh show 192.0.2.100 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)

  ip netns exec "$client" python3 "$here/steady_client.py" 192.0.2.100 80 steady.example.com 0.2 \
    $((FLOOD_SECONDS + 3)) >"$work/$name.steady" &
  local steady=$!
  LAB_PIDS+=("$steady")
  check "$name: the kept-alive client is connected" lab_wait_until 20 "a first answer on the kept-alive connection" \
    grep -q connected "$work/$name.steady"

  local before after
  before=$(lab_dataplane_stats "$work/$name.log")
  local t_flood; t_flood=$(date +%s%N)
  ip netns exec "$client" python3 "$here/syn_flood.py" pcl0 "$mac" 192.0.2.100 80 "$FLOOD_SECONDS" "$FLOOD_RATE" \
    >"$work/$name.sent" &
  local flood=$!
  LAB_PIDS+=("$flood")
  at_limit() {
    [ "$(lab_counter "$counter" "$(lab_dataplane_stats "$work/$name.log")")" -gt "$(lab_counter "$counter" "$before")" ]
  }
  check "$name: the flood reached the limit ($counter growing)" lab_wait_until 20 "$counter to grow" at_limit
  local t0; t0=$(date +%s%N)
  for i in $(seq 1 20); do
    ip netns exec "$client" curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' http://192.0.2.100/ ||
      echo "000 5"
  done >"$work/$name.requests"
  wait "$flood"
  local t1; t1=$(date +%s%N)
  after=$(lab_dataplane_stats "$work/$name.log")
  wait "$steady"

  delta() { echo $(($(lab_counter "$1" "$after") - $(lab_counter "$1" "$before"))); }
  local created evicted dropped
  created=$(delta flows_created)
  dropped=$(delta dropped)
  echo "# $name: $(cat "$work/$name.sent") SYNs sent in $FLOOD_SECONDS s; $created flows made" \
    "($(awk -v c="$created" -v t=$((t1 - t_flood)) 'BEGIN { printf "%.0f", c / (t / 1e9) }')/s)," \
    "flows_evicted +$(delta flows_evicted), snat_ports_reclaimed +$(delta snat_ports_reclaimed)," \
    "active_flows $(lab_counter active_flows "$after"), dropped +$dropped"
  local what="a ${capacity}-flow table in front of $backends backend(s)"
  lab_figure "attack.$name.new_flows_per_s" "$(awk -v c="$created" -v t=$((t1 - t_flood)) 'BEGIN { printf "%.0f", c / (t / 1e9) }')" \
    flows/s null "SYN flood from spoofed sources against an L4 service, $what: flows made per second ($FLOOD_RATE SYN/s from a python raw socket, 1 worker, af_packet)"
  lab_figure "attack.$name.answered_share" "$(awk -v n="$(grep -c '^200 ' "$work/$name.requests")" 'BEGIN { printf "%.4f", n / 20 }')" \
    share null "same: 20 new connections from a real client, one after another, answered"
  served() { [ "$(grep -c '^200 ' "$work/$name.requests")" -eq 20 ] || { cat "$work/$name.requests"; false; }; }
  check "$name: 20 of 20 new connections answered during the flood" served
  survived() { grep -q '"failure": null' "$work/$name.steady" || { cat "$work/$name.steady"; false; }; }
  check "$name: the kept-alive connection opened before the flood lived through it" survived
  check "$name: $counter grew" test "$(delta "$counter")" -gt 0
  check "$name: the table never held more than its capacity" test "$(lab_counter active_flows "$after")" -le "$capacity"
  check "$name: no SYN was dropped for want of SNAT ports" test "$(delta drop.snat_ports_exhausted)" -eq 0
  check "$name: the flood made more flows than the limit ($limit)" test "$created" -gt "$limit"
  echo "# $name: drops by reason:$(for r in $(echo "$after" | tr ' ' '\n' | grep '^drop\.' | cut -d= -f1); do
    d=$(delta "$r"); [ "$d" -gt 0 ] && printf ' %s +%s' "${r#drop.}" "$d"; done)"
  # What is dropped is the backends' retransmitted SYN-ACKs of flows already evicted; how
  # many of the SYNs sent the lab's veths delivered depends on the machine's speed.
  check "$name: nothing but evicted flows' packets was dropped" test "$(delta drop.no_host_path)" -ge $((dropped * 9 / 10))
  check "$name: the dataplane kept running" kill -0 "$DP_PID"
  lab_stop_pid "$DP_PID" || true
}

flood_round flow_table_full 16384 3 flows_evicted 16384
flood_round snat_ports_full 131072 1 snat_ports_reclaimed 64512
lab_finish
