#!/usr/bin/env bash
# The workers' own TCP endpoint against Linux's TCP, with real clients and servers in
# namespaces: a Gateway in relay mode (portico.dev/l7-mode: relay) terminates the client's
# connection and opens its own to the backend, so both sides of every transfer are the
# dataplane's TCP talking to a kernel's. Both links run through impairment relays (this
# kernel has no netem): 40 MB down and 40 MB up arrive byte-identical with the links
# clean, with 1 % and 5 % loss, with reordering, with duplication, and with 20 ms of
# round trip on each side. Then a slow reader, a half-close, a reset mid-transfer, a
# client with a small MSS and no window scaling, and 200 connections at once; and every
# connection and buffer of the endpoint is free again at the end.
# usage: tcp_endpoint.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
LAB_RELAY_BIN="$(dirname "$DATAPLANE")/../tests/lab/impair-relay"
lab_init "ptcp$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

if ! LAB_IMPAIRED=1 LAB_GATEWAY_ANNOTATIONS='{portico.dev/l7-mode: relay}' \
  lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
in_client() { ip netns exec "$client" "$@"; }
check "the gateway answers through the relay" lab_wait_http client http://192.0.2.100/
check "a request is routed by Host in relay mode" \
  bash -c "[ \"\$(ip netns exec $client curl -s --max-time 10 -H 'Host: app.example.com' http://192.0.2.100/)\" = be1 ]"

# 40 MB is about 29 000 full segments each way: some 290 losses to recover from at 1 %,
# 1 450 at 5 %, and as many reorderings or duplicates.
size=$((40 * 1024 * 1024))
# impaired NAME RELAY_OPTIONS...: both links impaired alike, then 40 MB each way.
impaired() {
  local name=$1
  shift
  lab_impair client "$@" && lab_impair backend "$@" || return 1
  check "$name: 40 MB down arrive intact" lab_download "$size" "$work/down"
  check "$name: 40 MB up arrive intact" lab_upload "$size" "$work/up"
  rm -f "$work/down" "$work/up"
}
impaired "clean links"
impaired "1 % loss" --seed 11 --loss 0.01
impaired "5 % loss" --seed 12 --loss 0.05
impaired "5 % reordered by 2 ms" --seed 13 --reorder 0.05 --reorder-delay-us 2000
impaired "5 % duplicated" --seed 14 --duplicate 0.05
impaired "20 ms round trip" --delay-us 10000
lab_impair client && lab_impair backend

check "a slow reader (2 MB/s) gets 8 MB intact" lab_download $((8 * 1024 * 1024)) "$work/slow" --limit-rate 2M

half_close() {
  in_client python3 - <<'PY'
import hashlib, socket
s = socket.create_connection(("192.0.2.100", 80), timeout=30)
s.sendall(b"GET /big?bytes=3000000 HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n")
s.shutdown(socket.SHUT_WR)  # the client is done sending; the answer still comes
data = b""
while True:
    chunk = s.recv(1 << 16)
    if not chunk:
        break
    data += chunk
body = data.split(b"\r\n\r\n", 1)[1]
block = bytes(range(256)) * 256
want = hashlib.sha256((block * (3000000 // len(block) + 1))[:3000000]).hexdigest()
assert hashlib.sha256(body).hexdigest() == want, len(body)
PY
}
check "a client that half-closes after its request still gets all 3 MB" half_close

reset_mid_transfer() {
  in_client python3 - <<'PY'
import socket, struct
s = socket.create_connection(("192.0.2.100", 80), timeout=30)
s.sendall(b"GET /big?bytes=104857600 HTTP/1.1\r\nHost: app.example.com\r\n\r\n")
got = 0
while got < 5 * 1024 * 1024:
    got += len(s.recv(1 << 16))
# Closing with unread data and a zero linger time resets the connection.
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
}
check "a client may reset its connection mid-transfer" reset_mid_transfer

small_peer() {
  in_client sysctl -qw net.ipv4.tcp_window_scaling=0
  in_client ip route change 192.0.2.0/24 dev pcl0 advmss 536
  lab_download $((10 * 1024 * 1024)) "$work/small" && lab_upload $((10 * 1024 * 1024)) "$work/smallup"
  local ok=$?
  in_client sysctl -qw net.ipv4.tcp_window_scaling=1
  in_client ip route change 192.0.2.0/24 dev pcl0
  return $ok
}
check "a client with MSS 536 and no window scaling moves 10 MB each way" small_peer

concurrent() {
  mkdir -p "$work/many"
  in_client curl -s --max-time 120 -Z --parallel-max 200 -H "Host: app.example.com" \
    "http://192.0.2.100/big?n=[1-200]&bytes=1000000" -o "$work/many/#1" || return 1
  local want; want=$(lab_pattern_sha 1000000)
  [ "$(ls "$work/many" | wc -l)" -eq 200 ] || return 1
  for f in "$work/many"/*; do [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$want" ] || return 1; done
}
check "200 connections at once each get their 1 MB intact" concurrent

endpoint_idle() {
  local stats; stats=$(lab_dataplane_stats "$work/dp.log")
  [ "$(lab_counter tcp_connections "$stats")" = 0 ] && [ "$(lab_counter tcp_buffer_chunks "$stats")" = 0 ]
}
check "every connection and buffer chunk of the endpoint is free again" \
  lab_wait_until 60 "tcp_connections and tcp_buffer_chunks at 0" endpoint_idle
stats=$(lab_dataplane_stats "$work/dp.log")
echo "$stats" | tr ' ' '\n' | grep -E '^(tcp_|l7_|drop)' | sed 's/^/# /'
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dp: /' "$work/dp.log" | tail -20
lab_finish
