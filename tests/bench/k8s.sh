#!/usr/bin/env bash
# The Kubernetes source at scale, against tests/k8s/fake_apiserver.py: N HTTPRoutes with
# their Services and EndpointSlices (5 endpoints each: 50 000 at N = 10 000). Prints k8s.*
# figures as JSON lines: cold sync, the time until every status is written, an
# EndpointSlice change to every dataplane's ACK, and the control plane's memory.
# usage: k8s.sh BUILD_DIR ROUTES CHANGES
set -euo pipefail
build=$1
routes=$2
changes=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
report="$root/scripts/lib/bench_report.py"
. "$root/scripts/lib/lab.sh"
. "$root/tests/k8s/fake_k8s.sh"
lab_init "pk8b$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
emit() { python3 "$report" figure "$@"; }  # NAME VALUE UNIT FLOOR|null CONDITIONS
wait_log() { lab_wait_log "$@" >&2; }

fake_k8s_start "$work"
python3 "$root/tests/bench/k8s_cluster.py" "$routes" >"$work/cluster.json"
k8s_api POST /fake/load "@$work/cluster.json" >/dev/null
lab_null_dataplane "$work/dp.sock" "$LAB_PREFIX" 512 >"$work/dp.yaml"
"$build/dataplane/portico-dataplane" --config "$work/dp.yaml" >"$work/dp.log" 2>&1 &
LAB_PIDS+=($!)
wait_log 'portico-dataplane: ready' "$work/dp.log" 30
printf 'dataplanes: ["unix:%s"]\ndebounce_ms: 50\n' "$work/dp.sock" >"$work/cp.yaml"
start=$(date +%s%N)
"$build/controlplane/portico-controlplane" --config "$work/cp.yaml" --kubeconfig "$work/kubeconfig" >"$work/cp.log" 2>&1 &
cp=$!
LAB_PIDS+=("$cp")
wait_log 'programmed: every dataplane serves version 1' "$work/cp.log" 300
emit "k8s.cold_sync_ms.routes_$routes" $((($(date +%s%N) - start) / 1000000)) ms null \
  "portico-controlplane start to every dataplane ACKed: list $routes HTTPRoutes, Services and EndpointSlices ($((routes * 5)) endpoints) over HTTPS, translate, push"
wait_log 'status: up to date' "$work/cp.log" 600
emit "k8s.status_sync_s.routes_$routes" "$(python3 -c "print(round(($(date +%s%N) - $start) / 1e9, 1))")" s null \
  "portico-controlplane start until the status of the GatewayClass, the Gateway and every HTTPRoute is written (read, merge, write each)"
ms=$(python3 "$root/tests/bench/k8s_change.py" "https://127.0.0.1:$(cat "$work/k8s.port")" "$work/k8s-ca.crt" \
  "$(cat "$work/k8s.token")" "$work/cp.log" "$changes")
emit "k8s.change_to_ack_ms.routes_$routes" "$ms" ms null \
  "an EndpointSlice written to the API server until every dataplane serves it: watch event, 50 ms debounce, translation of all $routes routes, push, compile, RCU; median of $changes"
rss() { awk -v f="${2:-VmRSS}" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
emit "memory.controlplane_rss_mb.k8s_routes_$routes" "$(rss "$cp")" MiB null \
  "portico-controlplane following $routes HTTPRoutes and $((routes * 5)) endpoints from Kubernetes, at rest"
emit "memory.controlplane_peak_rss_mb.k8s_routes_$routes" "$(rss "$cp" VmHWM)" MiB null "its peak"
