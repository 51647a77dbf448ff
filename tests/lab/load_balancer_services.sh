#!/usr/bin/env bash
# LoadBalancer Services in L2 mode, as a MetalLB user has them: the control plane reads a
# TCP and a UDP Service of class portico.dev/lb sharing one address (allow-shared-ip), the
# TCP one dual-stack, from manifests, and real Linux clients reach the backends through
# the dataplane, which answers ARP for the address; a Service of another class gets
# nothing. An endpoint that goes not-ready drains (its open download completes intact,
# new connections avoid it); one that goes away gets no connection, and an open download
# on it is reset. A Gateway's TCP and UDP listeners serve a TCPRoute and a UDPRoute the
# same way.
# usage: load_balancer_services.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
BIN="$(dirname "$DATAPLANE")/../controlplane"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib/lab.sh"
lab_init "plb$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 2
client=$(lab_ns client)
for i in 1 2; do
  lab_start_backend "$i"
  ip netns exec "$(lab_ns "be$i")" python3 "$HERE/backend_server.py" "be$i" "2001:db8:1::1$i" 8080 &
  LAB_PIDS+=("$!")
  ip netns exec "$(lab_ns "be$i")" python3 "$HERE/udp_echo.py" "be$i" "198.51.100.1$i" 5353 &
  LAB_PIDS+=("$!")
done

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24, ipv6: "2001:db8::2/64"}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24, ipv6: "2001:db8:1::2/64"}
flows: {capacity: 65536}
announce: {count: 1}
YAML
cat >"$work/controlplane.yaml" <<YAML
dataplanes: ["unix:$work/api.sock"]
debounce_ms: 50
address_pools: [{name: l2, addresses: [192.0.2.200-192.0.2.201, "2001:db8::200-2001:db8::201"]}]
YAML

# write_manifests ENDPOINTS_YAML ENDPOINTS6_YAML: web (80/TCP to 8080, on 192.0.2.200 and
# 2001:db8::200) and dns (53/UDP to 5353, on 192.0.2.200), with these endpoints; a Service
# of another class asking for .201.
write_manifests() {
  mkdir -p "$work/manifests"
  cat >"$work/manifests/lab.tmp" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
  annotations: {metallb.universe.tf/allow-shared-ip: edge, metallb.universe.tf/loadBalancerIPs: "192.0.2.200,2001:db8::200"}
spec:
  type: LoadBalancer
  loadBalancerClass: portico.dev/lb
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv4, IPv6]
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: dns
  namespace: apps
  annotations: {metallb.universe.tf/allow-shared-ip: edge, metallb.universe.tf/loadBalancerIPs: 192.0.2.200}
spec:
  type: LoadBalancer
  loadBalancerClass: portico.dev/lb
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 5353}]
---
apiVersion: v1
kind: Service
metadata: {name: theirs, namespace: apps}
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/other
  loadBalancerIP: 192.0.2.201
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: apps, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: $1
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-2, namespace: apps, labels: {kubernetes.io/service-name: web}}
addressType: IPv6
ports: [{name: http, port: 8080}]
endpoints: $2
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: dns-1, namespace: apps, labels: {kubernetes.io/service-name: dns}}
addressType: IPv4
ports: [{name: dns, port: 5353, protocol: UDP}]
endpoints: $1
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: l4, namespace: apps}
spec:
  gatewayClassName: portico
  addresses: [{type: IPAddress, value: 192.0.2.210}]
  listeners:
    - {name: tcp, port: 7000, protocol: TCP}
    - {name: udp, port: 5300, protocol: UDP}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{name: l4, sectionName: tcp}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: dns, namespace: apps}
spec:
  parentRefs: [{name: l4, sectionName: udp}]
  rules: [{backendRefs: [{name: dns, port: 53}]}]
YAML
  mv "$work/manifests/lab.tmp" "$work/manifests/lab.yaml"
}
endpoints() {  # endpoints PREFIX READY_OF_BE1 READY_OF_BE2 (absent: not listed)
  local out="" i ready
  for i in 1 2; do
    ready=${@:$((i + 1)):1}
    [ "$ready" = absent ] && continue
    out="$out${out:+, }{addresses: [\"$1$i\"], conditions: {ready: $ready}}"
  done
  echo "[$out]"
}
write_manifests "$(endpoints 198.51.100.1 true true)" "$(endpoints 2001:db8:1::1 true true)"

if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
ip netns exec "$(lab_ns dp)" "$BIN/portico-controlplane" --config "$work/controlplane.yaml" --manifests "$work/manifests" \
  >"$work/cp.log" 2>&1 &
LAB_PIDS+=("$!")
check "the control plane programs both Services" lab_wait_until 30 "the first push acknowledged" \
  grep -q "programmed: every dataplane serves version 1" "$work/cp.log"
check "... and leaves the Service of another class alone" grep -q "version 1: 1 gateways, 2 LoadBalancer services, 3 VIPs" "$work/cp.log"

owners() {
  "$BIN/porticoctl" vips --api "unix:$work/api.sock" | python3 -c "
import json, sys
o = json.load(sys.stdin)['owners']
print(o)
sys.exit(0 if {k: sorted(v) for k, v in o.items()} == {'192.0.2.200': ['Service apps/dns', 'Service apps/web'], '2001:db8::200': ['Service apps/web'], '192.0.2.210': ['Gateway apps/l4']} else 1)"
}
check "porticoctl vips names the Services and the Gateway behind each address" owners
offline_addresses() {
  "$BIN/porticoctl" status --manifests "$work/manifests" --config "$work/controlplane.yaml" | python3 -c "
import json, sys
a = {o['kind'] + ' ' + o['name']: o.get('addresses') for o in json.load(sys.stdin) if o['kind'] in ('Gateway', 'Service')}
print(a)
sys.exit(0 if a == {'Gateway apps/l4': ['192.0.2.210'], 'Service apps/web': ['192.0.2.200', '2001:db8::200'], 'Service apps/dns': ['192.0.2.200']} else 1)"
}
check "porticoctl status --config prints the addresses the control plane gave, offline" offline_addresses
check "a TCP client reaches a backend through the Service's address" lab_wait_http client http://192.0.2.200/
mac=$(ip -n "$(lab_ns dp)" -br link show pdp0 | awk '{print $3}')
check "the address is answered by ARP from the dataplane's port ($mac)" \
  bash -c "ip -n $client neigh show 192.0.2.200 | grep -q 'lladdr $mac'"
spread() {  # spread URL_COUNT: short connections, every one answered, both backends seen
  urls=$(for i in $(seq 1 "$1"); do printf 'http://192.0.2.200/?%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 60 -H 'Connection: close' $urls >"$work/names"
  sort "$work/names" | uniq -c
  [ "$(wc -l <"$work/names")" -eq "$1" ] && grep -q '^be1$' "$work/names" && grep -q '^be2$' "$work/names"
}
check "100 TCP connections are all answered, by both backends" spread 100
udp_spread() {
  ip netns exec "$client" python3 "$HERE/udp_ask.py" 192.0.2.200 53 40 >"$work/udp"
  sort "$work/udp" | uniq -c
  ! grep -q '^-$' "$work/udp" && grep -q '^be1$' "$work/udp" && grep -q '^be2$' "$work/udp"
}
spread6() {
  urls=$(for i in $(seq 1 40); do printf 'http://[2001:db8::200]/?%d ' "$i"; done)
  ip netns exec "$client" curl -s -6 --max-time 30 -H 'Connection: close' $urls >"$work/names6"
  sort "$work/names6" | uniq -c
  [ "$(wc -l <"$work/names6")" -eq 40 ] && grep -q '^be1$' "$work/names6" && grep -q '^be2$' "$work/names6"
}
check "a dual-stack Service: 40 IPv6 connections to its IPv6 address (found by NDP) reach both IPv6 endpoints" spread6
check "40 UDP queries from as many ports are all answered, by both backends (53/UDP shares the address)" udp_spread
check "the Service of another class is not served: its address gets no answer" \
  bash -c "! ip netns exec $client curl -s --max-time 2 http://192.0.2.201/"

tcp_route() {
  urls=$(for i in $(seq 1 40); do printf 'http://192.0.2.210:7000/?%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 30 -H 'Connection: close' $urls >"$work/names-tcp"
  sort "$work/names-tcp" | uniq -c
  [ "$(wc -l <"$work/names-tcp")" -eq 40 ] && grep -q '^be1$' "$work/names-tcp" && grep -q '^be2$' "$work/names-tcp"
}
check "a Gateway's TCP listener serves its TCPRoute: 40 connections, both backends" tcp_route
udp_route() {
  ip netns exec "$client" python3 "$HERE/udp_ask.py" 192.0.2.210 5300 20 >"$work/udp-route"
  sort "$work/udp-route" | uniq -c
  ! grep -q '^-$' "$work/udp-route" && grep -q '^be1$' "$work/udp-route" && grep -q '^be2$' "$work/udp-route"
}
check "... and its UDP listener its UDPRoute: 20 queries, all answered, by both backends" udp_route

# Draining: a long download stays on its backend when that endpoint goes not-ready.
size=$((16 * 1024 * 1024))
lab_slow_download "http://192.0.2.200/big?bytes=$size" 3M "$work/big" "$work/headers"
download=$LAB_DOWNLOAD
serving=$(lab_backend_in "$work/headers")
check "a long download started on a backend ($serving)" test -n "$serving"
other=$([ "$serving" = be1 ] && echo be2 || echo be1)
ready=(true true)
ready[${serving#be} - 1]=false
write_manifests "$(endpoints 198.51.100.1 "${ready[@]}")" "$(endpoints 2001:db8:1::1 true true)"
ctl="$BIN/porticoctl"
backend_state() {  # backend_state ADDRESS STATE: of the web Service, as the dataplane serves it
  "$ctl" vips --api "unix:$work/api.sock" | python3 -c "
import json, sys
s = next(s for s in json.load(sys.stdin)['services'] if s['port'] == 80 and s['vip'] == '192.0.2.200')
states = {b['address']: b['state'] for b in s['backends']}
print(states)
sys.exit(0 if states.get('$1', 'gone') == '$2' else 1)"
}
check "the endpoint gone not-ready is draining in the dataplane" lab_wait_until 10 "$serving draining" \
  backend_state "198.51.100.1${serving#be}" draining
avoid() {  # avoid NAME: 40 new connections, every one answered, none by NAME
  urls=$(for i in $(seq 1 40); do printf 'http://192.0.2.200/?a%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 30 -H 'Connection: close' $urls >"$work/names2"
  sort "$work/names2" | uniq -c
  [ "$(wc -l <"$work/names2")" -eq 40 ] && ! grep -q "^$1\$" "$work/names2"
}
check "new connections avoid the draining endpoint" avoid "$serving"
check "the draining endpoint's open download completes intact" lab_download_intact "$download" "$work/big" "$size"

ready[${serving#be} - 1]=absent
write_manifests "$(endpoints 198.51.100.1 "${ready[@]}")" "$(endpoints 2001:db8:1::1 true true)"
check "an endpoint that goes away is no longer a backend" lab_wait_until 10 "$serving gone" \
  backend_state "198.51.100.1${serving#be}" gone
check "... and gets no connection" avoid "$serving"
check "UDP queries go to the remaining endpoint ($other) only" bash -c \
  "ip netns exec $client python3 $HERE/udp_ask.py 192.0.2.200 53 10 | sort | uniq -c | tee /dev/stderr | grep -qx ' *10 $other'"
# An endpoint that goes away ends its flows: an open download on it (on the one endpoint
# left) is reset at once, by the dataplane, rather than left to time out.
lab_slow_download "http://192.0.2.200/big?bytes=$size" 2M /dev/null "$work/headers2"
download=$LAB_DOWNLOAD
ready=(true true)
ready[${other#be} - 1]=absent
started=$(date +%s)
write_manifests "$(endpoints 198.51.100.1 "${ready[@]}")" "$(endpoints 2001:db8:1::1 true true)"
reset_now() {
  wait "$download"
  local code=$? took=$(($(date +%s) - started))
  echo "curl exit $code after $took s (56: connection reset)"
  [ "$code" -eq 56 ] && [ "$took" -lt 30 ]
}
check "an open download on an endpoint that goes away is reset, not left hanging" reset_now
stats=$(lab_dataplane_stats "$work/dp.log")
check "... by the dataplane (l4_backend_resets counts it)" test "$(lab_counter l4_backend_resets "$stats")" -ge 1
check "... and the endpoint back in the Service takes connections again" lab_wait_until 10 "$serving active" \
  backend_state "198.51.100.1${serving#be}" active
lab_finish
