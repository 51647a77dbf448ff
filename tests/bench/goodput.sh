#!/usr/bin/env bash
# Goodput through Portico's relay mode against plain Linux forwarding of the same
# transfers, in the same run, on the same impaired links (tests/lab/impair_relay.cc on
# both the client's and the backend's link): downloads from the backend through the
# Gateway in relay mode (the workers' TCP endpoint on both sides), then the same
# downloads with a Linux namespace routing between the same links. Prints
# goodput.<case>.ratio figures (Portico / Linux) as JSON lines.
# usage: goodput.sh BUILD_DIR MEGABYTES
set -euo pipefail
build=$1
megabytes=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
report="$root/scripts/lib/bench_report.py"
. "$root/scripts/lib/lab.sh"
LAB_RELAY_BIN="$build/tests/lab/impair-relay"
work=$(mktemp -d)
bytes=$((megabytes * 1024 * 1024))
many=$(( megabytes >= 20 ? 50 : 10 ))  # concurrent connections in the last case
cases=("clean|" "loss_1pct|--seed 21 --loss 0.01" "loss_5pct|--seed 22 --loss 0.05"
  "reorder_5pct|--seed 23 --reorder 0.05 --reorder-delay-us 2000" "duplicate_5pct|--seed 24 --duplicate 0.05"
  "delay_20ms|--delay-us 10000" "concurrent_$many|")

# run_cases GATEWAY URL HOST: seconds per case, one line each: "case seconds".
run_cases() {
  local gateway=$1 url=$2 host=$3 c name args start
  for c in "${cases[@]}"; do
    name=${c%%|*}
    args=${c#*|}
    # shellcheck disable=SC2086
    lab_impair client $args >&2 && lab_impair backend $args >&2
    start=$(date +%s%N)
    if [[ $name == concurrent_* ]]; then
      ip netns exec "$(lab_ns client)" curl -s --no-progress-meter --max-time 600 -Z --parallel-max "$many" -H "Host: $host" \
        "$url/big?n=[1-$many]&bytes=$((bytes / many))" -o /dev/null
    else
      ip netns exec "$(lab_ns client)" curl -s --max-time 600 -H "Host: $host" "$url/big?bytes=$bytes" -o /dev/null
    fi
    echo "$name $(( ($(date +%s%N) - start) / 1000000 ))" >>"$work/$gateway.txt"
  done
}

# Portico, relay mode.
lab_init "pgp$$"
trap 'lab_cleanup; rm -rf "$work"' EXIT
LAB_IMPAIRED=1 LAB_GATEWAY_ANNOTATIONS='{portico.dev/l7-mode: relay}' \
  lab_gateway "$work" "$build/dataplane/portico-dataplane" "[1]" "{}" >&2
lab_wait_http client http://192.0.2.100/
run_cases portico http://192.0.2.100 app.example.com
lab_cleanup

# Linux forwarding between the same links: the dataplane's namespace routes instead.
lab_init "pgf$$"
lab_client_link impaired
lab_backend_link 1 impaired
lab_start_backend 1
dp=$(lab_ns dp)
ip netns exec "$dp" sysctl -qw net.ipv4.ip_forward=1
ip -n "$dp" addr add 192.0.2.2/24 dev pdp0
ip -n "$dp" addr add 198.51.100.2/24 dev pdp1
ip -n "$(lab_ns client)" route add 198.51.100.0/24 via 192.0.2.2
ip -n "$(lab_ns be1)" route add 192.0.2.0/24 via 198.51.100.2
lab_wait_http client http://198.51.100.11:8080/
run_cases linux http://198.51.100.11:8080 app.example.com

for c in "${cases[@]}"; do
  name=${c%%|*}
  p=$(awk -v n="$name" '$1 == n { print $2 }' "$work/portico.txt")
  l=$(awk -v n="$name" '$1 == n { print $2 }' "$work/linux.txt")
  mbit() { awk -v ms="$1" -v b="$bytes" 'BEGIN { printf "%.1f", (ms > 0 ? b * 8 / (ms / 1000) / 1e6 : 0) }'; }
  python3 "$report" figure "goodput.$name.mbit_s" "$(mbit "$p")" Mbit/s "$(mbit "$l")" \
    "$megabytes MB down through relay mode against Linux forwarding on the same impaired links (both client and backend link), same run"
done
