#!/usr/bin/env bash
# L7 routing with real Linux TCP stacks and the control plane on a manifest directory:
# curl with different Host headers on one VIP reaches different backends; openssl
# s_client with different server names reaches different TLS backends, each showing its
# own certificate; a name no route serves gets the appliance's 404 (HTTP) or a reset
# (TLS); 100 MB down and up through the splice arrive intact; 1 000 short connections in
# a row all succeed.
# usage: l7_routing.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
CONTROLPLANE="$(dirname "$DATAPLANE")/../controlplane/portico-controlplane"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
. "$(dirname "$0")/../../scripts/lib/manifests.sh"
lab_init "pl7$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 3
client=$(lab_ns client)
for i in 1 2; do lab_start_backend "$i"; done
# TLS backends: be2 and be3 each with a certificate for its own name.
for pair in "2 db" "3 vault"; do
  set -- $pair
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=$2.sjc.example.com" \
    -keyout "$work/$2.key" -out "$work/$2.crt" 2>/dev/null
  ip netns exec "$(lab_ns "be$1")" openssl s_server -quiet -www -accept 8443 -cert "$work/$2.crt" -key "$work/$2.key" \
    >/dev/null 2>&1 &
  LAB_PIDS+=("$!")
done

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
flows: {capacity: 65536}
l7: {connections: 8192, buffers: 256}
announce: {count: 1}
YAML
cat >"$work/controlplane.yaml" <<YAML
dataplanes: ["unix:$work/api.sock"]
debounce_ms: 100
YAML
mkdir -p "$work/manifests"
{
  manifest_gatewayclass
  manifest_gateway lab 192.0.2.100 '
    - {name: http, port: 80, protocol: HTTP, hostname: "*.sjc.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: TLSRoute}]}}'
  manifest_service alpha 80 8080 198.51.100.11
  manifest_service beta 80 8080 198.51.100.12
  manifest_service db 443 8443 198.51.100.12
  manifest_service vault 443 8443 198.51.100.13
  manifest_route HTTPRoute alpha lab alpha.sjc.example.com alpha 80 http
  manifest_route HTTPRoute beta lab beta.sjc.example.com beta 80 http
  manifest_route TLSRoute db lab db.sjc.example.com db 443 tls
  manifest_route TLSRoute vault lab vault.sjc.example.com vault 443 tls
} >"$work/manifests/lab.yaml"

if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
start_controlplane() {
  "$CONTROLPLANE" --config "$work/controlplane.yaml" --manifests "$work/manifests" >>"$work/cp.log" 2>&1 &
  CP_PID=$!
  LAB_PIDS+=("$CP_PID")
  for _ in $(seq 1 100); do grep -q "programmed: every dataplane serves" "$work/cp.log" && break; sleep 0.1; done
}
start_controlplane

in_client() { ip netns exec "$client" "$@"; }
get() { in_client curl -s --max-time 10 -H "Host: $1" "http://192.0.2.100${2:-/}"; }
sni() { echo Q | in_client timeout 10 openssl s_client -connect 192.0.2.100:443 -servername "$1" 2>&1; }

check "the control plane programmed the listeners" grep -q "programmed: every dataplane serves" "$work/cp.log"
check "Host alpha.sjc.example.com reaches be1" bash -c "[ \"\$($(declare -f in_client get); client=$client; get alpha.sjc.example.com)\" = be1 ]"
check "Host beta.sjc.example.com reaches be2" bash -c "[ \"\$($(declare -f in_client get); client=$client; get beta.sjc.example.com)\" = be2 ]"
check "a Host with a port is routed by its name" bash -c "[ \"\$($(declare -f in_client get); client=$client; get BETA.sjc.example.com:80)\" = be2 ]"
no_route() {
  in_client curl -s --max-time 10 -D "$work/h404" -H "Host: nobody.sjc.example.com" http://192.0.2.100/ >"$work/b404"
  head -1 "$work/h404" | grep -q "404" && grep -q "no route" "$work/b404" && grep -qi "^Server: portico" "$work/h404"
}
check "a name no route serves gets the appliance's 404" no_route
check "SNI db.sjc.example.com reaches the backend with db's certificate" \
  bash -c "$(declare -f in_client sni); client=$client; sni db.sjc.example.com | grep -q 'subject=CN = db.sjc.example.com'"
check "SNI vault.sjc.example.com reaches the backend with vault's certificate" \
  bash -c "$(declare -f in_client sni); client=$client; sni vault.sjc.example.com | grep -q 'subject=CN = vault.sjc.example.com'"
check "an unknown SNI is reset, no certificate" \
  bash -c "$(declare -f in_client sni); client=$client; ! sni other.sjc.example.com | grep -q 'subject='"

pattern_sha() {  # the SHA-256 of the backends' /big pattern of $1 bytes
  python3 -c "
import hashlib
block = bytes(range(256)) * 256
h = hashlib.sha256()
left = $1
while left > 0:
    n = min(left, len(block)); h.update(block[:n]); left -= n
print(h.hexdigest())"
}
size=$((100 * 1024 * 1024))
download() {  # download SIZE [CURL OPTIONS]: the pattern arrives intact
  local bytes=$1; shift
  in_client curl -s --max-time 120 "$@" -H "Host: alpha.sjc.example.com" "http://192.0.2.100/big?bytes=$bytes" \
    -o "$work/down"
  local got; got=$(sha256sum <"$work/down" | cut -d' ' -f1)
  rm -f "$work/down"
  [ "$got" = "$(pattern_sha "$bytes")" ]
}
check "100 MB down through the splice arrive intact" download "$size"
restart_during_download() {
  download $((30 * 1024 * 1024)) --limit-rate 15M &
  local dl=$!
  lab_wait_until 20 "the download to start" test -s "$work/down"
  lab_stop_pid "$CP_PID"
  start_controlplane
  wait "$dl"
}
check "a control-plane restart mid-download leaves the spliced connection alone" restart_during_download
upload() {
  head -c "$size" /dev/urandom >"$work/up"
  local want got
  want=$(sha256sum <"$work/up" | cut -d' ' -f1)
  got=$(in_client curl -s --max-time 120 -H "Host: beta.sjc.example.com" --data-binary "@$work/up" http://192.0.2.100/upload)
  rm -f "$work/up"
  [ "$got" = "$want" ]
}
check "100 MB up through the splice arrive intact" upload

short_connections() {
  # URL globbing makes 1 000 requests; Connection: close makes each a new connection.
  in_client curl -s --max-time 120 -H "Host: alpha.sjc.example.com" -H "Connection: close" \
    -o /dev/null -w '%{http_code}\n' "http://192.0.2.100/[1-1000]" >"$work/codes"
  [ "$(grep -c '^200$' "$work/codes")" -eq 1000 ]
}
check "1 000 short connections in a row all succeed" short_connections
stats=$(lab_dataplane_stats "$work/dp.log")
check "every held buffer went back to the pool" [ "$(lab_counter l7_held_buffers "$stats")" = 0 ]
echo "# $stats" | tr ' ' '\n' | grep -E 'l7_|drop' | head -20 | sed 's/^/# /'
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# cp: /' "$work/cp.log" | tail -20
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dp: /' "$work/dp.log" | tail -40
lab_finish
