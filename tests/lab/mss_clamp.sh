#!/usr/bin/env bash
# MSS clamping (a port's `mss`, for a path towards the clients that carries less than
# 1 500-byte packets): with the client-side port clamped at 1300, real Linux TCP on both
# ends of an L4 (full-NAT) connection, and the client of an L7 connection, send segments
# of no more than 1300 bytes, while the L7 backend connection, on an unclamped port, keeps
# Ethernet's; downloads through both arrive intact.
# usage: mss_clamp.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "pms$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

if ! LAB_CLIENT_PORT_OPTIONS="mss: 1300" LAB_DATAPLANE_YAML="services:
  - {name: raw, vip: 192.0.2.100, port: 9000, protocol: tcp, backends: [{address: 198.51.100.11, port: 8080}]}" \
  lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not come up"
  exit 1
fi
client=$(lab_ns client)

# probe PORT: "CLIENT BACKEND", the MSS each end of one connection through the VIP's PORT
# sends with (TCP_MAXSEG, the peer's MSS less the options every segment carries).
probe() {
  ip netns exec "$client" python3 -c "
import socket, sys
s = socket.create_connection(('192.0.2.100', $1), timeout=5)
mine = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
s.sendall(b'GET /mss HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n')
data = b''
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(mine, data.split(b'\r\n\r\n', 1)[1].decode())"
}
clamped() {  # clamped PORT BACKEND_LIMIT: both ends' MSS as the clamp allows
  local out client_mss backend_mss
  out=$(probe "$1") || { echo "the probe failed: $out"; return 1; }
  read -r client_mss backend_mss <<<"$out"
  echo "client sends with MSS $client_mss, backend with $backend_mss"
  [ "$client_mss" -le 1300 ] && [ "$client_mss" -gt 1200 ] && eval "[ $backend_mss $2 ]"
}
check "L4: the client and the backend both send at most 1300-byte segments" clamped 9000 "-le 1300"
check "L7: the client sends at most 1300, the backend on the unclamped port more" clamped 80 "-gt 1300"
check "an L7 download through the clamped port arrives intact" lab_download 8000000 "$work/l7.bin"
l4_download() {
  ip netns exec "$client" curl -s --max-time 60 -H "Host: app.example.com" "http://192.0.2.100:9000/big?bytes=8000000" \
    -o "$work/l4.bin" || return 1
  [ "$(sha256sum <"$work/l4.bin" | cut -d' ' -f1)" = "$(lab_pattern_sha 8000000)" ]
}
check "an L4 download through it arrives intact" l4_download
lab_finish
