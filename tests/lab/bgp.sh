#!/usr/bin/env bash
# BGP mode, as a router behind the appliance sees it: BIRD 2 in namespace "rtr" peers with
# gobgpd, which the control plane runs beside the dataplane and which talks through the
# dataplane's port and host path. A client behind the router reaches each VIP through the
# route BIRD learned, a Gateway's and a LoadBalancer Service's alike. The session is signed
# with TCP MD5. The route goes away when the VIP loses its last endpoint (policy
# withdraw) or stays and answers 503 (policy keep); it survives a control-plane restart
# and a flood at the appliance's address; it is withdrawn when the dataplane stops, and
# comes back when it starts again.
#
#   far 203.0.113.10/25 ─ rtr (BIRD, AS 64513) 192.0.2.1 ══ pdp0 dataplane (192.0.2.2, TAP phost0: gobgpd AS 64512)
#                                                             pdp1 ══ bridge ─ be1 198.51.100.11
# usage: bgp.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
CONTROLPLANE="$(dirname "$DATAPLANE")/../controlplane/portico-controlplane"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
. "$(dirname "$0")/../../scripts/lib/manifests.sh"
lab_init "pbg$$"
work=$(mktemp -d)
CP_PID=""
# gobgpd outlives the control plane by design: stop the control plane first (it would
# start gobgpd again), then gobgpd by the pid it wrote, then the rest.
stop_bgp() {
  [ -n "$CP_PID" ] && lab_stop_pid "$CP_PID"
  [ -s "$work/gobgpd.pid" ] && lab_stop_pid "$(cat "$work/gobgpd.pid")"
}
trap 'stop_bgp; lab_cleanup; rm -rf "$work"' EXIT

lab_client_link  # "client" is the router here: 192.0.2.1 on pcl0
lab_backend_link 1
lab_start_backend 1
rtr=$(lab_ns client)
dp=$(lab_ns dp)
lab_ns_add far
far=$(lab_ns far)
lab_veth client rtr1 far far0
ip -n "$rtr" addr add 203.0.113.1/25 dev rtr1
ip -n "$far" addr add 203.0.113.10/25 dev far0
ip -n "$far" route add default via 203.0.113.1
ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1

cat >"$work/bird.conf" <<CONF
router id 192.0.2.1;
protocol device {}
protocol kernel { ipv4 { export all; }; }
protocol bgp portico {
  local 192.0.2.1 as 64513;
  neighbor 192.0.2.2 as 64512;
  hold time 9;
  password "portico-lab";
  graceful restart on;
  # BIRD waits 60 s after a session error before it peers again by default: the session
  # would come back a minute after a dataplane restart. Operators shorten it the same way.
  error wait time 2, 30;
  ipv4 { import all; export none; };
}
CONF
ip netns exec "$rtr" bird -f -c "$work/bird.conf" -s "$work/bird.ctl" >"$work/bird.log" 2>&1 &
LAB_PIDS+=("$!")
birdc() { command birdc -s "$work/bird.ctl" "$@" 2>&1; }

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: uplink, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24, host: {interface: phost0}}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
flows: {capacity: 65536}
l7: {connections: 4096, buffers: 256}
announce: {count: 0}
YAML
cat >"$work/controlplane.yaml" <<YAML
dataplanes: ["unix:$work/api.sock"]
debounce_ms: 100
metrics: {listen: "127.0.0.1:9465"}
address_pools:
  - {name: edge, addresses: [203.0.113.200], no_endpoints: withdraw}
  - {name: sticky, addresses: [203.0.113.201], no_endpoints: keep}
  - {name: services, addresses: [203.0.113.202], no_endpoints: withdraw}
bgp:
  asn: 64512
  router_id: 192.0.2.2
  listen: [192.0.2.2]
  peers: [{address: 192.0.2.1, asn: 64513, hold_time_s: 9, password: portico-lab}]
  communities: ["64512:100"]
  graceful_restart_s: 60
  api: "127.0.0.1:50051"
  pid_file: "$work/gobgpd.pid"
YAML
mkdir -p "$work/manifests"
write_manifests() {  # write_manifests READY_OF_APP
  {
    manifest_gatewayclass
    manifest_gateway app 203.0.113.200
    manifest_service app 80 8080 198.51.100.11 "$1"
    manifest_route HTTPRoute app app app.example.com app 80
    manifest_gateway kept 203.0.113.201
    manifest_service kept 80 8080 198.51.100.11 false
    manifest_route HTTPRoute kept kept kept.example.com kept 80
    # A LoadBalancer Service (L4), from the pool its annotation names.
    cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: apps, annotations: {metallb.io/address-pool: services}}
spec: {type: LoadBalancer, loadBalancerClass: portico.dev/lb, ports: [{name: p, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: lb-1, namespace: apps, labels: {kubernetes.io/service-name: lb}}
addressType: IPv4
ports: [{name: p, port: 8080}]
endpoints: [{addresses: [198.51.100.11], conditions: {ready: $1}}]
YAML
  } >"$work/manifests/lab.tmp"
  mv "$work/manifests/lab.tmp" "$work/manifests/lab.yaml"
}
write_manifests true

if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
start_controlplane() {
  ip netns exec "$dp" "$CONTROLPLANE" --config "$work/controlplane.yaml" --manifests "$work/manifests" >>"$work/cp.log" 2>&1 &
  CP_PID=$!
}
start_controlplane

# route_state VIP: "present" when BIRD has VIP/32 via the appliance, else "absent".
# route_state VIP: present, absent, or unknown when birdc got no answer from BIRD (its
# control socket busy), which says nothing about the route.
route_state() {
  local out; out=$(birdc show route "$1/32")
  if grep -q "via 192.0.2.2" <<<"$out"; then
    echo present
  elif grep -q "^BIRD .* ready" <<<"$out"; then
    echo absent
  else
    echo unknown
  fi
}
wait_route() {  # wait_route VIP present|absent SECONDS
  for _ in $(seq 1 $(($3 * 10))); do [ "$(route_state "$1")" = "$2" ] && return 0; sleep 0.1; done
  birdc show route; birdc show protocols all portico; tail -20 "$work/cp.log"
  return 1
}
get() { ip netns exec "$far" curl -s --max-time 5 -H "Host: $2" "http://$1/"; }

check "BIRD learns the VIP /32 with the appliance as next hop" wait_route 203.0.113.200 present 40
peer_metric() {  # peer_metric 0|1: the control plane's gauge of the session to BIRD says so (10 s at most)
  lab_wait_until 10 "portico_controlplane_bgp_peer_established to be $1" bash -c \
    "ip netns exec $dp curl -s http://127.0.0.1:9465/metrics | grep -qx 'portico_controlplane_bgp_peer_established{peer=\"192.0.2.1\"} $1'"
}
check "/metrics shows the session to the peer established" peer_metric 1
check "the route carries the configured community" bash -c "$(declare -f birdc); work=$work; birdc show route all 203.0.113.200/32 | grep -q 'BGP.community: (64512,100)'"
check "a client behind the router reaches the VIP through the learned route" \
  bash -c "[ \"\$($(declare -f get); far=$far; get 203.0.113.200 app.example.com)\" = be1 ]"
check "a LoadBalancer Service's address is announced too" wait_route 203.0.113.202 present 10
check "... and a client behind the router reaches its backend through the L4 path" \
  bash -c "[ \"\$(ip netns exec $far curl -s --max-time 5 http://203.0.113.202/)\" = be1 ]"
check "policy keep: a VIP without endpoints stays announced" wait_route 203.0.113.201 present 5
keep_503() { get 203.0.113.201 kept.example.com >/dev/null; ip netns exec "$far" curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: kept.example.com" http://203.0.113.201/ | grep -q 503; }
check "policy keep: that VIP answers 503" keep_503

ip netns exec "$rtr" ping -f -w 4 -s 200 192.0.2.2 >/dev/null 2>&1
established() { birdc show protocols portico | grep -q Established; }
check "a flood at the appliance's address leaves the BGP session up" established
check "... and the route in place" wait_route 203.0.113.200 present 1

lab_stop_pid "$CP_PID"
CP_PID=""
sleep 2  # an absence (no withdrawal) is watched over a window: nothing marks its end
check "the route stays while the control plane is down" wait_route 203.0.113.200 present 1
start_controlplane
adopted() { for _ in $(seq 1 50); do grep -q "adopting the running gobgpd" "$work/cp.log" && return 0; sleep 0.1; done; return 1; }
check "a restarted control plane adopts gobgpd; the route was never withdrawn" \
  bash -c "$(declare -f adopted); work=$work; adopted && [ \"\$(grep -c 'withdrawing 203.0.113.200' $work/cp.log)\" = 0 ]"

# gobgpd dies: the control plane starts it again with the restart flag, and BIRD keeps
# the route meanwhile (graceful restart), then sees the session come back.
kill -KILL "$(cat "$work/gobgpd.pid")"
# Sampled every 100 ms from the kill until the new session is up: the route must be
# there at every sample.
session_back_route_kept() {
  local state
  for _ in $(seq 1 300); do
    state=$(route_state 203.0.113.200)
    [ "$state" = absent ] && { echo "the route went away at some point"; birdc show route all; tail -5 "$work/cp.log"; return 1; }
    [ "$state" = present ] && birdc show protocols portico | grep -q Established &&
      grep -q "starting it again" "$work/cp.log" && return 0
    sleep 0.1
  done
  birdc show protocols all portico; tail -5 "$work/cp.log"; return 1
}
check "gobgpd killed: the control plane starts it again, the session comes back, and BIRD kept the route throughout (graceful restart)" \
  session_back_route_kept

write_manifests false
check "policy withdraw: the VIP's last endpoint gone, the route is withdrawn" wait_route 203.0.113.200 absent 10
check "... and the LoadBalancer Service's, whose endpoint went not-ready" wait_route 203.0.113.202 absent 10
write_manifests true
check "the endpoint back, the route is back" wait_route 203.0.113.200 present 10

lab_stop_pid "$DP_PID"
start=$(date +%s%N)
# The host path dies with the dataplane, so gobgpd's withdrawal cannot reach the router:
# BIRD drops the route when the hold time runs out.
check "the dataplane stopped: the route is withdrawn within the hold time (9 s)" wait_route 203.0.113.200 absent 10
echo "# withdrawn $(( ($(date +%s%N) - start) / 1000000 )) ms after the dataplane exited"
check "... and /metrics shows the session down" peer_metric 0

# The dataplane started again: BIRD's session comes back through the new host path (the
# control plane and gobgpd never stopped) and the route with it.
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp-again.log"; then
  echo "Bail out! the dataplane did not start again"
  exit 1
fi
start=$(date +%s%N)
check "the dataplane started again: the session and the route come back" wait_route 203.0.113.200 present 60
echo "# the route was back $(( ($(date +%s%N) - start) / 1000000 )) ms after the dataplane was ready again"
check "a client behind the router reaches the VIP again" \
  bash -c "[ \"\$($(declare -f get); far=$far; get 203.0.113.200 app.example.com)\" = be1 ]"
lab_finish
