#!/usr/bin/env bash
# scripts/demo.sh is one of the two README commands: it must keep working. Runs it and
# checks that it showed each thing it promises.
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0
fail=0
expect() {  # expect DESCRIPTION PATTERN
  n=$((n + 1))
  if grep -q -- "$2" "$out"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
expect_l7() {  # expect_l7 DESCRIPTION PATTERN: within the demo's L7 step only
  n=$((n + 1))
  if sed -n '/== L7 on/,/== Metrics and health/p' "$out" | grep -q -- "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
./scripts/demo.sh >"$out" 2>&1
rc=$?
n=$((n + 1))
if [ "$rc" -eq 0 ]; then echo "ok $n - demo.sh exits 0"; else echo "not ok $n - demo.sh exits 0 (exit $rc)"; tail -n 30 "$out" | sed 's/^/# /'; fail=1; fi
expect "the VIP answers arping" "Unicast reply from 192.0.2.100"
expect "the IPv6 VIP answers ping" "bytes from 2001:db8::100"
expect "HTTP through the VIP reaches a backend" "X-Backend: be"
expect "porticoctl explain routes prometheus" '"route":"monitoring/prometheus-gateway-route"'
expect "the control plane programs the dataplane" "programmed: every dataplane serves version 1"
expect "the Gateway's VIP answers arping" "Unicast reply from 192.0.2.15"
expect_l7 "Host prometheus.sjc.example.com reaches a Prometheus stand-in" "^  be[12]$"
expect_l7 "Host grafana.sjc.example.com reaches the Grafana stand-in" "^  be3$"
expect_l7 "a name no route serves gets the appliance's 404" "HTTP/1.1 404 Not Found"
expect "the dataplane says it is ready on /readyz" "^  ready$"
expect "the VIP's health endpoint says OK" "^  OK$"
expect "a scrape of /metrics shows the flows made" '^  portico_flows_created_total{thread="worker0"} [1-9]'
expect "a scrape of the control plane shows the dataplane's ACK" '^  portico_controlplane_dataplane_acked_version{dataplane="unix:/run/portico/dataplane.sock"} [1-9]'
expect "everything is stopped" "dataplane stopped, namespaces removed"
echo "1..$n"
exit $fail
