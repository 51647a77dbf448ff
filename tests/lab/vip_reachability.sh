#!/usr/bin/env bash
# A VIP is reachable the way MetalLB's L2 mode makes it reachable: a real Linux client
# resolves it by ARP and NDP, pings it over IPv4 and IPv6, learns it from the gratuitous
# ARP sent at start-up, and gets nothing for addresses that are not VIPs.
# usage: vip_reachability.sh PATH/TO/portico-dataplane [WORKER_LCORES]
# WORKER_LCORES is a YAML list, "[1]" by default; "[0, 1]" runs two workers, one on the
# main lcore, each with its own queue pair (af_packet fanout spreads the frames).
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "plr$$"

work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
client=$(lab_ns client)

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - name: lab0
    device: net_af_packet0,iface=pdp0
    mac: 02:00:5e:00:53:02
    ipv4: 192.0.2.2
    ipv6: 2001:db8::2
vips: [192.0.2.100, 2001:db8::100]
announce: {count: 2, interval_ms: 300}
YAML
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
mac=02:00:5e:00:53:02

garp_learned() {
  for _ in $(seq 1 30); do
    ip -n "$client" neigh show 192.0.2.100 dev pcl0 | grep -q "lladdr $mac" && return 0
    sleep 0.1
  done
  ip -n "$client" neigh show dev pcl0
  return 1
}
check "gratuitous ARP at start puts the VIP in the client's neighbour table" garp_learned

arping_answered() {
  out=$(ip netns exec "$client" arping -c 3 -w 5 -I pcl0 "$1" 2>&1)
  echo "$out"
  [ "$(echo "$out" | grep -ci "reply from $1 \[$mac\]")" -eq 3 ]
}
check "arping the IPv4 VIP: 3 replies from the dataplane's MAC" arping_answered 192.0.2.100
check "arping the port's own address is answered" arping_answered 192.0.2.2
check "arping an address that is not a VIP: no reply" \
  bash -c "! ip netns exec $client arping -c 2 -w 2 -I pcl0 192.0.2.101"

check "ping the IPv4 VIP" ip netns exec "$client" ping -c 3 -i 0.2 -W 2 192.0.2.100
check "ping an address that is not a VIP: no reply" \
  bash -c "! ip netns exec $client ping -c 2 -i 0.2 -W 1 192.0.2.101"
check "ping the IPv6 VIP (resolved by NDP)" ip netns exec "$client" ping -6 -c 3 -i 0.2 -W 2 2001:db8::100
nd_learned() { ip -n "$client" -6 neigh show 2001:db8::100 dev pcl0 | grep -q "lladdr $mac"; }
check "the IPv6 VIP resolved to the dataplane's MAC" nd_learned
check "ping an IPv6 address that is not a VIP: no reply" \
  bash -c "! ip netns exec $client ping -6 -c 2 -i 0.2 -W 1 2001:db8::101"

stats=$(lab_dataplane_stats "$work/dp.log")
echo "# $stats"
at_least() { [ "$(lab_counter "$1" "$stats")" -ge "$2" ]; }
check "counters: arp_replies >= 6" at_least arp_replies 6
check "counters: echo_replies >= 3" at_least echo_replies 3
check "counters: echo6_replies >= 3" at_least echo6_replies 3
check "counters: nd_advertisements >= 1" at_least nd_advertisements 1
check "counters: 4 announcements sent (2 VIPs x 2)" at_least control_tx 4
check "counters: the non-VIP pings were counted as not_for_us" at_least drop.not_for_us 4

lab_stop_pid "$DP_PID"
rc=$?
LAB_PIDS=()
check "SIGTERM stops the dataplane cleanly (exit 0)" test "$rc" -eq 0
check "final counters printed at exit" grep -q '^stats total' "$work/dp.log"

[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dataplane: /' "$work/dp.log"
lab_finish
