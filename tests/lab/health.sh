#!/usr/bin/env bash
# The health endpoint an F5 pool monitor uses, answered by the dataplane on the VIP itself
# (dataplane.yaml health.port): 200 while the VIP has a ready endpoint, 503 when its last
# endpoint goes, back to 200 when it returns; 503 DRAINING once porticoctl drains the
# dataplane, while connections through the VIP are still served; 200 after undrain.
# usage: health.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
CTL="$(dirname "$DATAPLANE")/../controlplane/porticoctl"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "phl$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

if ! LAB_DATAPLANE_YAML="health: {port: 8081, path: /healthz}
metrics: {listen: 127.0.0.1:9464}" lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not come up"
  exit 1
fi
client=$(lab_ns client)
health() {  # health [PATH]: "CODE BODY" of the VIP's health endpoint
  ip netns exec "$client" curl -s --max-time 5 -w ' %{http_code}' "http://192.0.2.100:8081${1:-/healthz}" | tr -d '\n'
}
expect_health() {  # expect_health "CODE BODY": waits (10 s at most) for the endpoint to say so
  lab_wait_until 10 "health to answer '$1'" bash -c "[ \"\$($(declare -f health); client=$client; health)\" = '$1' ]" ||
    { echo "it answers '$(health)'"; return 1; }
}
check "the VIP's health endpoint answers 200 while it has a ready endpoint" expect_health "OK 200"
check "another path on the health port is 404" bash -c "[ \"\$($(declare -f health); client=$client; health /other)\" = 'no route matches this host and path 404' ]"

set_ready() {  # set_ready true|false: every endpoint of the lab's Services
  sed "s/ready: [a-z]*}/ready: $1}/" "$work/manifests/lab.yaml" >"$work/manifests/lab.tmp"
  mv "$work/manifests/lab.tmp" "$work/manifests/lab.yaml"
}
set_ready false
check "503 once the VIP's last endpoint is not ready" expect_health "no ready endpoint behind this address 503"
set_ready true
check "200 again when it is back" expect_health "OK 200"

drained=$("$CTL" drain --api "unix:$work/api.sock" 2>&1)
check "porticoctl drain says drained, and where the health checks are ($drained)" \
  bash -c "echo '$drained' | grep -q '\"draining\":true' && echo '$drained' | grep -q '\"health_port\":8081'"
check "drained: the health endpoint answers 503 DRAINING" expect_health "DRAINING 503"
served() { [ "$(ip netns exec "$client" curl -s --max-time 5 -H 'Host: app.example.com' http://192.0.2.100/)" = be1 ]; }
check "... while new connections through the VIP are still served" served
metric_draining() { ip netns exec "$(lab_ns dp)" curl -sS --max-time 5 http://127.0.0.1:9464/metrics >"$work/metrics" && grep -x "portico_draining $1" "$work/metrics" || { grep draining "$work/metrics"; tail -3 "$work/dp.log"; return 1; }; }
check "... and /metrics says so (portico_draining 1)" metric_draining 1
"$CTL" undrain --api "unix:$work/api.sock" >/dev/null
check "undrained: 200 again" expect_health "OK 200"
check "... and portico_draining 0" metric_draining 0
lab_finish
