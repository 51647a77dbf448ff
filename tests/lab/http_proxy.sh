#!/usr/bin/env bash
# HTTP the way a gateway serves it (proxy mode, the default for HTTP listeners), with real
# Linux clients and servers: every request on a kept-alive connection is routed on its own
# (hostnames, paths, methods, headers, query strings in random order, each answered by the
# backend its rule names); pipelined requests answered in order; chunked bodies both ways;
# Expect: 100-continue; a WebSocket-style upgrade; X-Forwarded-For/-Proto/-Host from a
# trusted and an untrusted peer; the appliance's own 404, 503 and 504 on a connection that
# stays usable; upstream connections reused across client connections; 100 MB each way.
# usage: http_proxy.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
. "$here/../../scripts/lib/manifests.sh"
lab_init "phtp$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

{
  manifest_service down 80 9999 198.51.100.13
  manifest_route HTTPRoute a lab a.example.com alpha 80
  manifest_route HTTPRoute b lab b.example.com beta 80
  manifest_route HTTPRoute gone lab gone.example.com down 80
  cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [c.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v2}}]
      backendRefs: [{name: beta, port: 80}]
    - matches: [{method: POST}]
      backendRefs: [{name: gamma, port: 80}]
    - matches: [{headers: [{name: x-canary, value: "yes"}]}]
      backendRefs: [{name: gamma, port: 80}]
    - matches: [{queryParams: [{name: variant, value: b}]}]
      backendRefs: [{name: beta, port: 80}]
    - backendRefs: [{name: alpha, port: 80}]
YAML
} >"$work/routes.yaml"
# Three backends (be1..be3 as alpha, beta, gamma; app.example.com goes to be1); proxy mode
# is the default for HTTP listeners.
if ! LAB_BACKENDS=3 LAB_MANIFESTS="$work/routes.yaml" lab_gateway "$work" "$DATAPLANE" "$WORKERS" \
  "{trusted_peers: [192.0.2.3], http: {response_timeout_ms: 1500}}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
ip -n "$client" addr add 192.0.2.3/24 dev pcl0
in_client() { ip netns exec "$client" "$@"; }
check "the gateway answers" lab_wait_http client http://192.0.2.100/

kept_alive() {
  in_client python3 - <<'PY'
import http.client, random
random.seed(7)
cases = [
    ("GET", "a.example.com", "/", {}, "be1"),
    ("GET", "b.example.com", "/x", {}, "be2"),
    ("GET", "c.example.com", "/v2/items", {}, "be2"),
    ("GET", "c.example.com", "/v1/items", {}, "be1"),
    ("POST", "c.example.com", "/echo", {}, "be3"),
    ("GET", "c.example.com", "/echo", {"x-canary": "yes"}, "be3"),
    ("GET", "c.example.com", "/echo?variant=b", {}, "be2"),
    ("GET", "c.example.com", "/echo?variant=c", {}, "be1"),
    ("DELETE", "a.example.com", "/echo", {}, "be1"),
    ("GET", "nobody.example.com", "/", {}, "404"),
    ("GET", "gone.example.com", "/", {}, "503"),
]
conn = http.client.HTTPConnection("192.0.2.100", 80, timeout=10)
conn.connect()
port = conn.sock.getsockname()[1]
for n in range(120):
    method, host, path, headers, want = random.choice(cases)
    body = b"x" * random.randint(0, 3000) if method == "POST" else None
    conn.request(method, path, body=body, headers=dict(headers, Host=host))
    r = conn.getresponse()
    data = r.read()
    got = r.getheader("X-Backend") or str(r.status)
    assert got == want, (n, method, host, path, headers, got, want, data[:200])
    assert conn.sock is not None and conn.sock.getsockname()[1] == port, "the connection was not kept"
print("120 requests on one connection")
PY
}
check "120 requests on one kept-alive connection, each to the backend its rule names (host, path, method, header, query; 404, 503 between)" kept_alive

pipelined() {
  in_client python3 - <<'PY'
import socket
s = socket.create_connection(("192.0.2.100", 80), timeout=10)
hosts = ["b.example.com", "a.example.com", "c.example.com", "b.example.com", "nobody.example.com", "a.example.com"]
s.sendall(b"".join(b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % h.encode() for h in hosts))
data = b""
want = ["be2", "be1", "be1", "be2", "404", "be1"]
got = []
while len(got) < len(want):
    chunk = s.recv(65536)
    assert chunk, ("closed early", got)
    data += chunk
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        if len(rest) < length:
            break
        status = head.split(b" ")[1].decode()
        backend = [l.split(b": ")[1].decode() for l in head.split(b"\r\n") if l.startswith(b"X-Backend")]
        got.append(backend[0] if backend else status)
        data = rest[length:]
assert got == want, got
PY
}
check "six pipelined requests are answered in order, each by its own backend" pipelined

chunked_both_ways() {
  head -c 3000000 /dev/urandom >"$work/chunk-up"
  local want got
  want=$(sha256sum <"$work/chunk-up" | cut -d' ' -f1)
  got=$(in_client curl -s --max-time 30 -H "Host: a.example.com" -H "Transfer-Encoding: chunked" \
    --data-binary "@$work/chunk-up" http://192.0.2.100/upload)
  [ "$got" = "$want" ] || { echo "chunked upload: $got"; return 1; }
  in_client curl -s --max-time 30 -H "Host: a.example.com" "http://192.0.2.100/chunked?bytes=2500000" -o "$work/chunk-down"
  [ "$(sha256sum <"$work/chunk-down" | cut -d' ' -f1)" = "$(lab_pattern_sha 2500000)" ] ||
    { echo "chunked download: $(stat -c %s "$work/chunk-down") bytes"; return 1; }
}
check "chunked bodies both ways arrive intact (3 MB up, 2.5 MB down)" chunked_both_ways

continue_100() {
  head -c 2000000 /dev/urandom >"$work/continue"
  local want got
  want=$(sha256sum <"$work/continue" | cut -d' ' -f1)
  got=$(in_client curl -s --max-time 30 -H "Host: a.example.com" -H "Expect: 100-continue" \
    --data-binary "@$work/continue" http://192.0.2.100/upload)
  [ "$got" = "$want" ]
}
check "a request with Expect: 100-continue gets its 100 and its body through" continue_100

upgrade() {
  in_client python3 - <<'PY'
import socket
s = socket.create_connection(("192.0.2.100", 80), timeout=10)
s.sendall(b"GET /ws HTTP/1.1\r\nHost: b.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(4096)
assert head.startswith(b"HTTP/1.1 101"), head
rest = head.split(b"\r\n\r\n", 1)[1]
for i in range(50):
    msg = b"frame %d " % i * 100
    s.sendall(msg)
    got = rest
    while len(got) < len(msg):
        got += s.recv(65536)
    assert got == msg, (i, got[:40])
    rest = b""
PY
}
check "after 101 Switching Protocols the connection is a byte stream both ways" upgrade

forwarded() {
  local untrusted trusted
  untrusted=$(in_client curl -s --max-time 10 --interface 192.0.2.1 -H "Host: c.example.com" \
    -H "X-Forwarded-For: 203.0.113.9" "http://192.0.2.100/echo")
  trusted=$(in_client curl -s --max-time 10 --interface 192.0.2.3 -H "Host: c.example.com" \
    -H "X-Forwarded-For: 203.0.113.9" "http://192.0.2.100/echo")
  echo "$untrusted" | grep -qx "X-Forwarded-For: 192.0.2.1" || { echo "untrusted: $untrusted"; return 1; }
  echo "$trusted" | grep -qx "X-Forwarded-For: 203.0.113.9, 192.0.2.3" || { echo "trusted: $trusted"; return 1; }
  echo "$untrusted" | grep -qx "X-Forwarded-Proto: http" && echo "$untrusted" | grep -qx "X-Forwarded-Host: c.example.com"
}
check "X-Forwarded-For is replaced from an untrusted peer and extended from a trusted one; -Proto and -Host are set" forwarded

timeout_504() {
  local code
  code=$(in_client curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: a.example.com" \
    "http://192.0.2.100/slow?ms=4000")
  [ "$code" = 504 ] || { echo "got $code"; return 1; }
}
check "a backend that answers after the response timeout gives the client 504" timeout_504

reuse() {
  local before after
  before=$(lab_counter http_pool_reuses "$(lab_dataplane_stats "$work/dp.log")")
  in_client curl -s --max-time 60 -H "Host: a.example.com" -H "Connection: close" -o /dev/null \
    "http://192.0.2.100/[1-50]" || return 1
  after=$(lab_counter http_pool_reuses "$(lab_dataplane_stats "$work/dp.log")")
  [ $((after - before)) -ge 40 ] || { echo "reused $((after - before)) of 50"; return 1; }
}
check "50 client connections in a row reuse kept-alive upstream connections" reuse

size=$((100 * 1024 * 1024))
check "100 MB down through the proxy arrive intact" lab_download "$size" "$work/down"
check "100 MB up through the proxy arrive intact" lab_upload "$size" "$work/up"
rm -f "$work/down" "$work/up"

stats=$(lab_dataplane_stats "$work/dp.log")
echo "$stats" | tr ' ' '\n' | grep -E '^(http_|tcp_connections|l7_|drop)' | sed 's/^/# /'
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dp: /' "$work/dp.log" | grep -v "^# dp: stats" | tail -20
lab_finish
