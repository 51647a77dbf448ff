#!/usr/bin/env bash
# L2 mode with two appliances: an active/standby pair on the clients' segment (dataplane.yaml
# `pair:`), serving the same L4 VIP. Real Linux clients and backends:
#   - a (priority 200) becomes active and b standby: only a answers ARP for the VIP, so the
#     client's neighbour entry names a, and /metrics says who is active;
#   - a's dataplane is killed under short and kept-alive connections: b takes over when
#     three heartbeats (100 ms apart) are missed and announces the VIP with gratuitous ARP;
#     the client's entry moves to b, and connections are served through b again. The
#     seconds without service and the failed connections are reported; kept-alive
#     connections that lived on a are reset by b (it holds no state for them);
#   - a comes back: it hears that b is active and stays standby (no preemption: its return
#     moves no connection);
#   - b is killed: a takes over again.
#
#   client 192.0.2.1 (bridge br0) ─┬─ pdp0 [a] 192.0.2.2 (namespace dp)  pdp1 ─┬─ sw ─ be1 198.51.100.11
#                                  └─ pdp0 [b] 192.0.2.3 (namespace dp2) pdp1 ─┘
# usage: l2_pair.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "pl2$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
declare -A NS=([a]=dp [b]=dp2) HOST=([a]=2 [b]=3) PEER=([a]=3 [b]=2) PRIORITY=([a]=200 [b]=100) DP_OF=()

for n in client dp dp2; do lab_ns_add "$n"; done
client=$(lab_ns client)
ip -n "$client" link add br0 type bridge
ip -n "$client" link set br0 up
ip -n "$client" addr add 192.0.2.1/24 dev br0
# Gratuitous ARP may create and update the client's entry for the VIP.
ip netns exec "$client" sysctl -qw net.ipv4.conf.br0.arp_accept=1
lab_veth client ca dp pdp0
lab_veth client cb dp2 pdp0
for i in ca cb; do ip -n "$client" link set "$i" master br0; done
lab_dataplane_iface dp pdp0
lab_dataplane_iface dp2 pdp0
lab_backend_link 1
lab_backend_join dp2 pdp1 swdp2
lab_start_backend 1

for x in a b; do
  mkdir -p "$work/$x"
  cat >"$work/$x/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX-$x", --log-level, "*:warning"]
api: {socket: "$work/$x/api.sock"}
metrics: {listen: "127.0.0.1:9464"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.${HOST[$x]}/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.${HOST[$x]}/24}
services:
  - {name: web, vip: 192.0.2.100, port: 80, protocol: tcp, backends: [{address: 198.51.100.11, port: 8080}]}
flows: {capacity: 65536}
announce: {count: 3, interval_ms: 100}
pair: {port: clients, peer: 192.0.2.${PEER[$x]}, priority: ${PRIORITY[$x]}}
YAML
done
declare -A LOG=()
starts=0
start() {  # start a|b: its dataplane, logging to a new file (LOG[x])
  starts=$((starts + 1))
  LOG[$1]="$work/$1/dp-$starts.log"
  lab_start_dataplane "${NS[$1]}" "$DATAPLANE" "$work/$1/dataplane.yaml" "${LOG[$1]}" || return 1
  DP_OF[$1]=$DP_PID
}
last_role() { grep 'pair: ' "${LOG[$1]}" | tail -1 | grep -q "pair: $2 "; }
role() {  # role a|b ROLE: the appliance's last pair line names that role (10 s at most)
  lab_wait_until 10 "$1 to be $2" last_role "$1" "$2" || { grep 'pair: ' "${LOG[$1]}"; return 1; }
}
mac_of() { ip -n "$(lab_ns "${NS[$1]}")" link show pdp0 | awk '/link\/ether/ { print $2 }'; }
vip_mac() { ip -n "$client" neigh show 192.0.2.100 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
via() { ip netns exec "$client" curl -s --max-time 2 http://192.0.2.100/peer | cut -d' ' -f2; }
active_metric() {  # active_metric a|b 0|1
  [ "$(ip netns exec "$(lab_ns "${NS[$1]}")" curl -s http://127.0.0.1:9464/metrics | awk '$1 == "portico_pair_active" { print $2 }')" = "$2" ]
}

start a || { echo "Bail out! a did not start"; exit 1; }
start b || { echo "Bail out! b did not start"; exit 1; }
check "a (priority 200) becomes active" role a active
check "b becomes standby" role b standby
check "/metrics says so on both" eval 'active_metric a 1 && active_metric b 0'
check "the client reaches the VIP through a" test "$(via)" = 198.51.100.2
check "... because only a answered its ARP: the client's entry names a's MAC" test "$(vip_mac)" = "$(mac_of a)"

# a dies under load: 2 loops of short connections and 4 kept-alive ones, 1 s to answer.
ip netns exec "$client" python3 "$LAB_ROOT/tests/lab/failover_client.py" 192.0.2.100 80 web 6 2 4 1 >"$work/clients.json" &
clients=$!
LAB_PIDS+=("$clients")
lab_wait_until 20 "the kept-alive connections to be answered" grep -q connected "$work/clients.json"
killed=$(date +%s.%N)
kill -KILL "${DP_OF[a]}"
check "a killed: b takes over when a's heartbeats stop" role b active
check "... b says why" grep -q "pair: active (the peer 192.0.2.2 went silent)" "${LOG[b]}"
names_b() { [ "$(vip_mac)" = "$(mac_of b)" ]; }
check "... the client's entry for the VIP moves to b (gratuitous ARP)" lab_wait_until 10 "the client's entry to name b" names_b
wait "$clients"
takeover() {
  python3 - "$work/clients.json" "$killed" <<'EOF'
import json, sys
runs = json.loads(open(sys.argv[1]).read().split("\n", 1)[1])
killed = float(sys.argv[2])
short, kept = runs["short"], runs["kept"]
failed = [s for s in short if not s[2]]
through_b = [s for s in short if s[2] and s[3] == "198.51.100.3"]
first_b = min((s[1] for s in through_b), default=None)
last_failure = max((s[1] for s in failed), default=killed)
print(f"short connections: {len(failed)} of {len(short)} failed, the last {last_failure - killed:.2f} s after the kill")
if first_b is not None:
    print(f"the first answer through b came {first_b - killed:.2f} s after the kill")
lost = [k for k in kept if k["failed_at"] is not None]
print(f"kept-alive: {len(lost)} of {len(kept)} lost (all lived on a)")
for k in lost:
    print(f"  lost {k['failed_at'] - killed:.2f} s after the kill ({k['why']})")
late = [s for s in failed if s[0] > killed + 3]
ok = first_b is not None and not late and all(k["via"] == "198.51.100.2" for k in kept) and len(lost) == len(kept)
sys.exit(0 if ok else 1)
EOF
}
check "connections are served through b again within seconds, none fails later; kept-alive ones through a were lost" takeover
takeover | sed 's/^/# /'

start a || { echo "Bail out! a did not start again"; exit 1; }
check "a back: it hears b is active and stays standby (no preemption)" role a standby
check "... it says why" grep -q "pair: standby (the peer 192.0.2.3 is active)" "${LOG[a]}"
check "... and the client still goes through b" test "$(via)" = 198.51.100.3

kill -KILL "${DP_OF[b]}"
check "b killed: a takes over again" role a active
served_by_a() { [ "$(via)" = 198.51.100.2 ]; }
check "... and serves the client" lab_wait_until 10 "the client to be served through a" served_by_a
if [ "$LAB_FAILURES" -gt 0 ]; then
  for log in "$work"/*/dp-*.log; do grep -H 'pair: \|error\|warn' "$log" | sed 's/^/# /'; done
fi
lab_finish
