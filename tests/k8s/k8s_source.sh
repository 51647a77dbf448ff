#!/usr/bin/env bash
# The Kubernetes source against a fake API server (tests/k8s/fake_apiserver.py: real
# HTTPS, its own CA and token): initial sync, watch updates, a dropped watch resumed
# without losing an event, 410 Gone relisted, status written with the right conditions
# and only when it changed (409 conflicts retried), Secrets and EndpointSlices followed,
# a bad object reported while the rest serves, LoadBalancer Services (addresses, sharing,
# status, endpoints draining and going), the API server going away and coming back, and
# two control planes electing one leader that hands over when it stops.
# usage: k8s_source.sh PATH/TO/portico-dataplane
set -u
DATAPLANE=$1
BUILD="$(dirname "$DATAPLANE")/.."
CONTROLPLANE="$BUILD/controlplane/portico-controlplane"
CTL="$BUILD/controlplane/porticoctl"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib/lab.sh"
. "$HERE/fake_k8s.sh"
lab_init "pk8s$$"
work=$(mktemp -d)
trap 'lab_cleanup; [ -n "${KEEP_WORK:-}" ] && echo "# kept $work" || rm -rf "$work"' EXIT

fake_k8s_start "$work"

dataplane_config() {  # dataplane_config NAME: a dataplane on null ports, API socket in $work
  lab_null_dataplane "$work/$1.sock" "$LAB_PREFIX-$1" 256 >"$work/$1.yaml"
  cat >"$work/cp-$1.yaml" <<YAML
dataplanes: ["unix:$work/$1.sock"]
debounce_ms: 50
kubernetes: {lease_duration_s: 3, secret_refresh_s: 1, watch_timeout_s: 20}
address_pools: [{name: lab, addresses: [192.0.2.200-192.0.2.203]}]
ingress: {gateway: infra/ingress, addresses: [192.0.2.130]}
YAML
}
start_dataplane() {  # start_dataplane NAME
  "$DATAPLANE" --config "$work/$1.yaml" >"$work/$1.log" 2>&1 &
  LAB_PIDS+=($!)
  eval "DP_$1=$!"
  wait_log 'portico-dataplane: ready' "$work/$1.log" 20
}
start_controlplane() {  # start_controlplane NAME: pushes to dataplane NAME
  "$CONTROLPLANE" --config "$work/cp-$1.yaml" --kubeconfig "$work/kubeconfig" >>"$work/cp-$1.log" 2>&1 &
  LAB_PIDS+=($!)
  eval "CP_$1=$!"
}
wait_log() { lab_wait_log "$@"; }
eventually() {  # eventually SECONDS COMMAND...: retries the command every 0.2 s
  local until=$(($(date +%s) + $1)); shift
  while ! "$@" >"$work/last" 2>&1; do
    [ "$(date +%s)" -ge "$until" ] && { cat "$work/last"; return 1; }
    sleep 0.2
  done
}
serves() { "$CTL" routes --api "unix:$work/$1.sock" | grep -q "\"$2\""; }
not_serves() { ! serves "$@"; }
status_writes() { k8s_api GET /fake/log | python3 -c 'import json,sys; print(sum(1 for w in json.load(sys.stdin)["writes"] if w.endswith("/status")))'; }
# condition OBJECT_PATH PYTHON_EXPR: the object's JSON is `o`; true when the expression is.
condition() { k8s_api GET "$1" | python3 -c "import json,sys; o=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"; }
route_cond() {  # route_cond NS NAME TYPE STATUS [REASON]
  condition "/apis/gateway.networking.k8s.io/v1/namespaces/$1/httproutes/$2" \
    "any(c['type']=='$3' and c['status']=='$4' and ('$5'=='' or c['reason']=='$5') and c['observedGeneration']==o['metadata']['generation'] for p in o.get('status',{}).get('parents',[]) if p['controllerName']=='portico.dev/gateway-controller' for c in p['conditions'])"
}
GW=/apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways/gw

# The cluster before the control plane starts.
k8s_create "$(k8s_gatewayclass portico)"
k8s_create "$(k8s_gateway infra gw 192.0.2.100 '[{"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com", "allowedRoutes": {"namespaces": {"from": "All"}}}]')"
for app in app api; do
  k8s_create "$(k8s_httproute shop "$app" "$app.example.com" "$app")"
  k8s_create "$(k8s_service shop "$app")"
  k8s_create "$(k8s_endpointslice shop "$app" 198.51.100.10)"
done

dataplane_config one
check "the dataplane starts" start_dataplane one
start_controlplane one
check "initial sync: every kind listed, the dataplane ACKs version 1" wait_log "programmed: every dataplane serves version 1" "$work/cp-one.log" 20
check "ReferenceGrant (served at v1beta1 only) is read from the older version" grep -q "ReferenceGrant: listed at" "$work/cp-one.log"
check "TLSRoute (served at v1alpha2 only) is read from the older version" grep -q "TLSRoute: listed at" "$work/cp-one.log"
check "the dataplane serves both routes" eventually 5 bash -c "$(declare -f serves); CTL=$CTL work=$work; serves one app.example.com && serves one api.example.com"
check "this control plane becomes leader" wait_log "leader: this control plane holds lease" "$work/cp-one.log" 10
check "Gateway status: Programmed True with observedGeneration, the address, 2 attached routes" eventually 10 condition "$GW" \
  "any(c['type']=='Programmed' and c['status']=='True' and c['observedGeneration']==1 for c in o['status']['conditions']) and o['status']['addresses']==[{'type':'IPAddress','value':'192.0.2.100'}] and o['status']['listeners'][0]['attachedRoutes']==2 and o['status']['listeners'][0]['supportedKinds']==[{'group':'gateway.networking.k8s.io','kind':'HTTPRoute'}]"
check "HTTPRoute status: Accepted and ResolvedRefs True for our parent" eventually 10 bash -c "$(declare -f k8s_api condition route_cond); $(fake_k8s_env); route_cond shop app Accepted True Accepted && route_cond shop app ResolvedRefs True ResolvedRefs"
check "GatewayClass status: Accepted" eventually 10 condition /apis/gateway.networking.k8s.io/v1/gatewayclasses/portico \
  "any(c['type']=='Accepted' and c['status']=='True' for c in o['status']['conditions'])"

# Absences (no status write, below no push) are watched over a window: nothing marks
# their end.
sleep 2
writes=$(status_writes)
k8s_create "$(k8s_service elsewhere unrelated)"
sleep 2
check "status is not written again when nothing changed ($writes writes before, $(status_writes) after)" test "$(status_writes)" -eq "$writes"

k8s_create "$(k8s_httproute shop new new.example.com app)"
check "an HTTPRoute created over watch reaches the dataplane" eventually 5 serves one new.example.com

listed=$(grep -c "HTTPRoute: listed at" "$work/cp-one.log")
k8s_api POST /fake/drop-watches >/dev/null
k8s_create "$(k8s_httproute shop dropped dropped.example.com app)"
check "a route created while the watch was cut arrives" eventually 10 serves one dropped.example.com
check "the dropped watch was resumed, not relisted" test "$(grep -c "HTTPRoute: listed at" "$work/cp-one.log")" -eq "$listed"

k8s_api POST /fake/compact >/dev/null
k8s_create "$(k8s_httproute shop compacted compacted.example.com app)"
check "410 Gone after compaction leads to a relist" eventually 10 bash -c "[ \$(grep -c 'HTTPRoute: listed at' '$work/cp-one.log') -gt $listed ]"
check "the route created meanwhile arrives through the relist" eventually 10 serves one compacted.example.com

# More routes than one list page: an expired continue token restarts the list, and
# nothing of the kind is lost meanwhile.
python3 - "$work/many.json" <<'PY'
import json, sys
items = [{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
          "metadata": {"name": "bulk%d" % i, "namespace": "bulk"},
          "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}], "hostnames": ["bulk%d.example.com" % i],
                   "rules": [{"backendRefs": [{"name": "app", "namespace": "shop", "port": 80}]}]}} for i in range(600)]
json.dump({"items": items}, open(sys.argv[1], "w"))
PY
k8s_api POST /fake/load "@$work/many.json" >/dev/null
check "600 more routes arrive over watch" eventually 20 serves one bulk599.example.com
k8s_api POST '/fake/expire-continue?n=1' >/dev/null
k8s_api POST /fake/compact >/dev/null
check "a list whose continue token expires starts over" eventually 20 bash -c "[ \$(grep -c 'HTTPRoute: listed at' '$work/cp-one.log') -gt $((listed + 1)) ]"
check "... and no route went missing" bash -c "$(declare -f serves); CTL=$CTL work=$work; serves one app.example.com && serves one bulk599.example.com"

k8s_replace /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/app-1 "$(k8s_endpointslice shop app 198.51.100.11)"
check "an EndpointSlice change reaches the dataplane" eventually 5 serves one 198.51.100.11

# HTTPS listener whose certificate Secret is fetched by name.
fake_k8s_tls_secret infra tls "$work"
k8s_replace "$GW" "$(k8s_gateway infra gw 192.0.2.100 '[{"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com", "allowedRoutes": {"namespaces": {"from": "All"}}}, {"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "*.example.com", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "tls"}]}, "allowedRoutes": {"namespaces": {"from": "All"}}}]')"
listener_refs() { condition "$GW" "o['metadata']['generation']==2 and any(c['type']=='ResolvedRefs' and c['status']=='$1' and c['observedGeneration']==2 for l in o['status']['listeners'] if l['name']=='https' for c in l['conditions'])"; }
check "an HTTPS listener's Secret is read: ResolvedRefs True at generation 2" eventually 10 listener_refs True
k8s_replace /api/v1/namespaces/infra/secrets/tls '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "infra"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "bm90IGEgY2VydA==", "tls.key": "bm90IGEga2V5"}}'
check "a Secret changed to garbage turns the listener's ResolvedRefs False" eventually 10 listener_refs False
check "... and the listener keeps its last good certificate: Programmed, not Invalid" eventually 10 condition "$GW" \
  "all(c['reason'] != 'Invalid' for l in o['status']['listeners'] if l['name']=='https' for c in l['conditions'] if c['type']=='Programmed') and any(c['message'].endswith('serving its last good certificate') for l in o['status']['listeners'] if l['name']=='https' for c in l['conditions'])"

k8s_create "$(k8s_httproute shop broken broken.example.com missing)"
check "a route to a missing Service gets ResolvedRefs False BackendNotFound" eventually 10 bash -c "$(declare -f k8s_api condition route_cond); $(fake_k8s_env); route_cond shop broken ResolvedRefs False BackendNotFound"
k8s_create '{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "malformed", "namespace": "shop"}, "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}], "hostnames": "not-a-list"}}'
check "a malformed route is reported with its name and field" wait_log "HTTPRoute shop/malformed.*spec.hostnames" "$work/cp-one.log" 10
check "the other routes keep serving" serves one app.example.com

k8s_api POST '/fake/conflicts?n=2' >/dev/null
k8s_replace /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/new "$(k8s_httproute shop new new.example.com missing)"
check "status writes answered 409 are retried at once (not on the 5 s retry timer)" eventually 4 bash -c "$(declare -f k8s_api condition route_cond); $(fake_k8s_env); route_cond shop new ResolvedRefs False BackendNotFound"

k8s_create "$(k8s_gatewayclass other | sed 's|portico.dev/gateway-controller|example.com/other|')"
k8s_create "$(k8s_gateway infra foreign 192.0.2.101 '[{"name": "http", "port": 80, "protocol": "HTTP"}]' | sed 's/"gatewayClassName": "portico"/"gatewayClassName": "other"/')"
k8s_create "$(k8s_gateway infra late 192.0.2.102 '[{"name": "http", "port": 80, "protocol": "HTTP"}]')"
check "a Gateway of our class created later gets status" eventually 10 condition /apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways/late "'status' in o"
check "a Gateway of another controller's class is left alone: no status" condition /apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways/foreign "'status' not in o"
vips() { "$CTL" vips --api "unix:$work/one.sock"; }
check "... and its address is not served, while the later one of ours is" eventually 5 bash -c \
  "$(declare -f vips); CTL='$CTL' work='$work'; vips | grep -q 192.0.2.102 && ! vips | grep -q 192.0.2.101"

k8s_replace /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/dropped \
  "$(k8s_httproute shop dropped dropped.example.com app | sed 's/"name": "gw"/"name": "elsewhere"/')"
check "a route moved to a Gateway that is not ours loses our parent entry" eventually 10 condition \
  /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/dropped "o['status']['parents'] == []"
check "... and is no longer served" eventually 5 not_serves one dropped.example.com

# Our parent entry, written by an earlier leader or an earlier run, on a route that attaches
# to no Gateway of ours: this control plane never wrote it and must still take it out.
k8s_create "$(k8s_httproute shop stale stale.example.com app | sed 's/"name": "gw"/"name": "elsewhere"/')"
k8s_replace /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/stale/status \
  '{"status": {"parents": [{"parentRef": {"name": "gw", "namespace": "infra"}, "controllerName": "portico.dev/gateway-controller", "conditions": []}, {"parentRef": {"name": "theirs", "namespace": "infra"}, "controllerName": "example.com/other", "conditions": []}]}}'
check "a stale parent entry of ours that this control plane never wrote is taken out; another controller's stays" \
  eventually 10 condition /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/stale \
  "[p['controllerName'] for p in o['status']['parents']] == ['example.com/other']"

# LoadBalancer Services, as MetalLB serves them: of our class only, an address from the
# pool (or the one asked for), every port on the L4 path, status.loadBalancer written.
SVC=/api/v1/namespaces/db/services
lb_service() {  # lb_service NAME CLASS PORTS_JSON [ANNOTATIONS_JSON [SPEC_EXTRA]]
  printf '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s", "namespace": "db", "annotations": %s}, "spec": {"type": "LoadBalancer", "loadBalancerClass": "%s", "ports": %s%s}}' \
    "$1" "${4:-null}" "$2" "$3" "${5:-}"
}
lb_slice() {  # lb_slice SERVICE PORT ENDPOINTS_JSON
  printf '{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "%s-1", "namespace": "db", "labels": {"kubernetes.io/service-name": "%s"}}, "addressType": "IPv4", "ports": [{"name": "p", "port": %s}], "endpoints": %s}' \
    "$1" "$1" "$2" "$3"
}
lb_ip() { k8s_api GET "$SVC/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["loadBalancer"]["ingress"][0]["ip"])'; }
# l4 ADDRESS PORT PROTOCOL PYTHON_EXPR: the dataplane's L4 service there (`s`) meets the expression.
l4() {
  "$CTL" vips --api "unix:$work/one.sock" | python3 -c "
import json, sys
s = next((s for s in json.load(sys.stdin)['services'] if s['vip'] == '$1' and s['port'] == $2 and s['protocol'] == '$3'), None)
sys.exit(0 if ($4) else 1)"
}
k8s_create "$(lb_service pg portico.dev/lb '[{"name": "p", "port": 5432}]')"
k8s_create "$(lb_slice pg 5432 '[{"addresses": ["198.51.100.20"], "conditions": {"ready": true}}, {"addresses": ["198.51.100.21"], "conditions": {"ready": true}}]')"
k8s_create "$(lb_service theirs example.com/lb '[{"name": "p", "port": 5432}]')"
check "a LoadBalancer Service of our class gets an address of the pool in status.loadBalancer" eventually 10 \
  condition "$SVC/pg" "o['status']['loadBalancer']['ingress'][0]['ip'].startswith('192.0.2.20') and o['status']['loadBalancer']['ingress'][0]['ipMode'] == 'VIP'"
pg=$(lb_ip pg)
check "... and the dataplane serves its port on the L4 path to both ready endpoints ($pg)" eventually 5 l4 "$pg" 5432 tcp \
  "s and s['name'] == 'Service db/pg port 5432/TCP' and sorted((b['address'], b['port'], b['state']) for b in s['backends']) == [('198.51.100.20', 5432, 'active'), ('198.51.100.21', 5432, 'active')]"
check "a LoadBalancer Service of another class is left alone: no status" condition "$SVC/theirs" "not o.get('status', {}).get('loadBalancer')"
shared='{"metallb.universe.tf/allow-shared-ip": "dns"}'
k8s_create "$(lb_service dns-udp portico.dev/lb '[{"name": "p", "port": 53, "protocol": "UDP"}]' "$shared" ', "loadBalancerIP": "192.0.2.203"')"
k8s_create "$(lb_service dns-tcp portico.dev/lb '[{"name": "p", "port": 53, "protocol": "TCP"}]' \
  '{"metallb.universe.tf/allow-shared-ip": "dns", "metallb.universe.tf/loadBalancerIPs": "192.0.2.203"}')"
check "a requested address is given (spec.loadBalancerIP), and shared with a Service of the same key on another port" \
  eventually 10 bash -c "$(declare -f k8s_api condition); $(fake_k8s_env); SVC=$SVC; condition \$SVC/dns-udp \"o['status']['loadBalancer']['ingress'][0]['ip'] == '192.0.2.203'\" && condition \$SVC/dns-tcp \"o['status']['loadBalancer']['ingress'][0]['ip'] == '192.0.2.203'\""
check "... both served on it: 53/UDP and 53/TCP" eventually 5 bash -c \
  "$(declare -f l4); CTL='$CTL' work='$work'; l4 192.0.2.203 53 udp 's is not None' && l4 192.0.2.203 53 tcp 's is not None'"
k8s_replace /apis/discovery.k8s.io/v1/namespaces/db/endpointslices/pg-1 \
  "$(lb_slice pg 5432 '[{"addresses": ["198.51.100.20"], "conditions": {"ready": true}}, {"addresses": ["198.51.100.21"], "conditions": {"ready": false}}]')"
check "an endpoint that goes not-ready drains (open flows stay, new ones go to the ready one)" eventually 5 l4 "$pg" 5432 tcp \
  "sorted((b['address'], b['state']) for b in s['backends']) == [('198.51.100.20', 'active'), ('198.51.100.21', 'draining')]"
k8s_replace /apis/discovery.k8s.io/v1/namespaces/db/endpointslices/pg-1 \
  "$(lb_slice pg 5432 '[{"addresses": ["198.51.100.20"], "conditions": {"ready": true}}]')"
check "an endpoint that goes away is no longer a backend (its flows end)" eventually 5 l4 "$pg" 5432 tcp \
  "[b['address'] for b in s['backends']] == ['198.51.100.20']"
k8s_api DELETE "$SVC/pg" >/dev/null
check "a deleted Service's address is withdrawn from the dataplane" eventually 5 bash -c \
  "! '$CTL' vips --api 'unix:$work/one.sock' | grep -q '\"$pg\"'"
k8s_create "$(lb_service pg2 portico.dev/lb '[{"name": "p", "port": 5432}]' "{\"metallb.io/loadBalancerIPs\": \"$pg\"}")"
check "... and freed: another Service may ask for it" eventually 10 condition "$SVC/pg2" "o['status']['loadBalancer']['ingress'][0]['ip'] == '$pg'"
k8s_create "$(lb_service taken portico.dev/lb '[{"name": "p", "port": 5432}]' null ', "loadBalancerIP": "192.0.2.203"')"
check "an address that cannot be given is logged with the Service and the field" wait_log \
  "Service db/taken: spec.loadBalancerIP: 192.0.2.203 is already the address of Service db/dns-" "$work/cp-one.log" 10

k8s_replace "$SVC/dns-tcp" "$(lb_service dns-tcp portico.dev/lb '[{"name": "p", "port": 53, "protocol": "TCP"}]' | sed 's/"LoadBalancer"/"ClusterIP"/')"
check "a Service that stops being a LoadBalancer has our address taken out of its status" eventually 10 \
  condition "$SVC/dns-tcp" "not o.get('status', {}).get('loadBalancer')"
k8s_create "$(k8s_gateway infra l4 192.0.2.103 '[{"name": "tcp", "port": 7000, "protocol": "TCP", "allowedRoutes": {"namespaces": {"from": "All"}}}]')"
k8s_create '{"apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": "TCPRoute", "metadata": {"name": "tcp", "namespace": "shop"}, "spec": {"parentRefs": [{"name": "l4", "namespace": "infra"}], "rules": [{"backendRefs": [{"name": "app", "port": 80}]}]}}'
check "a TCPRoute (v1alpha2) on a TCP listener gets Accepted in its status" eventually 10 condition \
  /apis/gateway.networking.k8s.io/v1alpha2/namespaces/shop/tcproutes/tcp \
  "any(c['type']=='Accepted' and c['status']=='True' for p in o['status']['parents'] if p['controllerName']=='portico.dev/gateway-controller' for c in p['conditions'])"
check "... and its listener is an L4 service of the dataplane" eventually 5 l4 192.0.2.103 7000 tcp \
  "s and s['name'] == 'Gateway infra/l4 listener tcp' and [b['address'] for b in s['backends']] == ['198.51.100.11']"

# An Ingress of our class: served on the Gateway controlplane.yaml names, its address in
# the Ingress's status; the objects made for it stay in the control plane.
k8s_create '{"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "portico"}, "spec": {"controller": "portico.dev/ingress-controller"}}'
k8s_create '{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "legacy", "namespace": "shop"}, "spec": {"ingressClassName": "portico", "rules": [{"host": "legacy.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "app", "port": {"number": 80}}}}]}}]}}'
k8s_create '{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "theirs", "namespace": "shop"}, "spec": {"ingressClassName": "nginx", "rules": [{"host": "theirs.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "app", "port": {"number": 80}}}}]}}]}}'
check "an Ingress of our class is served" eventually 10 serves one legacy.example.com
check "... with its Gateway's address in status.loadBalancer" eventually 10 condition \
  /apis/networking.k8s.io/v1/namespaces/shop/ingresses/legacy "o['status']['loadBalancer']['ingress'] == [{'ip': '192.0.2.130'}]"
theirs_left_alone() {
  ! serves one theirs.example.com &&
    condition /apis/networking.k8s.io/v1/namespaces/shop/ingresses/theirs "not o.get('status', {}).get('loadBalancer')"
}
check "an Ingress of another class is left alone: not served, no status" theirs_left_alone
no_made_status() { ! k8s_api GET /fake/log | grep -q 'gateways/ingress/status\|httproutes/ingress\.'; }
check "no status is written for the Gateway and routes made for it" no_made_status

# The service-account token rotates: the file changes and the old token stops working.
k8s_api POST /fake/token?value=rotated >/dev/null
printf rotated >"$work/k8s.token"
k8s_api POST /fake/drop-watches >/dev/null
k8s_create "$(k8s_httproute shop rotated rotated.example.com app)"
check "after a token rotation the new token is read from its file and used" eventually 10 serves one rotated.example.com

version=$(grep -o 'serves version [0-9]*' "$work/cp-one.log" | tail -n 1 | grep -o '[0-9]*$')
fake_k8s_stop
sleep 3
check "with the API server gone the dataplane keeps serving" serves one app.example.com
check "... and the control plane keeps running" kill -0 "$CP_one"
check "... and pushes nothing new" test -z "$(grep -o "serves version $((version + 1))" "$work/cp-one.log")"
fake_k8s_start "$work"
k8s_create "$(k8s_httproute shop after after.example.com app)"
check "when the API server comes back the control plane resyncs" eventually 20 serves one after.example.com

# High availability: a second control plane with its own dataplane.
dataplane_config two
check "a second dataplane starts" start_dataplane two
start_controlplane two
check "the second control plane programs its dataplane" wait_log "programmed: every dataplane serves" "$work/cp-two.log" 20
check "the second control plane stands by" bash -c "! grep -q 'leader: this control plane holds' '$work/cp-two.log'"
lab_stop_pid "$CP_one"
check "the leader releases its lease when it stops" grep -q "leader: released lease" "$work/cp-one.log"
check "the standby takes over" wait_log "leader: this control plane holds lease" "$work/cp-two.log" 10
k8s_replace /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/new "$(k8s_httproute shop new new.example.com app)"
check "the new leader writes status" eventually 10 bash -c "$(declare -f k8s_api condition route_cond); $(fake_k8s_env); route_cond shop new ResolvedRefs True ResolvedRefs"
mv "$work/cp-one.log" "$work/cp-one-first.log"
start_controlplane one
kill -KILL "$CP_two"
check "a leader that dies without releasing is replaced once its lease runs out" wait_log "leader: this control plane holds lease" "$work/cp-one.log" 15
lab_finish
