#!/usr/bin/env bash
# The host path: what reaches the port's own address and is not the dataplane's own
# traffic (ping, SSH, BGP, ...) goes to a kernel TAP interface the dataplane creates with
# the port's MAC and addresses, and the kernel's answers leave through the port. A flood
# at that address is rate-limited in the workers while BGP (TCP 179) keeps getting
# through, and VIP traffic is untouched.
# usage: host_path.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "phx$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 1
lab_start_backend 1
client=$(lab_ns client)
dp=$(lab_ns dp)

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - name: clients
    device: net_af_packet0,iface=pdp0
    mac: 02:00:5e:00:53:02
    ipv4: 192.0.2.2/24
    host: {interface: phost0, rate_pps: 200}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
services:
  - {name: web, vip: 192.0.2.100, port: 80, protocol: tcp, backends: [{address: 198.51.100.11, port: 8080}]}
announce: {count: 1}
YAML
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
# Services of the appliance itself, in the dataplane's namespace on the port's address:
# a stand-in for sshd, and one on BGP's port.
for port in 2222 179; do
  ip netns exec "$dp" python3 -m http.server "$port" --bind 192.0.2.2 --directory "$work" >/dev/null 2>&1 &
  LAB_PIDS+=("$!")
done
in_client() { ip netns exec "$client" "$@"; }
for _ in $(seq 1 50); do ip netns exec "$dp" ss -ltn | grep -q '192.0.2.2:179' && break; sleep 0.1; done

tap_configured() {
  ip -n "$dp" addr show phost0 | grep -q 'inet 192.0.2.2/24' && ip -n "$dp" link show phost0 | grep -q 'link/ether 02:00:5e:00:53:02'
}
check "the TAP phost0 carries the port's address and MAC" tap_configured
check "the kernel answers ping to the port's address through the host path" \
  in_client ping -c 3 -i 0.2 -W 2 192.0.2.2
check "a TCP service of the appliance answers on the port's address" \
  in_client curl -s -o /dev/null --max-time 5 http://192.0.2.2:2222/
check "VIP traffic still goes to the backend" bash -c "[ \"\$(ip netns exec $client curl -s --max-time 5 http://192.0.2.100/)\" = be1 ]"

# A flood at the port's address: far beyond rate_pps, from the client.
in_client ping -f -w 4 -s 200 192.0.2.2 >/dev/null 2>&1 &
flood=$!
LAB_PIDS+=("$flood")
sent() { ip netns exec "$client" cat /sys/class/net/pcl0/statistics/tx_packets; }
flood_start=$(sent)
flooding() { [ "$(sent)" -gt $((flood_start + 2000)) ]; }
lab_wait_until 10 "the flood to be under way" flooding
bgp_during_flood() {
  for i in 1 2 3 4 5; do in_client curl -s -o /dev/null --max-time 2 http://192.0.2.2:179/ || return 1; done
}
check "BGP's port keeps answering during the flood" bgp_during_flood
wait "$flood" 2>/dev/null
stats=$(lab_dataplane_stats "$work/dp.log")
check "the flood was rate-limited in the workers (host_rate_limited > 0)" \
  test "$(lab_counter drop.host_rate_limited "$stats")" -gt 0
check "frames went both ways on the host path" \
  bash -c "[ $(lab_counter to_host "$stats") -gt 0 ] && [ $(lab_counter from_host "$stats") -gt 0 ]"
check "after the flood the appliance's service answers again" \
  in_client curl -s -o /dev/null --max-time 5 http://192.0.2.2:2222/
lab_finish
