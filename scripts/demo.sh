#!/usr/bin/env bash
# Shows Portico at work in a lab: a client namespace on one side of the dataplane
# (net_af_packet ports, configs/dataplane.yaml), three HTTP backends on the other. The
# client resolves the VIPs by ARP and NDP and pings them, then curl goes through the
# VIP to the backends (L4); the control plane then serves configs/examples/, and curl
# reaches Prometheus and Grafana by Host name on the Gateway's VIP (L7); the dataplane's
# counters say what it did. Everything started here
# is stopped, and the namespaces removed, when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

. scripts/lib/lab.sh
lab_init portico-demo
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work" /var/run/dpdk/portico' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }

step "Lab: client (192.0.2.1) -- pdp0 [dataplane] pdp1 -- bridge -- be1..be3 (198.51.100.11-13, HTTP on 8080)"
lab_client_link
lab_backend_link 3
client=$(lab_ns client)
for i in 1 2 3; do lab_start_backend "$i"; done

step "Start portico-dataplane: configs/dataplane.yaml (VIP 192.0.2.100:80 over be1..be3, VIP 2001:db8::100) with health: {port: 8081}"
{ cat configs/dataplane.yaml; printf '\nhealth: {port: 8081}\n'; } >"$work/dataplane.yaml"
lab_start_dataplane dp build/dataplane/portico-dataplane "$work/dataplane.yaml" "$work/dp.log"
sed 's/^/  /' "$work/dp.log" | grep -v '^  EAL' || true
sleep 0.5

step "The gratuitous ARP sent at start-up is already in the client's neighbour table"
show ip -n "$client" neigh show dev pcl0

step "arping the IPv4 VIP: answered from the dataplane's MAC"
show ip netns exec "$client" arping -c 3 -w 5 -I pcl0 192.0.2.100

step "ping the IPv4 VIP"
show ip netns exec "$client" ping -c 3 -i 0.2 192.0.2.100

step "ping the IPv6 VIP (resolved by NDP first)"
show ip netns exec "$client" ping -6 -c 3 -i 0.2 2001:db8::100
show ip -n "$client" -6 neigh show dev pcl0

step "An address that is not a VIP gets no answer"
show ip netns exec "$client" ping -c 2 -i 0.2 -W 1 192.0.2.101 || true

step "HTTP through the VIP: each backend answers with its name; Maglev spreads new connections"
lab_wait_http client http://192.0.2.100/ || true
show ip netns exec "$client" curl -s -i http://192.0.2.100/
urls=$(for i in $(seq 1 30); do printf 'http://192.0.2.100/?%d ' "$i"; done)
printf '$ curl -s -H "Connection: close" <30 URLs> | sort | uniq -c\n'
ip netns exec "$client" curl -s -H 'Connection: close' $urls | sort | uniq -c | sed 's/^/  /'

step "The control plane's view of configs/examples/ (Gateway flex-gateway, routes for Prometheus and Grafana)"
for host in prometheus.sjc.example.com grafana.sjc.example.com nothing.sjc.example.com; do
  show build/controlplane/porticoctl explain --manifests configs/examples --gateway portico-gateway/flex-gateway \
    --port 80 --host "$host"
done
printf '$ porticoctl status --manifests configs/examples | scripts/lib/conditions.py\n'
build/controlplane/porticoctl status --manifests configs/examples | python3 scripts/lib/conditions.py | sed 's/^/  /'

step "portico-controlplane --config configs/controlplane.yaml --manifests configs/examples: flex-gateway gets a VIP"
build/controlplane/portico-controlplane --config configs/controlplane.yaml --manifests configs/examples \
  >"$work/cp.log" 2>&1 &
LAB_PIDS+=("$!")
for _ in $(seq 1 50); do grep -q 'programmed' "$work/cp.log" && break; sleep 0.1; done
sed 's/^/  /' "$work/cp.log"
show build/controlplane/porticoctl vips
# The VIP the control plane added: an IPv4 address the static config does not have.
gateway_vip=$(build/controlplane/porticoctl vips | python3 -c "
import json, sys
vips = [v for v in json.load(sys.stdin)['vips'] if '.' in v and v != '192.0.2.100']
print(vips[0] if vips else '')")
[ -n "$gateway_vip" ] && show ip netns exec "$client" arping -c 2 -w 3 -I pcl0 "$gateway_vip"

step "L7 on flex-gateway's VIP: routed by Host inside the dataplane (SYN cookie, then every request routed on its own by the workers' TCP endpoint)"
if [ -n "$gateway_vip" ]; then
  for host in prometheus.sjc.example.com grafana.sjc.example.com nothing.sjc.example.com; do
    show ip netns exec "$client" curl -s -i -H "Host: $host" "http://$gateway_vip/"
  done
fi

step "Metrics and health, as Prometheus and an F5 monitor see them (metrics.listen in configs/dataplane.yaml)"
show ip netns exec "$(lab_ns dp)" curl -s http://127.0.0.1:9464/readyz
printf '$ curl -s http://192.0.2.100:8081/healthz   # the VIP'"'"'s own health endpoint, for an F5 pool monitor\n'
ip netns exec "$client" curl -s http://192.0.2.100:8081/healthz | sed 's/^/  /'
printf '$ curl -s http://127.0.0.1:9464/metrics | grep <a few families>\n'
ip netns exec "$(lab_ns dp)" curl -s http://127.0.0.1:9464/metrics |
  grep -E '^portico_(flows_created_total|to_backend_total|active_flows|port_received_packets_total|vip_(connections|sent_bytes)_total|snapshot_version|ready)(\{thread="worker0"\}|\{port=[^}]*\}|\{vip=[^}]*\}|) ' |
  sed 's/^/  /'
printf '$ curl -s http://127.0.0.1:9465/metrics | grep <the control plane'"'"'s pushes>\n'
curl -s http://127.0.0.1:9465/metrics | grep -E '^portico_controlplane_(pushed_version|dataplane_acked_version|push_seconds_(count|sum))' |
  sed 's/^/  /'

step "The dataplane's counters (SIGUSR1)"
lab_dataplane_stats "$work/dp.log" | sed 's/^stats total //' | tr ' ' '\n' | sed 's/^/  /'

step "Stop everything"
lab_cleanup
echo "  dataplane stopped, namespaces removed"
