#!/usr/bin/env bash
# Benchmarks, as ratios to a floor measured in the same run on the same virtual devices:
# frames replayed from memory by net_pcap (infinite_rx) into the forwarder, transmitted
# to net_null. The floor is dpdk-testpmd forwarding them (io, macswap); Portico runs the
# same devices with a VIP service whose backend sits behind the null port.
# End to end, wrk goes through Portico and through NGINX to the same backend in the lab
# (tests/bench/e2e.sh). docs/benchmarks.md says what each figure means.
# usage: scripts/bench.sh [--quick | --smoke] [--json FILE] [--chart PNG]
# --smoke runs every measurement for one second, so the test suite keeps the script
# working; its figures mean nothing. --chart draws each packet path against the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
json=""
chart=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --smoke) quick=2 ;;
    --json) json=$2; shift ;;
    --chart) chart=$2; shift ;;
    *) echo "usage: scripts/bench.sh [--quick | --smoke] [--json FILE] [--chart PNG]" >&2; exit 2 ;;
  esac
  shift
done
[ "$quick" -eq 2 ] || ./scripts/setup.sh >/dev/null
bench=build/tests/bench/portico-bench
dataplane=build/dataplane/portico-dataplane
seconds=$(case $quick in 1) echo 2 ;; 2) echo 1 ;; *) echo 5 ;; esac)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work" /var/run/dpdk/portico-bench-*
}
trap cleanup EXIT
results="$work/results.jsonl"
: >"$results"

report=scripts/lib/bench_report.py
# emit NAME VALUE UNIT FLOOR|null CONDITIONS: one figure.
emit() { python3 "$report" figure "$@" >>"$results"; }
. scripts/lib/lab.sh  # lab_wait_until, lab_null_dataplane

$bench pcap-established "$work/established.pcap" 256 16
$bench pcap-syns "$work/syns.pcap" 65536
$bench pcap-arp "$work/arp.pcap" 256
devices="pcap->null, 64/118-byte TCP frames replayed from memory, 1 forwarding core, $(nproc) CPUs, --no-huge"

# testpmd FORWARD_MODE PCAP: packets per second forwarded by one core. testpmd prints
# both ports' rates once a second; the rate is read once SECONDS + 2 periods have been
# printed (the first ones include the start), however long testpmd takes to get there.
testpmd_mpps() {
  local log="$work/testpmd-$1.log"
  dpdk-testpmd --no-huge -m 1024 --no-pci --file-prefix portico-bench-tp -l 0,1 --log-level '*:error' \
    --vdev "net_pcap0,rx_pcap=$2,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
    --forward-mode="$1" --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local periods=$((seconds + 2))
  if ! lab_wait_until 120 "testpmd ($1) printing $periods periods of statistics" \
    bash -c "[ \$(grep -c 'Rx-pps' '$log') -ge $((2 * periods)) ] || ! kill -0 $pid"; then
    tail -n 20 "$log" >&2
    exit 1
  fi
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  # The last periodic line of port 0 is a steady-state rate.
  local mpps
  mpps=$(grep -o 'Rx-pps: *[0-9]*' "$log" | awk 'NR % 2 == 1 { v = $2 } END { printf "%.4f", v / 1e6 }')
  if [ "$(grep -c 'Rx-pps' "$log")" -lt $((2 * periods)) ] || awk -v v="$mpps" 'BEGIN { exit !(v <= 0) }'; then
    echo "bench: testpmd ($1) forwarded nothing:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "$mpps"
}

# start_dataplane CONFIG LOG: starts portico-dataplane, waits until it is ready (or
# stops the benchmark with its log). Sets DP_PID.
start_dataplane() {
  $dataplane --config "$1" >"$2" 2>&1 &
  DP_PID=$!
  pids+=("$DP_PID")
  if ! lab_wait_until 60 "the dataplane saying ready" bash -c "grep -q ready '$2' || ! kill -0 $DP_PID" ||
    ! grep -q ready "$2"; then
    echo "bench: the dataplane did not start:" >&2
    cat "$2" >&2
    exit 1
  fi
}

# stats_total PID LOG: the dataplane's counters (SIGUSR1), once its new total line is out.
stats_total() {
  local before; before=$(grep -c '^stats total' "$2" || true)
  kill -USR1 "$1"
  lab_wait_until 30 "a stats line after SIGUSR1" bash -c "[ \$(grep -c '^stats total' '$2') -gt $before ]" >&2 || exit 1
  grep '^stats total' "$2" | tail -n 1
}

# portico PCAP CAPACITY MBUFS [pushed]: prints "MPPS CYCLES_PER_PACKET FLOWS_CREATED_PER_S".
# With "pushed" the service is not in dataplane.yaml: the control plane pushes it from a
# LoadBalancer Service manifest, as a cluster would have it.
portico() {
  local cfg="$work/dp.yaml" log="$work/dp-$(basename "$1")${4:+-$4}.log"
  local service="services:
  - {name: web, vip: 192.0.2.100, port: 80, protocol: tcp, backends: [{address: 198.51.100.11, port: 8080}]}"
  [ "${4:-}" = pushed ] && service=""
  cat >"$cfg" <<YAML
lcores: {main: 0, workers: [1]}
eal: [--no-huge, -m, "1536", --no-pci, --file-prefix, portico-bench-dp, --log-level, "*:error"]
api: {socket: "$work/api.sock"}
mbufs: $3  # net_pcap's infinite_rx keeps the whole file in buffers of the pool
ports:
  - {name: replay, device: "net_pcap0,rx_pcap=$1,infinite_rx=1", mac: "02:00:5e:00:53:02", ipv4: 192.0.2.2/24}
  - name: sink
    device: "net_null0,no-rx=1"
    ipv4: 198.51.100.2/24
    neighbors: {198.51.100.11: "02:be:00:00:00:11"}
$service
flows: {capacity: $2}
announce: {count: 0}
YAML
  start_dataplane "$cfg" "$log"
  local pid=$DP_PID cp=""
  if [ "${4:-}" = pushed ]; then
    mkdir -p "$work/lb-manifests"
    cat >"$work/lb-manifests/web.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web, namespace: bench}
spec: {type: LoadBalancer, loadBalancerClass: portico.dev/lb, loadBalancerIP: 192.0.2.100, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: bench, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.51.100.11]}]
YAML
    printf 'dataplanes: ["unix:%s"]\naddress_pools: [{name: bench, addresses: [192.0.2.100]}]\n' "$work/api.sock" >"$work/lb-cp.yaml"
    build/controlplane/portico-controlplane --config "$work/lb-cp.yaml" --manifests "$work/lb-manifests" >"$work/lb-cp.log" 2>&1 &
    cp=$!
    pids+=("$cp")
    lab_wait_until 60 "the control plane pushing the LoadBalancer Service" \
      grep -q 'programmed: every dataplane serves version 1' "$work/lb-cp.log" >&2 || { cat "$work/lb-cp.log" >&2; exit 1; }
  fi
  sleep 1  # warm-up: the replay and the flow table reach their steady state
  local a; a=$(stats_total "$pid" "$log")
  sleep "$seconds"  # the measured interval
  local b; b=$(stats_total "$pid" "$log")
  [ -n "$cp" ] && { kill -TERM "$cp"; wait "$cp" 2>/dev/null || true; }
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  c() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
  awk -v r1="$(c "$a" rx_packets)" -v r2="$(c "$b" rx_packets)" -v b1="$(c "$a" busy_cycles)" \
      -v b2="$(c "$b" busy_cycles)" -v f1="$(c "$a" flows_created)" -v f2="$(c "$b" flows_created)" -v s="$seconds" \
      'BEGIN { p = r2 - r1; printf "%.4f %.1f %.0f\n", p / s / 1e6, (p > 0 ? (b2 - b1) / p : 0), (f2 - f1) / s }'
}

io=$(testpmd_mpps io "$work/established.pcap")
macswap=$(testpmd_mpps macswap "$work/established.pcap")
emit floor.testpmd_io.mpps_per_core "$io" Mpps null "testpmd io, $devices"
emit floor.testpmd_macswap.mpps_per_core "$macswap" Mpps null "testpmd macswap, $devices"

read -r arp_mpps arp_cycles _ < <(portico "$work/arp.pcap" 65536 16384)
emit arp.replies.mpps_per_core "$arp_mpps" Mpps "$io" "ARP requests for a VIP answered in place, $devices"
emit arp.replies.cycles_per_packet "$arp_cycles" cycles null "busy TSC cycles per ARP reply, same run"

read -r est_mpps est_cycles _ < <(portico "$work/established.pcap" 65536 16384)
emit l4.established.mpps_per_core "$est_mpps" Mpps "$io" "256 established TCP flows, full-NAT to 1 backend, $devices"
emit l4.established.cycles_per_packet "$est_cycles" cycles null "busy TSC cycles per packet of the worker, same run"

read -r lb_mpps lb_cycles _ < <(portico "$work/established.pcap" 65536 16384 pushed)
emit l4.established.mpps_per_core_load_balancer_service "$lb_mpps" Mpps "$est_mpps" \
  "the same flows to a LoadBalancer Service the control plane pushed from manifests, against the hand-configured service just before"
emit l4.established.cycles_per_packet_load_balancer_service "$lb_cycles" cycles null "busy TSC cycles per packet, same run"

read -r _ new_cycles new_per_s < <(portico "$work/syns.pcap" 16384 98304)
emit l4.new_flows.per_s_per_core "$new_per_s" flows/s null "SYNs from 65536 clients into a 16384-flow table: each a Maglev pick, SNAT port choice and insert (with eviction)"
emit l4.new_flows.cycles_per_flow "$new_cycles" cycles null "busy TSC cycles per new flow of the worker, same run"

# Config change to all-workers ACK over the API, then the real control plane on 10 000
# routes: time to program a fresh dataplane, and the resident memory of both processes.
config_push() {
  local cfg="$work/cp-dp.yaml" log="$work/cp-dp.log" routes=10000
  [ "$quick" -eq 2 ] && routes=1000
  lab_null_dataplane "$work/cp-api.sock" portico-bench-cp 512 >"$cfg"
  start_dataplane "$cfg" "$log"
  local dp=$DP_PID
  $bench push-ack "unix:$work/cp-api.sock" "$([ "$quick" -ne 0 ] && echo 3 || echo 5)" >>"$results"
  $bench manifests "$work/manifests" "$routes"
  local debounce=50
  printf 'dataplanes: ["unix:%s"]\ndebounce_ms: %s\n' "$work/cp-api.sock" "$debounce" >"$work/cp.yaml"
  local start; start=$(date +%s%N)
  build/controlplane/portico-controlplane --config "$work/cp.yaml" --manifests "$work/manifests" >"$work/cp.log" 2>&1 &
  local cp=$!
  pids+=("$cp")
  lab_wait_until 300 "the control plane programming $routes routes" grep -q 'programmed: every dataplane' "$work/cp.log" || exit 1
  local took=$(( ($(date +%s%N) - start) / 1000000 ))
  rss() { awk -v f="${2:-VmRSS}" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
  emit "config.cold_sync_ms.routes_$routes" "$took" ms null "portico-controlplane start to every dataplane ACKed: read $routes routes' manifests, translate, push"
  # A one-route change: an endpoint of one EndpointSlice in one namespace's file, edited
  # in place, until every dataplane serves it. Median of 3.
  local changes=() i n
  for i in 1 2 3; do
    n=$(grep -c 'programmed: every dataplane' "$work/cp.log")
    start=$(date +%s%N)
    sed -i "0,/addresses: \[198.51.100.[0-9]*\]/s//addresses: [198.51.100.$((250 - i))]/" "$work/manifests/ns7.yaml"
    lab_wait_until 60 "the control plane programming the change" \
      bash -c "[ \$(grep -c 'programmed: every dataplane' '$work/cp.log') -gt $n ]" || exit 1
    changes+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  emit "config.manifest_change_ack_ms.routes_$routes" "$(printf '%s\n' "${changes[@]}" | sort -n | sed -n 2p)" ms null \
    "one endpoint edited in one of 101 manifest files until every dataplane serves it: inotify, ${debounce} ms debounce, that file read again, translation of all $routes routes, delta push; median of 3"
  emit "memory.controlplane_rss_mb.routes_$routes" "$(rss "$cp")" MiB null "portico-controlplane serving $routes HTTPRoutes, at rest"
  emit "memory.controlplane_peak_rss_mb.routes_$routes" "$(rss "$cp" VmHWM)" MiB null "its peak, while the manifests were loaded and changed"
  emit "memory.dataplane_rss_mb.routes_$routes" "$(rss "$dp")" MiB null "portico-dataplane serving $routes routes: 1 worker, default flow and L7 pools, --no-huge -m 512"
  kill -TERM "$cp" "$dp"; wait "$cp" "$dp" 2>/dev/null || true
}
config_push

$bench maglev "$([ "$quick" -ne 0 ] && echo 3 || echo 10)" >>"$results"
$bench flow-bytes >>"$results"
$bench http-bytes >>"$results"
$bench translate "$([ "$quick" -ne 0 ] && echo 1 || echo 3)" >>"$results"
$bench l7-first-packet "$(case $quick in 1) echo 3 ;; 2) echo 1 ;; *) echo 10 ;; esac)" >>"$results"  # best of N: the VM is noisy
$bench wildcard-match "$(case $quick in 1) echo 3 ;; 2) echo 1 ;; *) echo 10 ;; esac)" >>"$results"
$bench l7-new-connections "$([ "$quick" -eq 2 ] && echo 5000 || echo 30000)" >>"$results"
$bench tls-handshake "$(case $quick in 1) echo 200 ;; 2) echo 50 ;; *) echo 1000 ;; esac)" >>"$results"

# The Kubernetes source at 10 000 routes and 50 000 endpoints, against the fake API server.
tests/bench/k8s.sh build "$(case $quick in 1) echo 1000 ;; 2) echo 100 ;; *) echo 10000 ;; esac)" \
  "$([ "$quick" -ne 0 ] && echo 3 || echo 5)" >>"$results"

# The workers' TCP endpoint (relay mode) against Linux forwarding on impaired links.
tests/bench/goodput.sh build "$(case $quick in 1) echo 20 ;; 2) echo 2 ;; *) echo 100 ;; esac)" 2>/dev/null >>"$results"

# Attacks against an L7 listener, each against the same clients without it.
tests/bench/attacks.sh build "$seconds" >>"$results"

# Attacks and faults the lab tests measure, run for their figures (lab_figure). The smoke
# run takes none: the lab suite runs them all anyway.
lab_figures() {
  if ! LAB_FIGURES="$results" bash "tests/lab/$1.sh" "$dataplane" '[1]' "${@:2}" >"$work/$1.tap" 2>&1; then
    echo "bench: lab test $1 failed:" >&2
    grep -v '^ok' "$work/$1.tap" >&2
    exit 1
  fi
}
if [ "$quick" -ne 2 ]; then
  lab_figures flow_exhaustion
  lab_figures malformed_flood
  lab_figures changes_under_load
  lab_figures faults_under_load
  lab_figures multi_appliance
fi

# Last: it needs both cores to itself (one for the gateway, one for wrk and the backend).
tests/bench/e2e.sh build "$seconds" >>"$results"

python3 "$report" table "$results"
[ -n "$json" ] && cp "$results" "$json"
[ -n "$chart" ] && python3 "$report" chart "$results" "$chart"
exit 0
