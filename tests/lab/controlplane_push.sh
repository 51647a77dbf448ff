#!/usr/bin/env bash
# The control plane drives a real dataplane: it translates a manifest directory, assigns
# the Gateway a VIP from its pool and pushes it; the VIP then answers ARP. A Gateway added
# while it runs is picked up (inotify) and served; stopping the control plane leaves the
# dataplane serving; a restarted dataplane gets the state again without anyone asking.
# usage: controlplane_push.sh PATH/TO/portico-dataplane
set -u
DATAPLANE=$1
CONTROLPLANE="$(dirname "$DATAPLANE")/../controlplane/portico-controlplane"
CTL="$(dirname "$DATAPLANE")/../controlplane/porticoctl"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "plc$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
client=$(lab_ns client)
cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: [1]}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: lab0, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
announce: {count: 1}
YAML
cat >"$work/controlplane.yaml" <<YAML
dataplanes: ["unix:$work/api.sock"]
address_pools:
  - {name: lab, addresses: [192.0.2.150-192.0.2.159]}
debounce_ms: 100
YAML
cp -r "$(dirname "$0")/../../configs/examples" "$work/manifests"

start_controlplane() {
  "$CONTROLPLANE" --config "$work/controlplane.yaml" --manifests "$work/manifests" >>"$work/cp.log" 2>&1 &
  CP_PID=$!
  LAB_PIDS+=("$CP_PID")
}
wait_log() { lab_wait_log "$@"; }
answers() { ip netns exec "$client" arping -c 2 -w 3 -I pcl0 "$1" | grep -q "reply from $1"; }

if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
start_controlplane
check "the control plane programs version 1" wait_log "programmed: every dataplane serves version 1" "$work/cp.log" 10
vip=$("$CTL" vips --api "unix:$work/api.sock" | python3 -c "import json,sys; print(json.load(sys.stdin)['vips'][0])")
check "flex-gateway got a VIP from the pool ($vip)" bash -c "[[ '$vip' == 192.0.2.15? ]]"
check "the Gateway's VIP answers ARP" answers "$vip"

mkdir -p "$work/manifests/more"
cat >"$work/manifests/more/edge.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: portico-gateway}
spec:
  gatewayClassName: portico
  addresses: [{type: IPAddress, value: 192.0.2.170}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
YAML
check "a Gateway added while running is programmed (version 2)" \
  wait_log "programmed: every dataplane serves version 2" "$work/cp.log" 10
check "its spec.addresses VIP answers ARP" answers 192.0.2.170
check "the first Gateway kept its VIP" bash -c "'$CTL' vips --api 'unix:$work/api.sock' | grep -q '\"$vip\"'"

lab_stop_pid "$CP_PID"
check "with the control plane stopped the dataplane keeps serving" answers 192.0.2.170

pushes() { grep -c "programmed: every dataplane serves" "$work/cp.log"; }
before=$(pushes)
start_controlplane
# The restarted control plane has served the dataplane once, so the restart below is one
# it must notice.
pushed_again() { [ "$(pushes)" -gt "$before" ]; }
lab_wait_until 20 "the restarted control plane to push" pushed_again
lab_stop_pid "$DP_PID"
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not restart"
  exit 1
fi
check "a restarted dataplane is resynced by the control plane" \
  wait_log "pushing the state again" "$work/cp.log" 10
check "after the resync the VIPs answer again" lab_wait_until 10 "192.0.2.170 answering ARP after the resync" answers 192.0.2.170

[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# cp: /' "$work/cp.log"
lab_finish
