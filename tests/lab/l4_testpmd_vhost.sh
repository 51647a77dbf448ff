#!/usr/bin/env bash
# L4 load balancing fed by a DPDK traffic generator with no kernel in the loop: the
# dataplane's client-side port is a virtio_user port whose vhost-user peer is
# dpdk-testpmd in txonly mode (UDP towards the VIP, 128 flows); its backend-side port is
# an af_packet port into the backends' bridge. Each backend must receive its share.
# usage: l4_testpmd_vhost.sh PATH/TO/portico-dataplane
set -u
DATAPLANE=$1
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "plt$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work" "/var/run/dpdk/$LAB_PREFIX-tp"' EXIT

lab_ns_add dp
lab_backend_link 3
sock="$work/vhost.sock"

# testpmd owns the vhost-user socket (server); both its lcores share CPU 0, the
# dataplane's worker has CPU 1.
dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix "$LAB_PREFIX-tp" --lcores '0@0,1@0' --log-level '*:error' \
  --vdev "net_vhost0,iface=$sock,queues=1" -- --forward-mode=txonly --tx-ip=203.0.113.7,192.0.2.100 \
  --eth-peer=0,02:00:5e:00:53:02 --txonly-multi-flow --nb-cores=1 --total-num-mbufs=8192 --stats-period 1 \
  >"$work/testpmd.log" 2>&1 &
tp=$!
LAB_PIDS+=("$tp")
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
check "testpmd serves the vhost-user socket" test -S "$sock"

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: [1]}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: generator, device: "virtio_user0,path=$sock,queues=1", mac: "02:00:5e:00:53:02", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
services:
  - name: sink
    vip: 192.0.2.100
    port: 9
    protocol: udp
    backends:
      - {address: 198.51.100.11, port: 9}
      - {address: 198.51.100.12, port: 9}
      - {address: 198.51.100.13, port: 9}
flows: {capacity: 65536}
YAML

rx() { ip netns exec "$(lab_ns "be$1")" cat /sys/class/net/eth0/statistics/rx_packets; }
before=($(rx 1) $(rx 2) $(rx 3))
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
# Traffic until every backend has had its share (or the deadline says it never will).
each_backend_got() {
  local i now
  for i in 1 2 3; do
    now=$(rx "$i")
    [ $((now - before[i - 1])) -ge 4000 ] || return 1
  done
}
lab_wait_until 30 "4 000 datagrams at every backend" each_backend_got
stats=$(lab_dataplane_stats "$work/dp.log")
lab_stop_pid "$DP_PID"
lab_stop_pid "$tp"
LAB_PIDS=()
after=($(rx 1) $(rx 2) $(rx 3))
echo "# $stats"
got=()
total=0
for i in 0 1 2; do
  got[$i]=$((after[i] - before[i]))
  total=$((total + got[i]))
done
echo "# backends received ${got[*]} (total $total)"
check "the dataplane created one flow per generated flow" test "$(lab_counter flows_created "$stats")" -ge 64
check "datagrams reached the backends" test "$total" -ge 10000
share_ok() {
  for i in 0 1 2; do [ $((got[i] * 100)) -ge $((total * 15)) ] || return 1; done
}
check "every backend received at least 15% of the datagrams" share_ok
tx_pps=$(grep -o 'Tx-pps: *[0-9]*' "$work/testpmd.log" | tail -n 1 | tr -dc 0-9)
echo "# testpmd generated ${tx_pps:-?} packets/s"

[ "$LAB_FAILURES" -gt 0 ] && { tail -n 20 "$work/dp.log" "$work/testpmd.log" | sed 's/^/# /'; }
lab_finish
