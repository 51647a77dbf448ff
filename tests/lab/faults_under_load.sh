#!/usr/bin/env bash
# Faults while wrk keeps 16 kept-alive connections busy through the HTTP proxy, to a
# Service with two endpoints (be1, be2):
#   - be2's server is killed: the requests it had under way may fail (at most one per
#     connection), every later request goes to be1 (be2 refuses connections: the proxy
#     sends the request that met the refusal to be1 and avoids be2 for 10 s at a time),
#     and once be2 is started again it gets requests again;
#   - the dataplane is stopped and started again: how long until it serves (the control
#     plane sees the restart and pushes the state again), the VIP's ARP entry in the
#     client still right, the load served again by the new process;
#   - the control plane follows Kubernetes (the k8s suite's fake API server) and the API
#     server goes away and comes back: not one request fails.
# usage: faults_under_load.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
. "$here/../../scripts/lib/manifests.sh"
lab_init "pflt$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

{
  manifest_service shop 80 8080 "198.51.100.11, 198.51.100.12"
  manifest_route HTTPRoute shop lab shop.example.com shop 80
} >"$work/shop.yaml"
if ! LAB_BACKENDS=2 LAB_MANIFESTS="$work/shop.yaml" lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
in_client() { ip netns exec "$client" "$@"; }
answer() { in_client curl -s --max-time 2 -H 'Connection: close' -H 'Host: shop.example.com' http://192.0.2.100/; }
answers() { [ -n "$(answer)" ]; }
check "the Service answers" lab_wait_until 20 "shop.example.com to answer" answers
# Both endpoints answer, on new connections.
seen_both() {
  for _ in $(seq 1 40); do answer; echo; done | sort -u >"$work/seen"
  grep -qx be1 "$work/seen" && grep -qx be2 "$work/seen"
}
check "both endpoints take requests" seen_both

# wrk_start NAME / wrk_stop: wrk runs until it is interrupted (its report comes then).
# A request counts as failed when it is answered with an error or its connection breaks,
# not when it is late: wrk's own 2 s timeout would count a request whose segment was lost
# twice on a loaded machine (two retransmission timeouts) as failed.
wrk_start() {
  ip netns exec "$client" wrk -t1 -c16 -d600s --timeout 10s -H "Host: shop.example.com" http://192.0.2.100/ >"$work/$1.wrk" 2>&1 &
  WRK_PID=$!
  LAB_PIDS+=("$WRK_PID")
}
wrk_stop() { kill -INT "$WRK_PID" 2>/dev/null; wait "$WRK_PID" 2>/dev/null; sed 's/^/# wrk: /' "$work/$1.wrk"; }
wrk_failed() { lab_wrk_failed "$work/$1.wrk"; }
requests() { lab_counter http_requests "$(lab_dataplane_stats "$work/dp.log")"; }
# more_requests N: waits until the dataplane has taken N more requests than now.
reached() { [ "$(requests)" -ge "$1" ]; }
more_requests() { lab_wait_until 60 "$1 more requests through the dataplane" reached $(($(requests) + $1)); }

# A backend killed under load.
wrk_start kill
check "wrk is under way" more_requests 2000
be2_server=$(ip netns pids "$(lab_ns be2)")
check "be2's server found ($be2_server)" test -n "$be2_server"
kill -KILL $be2_server
check "requests go on after be2 died" more_requests 5000
wrk_stop kill
failed=$(wrk_failed kill)
echo "# $failed requests failed when be2 was killed"
total=$(grep -o '^ *[0-9]* requests in' "$work/kill.wrk" | tr -dc 0-9)
lab_figure fault.backend_killed.failed_requests "$failed" requests null \
  "of ${total:-0} (wrk, 16 kept-alive connections through the proxy to a Service with 2 endpoints) when one endpoint's server was killed"
check "at most one request per connection failed when be2 died ($failed of 16)" test "$failed" -le 16
# Until be2 has been tried again after its 10 s down time and refused again.
wrk_start after
down() { lab_counter http_endpoints_down "$(lab_dataplane_stats "$work/dp.log")"; }
# While be2 is down nothing is sent to it: it is marked down again only once its down
# time ran out and it refused again.
down_at_kill=$(down)
down_again() { [ "$(down)" -gt "$down_at_kill" ]; }
check "be2 marked down ($down_at_kill), then again after its down time" \
  lab_wait_until 40 "be2 to be marked down again" down_again
wrk_stop after
lab_figure fault.backend_killed.failed_after "$(wrk_failed after)" requests null \
  "of $(grep -o '^ *[0-9]* requests in' "$work/after.wrk" | tr -dc 0-9) after it, until its 10 s down time ran out and it refused again"
check "every request after it was answered (be1 took them all)" test "$(wrk_failed after)" -eq 0
lab_start_backend 2
be2_answers() { for _ in 1 2 3 4 5 6; do answer; echo; done | grep -qx be2; }
check "be2 started again takes requests again (after its 10 s down time)" lab_wait_until 40 "be2 to answer again" be2_answers

# The dataplane stopped and started again under load.
mac_before=$(ip -n "$client" neigh show 192.0.2.100 | grep -o 'lladdr [0-9a-f:]*')
wrk_start restart
check "wrk is under way" more_requests 2000
lab_stop_pid "$DP_PID"
stopped=$(date +%s%N)
mv "$work/dp.log" "$work/dp-first.log"
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start again"
  exit 1
fi
served_again() { [ "$(answer)" = be1 ] || [ "$(answer)" = be2 ]; }
check "the restarted dataplane serves again" lab_wait_until 30 "the restarted dataplane to answer" served_again
again_ms=$((($(date +%s%N) - stopped) / 1000000))
echo "# serving again $again_ms ms after the dataplane was stopped"
lab_figure fault.dataplane_restart.serving_again_ms "$again_ms" ms null \
  "the dataplane stopped (SIGTERM) and started again under wrk: until a new connection is answered (EAL start, the control plane's push)"
check "the load is served again by the new process" more_requests 2000
wrk_stop restart
check "the client's ARP entry for the VIP still names the port ($mac_before)" \
  bash -c "ip -n '$client' neigh show 192.0.2.100 | grep -q '$mac_before'"
pings() { in_client ping -c 1 -W 1 192.0.2.100 >/dev/null; }
check "the VIP answers ping" lab_wait_until 10 "the VIP to answer ping" pings

# The control plane following Kubernetes (the fake API server of the k8s suite), and the
# API server going away and coming back while wrk runs: the dataplane holds its state
# itself, so not one request may fail, and a route created once it is back is served.
. "$here/../k8s/fake_k8s.sh"
lab_stop_pid "$CP_PID"
check "a fake API server starts" fake_k8s_start "$work"
k8s_create "$(k8s_gatewayclass portico)"
k8s_create "$(k8s_gateway infra gw 192.0.2.100 '[{"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "All"}}}]')"
k8s_create "$(k8s_httproute apps shop shop.example.com shop)"
k8s_create "$(k8s_service apps shop)"
k8s_create "$(k8s_endpointslice apps shop 198.51.100.11 198.51.100.12)"
cat >"$work/cp-k8s.yaml" <<YAML
dataplanes: ["unix:$work/api.sock"]
debounce_ms: 50
kubernetes: {lease_duration_s: 3, watch_timeout_s: 20}
YAML
"$(dirname "$DATAPLANE")/../controlplane/portico-controlplane" --config "$work/cp-k8s.yaml" \
  --kubeconfig "$work/kubeconfig" >"$work/cp-k8s.log" 2>&1 &
CP_PID=$!
LAB_PIDS+=("$CP_PID")
check "the control plane following Kubernetes programs the dataplane" \
  lab_wait_log "programmed: every dataplane serves" "$work/cp-k8s.log" 30
check "the Service answers through it" lab_wait_until 20 "shop.example.com to answer" answers
wrk_start k8s
check "wrk is under way" more_requests 2000
fake_k8s_stop
check "with the API server gone requests go on" more_requests 5000
check "... and the control plane keeps running" kill -0 "$CP_PID"
check "the API server comes back" fake_k8s_start "$work"
k8s_create "$(k8s_httproute apps later later.example.com shop)"
later_served() {
  [ "$(in_client curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Host: later.example.com' http://192.0.2.100/)" = 200 ]
}
check "a route created once it is back is served" lab_wait_until 30 "later.example.com to be served" later_served
wrk_stop k8s
check "not one request failed while the API server was away and back ($(wrk_failed k8s))" test "$(wrk_failed k8s)" -eq 0
lab_finish
