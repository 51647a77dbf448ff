#!/usr/bin/env bash
# L4 load balancing with real Linux TCP stacks: curl in a client namespace reaches three
# HTTP backends (each in its own namespace, behind a bridge) through the VIP; hundreds of
# short connections split close to evenly; a backend marked draining keeps its open
# connection (a long download completes with the right checksum) while new connections
# avoid it; a backend removed gets no traffic at all.
# usage: l4_load_balancing.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "pll$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 3
client=$(lab_ns client)
for i in 1 2 3; do lab_start_backend "$i"; done

write_config() {  # write_config STATE1 STATE2 STATE3
  cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24, ipv6: "2001:db8::2/64"}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24, ipv6: "2001:db8:1::2/64"}
services:
  - name: web
    vip: 192.0.2.100
    port: 80
    protocol: tcp
    backends:
      - {address: 198.51.100.11, port: 8080, state: $1}
      - {address: 198.51.100.12, port: 8080, state: $2}
      - {address: 198.51.100.13, port: 8080, state: $3}
flows: {capacity: 65536}
announce: {count: 1}
YAML
}
write_config active active active
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi

check "curl through the VIP reaches a backend" lab_wait_http client http://192.0.2.100/

# 300 short connections in one curl: Connection: close makes each URL a new connection.
spread() {
  urls=$(for i in $(seq 1 300); do printf 'http://192.0.2.100/?%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 60 -H 'Connection: close' $urls >"$work/names"
  sort "$work/names" | uniq -c
  [ "$(wc -l <"$work/names")" -eq 300 ] || return 1
  for be in be1 be2 be3; do
    n=$(grep -c "^$be\$" "$work/names")
    # Even is 100 each; Maglev over 300 random client ports stays well within 60..140.
    [ "$n" -ge 60 ] && [ "$n" -le 140 ] || return 1
  done
}
check "300 short connections all succeed and split close to evenly" spread

# A long download, slowed so it is still running when its backend starts draining.
size=$((24 * 1024 * 1024))
lab_slow_download "http://192.0.2.100/big?bytes=$size" 4M "$work/big" "$work/headers"
download=$LAB_DOWNLOAD
serving=$(lab_backend_in "$work/headers")
check "the long download started on a backend ($serving)" test -n "$serving"

states=(active active active)
states[${serving#be} - 1]=draining
write_config "${states[@]}"
check "SIGHUP reload marks $serving draining" bash -c "echo '$(lab_reload_dataplane "$work/dp.log")' | grep -q 'reloaded'"

ctl="$(dirname "$DATAPLANE")/../controlplane/porticoctl"
api_shows_draining() {
  "$ctl" vips --api "unix:$work/api.sock" | python3 -c "
import json, sys
s = json.load(sys.stdin)['services'][0]
states = {b['address']: b['state'] for b in s['backends']}
print(states)
sys.exit(0 if states['198.51.100.1${serving#be}'] == 'draining' else 1)"
}
check "porticoctl vips shows $serving draining over the API socket" api_shows_draining
download_listed() {
  "$ctl" flows --api "unix:$work/api.sock" | python3 -c "
import json, sys
flows = json.load(sys.stdin)
print(len(flows), 'flows')
sys.exit(0 if any(f['backend'] == '198.51.100.1${serving#be}:8080' and f['state'] == 'established' for f in flows) else 1)"
}
check "porticoctl flows lists the download's established flow" download_listed

avoid_draining() {
  urls=$(for i in $(seq 1 60); do printf 'http://192.0.2.100/?d%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 30 -H 'Connection: close' $urls >"$work/names2"
  sort "$work/names2" | uniq -c
  [ "$(wc -l <"$work/names2")" -eq 60 ] && ! grep -q "^$serving\$" "$work/names2"
}
check "new connections avoid the draining backend" avoid_draining

check "the draining backend's open download completes with the right checksum" lab_download_intact "$download" "$work/big" "$size"

states[${serving#be} - 1]=removed
write_config "${states[@]}"
lab_reload_dataplane "$work/dp.log" >/dev/null
removed_gets_nothing() {
  urls=$(for i in $(seq 1 30); do printf 'http://192.0.2.100/?r%d ' "$i"; done)
  ip netns exec "$client" curl -s --max-time 30 -H 'Connection: close' $urls >"$work/names3"
  [ "$(wc -l <"$work/names3")" -eq 30 ] && ! grep -q "^$serving\$" "$work/names3"
}
check "a removed backend gets no connections" removed_gets_nothing

api_stats() {
  "$ctl" stats --api "unix:$work/api.sock" | python3 -c "
import json, sys
t = json.load(sys.stdin)['total']
print(t['flows_created'], t['to_client'])
sys.exit(0 if t['flows_created'] > 0 and t['to_client'] > 0 else 1)"
}
check "porticoctl stats reads the counters over the API socket" api_stats
stats=$(lab_dataplane_stats "$work/dp.log")
echo "# $stats"
check "counters: flows were created and translated both ways" \
  bash -c "[ $(lab_counter flows_created "$stats") -ge 390 ] && [ $(lab_counter to_client "$stats") -gt 0 ]"

[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dataplane: /' "$work/dp.log" | tail -n 40
lab_finish
