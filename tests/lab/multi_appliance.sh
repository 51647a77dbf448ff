#!/usr/bin/env bash
# Two appliances serving the same VIPs behind one router (scale-out and failover in BGP
# mode, as MetalLB's BGP mode, Katran and Maglev are deployed). Each appliance is a
# dataplane with its own control plane and gobgpd, reading the same manifests; BIRD 2 on
# the router merges their routes into one ECMP route and hashes flows by their ports.
#   - both appliances announce both VIPs (a Gateway's, L7; a LoadBalancer Service's, L4)
#     and the router installs two next hops for each;
#   - both build the same Maglev tables from the same state: a connection with the same
#     source port reaches the same backend through either appliance;
#   - clients behind the router are spread over both;
#   - one appliance dies (its dataplane killed, then its control plane and gobgpd, as in
#     a power loss: the router hears nothing) under short and kept-alive connections: the router stops sending to it when the hold time
#     (3 s) runs out; every connection opened after that is served, kept-alive
#     connections through the survivor are untouched, those through the dead one are
#     lost. The failed connections and the seconds until the router moved are reported;
#   - the appliance returns: the router spreads flows over both again, and a kept-alive
#     connection the router moves to it is reset at once (it holds no state for it),
#     not left to time out.
#
#   far 203.0.113.10/25 ─ rtr (BIRD, AS 64513) br0 192.0.2.1 ─┬─ pdp0 [a] 192.0.2.2 pdp1 ─┬─ sw ─ be1..be3
#                                       probe 192.0.2.9 ────────┤  (namespace dp)            │   198.51.100.11-13
#                                                               └─ pdp0 [b] 192.0.2.3 pdp1 ─┘
#                                                                  (namespace dp2)
# usage: multi_appliance.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
CONTROLPLANE="$(dirname "$DATAPLANE")/../controlplane/portico-controlplane"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
. "$(dirname "$0")/../../scripts/lib/manifests.sh"
lab_init "pma$$"
work=$(mktemp -d)
declare -A NS=([a]=dp [b]=dp2) HOST=([a]=2 [b]=3) CP_PID=() DP_OF=()

# stop_appliance a|b: its control plane first (it would start gobgpd again), then gobgpd
# by the pid it wrote, then the dataplane.
stop_appliance() {
  local x=$1 pid
  for pid in "${CP_PID[$x]:-}" "$(cat "$work/$x/gobgpd.pid" 2>/dev/null)" "${DP_OF[$x]:-}"; do
    [ -n "$pid" ] && { lab_stop_pid "$pid" || true; }
  done
  CP_PID[$x]="" DP_OF[$x]=""
  rm -f "$work/$x/gobgpd.pid"
}
# kill_appliance a|b: a power loss. The dataplane first, and gone before the rest: with its
# host path gone, nothing the dying gobgpd's kernel sends (a reset of the BGP session)
# reaches the router, which hears only silence.
kill_appliance() {
  local x=$1 pid
  kill -KILL "${DP_OF[$x]}"
  lab_stop_pid "${DP_OF[$x]}" || true
  for pid in "${CP_PID[$x]}" "$(cat "$work/$x/gobgpd.pid")"; do kill -KILL "$pid"; done
  LAB_PIDS+=("${CP_PID[$x]}")
  CP_PID[$x]="" DP_OF[$x]=""
  rm -f "$work/$x/gobgpd.pid"
}
trap 'stop_appliance a; stop_appliance b; lab_cleanup; rm -rf "$work"' EXIT

for n in rtr far probe dp dp2; do lab_ns_add "$n"; done
rtr=$(lab_ns rtr) far=$(lab_ns far) probe=$(lab_ns probe)
ip -n "$rtr" link add br0 type bridge
ip -n "$rtr" link set br0 up
ip -n "$rtr" addr add 192.0.2.1/24 dev br0
lab_veth rtr ra dp pdp0
lab_veth rtr rb dp2 pdp0
lab_veth rtr rp probe eth0
for i in ra rb rp; do ip -n "$rtr" link set "$i" master br0; done
lab_dataplane_iface dp pdp0
lab_dataplane_iface dp2 pdp0
ip -n "$probe" addr add 192.0.2.9/24 dev eth0
lab_veth rtr rtr1 far far0
ip -n "$rtr" addr add 203.0.113.1/25 dev rtr1
ip -n "$far" addr add 203.0.113.10/25 dev far0
ip -n "$far" route add default via 203.0.113.1
ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1
# The router hashes a flow by its ports too (policy 1), as a ToR's ECMP does; by addresses
# alone one client would use one appliance.
ip netns exec "$rtr" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
lab_backend_link 3
lab_backend_join dp2 pdp1 swdp2
for i in 1 2 3; do lab_start_backend "$i"; done

cat >"$work/bird.conf" <<CONF
router id 192.0.2.1;
protocol device {}
# merge paths: the two appliances' equal routes become one route with two next hops.
protocol kernel { ipv4 { export all; }; merge paths on; }
template bgp appliance {
  local 192.0.2.1 as 64513;
  hold time 3;
  error wait time 1, 10;
  ipv4 { import all; export none; };
}
protocol bgp a from appliance { neighbor 192.0.2.2 as 64512; }
protocol bgp b from appliance { neighbor 192.0.2.3 as 64512; }
CONF
ip netns exec "$rtr" bird -f -c "$work/bird.conf" -s "$work/bird.ctl" >"$work/bird.log" 2>&1 &
LAB_PIDS+=("$!")
birdc() { command birdc -s "$work/bird.ctl" "$@" 2>&1; }

mkdir -p "$work/manifests" "$work/a" "$work/b"
endpoints() {  # endpoints SERVICE: an EndpointSlice with be1..be3
  cat <<YAML
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: $1-1, namespace: apps, labels: {kubernetes.io/service-name: $1}}
addressType: IPv4
ports: [{name: p, port: 8080}]
endpoints: [{addresses: [198.51.100.11]}, {addresses: [198.51.100.12]}, {addresses: [198.51.100.13]}]
YAML
}
{
  manifest_gatewayclass
  manifest_gateway app 203.0.113.200
  manifest_route HTTPRoute app app app.example.com app 80
  cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: apps}
spec: {ports: [{name: p, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: apps}
spec: {type: LoadBalancer, loadBalancerClass: portico.dev/lb, ports: [{name: p, port: 80, targetPort: 8080}]}
YAML
  endpoints app
  endpoints lb
} >"$work/manifests/lab.yaml"

for x in a b; do
  cat >"$work/$x/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX-$x", --log-level, "*:warning"]
api: {socket: "$work/$x/api.sock"}
ports:
  - {name: uplink, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.${HOST[$x]}/24, host: {interface: phost0}}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.${HOST[$x]}/24}
flows: {capacity: 65536}
l7: {connections: 4096, buffers: 256}
announce: {count: 0}
YAML
  # The same pools on both: the same state gives the same addresses.
  cat >"$work/$x/controlplane.yaml" <<YAML
dataplanes: ["unix:$work/$x/api.sock"]
debounce_ms: 100
address_pools:
  - {name: edge, addresses: [203.0.113.200], no_endpoints: withdraw}
  - {name: services, addresses: [203.0.113.202], no_endpoints: withdraw}
bgp:
  asn: 64512
  router_id: 192.0.2.${HOST[$x]}
  listen: [192.0.2.${HOST[$x]}]
  peers: [{address: 192.0.2.1, asn: 64513, hold_time_s: 3}]
  graceful_restart_s: 0
  api: "127.0.0.1:50051"
  pid_file: "$work/$x/gobgpd.pid"
YAML
done

start_appliance() {  # start_appliance a|b: its dataplane, then its control plane
  local x=$1
  lab_start_dataplane "${NS[$x]}" "$DATAPLANE" "$work/$x/dataplane.yaml" "$work/$x/dp.log" || return 1
  DP_OF[$x]=$DP_PID
  ip netns exec "$(lab_ns "${NS[$x]}")" "$CONTROLPLANE" --config "$work/$x/controlplane.yaml" \
    --manifests "$work/manifests" >>"$work/$x/cp.log" 2>&1 &
  CP_PID[$x]=$!
}
for x in a b; do
  start_appliance "$x" || { echo "Bail out! appliance $x did not start"; exit 1; }
done

# hops VIP: the router's next hops for the VIP, sorted, one line.
hops() { ip -n "$rtr" route show "$1/32" | grep -o 'via 192\.0\.2\.[0-9]*' | sort | tr '\n' ' '; }
wait_hops() {  # wait_hops VIP "HOPS" SECONDS
  lab_wait_until "$3" "the router's next hops for $1 to be '$2'" bash -c "[ \"\$(ip -n $rtr route show $1/32 | grep -o 'via 192\.0\.2\.[0-9]*' | sort | tr '\n' ' ')\" = '$2' ]" ||
    { birdc show protocols; birdc show route all; tail -5 "$work/a/cp.log" "$work/b/cp.log"; return 1; }
}
both="via 192.0.2.2 via 192.0.2.3 "
check "the router learns the L4 VIP from both appliances: one route, two next hops (ECMP)" wait_hops 203.0.113.202 "$both" 60
check "... and the L7 VIP" wait_hops 203.0.113.200 "$both" 10

# The same source port through either appliance: the probe's route to the VIP names one
# appliance, then the other. Each connection ends with a reset (SO_LINGER 0), so its port
# is free for the next round at once.
through() {  # through NEXT_HOP: the backend of each of 24 source ports through that appliance
  ip -n "$probe" route replace 203.0.113.202/32 via "$1"
  ip netns exec "$probe" python3 - <<'EOF2'
import socket, struct
names = []
for port in range(41000, 41024):
    s = socket.socket()
    s.settimeout(5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.0.2.9", port))
    try:
        s.connect(("203.0.113.202", 80))
        s.sendall(b"GET /peer HTTP/1.1\r\nHost: lb\r\n\r\n")
        answer = b""
        while True:  # the head, then Content-Length bytes of body: "beN ADDRESS"
            head, whole, body = answer.partition(b"\r\n\r\n")
            if whole:
                fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
                if len(body) >= int(fields[b"content-length"]):
                    break
            chunk = s.recv(4096)
            if not chunk:
                raise OSError("closed before the answer")
            answer += chunk
        names.append(body.split()[0].decode())
    except (OSError, KeyError, ValueError) as e:
        names.append(f"failed({e})")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print(" ".join(names))
EOF2
}
via_a=$(through 192.0.2.2)
via_b=$(through 192.0.2.3)
echo "# backends by source port, through a: $via_a"
echo "# backends by source port, through b: $via_b"
check "both appliances send each connection to the same backend (identical Maglev tables)" \
  bash -c "[ '$via_a' = '$via_b' ] && [ \$(tr ' ' '\n' <<<'$via_a' | grep -c '^be[123]$') = 24 ] && [ \$(tr ' ' '\n' <<<'$via_a' | sort -u | grep -c be) -ge 2 ]"

# peers URL HOST: the appliance (the SNAT address the backend saw) of 40 connections from far.
peers() {
  for _ in $(seq 1 40); do
    ip netns exec "$far" curl -s --max-time 5 -H "Host: $2" "$1/peer" | cut -d' ' -f2
  done | sort | uniq -c
}
spread() {  # spread URL HOST: every connection answered, by both appliances
  local out; out=$(peers "$1" "$2")
  echo "$out"
  [ "$(awk '{n += $1} END {print n}' <<<"$out")" = 40 ] && grep -q ' 198.51.100.2$' <<<"$out" && grep -q ' 198.51.100.3$' <<<"$out"
}
check "the router spreads clients' connections over both appliances (L4)" spread http://203.0.113.202 lb
check "... and the L7 VIP's (proxy mode, by Host)" spread http://203.0.113.200 app.example.com

# Appliance b dies under load: 4 loops of short connections and 12 kept-alive ones on each
# VIP, 2 s to answer.
run_clients() {  # run_clients SECONDS THREADS KEPT: one failover_client per VIP
  ip netns exec "$far" python3 "$LAB_ROOT/tests/lab/failover_client.py" 203.0.113.202 80 lb "$1" "$2" "$3" 2 >"$work/l4.json" &
  l4_client=$!
  ip netns exec "$far" python3 "$LAB_ROOT/tests/lab/failover_client.py" 203.0.113.200 80 app.example.com "$1" "$2" "$3" 2 >"$work/l7.json" &
  l7_client=$!
  LAB_PIDS+=("$l4_client" "$l7_client")
  lab_wait_until 20 "the clients' kept-alive connections to be answered" bash -c "grep -q connected $work/l4.json && grep -q connected $work/l7.json"
}
run_clients 8 4 12
killed=$(date +%s.%N)
kill_appliance b
check "appliance b killed: the router stops sending the L4 VIP to it (hold time 3 s)" wait_hops 203.0.113.202 "via 192.0.2.2 " 20
moved=$(date +%s.%N)
check "... and the L7 VIP" wait_hops 203.0.113.200 "via 192.0.2.2 " 5
wait "$l4_client" "$l7_client"

# report FILE: what the clients saw, against the kill and the router's move.
report() {
  python3 - "$1" "$killed" "$moved" <<'EOF'
import json, sys
runs = json.loads(open(sys.argv[1]).read().split("\n", 1)[1])
killed, moved = float(sys.argv[2]), float(sys.argv[3])
short, kept = runs["short"], runs["kept"]
failed = [s for s in short if not s[2]]
late = [s for s in failed if s[0] > moved + 0.5]
survivor = [k for k in kept if k["via"] == "198.51.100.2"]
dead = [k for k in kept if k["via"] == "198.51.100.3"]
last = max((s[1] for s in failed), default=killed)
print(f"short connections: {len(failed)} of {len(short)} failed, the last {last - killed:.2f} s after the kill; "
      f"the router moved {moved - killed:.2f} s after it")
print(f"kept-alive: {len(survivor)} through a, {sum(k['failed_at'] is not None for k in survivor)} of them lost; "
      f"{len(dead)} through b, {sum(k['failed_at'] is not None for k in dead)} of them lost")
for k in kept:
    if k["failed_at"] is not None:
        print(f"  via {k['via']}: lost {k['failed_at'] - killed:.2f} s after the kill ({k['why']})")
ok = not late and len(survivor) + len(dead) == len(kept) and all(k["failed_at"] is None for k in survivor) \
    and all(k["failed_at"] is not None for k in dead) and all(s[2] for s in short if s[0] > moved + 0.5)
print(json.dumps({"failed": len(failed), "short": len(short), "recovered_s": last - killed,
                  "moved_s": moved - killed, "kept_lost": len(dead), "kept": len(kept)}))
sys.exit(0 if ok else 1)
EOF
}
for vip in l4 l7; do
  check "$vip: every connection opened after the router moved was served; kept-alive connections through a were untouched, those through b lost" report "$work/$vip.json"
  report "$work/$vip.json" | sed 's/^/# /'
done
figures=$(report "$work/l4.json" | tail -1)
figure() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$figures" "$1"; }
lab_figure failover.l4.router_moved_s "$(figure moved_s)" s null \
  "from killing one of two appliances (dataplane, control plane and gobgpd) until the router dropped its next hop (BGP hold time 3 s)"
lab_figure failover.l4.failed_connections "$(figure failed)" connections null \
  "of $(figure short) short connections to an L4 VIP (4 loops, 2 s to answer) while one of two appliances died"
lab_figure failover.l4.recovered_s "$(figure recovered_s)" s null \
  "from the kill until the last failed connection to the L4 VIP ended; none failed after"

# Appliance b returns: the router takes it back, and spreads flows over both again. A
# kept-alive connection through a that the router now hashes to b meets an appliance
# without its flow: b resets it at once.
ip netns exec "$far" python3 "$LAB_ROOT/tests/lab/failover_client.py" 203.0.113.202 80 lb 60 0 16 2 >"$work/back.json" &
back_client=$!
LAB_PIDS+=("$back_client")
lab_wait_until 20 "the kept-alive connections to be answered" grep -q connected "$work/back.json"
start_appliance b || { echo "Bail out! appliance b did not start again"; exit 1; }
returned=$(date +%s.%N)
check "appliance b back: the router has both next hops again" wait_hops 203.0.113.202 "$both" 30
echo "# both next hops $(python3 -c "print(f'{$(date +%s.%N) - $returned:.2f}')") s after b's dataplane was ready"
check "... and spreads connections over both again" spread http://203.0.113.202 lb
# The kept-alive connections have each asked a few more times by now; SIGTERM ends them.
kill -TERM "$back_client"
wait "$back_client"
moved_were_reset() {
  python3 - "$work/back.json" <<'EOF2'
import json, sys
kept = json.loads(open(sys.argv[1]).read().split("\n", 1)[1])["kept"]
lost = [k for k in kept if k["failed_at"] is not None]
print(f"{len(lost)} of {len(kept)} kept-alive connections through a were moved to b by the router")
for k in lost:
    print(f"  {k['why']}")
sys.exit(0 if len(kept) == 16 and all("Reset" in k["why"] for k in lost) else 1)
EOF2
}
check "a kept-alive connection the router moved to b is reset by b at once, not left to time out" moved_were_reset
moved_were_reset | sed 's/^/# /'
lab_finish
