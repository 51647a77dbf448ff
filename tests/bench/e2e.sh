#!/usr/bin/env bash
# End to end in the lab, Portico against NGINX on the same topology: wrk in a client
# namespace sends Host-routed HTTP requests through the gateway to one backend (NGINX
# answering a fixed body), with keep-alive and with `Connection: close`, over HTTP and
# over HTTPS (TLS terminated by the gateway, the same ECDSA P-256 certificate for both;
# with `Connection: close` every request is a full handshake: wrk resumes no session).
# Prints e2e.* figures as JSON lines.
#
#   client ─ pcl0 ══ pdp0 ─ portico-dataplane (af_packet) ─ pdp1 ══ sw bridge ─ be1
#   client ─ pcl1 ══ ngx0 ─ nginx reverse proxy ─────────── ngx1 ══ sw bridge ─ be1
#
# Core 1 belongs to the gateway under test (Portico's worker, or NGINX's one worker
# process); wrk and the backend share core 0. Only one gateway runs at a time.
#
# A veth does the receiving kernel's work of a frame in the context of the sender. For the
# bulk modes, where that work (the client's TCP receive of every 1 500-byte frame, the
# backend's TCP answering every ACK) would outweigh the gateway's own, the peers' receiving
# ends take frames in a NAPI thread of their own with GRO on core 0, as a receiver on its
# own NIC would: each gateway then pays for what it sends, not for what its peers do with
# it. The request modes keep the kernel's default (there a thread wake-up per small frame
# would be charged instead).
# usage: e2e.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
report="$root/scripts/lib/bench_report.py"
. "$root/scripts/lib/lab.sh"
. "$root/scripts/lib/manifests.sh"
lab_init "pe2e$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
connections=32
host=app.example.com

lab_client_link
lab_backend_link 1
client=$(lab_ns client)
ngx=$(lab_ns ngx)
lab_ns_add ngx
# NGINX's links keep the kernel's default offloads: that is how it would run.
ip link add pcl1 netns "$client" type veth peer name ngx0 netns "$ngx"
ip link add ngx1 netns "$ngx" type veth peer name swngx netns "$(lab_ns sw)"
ip -n "$(lab_ns sw)" link set swngx master br0
for l in "$client pcl1" "$ngx ngx0" "$ngx ngx1" "$(lab_ns sw) swngx"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$client" addr add 203.0.113.1/24 dev pcl1
ip -n "$ngx" addr add 203.0.113.2/24 dev ngx0
ip -n "$ngx" addr add 198.51.100.3/24 dev ngx1
# The lab's switch is not a firewall: no iptables for bridged frames (br_netfilter).
ip netns exec "$(lab_ns sw)" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
  2>/dev/null || true
# peer_receive_threads on|off: the gateways' peers receive in NAPI threads on core 0, with
# GRO, or inline in the sender's context (the kernel's default for a veth).
peer_receive_threads() {
  local l p
  for l in "$client pcl0" "$client pcl1" "$(lab_ns sw) swdp" "$(lab_ns sw) swngx"; do
    set -- $l
    if [ "$PEER_THREADS" = on ]; then
      ip netns exec "$1" ethtool -K "$2" gro on >/dev/null
      ip netns exec "$1" sh -c "echo 1 >/sys/class/net/$2/threaded"
    else
      # Refused (EIO) by an interface that has no NAPI yet: there is nothing to undo.
      ip netns exec "$1" sh -c "echo 0 >/sys/class/net/$2/threaded" 2>/dev/null || true
      ip netns exec "$1" ethtool -K "$2" gro off >/dev/null
    fi
  done
  for p in $(ps -eo pid=,comm= | awk '$2 ~ /^napi\/(pcl[01]|swdp|swngx)-/ { print $1 }'); do
    taskset -pc 0 "$p" >/dev/null
  done
}
# Many short connections in a row: the client must not run out of ports.
ip netns exec "$client" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

# nginx PREFIX CORE_MASK HTTP_BLOCK: one nginx with one worker process on the given core.
start_nginx() {
  local ns=$1 dir="$work/$2"
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
worker_cpu_affinity $3;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  $4
}
CONF
  ip netns exec "$ns" nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" &
  LAB_PIDS+=("$!")
  NGINX_PID=$!
}

mkdir -p "$work/backend"
head -c 1048576 /dev/zero >"$work/backend/1m"  # the bulk figures' 1 MiB response
start_nginx "$(lab_ns be1)" backend 01 \
  "server { listen 198.51.100.11:8080 backlog=4096; location / { return 200 \"be1\n\"; } location = /1m { root $work/backend; } }"
lab_wait_http be1 http://198.51.100.11:8080/

# The certificates both gateways serve for HTTPS: ECDSA P-256 and RSA-2048, each client
# getting the one its signature algorithms or cipher suites ask for.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host" -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host" -keyout "$work/rsa.key" -out "$work/rsa.crt" >/dev/null 2>&1

# The modes each gateway runs: HTTP and HTTPS, kept alive and Connection: close, and bulk
# (1 MiB responses over kept-alive connections).
modes="keepalive close https_keepalive https_close bulk https_bulk"
[ "${E2E_MODES:-}" ] && modes=$E2E_MODES  # a subset, when profiling one of them

# wrk_run MODE URL: wrk's report, from the client namespace on core 0.
wrk_run() {
  local extra=()
  [[ $1 == *close ]] && extra=(-H "Connection: close")
  ip netns exec "$client" taskset -c 0 wrk -t1 -c"$connections" -d"${seconds}s" --latency \
    -H "Host: $host" "${extra[@]}" "$2" >"$work/wrk-$GATEWAY-$1.txt"
}
# full_handshakes GATEWAY ADDRESS CPU_FUNCTION SUFFIX WHAT [S_TIME OPTIONS]: openssl
# s_time's new sessions, one after another for SECONDS from core 0 (a full handshake each,
# then close: the figure wrk cannot give, since it resumes sessions), and the gateway's
# CPU per 1 000 of them.
full_handshakes() {
  local gw=$1 address=$2 cpu=$3 suffix=$4 what=$5 before n busy
  shift 5
  before=$($cpu)
  ip netns exec "$client" taskset -c 0 openssl s_time -connect "$address:443" -new -time "$seconds" "$@" \
    >"$work/s_time-$gw$suffix.txt" 2>&1 || true
  busy=$(awk -v a="$before" -v b="$($cpu)" 'BEGIN { print b - a }')
  n=$(awk '/connections in .*real seconds/ { print $1; exit }' "$work/s_time-$gw$suffix.txt")
  [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "e2e: openssl s_time made no connection to $gw ($what)" >&2; return 1; }
  python3 "$report" figure "e2e.$gw.full_handshakes_per_s$suffix" "$(awk -v n="$n" -v s="$seconds" 'BEGIN { print n / s }')" \
    "1/s" null "openssl s_time -new, $what, one connection at a time from core 0, $seconds s"
  python3 "$report" figure "e2e.$gw.cpu_ms_per_1k_full_handshakes$suffix" \
    "$(awk -v b="$busy" -v n="$n" 'BEGIN { printf "%.4f", b / (n / 1000) }')" ms null \
    "gateway CPU time per 1 000 full handshakes, same run"
}

# measure GATEWAY ADDRESS CPU_FUNCTION CONDITIONS [MORE_MODES]: every mode, then the full
# handshakes.
measure() {
  local gw=$1 address=$2 cpu=$3 mode before busy requests
  for mode in $modes ${5:-}; do
    PEER_THREADS=$([[ $mode == *bulk ]] && echo on || echo off) peer_receive_threads
    before=$($cpu)
    wrk_run "$mode" "$(scheme "$mode")://$(target "$mode" "$address")/$([[ $mode == *bulk ]] && echo 1m)"
    busy=$(awk -v a="$before" -v b="$($cpu)" 'BEGIN { print b - a }')
    python3 "$report" wrk "$gw" "$mode" "$work/wrk-$gw-$mode.txt" "$busy" "$(conditions "$4")"
    # A failed request is rare and must be readable afterwards: which kind, and what the
    # dataplane counted by then.
    if grep -qE '^  (Socket errors|Non-2xx)' "$work/wrk-$gw-$mode.txt"; then
      echo "e2e: $gw $mode: $(grep -E '^  (Socket errors|Non-2xx)' "$work/wrk-$gw-$mode.txt" | tr -s ' ' | tr '\n' ';')" >&2
      [ "$gw" = portico ] && echo "e2e: portico's drops so far: $(lab_dataplane_stats "$work/dp.log" | tr ' ' '\n' |
        grep -E '^(drop\.|http_|tls_)' | grep -v '=0$' | tr '\n' ' ')" >&2
    fi
    if [[ $mode == *bulk ]]; then
      requests=$(awk '/requests in/ { print $1; exit }' "$work/wrk-$gw-$mode.txt")
      python3 "$report" figure "e2e.$gw.gbit_per_cpu_s_$mode" \
        "$(awk -v r="$requests" -v b="$busy" 'BEGIN { printf "%.4f", r * 1048576 * 8 / 1e9 / (b / 1000) }')" \
        "Gbit/s" null "1 MiB responses, kept alive: bits of response per second of gateway CPU, same run"
    fi
  done
  PEER_THREADS=off peer_receive_threads
  [ "${E2E_MODES:-}" ] && return 0
  full_handshakes "$gw" "$address" "$cpu" "" "TLS 1.3 with ECDSA P-256"
  full_handshakes "$gw" "$address" "$cpu" _tls12_ecdsa "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256" -tls1_2 \
    -cipher ECDHE-ECDSA-AES128-GCM-SHA256
  full_handshakes "$gw" "$address" "$cpu" _tls12_rsa "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 (RSA-2048)" -tls1_2 \
    -cipher ECDHE-RSA-AES128-GCM-SHA256
}
conditions() {
  echo "wrk 1 thread $connections connections ${seconds} s, Host routing to 1 NGINX backend, $GATEWAY on core 1, wrk and backend on core 0, $1"
}

# Portico: the dataplane on af_packet ports, programmed by the control plane from a
# manifest directory, the way the lab and the demo run it.
GATEWAY=portico
cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: [1]}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0,framecnt=2048", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1,framecnt=2048", ipv4: 198.51.100.2/24}
flows: {capacity: 65536}
announce: {count: 1}
YAML
mkdir -p "$work/manifests"
{
  manifest_gatewayclass
  manifest_gateway e2e 192.0.2.100 "[{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}},
    {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}, {name: rsa}]}, allowedRoutes: {namespaces: {from: All}}}]"
  for secret in tls rsa; do
    cat <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: $secret, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: $(base64 -w0 <"$work/$secret.crt"), tls.key: $(base64 -w0 <"$work/$secret.key")}
YAML
  done
  # The same route through a Gateway whose HTTP listener splices: the splice's bulk figure.
  manifest_gateway e2e-splice 192.0.2.101 "" "{portico.dev/l7-mode: splice}"
  manifest_service app 80 8080 198.51.100.11
  manifest_route HTTPRoute app e2e "$host" app 80
  manifest_route HTTPRoute app-splice e2e-splice "$host" app 80
} >"$work/manifests/e2e.yaml"
printf 'dataplanes: ["unix:%s"]\ndebounce_ms: 50\n' "$work/api.sock" >"$work/controlplane.yaml"
lab_start_dataplane dp "$build/dataplane/portico-dataplane" "$work/dataplane.yaml" "$work/dp.log"
"$build/controlplane/portico-controlplane" --config "$work/controlplane.yaml" --manifests "$work/manifests" \
  >"$work/cp.log" 2>&1 &
cp_pid=$!
LAB_PIDS+=("$cp_pid")
for _ in $(seq 1 100); do grep -q "programmed: every dataplane serves" "$work/cp.log" && break; sleep 0.1; done
if ! ip netns exec "$client" curl -s --max-time 5 -H "Host: $host" http://192.0.2.100/ | grep -q be1; then
  echo "e2e: no answer through Portico" >&2
  cat "$work/dp.log" "$work/cp.log" >&2
  exit 1
fi
scheme() { [[ $1 == https* ]] && echo https || echo http; }
# target MODE ADDRESS: where a mode's requests go (the splicing Gateway for splice_*).
target() { [[ $1 == splice_* ]] && echo 192.0.2.101 || echo "$2"; }
if ! ip netns exec "$client" curl -sk --max-time 5 -H "Host: $host" https://192.0.2.100/ | grep -q be1; then
  echo "e2e: no answer through Portico over HTTPS" >&2
  exit 1
fi
# The worker's busy TSC cycles, in ms: what it spent on packets, not its idle polling.
portico_busy_ms() {
  local line; line=$(lab_dataplane_stats "$work/dp.log")
  awk -v c="$(lab_counter busy_cycles "$line")" -v hz="$(lab_counter tsc_hz "$line")" 'BEGIN { printf "%.3f", c / hz * 1000 }'
}
measure portico 192.0.2.100 portico_busy_ms "Portico: 1 worker, af_packet ports, CPU = the worker's busy cycles" splice_bulk
lab_stop_pid "$cp_pid"
lab_stop_pid "$DP_PID"

# NGINX as the data plane of NGINX Gateway Fabric configures it: a server per hostname,
# proxy_pass to an upstream with kept-alive connections.
GATEWAY=nginx
start_nginx "$ngx" gateway 10 "
  upstream app { server 198.51.100.11:8080; keepalive 32; }
  server { listen 203.0.113.2:80 default_server backlog=4096; return 404; }
  server {
    listen 203.0.113.2:80;
    server_name $host;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }
  server {
    listen 203.0.113.2:443 ssl backlog=4096;
    server_name $host;
    ssl_certificate $work/tls.crt;
    ssl_certificate_key $work/tls.key;
    ssl_certificate $work/rsa.crt;
    ssl_certificate_key $work/rsa.key;
    # NGINX 1.22's default leaves TLS 1.3 out; 1.23.4 and later (NGINX Gateway Fabric's) have both.
    ssl_protocols TLSv1.2 TLSv1.3;
    # The cipher suites Portico offers, in its order, so that both encrypt alike.
    ssl_prefer_server_ciphers on;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
lab_wait_http client http://203.0.113.2/ || true
# Core 1's busy time in ms (user, nice, system, irq, softirq, steal): NGINX's worker is all
# that runs there. Its own utime + stime would leave out the softirq work done in its
# system calls (this kernel charges a tick spent in softirq to no task), which Portico's
# busy cycles include.
nginx_cpu_ms() {
  awk -v t="$(getconf CLK_TCK)" '$1 == "cpu1" { printf "%.3f", ($2 + $3 + $4 + $7 + $8 + $9) * 1000 / t }' /proc/stat
}
measure nginx 203.0.113.2 nginx_cpu_ms \
  "NGINX $(nginx -v 2>&1 | sed 's|.*/||'): 1 worker process, upstream keepalive 32, CPU = core 1's busy time"
